"""Data Export of the Respuestas log (kind ``responses``): the same rows as the report's log,
without its cap, through the real export job (in-process here; tests/exports/test_worker.py runs
the real worker for the shared job machinery)."""

import csv
import io
from datetime import timedelta

from django.utils import timezone

from accounts.context import Actor
from accounts.models import Membership
from contacts.models import Message, SenderKind
from contacts.services import conversation_open, message_create
from exports.models import Export
from reports.framework.query import report_query_parse
from reports.responses import CSV_COLUMNS, FILTERS, response_log_page
from tests.factories import ContactFactory


def _answered(workspace, users, n=7):
    now = timezone.now()
    for i in range(n):
        contact = ContactFactory(workspace=workspace, first_name="=HYPERLINK(1)" if i == 0 else f"C{i}")
        opened = now - timedelta(hours=30 - i)
        conv, _ = conversation_open(contact=contact, at=opened)
        message_create(conversation=conv, direction=Message.Direction.IN, text="Hola", sender_kind=SenderKind.CONTACT,
                       at=opened)
        message_create(conversation=conv, direction=Message.Direction.OUT, text="Buenas", sender_kind=SenderKind.USER,
                       author=users[i % len(users)], at=opened + timedelta(seconds=60 * i + 5))


def _download(client, export):
    body = b"".join(client.get(f"/api/v1/exports/{export.pk}/download").streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def test_responses_export_writes_every_row_of_the_log(alice_client, workspace, alice, bob,
                                                      django_capture_on_commit_callbacks):
    _answered(workspace, [alice, bob])
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post("/api/v1/exports", {"kind": "responses", "filters": {"period": "last_7_days"}},
                                     format="json")
    assert response.status_code == 202, response.json()
    export = Export.objects.get(pk=response.json()["id"])
    assert export.status == Export.Status.SUCCEEDED and export.kind == "responses", export.error

    rows = _download(alice_client, export)
    query = report_query_parse(filters=FILTERS, workspace=workspace, data=export.filters)
    log = response_log_page(workspace=workspace, actor=Actor(workspace=workspace, role=Membership.Role.OWNER),
                            query=query, page=1, page_size=100)
    assert rows[0] == CSV_COLUMNS
    assert [int(r[0]) for r in rows[1:]] == [r["conversation_id"] for r in log.rows]
    assert [(int(r[9]), int(r[10])) for r in rows[1:]] == [
        (r["first_response_seconds"], r["first_response_business_seconds"]) for r in log.rows]
    assert export.row_count == log.count == 7
    # CSV injection: a text cell starting with = is quoted with a leading apostrophe
    assert any(r[2].startswith("'=HYPERLINK(1)") for r in rows[1:])


def test_responses_export_keeps_the_agent_filter(alice_client, workspace, alice, bob,
                                                 django_capture_on_commit_callbacks):
    _answered(workspace, [alice, bob])
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post("/api/v1/exports", {"kind": "responses", "filters": {
            "period": "last_7_days", "agent": [str(bob.pk)]}}, format="json")
    export = Export.objects.get(pk=response.json()["id"])
    rows = _download(alice_client, export)
    assert len(rows) == 1 + 3 and {r[7] for r in rows[1:]} == {str(bob.pk)}


def test_responses_export_refuses_bad_filters_and_agents(alice_client, bob_client, workspace):
    bad = alice_client.post("/api/v1/exports", {"kind": "responses", "filters": {"agent": "999999"}}, format="json")
    assert bad.status_code == 400 and "filters.agent" in bad.json()["errors"]
    assert bob_client.post("/api/v1/exports", {"kind": "responses", "filters": {}}, format="json").status_code == 403
