"""Data Export of the Usuarios timeline per day (kind ``users``): the same rows as the report's
log, without its cap, through the real export job (in-process here)."""

import csv
import io
from datetime import timedelta

from django.utils import timezone

from accounts.context import Actor
from accounts.models import Membership
from exports.models import Export
from presence.services import agent_status_set
from reports.framework.query import report_query_parse
from reports.users import CSV_COLUMNS, FILTERS, users_log_page


def _download(client, export):
    body = b"".join(client.get(f"/api/v1/exports/{export.pk}/download").streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def test_users_export_writes_every_row_of_the_timeline(workspace, bob, alice, alice_client,
                                                       django_capture_on_commit_callbacks):
    now = timezone.now()
    for hours, status in ((70, "online"), (50, "away"), (30, "online"), (3, "offline")):
        agent_status_set(workspace=workspace, user=bob, status=status, source="user", at=now - timedelta(hours=hours))
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post("/api/v1/exports", {"kind": "users", "filters": {"period": "last_7_days"}},
                                     format="json")
    assert response.status_code == 202, response.json()
    export = Export.objects.get(pk=response.json()["id"])
    assert export.status == Export.Status.SUCCEEDED and export.kind == "users", export.error
    assert export.download_filename.startswith("usuarios-")
    rows = _download(alice_client, export)
    query = report_query_parse(filters=FILTERS, workspace=workspace, data=export.filters)
    log = users_log_page(workspace=workspace, actor=Actor(workspace=workspace, role=Membership.Role.OWNER),
                         query=query, page=1, page_size=100)
    assert rows[0] == CSV_COLUMNS
    assert [(r[0], int(r[1])) for r in rows[1:]] == [(r.day.isoformat(), r.user_id) for r in log.rows]
    bob_rows = [r for r in rows[1:] if int(r[1]) == bob.pk]
    assert sum(int(r[3]) for r in bob_rows) == sum(r.online for r in log.rows if r.user_id == bob.pk)
    assert export.row_count == log.count == len(rows) - 1 >= 3
    assert any("online" in r[8] and "–" in r[8] for r in bob_rows)


def test_an_agent_cannot_export_the_users_report(bob_client):
    response = bob_client.post("/api/v1/exports", {"kind": "users", "filters": {"period": "last_7_days"}},
                               format="json")
    assert response.status_code == 403 and response.json()["message"]


def test_bad_filters_of_the_users_export_are_a_400(alice_client):
    response = alice_client.post("/api/v1/exports", {"kind": "users", "filters": {"agent": "999999"}}, format="json")
    assert response.status_code == 400 and "agent" in str(response.json()["errors"])
