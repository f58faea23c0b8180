"""Data Export of the Contactos log (kind ``contacts``): the same rows as the report's log, without
its cap, through the real export job (in-process here; tests/exports/test_worker.py runs the real
worker for the shared job machinery)."""

import csv
import io
from datetime import timedelta

from django.utils import timezone

from accounts.context import Actor
from accounts.models import Membership
from contacts.models import Message, SenderKind
from contacts.services import contact_create, conversation_open, message_create
from exports.models import Export
from reports.contacts_report import CSV_COLUMNS, FILTERS, contact_log_page
from reports.framework.query import report_query_parse
from tests.factories import ContactFactory


def _contacts(workspace, bob):
    now = timezone.now()
    old = ContactFactory(workspace=workspace, first_name="Vieja", last_name="", created_at=now - timedelta(days=40))
    conversation, _ = conversation_open(contact=old, at=now - timedelta(days=2))
    for hours in (47, 30):
        message_create(conversation=conversation, direction=Message.Direction.IN, text="Hola",
                       sender_kind=SenderKind.CONTACT, at=now - timedelta(hours=hours))
    contact_create(workspace=workspace, origin="import", first_name="=HYPERLINK(1)", at=now - timedelta(hours=5))
    contact_create(workspace=workspace, origin="user", created_by=bob, first_name="Nueva", at=now - timedelta(hours=3))
    ContactFactory(workspace=workspace, first_name="Silenciosa", created_at=now - timedelta(days=40))


def _download(client, export):
    body = b"".join(client.get(f"/api/v1/exports/{export.pk}/download").streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def _export(client, filters, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/exports", {"kind": "contacts", "filters": filters}, format="json")
    assert response.status_code == 202, response.json()
    return Export.objects.get(pk=response.json()["id"])


def test_contacts_export_writes_every_row_of_the_log(alice_client, workspace, bob, django_capture_on_commit_callbacks):
    _contacts(workspace, bob)
    export = _export(alice_client, {"period": "last_7_days"}, django_capture_on_commit_callbacks)
    assert export.status == Export.Status.SUCCEEDED and export.kind == "contacts", export.error

    rows = _download(alice_client, export)
    query = report_query_parse(filters=FILTERS, workspace=workspace, data=export.filters)
    log = contact_log_page(workspace=workspace, actor=Actor(workspace=workspace, role=Membership.Role.OWNER),
                           query=query, page=1, page_size=100)
    assert rows[0] == CSV_COLUMNS
    assert [int(r[0]) for r in rows[1:]] == [r["id"] for r in log.rows]
    assert [(r[1], r[4], r[9], r[10], r[11]) for r in rows[1:]] == [
        ("Nueva", "user", "0", "yes", "no"), ("'=HYPERLINK(1)", "import", "0", "yes", "no"),
        ("Vieja", "unknown", "2", "no", "yes")]
    assert export.row_count == log.count == 3
    assert rows[3][3] and rows[1][3] == ""  # first seen: the old contact wrote in, the new ones did not


def test_contacts_export_keeps_the_filters_and_refuses_bad_ones(alice_client, bob_client, workspace, bob,
                                                                 django_capture_on_commit_callbacks):
    _contacts(workspace, bob)
    export = _export(alice_client, {"period": "last_7_days", "origin": ["import"]}, django_capture_on_commit_callbacks)
    assert [r[4] for r in _download(alice_client, export)[1:]] == ["import"]

    bad = alice_client.post("/api/v1/exports", {"kind": "contacts", "filters": {"origin": "robot"}}, format="json")
    assert bad.status_code == 400 and "filters.origin" in bad.json()["errors"]
    assert bob_client.post("/api/v1/exports", {"kind": "contacts", "filters": {}}, format="json").status_code == 403
