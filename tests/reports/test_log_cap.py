"""report.md: only the newest 10,000 matching rows of the log are reachable; metrics count all."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assignments.models import AssignmentEvent, AssignmentSource
from tests.reports.conftest import build_event

LOG = "/api/v1/reports/assignments/log"
NOW = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)
TOTAL = 10_050

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def many_events(workspace, contact, bob):
    """10,050 events over the last 6 days, one every ~51 s, newest last."""
    first = NOW - timedelta(days=6)
    template = build_event(workspace, first, source=AssignmentSource.API, new=bob, contact=contact)
    events = []
    for i in range(TOTAL):
        event = AssignmentEvent(**{f.attname: getattr(template, f.attname) for f in AssignmentEvent._meta.concrete_fields
                                   if f.attname != "id"})
        event.created_at = first + timedelta(seconds=51 * i)
        event.source = AssignmentSource.API if i % 3 else AssignmentSource.WORKFLOW
        events.append(event)
    AssignmentEvent.objects.bulk_create(events, batch_size=2000)
    return TOTAL


def test_log_is_capped_at_10000_rows_while_metrics_count_every_event(alice_client, many_events):
    # when
    first = alice_client.get(LOG).json()
    last = alice_client.get(LOG, {"page": 200}).json()
    beyond = alice_client.get(LOG, {"page": 201})
    summary = alice_client.get("/api/v1/reports/assignments/summary").json()
    series = alice_client.get("/api/v1/reports/assignments/timeseries").json()

    # then
    assert (first["count"], first["capped"], first["page_size"]) == (10_000, True, 50)
    assert first["next"].endswith("page=2")
    assert (last["page"], len(last["results"]), last["next"], last["count"], last["capped"]) == (200, 50, None, 10_000, True)
    assert last["previous"].endswith("page=199")
    assert beyond.status_code == 400
    body = beyond.json()
    assert "Exportación de datos" in body["message"]
    assert "page" in body["errors"]
    assert summary["total"] == TOTAL
    assert sum(b["total"] for b in series["buckets"]) == TOTAL
    # Below the cap, nothing is capped.
    workflow = alice_client.get(LOG, {"source": "workflow"}).json()
    assert (workflow["count"], workflow["capped"]) == (3_350, False)


def test_the_last_reachable_row_is_the_10000th_newest(alice_client, workspace, many_events):
    last_page = alice_client.get(LOG, {"page": 100, "page_size": 100}).json()
    odd_size = alice_client.get(LOG, {"page": 334, "page_size": 30}).json()
    newest_ids = list(AssignmentEvent.objects.order_by("-created_at", "-id").values_list("id", flat=True)[:10_000])

    assert [r["id"] for r in last_page["results"]] == newest_ids[9_900:]
    # Rows 9,991–10,000: a page straddling the cap stops at it.
    assert [r["id"] for r in odd_size["results"]] == newest_ids[9_990:]
    assert odd_size["next"] is None
    assert alice_client.get(LOG, {"page": 101, "page_size": 100}).status_code == 400
    assert alice_client.get(LOG, {"page": 335, "page_size": 30}).status_code == 400

    # The count stops at the cap: one COUNT over a LIMIT 10001 subquery, never all rows.
    with CaptureQueriesContext(connection) as queries:
        alice_client.get(LOG)
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1 and "LIMIT 10001" in counts[0]

    # The Data Export hint speaks the workspace language.
    type(workspace).objects.filter(pk=workspace.pk).update(language="en")
    assert "Data Export" in alice_client.get(LOG, {"page": 201}).json()["message"]


