"""Data Export of the Transmisiones recipients log (kind ``broadcasts``): the same rows as the
report's log, without its cap, through the real export job (in-process here;
tests/exports/test_worker.py runs the real worker for the shared job machinery)."""

import csv
import io
from datetime import timedelta

from django.utils import timezone

from accounts.context import Actor
from accounts.models import Membership
from broadcasts.models import Broadcast, BroadcastRecipient
from exports.models import Export
from integrations.services import channel_create
from reports.broadcasts_report import CSV_COLUMNS, FILTERS, broadcast_report_log_page
from reports.framework.query import report_query_parse


def _recipients(workspace):
    now = timezone.now()
    channel, _ = channel_create(workspace=workspace, name="WhatsApp")
    broadcasts = [Broadcast.objects.create(workspace=workspace, channel=channel, name=f"Promo {i}", segment_name="VIP",
                                           text="Hola", status=Broadcast.Status.SENT, created_at=now - timedelta(hours=5))
                  for i in range(2)]
    for i in range(7):
        queued = now - timedelta(hours=4, minutes=i)
        status = ("sent", "failed", "skipped", "read")[i % 4]
        BroadcastRecipient.objects.create(
            workspace=workspace, broadcast=broadcasts[i % 2], contact_id=500 + i,
            contact_name="=HYPERLINK(1)" if i == 0 else f"C{i}", status=status, queued_at=queued,
            reason={"failed": "channel_rejected", "skipped": "no_channel"}.get(status, ""),
            detail="HTTP 422" if status == "failed" else "", message_id=900 + i if status in ("sent", "read") else None,
            sent_at=queued + timedelta(minutes=1) if status in ("sent", "read") else None,
            read_at=queued + timedelta(minutes=3) if status == "read" else None,
            failed_at=queued if status == "failed" else None)
    return broadcasts


def _download(client, export):
    body = b"".join(client.get(f"/api/v1/exports/{export.pk}/download").streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def _export(client, filters, capture):
    with capture(execute=True):
        response = client.post("/api/v1/exports", {"kind": "broadcasts", "filters": filters}, format="json")
    assert response.status_code == 202, response.json()
    return Export.objects.get(pk=response.json()["id"])


def test_broadcasts_export_writes_every_row_of_the_log(alice_client, workspace, django_capture_on_commit_callbacks):
    _recipients(workspace)
    export = _export(alice_client, {"period": "last_7_days"}, django_capture_on_commit_callbacks)
    assert export.status == Export.Status.SUCCEEDED and export.kind == "broadcasts", export.error
    assert export.download_filename.startswith("transmisiones-")

    rows = _download(alice_client, export)
    query = report_query_parse(filters=FILTERS, workspace=workspace, data=export.filters)
    log = broadcast_report_log_page(workspace=workspace, actor=Actor(workspace=workspace, role=Membership.Role.OWNER),
                                    query=query, page=1, page_size=100)
    assert rows[0] == CSV_COLUMNS
    assert [int(r[0]) for r in rows[1:]] == [r["id"] for r in log.rows]
    assert [(r[7], r[8]) for r in rows[1:]] == [(r["status"], r["reason"] or "") for r in log.rows]
    assert export.row_count == log.count == 7
    failed = [r for r in rows[1:] if r[7] == "failed"]
    assert {(r[8], r[9], r[11] == "", r[15] != "") for r in failed} == {("channel_rejected", "HTTP 422", True, True)}
    read = [r for r in rows[1:] if r[7] == "read"]
    assert read and all(r[11] and r[13] and not r[12] for r in read)  # sent_at, read_at; delivered never reported
    # CSV injection: a text cell starting with = is quoted with a leading apostrophe
    assert any(r[6].startswith("'=HYPERLINK(1)") for r in rows[1:])


def test_broadcasts_export_keeps_the_filters(alice_client, workspace, django_capture_on_commit_callbacks):
    broadcasts = _recipients(workspace)
    export = _export(alice_client, {"period": "last_7_days", "broadcast": [str(broadcasts[1].pk)], "status": "sent,read"},
                     django_capture_on_commit_callbacks)
    rows = _download(alice_client, export)
    assert len(rows) == 1 + 1 and {r[1] for r in rows[1:]} == {str(broadcasts[1].pk)}


def test_broadcasts_export_refuses_bad_filters_and_agents(alice_client, bob_client, workspace):
    bad = alice_client.post("/api/v1/exports", {"kind": "broadcasts", "filters": {"status": "lost"}}, format="json")
    assert bad.status_code == 400 and "filters.status" in bad.json()["errors"]
    assert bob_client.post("/api/v1/exports", {"kind": "broadcasts", "filters": {}}, format="json").status_code == 403
