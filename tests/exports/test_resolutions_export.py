"""Data Export of the Resoluciones log (kind ``resolutions``): the same rows as the report's log,
without its cap, through the real export job (in-process here; tests/exports/test_worker.py runs
the real worker for the shared job machinery)."""

import csv
import io
from datetime import timedelta

from django.utils import timezone

from accounts.context import Actor
from accounts.models import Membership
from assignments.models import AssignmentSource
from assignments.services import contact_assign
from contacts.models import ConversationSource
from contacts.services import conversation_close, conversation_open
from exports.models import Export
from reports.framework.query import report_query_parse
from reports.resolutions import CSV_COLUMNS, FILTERS, resolution_log_page
from tests.factories import ContactFactory


def _resolutions(workspace, alice, bob, n=7):
    now = timezone.now()
    for i in range(n):
        contact = ContactFactory(workspace=workspace, first_name="=HYPERLINK(1)" if i == 0 else f"C{i}")
        conv, _ = conversation_open(contact=contact, at=now - timedelta(hours=40 - i))
        if i % 2:
            contact_assign(contact=contact, assignee=bob, source=AssignmentSource.API, at=now - timedelta(hours=39 - i))
        conversation_close(conversation=conv, source=ConversationSource.USER, closed_by=alice,
                           note="+resuelto" if i % 3 == 0 else "", at=now - timedelta(hours=20 - i))


def _export(client, filters, capture):
    with capture(execute=True):
        response = client.post("/api/v1/exports", {"kind": "resolutions", "filters": filters}, format="json")
    assert response.status_code == 202, response.json()
    return Export.objects.get(pk=response.json()["id"])


def test_resolutions_export_writes_every_row_of_the_log(alice_client, workspace, alice, bob,
                                                        django_capture_on_commit_callbacks):
    _resolutions(workspace, alice, bob)
    export = _export(alice_client, {"period": "last_7_days"}, django_capture_on_commit_callbacks)
    assert export.status == Export.Status.SUCCEEDED and export.kind == "resolutions", export.error

    body = b"".join(alice_client.get(f"/api/v1/exports/{export.pk}/download").streaming_content).decode()
    rows = list(csv.reader(io.StringIO(body)))
    query = report_query_parse(filters=FILTERS, workspace=workspace, data=export.filters)
    log = resolution_log_page(workspace=workspace, actor=Actor(workspace=workspace, role=Membership.Role.OWNER),
                              query=query, page=1, page_size=100)
    assert rows[0] == CSV_COLUMNS
    assert [int(r[0]) for r in rows[1:]] == [r["conversation_id"] for r in log.rows]
    assert export.row_count == log.count == 7
    by_id = {int(r[0]): dict(zip(CSV_COLUMNS, r, strict=True)) for r in rows[1:]}
    for row in log.rows:
        cells = by_id[row["conversation_id"]]
        assert int(cells["resolution_seconds"]) == row["resolution_seconds"]
        assert int(cells["business_seconds"]) == row["business_seconds"]
        assert int(cells["assignments"]) == row["assignments"]
        assert cells["fcr"] == ("yes" if row["fcr"] else "no") and cells["reopened"] == "no"
        assert cells["closed_at"] == row["closed_at"] and cells["assignee"] == (row["assignee"] or {}).get("name", "")
    # CSV injection: text cells starting with = or + are quoted with a leading apostrophe
    assert any(r[2].startswith("'=HYPERLINK(1)") for r in rows[1:])
    assert {r[-1] for r in rows[1:]} == {"", "'+resuelto"}


def test_resolutions_export_keeps_the_filters(alice_client, workspace, alice, bob, django_capture_on_commit_callbacks):
    _resolutions(workspace, alice, bob)
    export = _export(alice_client, {"period": "last_7_days", "assignee": [str(bob.pk)]},
                     django_capture_on_commit_callbacks)
    body = b"".join(alice_client.get(f"/api/v1/exports/{export.pk}/download").streaming_content).decode()
    rows = list(csv.reader(io.StringIO(body)))[1:]
    assert export.row_count == len(rows) == 3 and {r[10] for r in rows} == {str(bob.pk)}


def test_resolutions_export_refuses_bad_filters_and_agents(alice_client, bob_client, workspace):
    bad = alice_client.post("/api/v1/exports", {"kind": "resolutions", "filters": {"closing_source": "contact"}},
                            format="json")
    assert bad.status_code == 400 and "filters.closing_source" in bad.json()["errors"]
    other = alice_client.post("/api/v1/exports", {"kind": "resolutions", "filters": {"channel": "999999"}},
                              format="json")
    assert other.status_code == 400 and "filters.channel" in other.json()["errors"]
    assert bob_client.post("/api/v1/exports", {"kind": "resolutions", "filters": {}},
                           format="json").status_code == 403
