"""Data Export of the Conversaciones log (kind ``conversations``): the same rows as the report's
log, without its cap, through the real export job (in-process here; tests/exports/test_worker.py
runs the real worker for the shared job machinery)."""

import csv
import io
from datetime import timedelta

from django.utils import timezone

from contacts.models import ConversationSource
from contacts.services import conversation_close, conversation_open
from exports.models import Export
from reports.conversations import FILTERS, conversation_log_page
from reports.framework.query import report_query_parse
from tests.factories import ContactFactory


def _conversations(workspace, alice, n=7):
    now = timezone.now()
    for i in range(n):
        contact = ContactFactory(workspace=workspace, first_name="=HYPERLINK(1)" if i == 0 else f"C{i}")
        conv, _ = conversation_open(contact=contact, at=now - timedelta(hours=30 - i))
        if i % 2:
            conversation_close(conversation=conv, source=ConversationSource.USER, closed_by=alice, note="+resuelto",
                               at=now - timedelta(hours=20 - i))


def test_conversations_export_writes_every_row_of_the_log(alice_client, workspace, alice,
                                                          django_capture_on_commit_callbacks):
    _conversations(workspace, alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post("/api/v1/exports", {"kind": "conversations", "filters": {"period": "last_7_days"}},
                                     format="json")
    assert response.status_code == 202, response.json()
    export = Export.objects.get(pk=response.json()["id"])
    assert export.status == Export.Status.SUCCEEDED and export.kind == "conversations", export.error

    body = b"".join(alice_client.get(f"/api/v1/exports/{export.pk}/download").streaming_content).decode()
    rows = list(csv.reader(io.StringIO(body)))
    query = report_query_parse(filters=FILTERS, workspace=workspace, data=export.filters)
    from accounts.context import Actor
    from accounts.models import Membership

    log = conversation_log_page(workspace=workspace, actor=Actor(workspace=workspace, role=Membership.Role.OWNER),
                                query=query, page=1, page_size=100)
    assert rows[0][:3] == ["conversation_id", "contact_id", "contact_name"]
    assert [int(r[0]) for r in rows[1:]] == [r["conversation_id"] for r in log.rows]
    assert export.row_count == log.count == 7
    # CSV injection: text cells starting with = or + are quoted with a leading apostrophe
    assert any(r[2].startswith("'=HYPERLINK(1)") for r in rows[1:])
    assert all(r[15] in ("", "'+resuelto") for r in rows[1:])


def test_conversations_export_refuses_bad_filters_and_agents(alice_client, bob_client, workspace):
    bad = alice_client.post("/api/v1/exports", {"kind": "conversations", "filters": {"opening_source": "fax"}},
                            format="json")
    assert bad.status_code == 400 and "filters.opening_source" in bad.json()["errors"]
    assert bob_client.post("/api/v1/exports", {"kind": "conversations", "filters": {}},
                           format="json").status_code == 403


def test_each_kind_downloads_under_its_own_name(workspace):
    from exports.models import Export

    export = Export(pk=7, workspace=workspace, kind="conversations", filters={"start": ["2026-11-01"], "end": ["2026-11-30"]})
    assert export.download_filename == "conversaciones-2026-11-01-2026-11-30-7.csv"
    assert Export(pk=8, workspace=workspace, kind="assignments", filters={}).download_filename == "asignaciones-8.csv"
