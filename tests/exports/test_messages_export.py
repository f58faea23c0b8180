"""Data Export of the Mensajes log (kind ``messages``): the same rows as the report's log,
without its cap, through the real export job (in-process here; tests/exports/test_worker.py runs
the real worker for the shared job machinery)."""

import csv
import io
from datetime import timedelta

from django.utils import timezone

from accounts.context import Actor
from accounts.models import Membership
from contacts.models import Message, SenderKind
from contacts.services import (
    conversation_open,
    message_create,
    message_delivery_queue,
    message_status_record,
)
from exports.models import Export
from reports.framework.query import report_query_parse
from reports.messages import CSV_COLUMNS, FILTERS, message_log_page
from tests.factories import ContactFactory


def _conversations(workspace, users, n=4):
    now = timezone.now()
    for i in range(n):
        contact = ContactFactory(workspace=workspace, first_name="=HYPERLINK(1)" if i == 0 else f"C{i}")
        opened = now - timedelta(hours=30 - i)
        conv, _ = conversation_open(contact=contact, at=opened)
        message_create(conversation=conv, direction=Message.Direction.IN, text="Hola", sender_kind=SenderKind.CONTACT,
                       at=opened)
        message_create(conversation=conv, direction=Message.Direction.OUT, text="Buenas", sender_kind=SenderKind.USER,
                       author=users[i % len(users)], at=opened + timedelta(seconds=60 * i + 5))
        message_create(conversation=conv, direction=Message.Direction.OUT, text="Gracias",
                       sender_kind=SenderKind.WORKFLOW, at=opened + timedelta(minutes=30))


def _download(client, export):
    body = b"".join(client.get(f"/api/v1/exports/{export.pk}/download").streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def test_messages_export_writes_every_row_of_the_log(alice_client, workspace, alice, bob,
                                                     django_capture_on_commit_callbacks):
    _conversations(workspace, [alice, bob])
    failed = Message.objects.filter(sender_kind=SenderKind.WORKFLOW).first()
    message_delivery_queue(message=failed, channel_id=1)
    message_status_record(message=failed, status="failed", reason="HTTP 410: gone")
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post("/api/v1/exports", {"kind": "messages", "filters": {"period": "last_7_days"}},
                                     format="json")
    assert response.status_code == 202, response.json()
    export = Export.objects.get(pk=response.json()["id"])
    assert export.status == Export.Status.SUCCEEDED and export.kind == "messages", export.error
    assert export.download_filename.startswith("mensajes-")

    rows = _download(alice_client, export)
    query = report_query_parse(filters=FILTERS, workspace=workspace, data=export.filters)
    log = message_log_page(workspace=workspace, actor=Actor(workspace=workspace, role=Membership.Role.OWNER),
                           query=query, page=1, page_size=100)
    assert rows[0] == CSV_COLUMNS
    assert [int(r[0]) for r in rows[1:]] == [r["id"] for r in log.rows]
    assert [(r[7], r[8]) for r in rows[1:]] == [(r["direction"], r["sender_kind"]) for r in log.rows]
    assert export.row_count == log.count == 12
    assert [(r[11], r[12]) for r in rows[1:] if int(r[0]) == failed.pk] == [("failed", "HTTP 410: gone")]
    assert {(r[11], r[12]) for r in rows[1:] if int(r[0]) != failed.pk} == {("", "")}
    # CSV injection: a text cell starting with = is quoted with a leading apostrophe
    assert any(r[4].startswith("'=HYPERLINK(1)") for r in rows[1:])


def test_messages_export_keeps_the_filters(alice_client, workspace, alice, bob, django_capture_on_commit_callbacks):
    _conversations(workspace, [alice, bob])
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post("/api/v1/exports", {"kind": "messages", "filters": {
            "period": "last_7_days", "agent": [str(bob.pk)]}}, format="json")
    export = Export.objects.get(pk=response.json()["id"])
    rows = _download(alice_client, export)
    assert len(rows) == 1 + 2 and {r[9] for r in rows[1:]} == {str(bob.pk)}


def test_messages_export_refuses_bad_filters_and_agents(alice_client, bob_client, workspace):
    bad = alice_client.post("/api/v1/exports", {"kind": "messages", "filters": {"direction": "up"}}, format="json")
    assert bad.status_code == 400 and "filters.direction" in bad.json()["errors"]
    assert bob_client.post("/api/v1/exports", {"kind": "messages", "filters": {}}, format="json").status_code == 403
