"""The models and the migrations agree: no model change is left without its migration, and no
app has two migration leaves (which ``migrate`` would refuse on deployment)."""

from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_every_model_change_has_its_migration():
    out = StringIO()
    # --check exits non-zero when a migration is missing; a conflict (two leaves) raises.
    call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    assert "No changes detected" in out.getvalue()
