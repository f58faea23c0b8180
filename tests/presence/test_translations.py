"""Spanish first, English second: presence's catalogs are complete and compiled."""

import re
from pathlib import Path

import pytest
from django.utils import translation

from presence.models import AgentStatusSource, AgentStatusValue

LOCALE = Path(__file__).resolve().parents[2] / "presence" / "locale"


@pytest.mark.parametrize("language", ["es", "en"])
def test_catalog_is_complete_and_compiled(language):
    po = LOCALE / language / "LC_MESSAGES" / "django.po"
    mo = po.with_suffix(".mo")
    text = po.read_text()
    entries = re.findall(r'^msgid "(.+)"\nmsgstr "(.*)"$', text, re.M)
    assert entries and all(msgstr for _, msgstr in entries), [m for m, s in entries if not s]
    assert "#, fuzzy" not in text
    assert mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime - 1


def test_status_and_source_labels():
    with translation.override("es"):
        assert [str(label) for label in AgentStatusValue.labels] == ["Online", "Ausente", "Desconectado"]
        assert str(AgentStatusSource.IDLE.label) == "Inactividad"
        assert str(AgentStatusSource.LOGOUT.label) == "Cierre de sesión"
    with translation.override("en"):
        assert [str(label) for label in AgentStatusValue.labels] == ["Online", "Away", "Offline"]
