"""End to end through a REAL Celery worker on the real Redis and PostgreSQL (as in CI).

The worker (tests/celery_worker.py, the ``workers`` fixture) is ``celery -A crm worker
--pool=solo`` in a subprocess, pointed at the pytest test database; the test database is
transactional so the worker sees the committed rows.
"""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from demo.management.commands.bench_export import insert_synthetic_events
from exports import services
from exports.models import Export
from reports.periods import workspace_today
from tests.exports.conftest import download, read_csv
from tests.exports.test_rows import expected_rows

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]

EVENTS = 100_000


@pytest.fixture
def worker_settings_module():
    """The export knobs from the environment (tests/exports/worker_settings.py)."""
    return "tests.exports.worker_settings"


@pytest.fixture
def big_log(workspace, alice, bob, dave, contacts):
    insert_synthetic_events(workspace=workspace, count=EVENTS, users=[alice, bob, dave], contacts=contacts, days=300)


def wait_for(export_id, predicate, timeout=180, interval=0.05) -> Export:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        export = Export.objects.get(pk=export_id)
        if predicate(export):
            return export
        time.sleep(interval)
    raise AssertionError(f"export {export_id} stuck: {Export.objects.filter(pk=export_id).values().first()}")


def year_filters(workspace) -> dict:
    today = workspace_today(workspace)
    return {"start": (today - timedelta(days=365)).isoformat(), "end": today.isoformat()}


def test_export_of_100000_events_through_a_real_worker(workspace, alice, big_log, alice_client, workers):
    # given
    workers()
    filters = year_filters(workspace)
    # when: the HTTP API queues it on Redis and the worker runs it
    response = alice_client.post("/api/v1/exports", {"kind": "assignments", "filters": filters, "excel": True},
                                 format="json")
    assert response.status_code == 202, response.content
    export_id = response.json()["id"]
    export = wait_for(export_id, lambda e: not e.is_active)
    # then
    assert export.status == Export.Status.SUCCEEDED, export.error
    assert export.row_count == EVENTS and export.attempts == 1
    detail = alice_client.get(f"/api/v1/exports/{export_id}").json()
    assert detail["progress"] == 100 and detail["download_url"]
    data = download(alice_client, export_id)
    assert data.startswith(b"\xef\xbb\xbf") and len(data) == export.size
    rows = read_csv(data)
    assert rows[1:] == expected_rows(workspace, alice, filters)
    assert any(row[3] == "'=HYPERLINK(\"x\", \"y\")" for row in rows[1:200])


def test_killed_worker_publishes_nothing_and_the_export_recovers(workspace, alice, big_log, alice_client, workers):
    # given: a worker writing progress after every small batch, so it can be killed mid-export
    worker = workers(EXPORT_BATCH_SIZE=250, EXPORT_PROGRESS_SECONDS=0)
    filters = year_filters(workspace)
    response = alice_client.post("/api/v1/exports", {"kind": "assignments", "filters": filters}, format="json")
    assert response.status_code == 202
    export_id = response.json()["id"]
    running = wait_for(export_id, lambda e: e.status == Export.Status.RUNNING and e.progress >= 5, interval=0.01)
    assert running.progress < 100
    # when: the worker dies mid-export (SIGKILL: no cleanup, the message stays unacknowledged)
    worker.kill()
    # then: never "succeeded" with a partial file
    dead = Export.objects.get(pk=export_id)
    assert dead.status == Export.Status.RUNNING and not dead.file and dead.row_count is None
    storage = Export._meta.get_field("file").storage
    assert not storage.exists(dead.folder) or storage.listdir(dead.folder)[1] == []
    assert alice_client.get(f"/api/v1/exports/{export_id}/download").status_code == 409
    # when: the housekeeping sweep finds its heartbeat stale, it queues the export again
    later = timezone.now() + timedelta(seconds=services.stale_seconds() + 1)
    assert services.exports_sweep_stale(now=later) == {"requeued": 1, "failed": 0}
    requeued = Export.objects.get(pk=export_id)
    assert requeued.status == Export.Status.QUEUED and requeued.error  # the reason is recorded
    # and a new worker finishes it correctly
    workers()
    done = wait_for(export_id, lambda e: not e.is_active)
    assert done.status == Export.Status.SUCCEEDED, done.error
    assert done.attempts == 2 and done.row_count == EVENTS
    rows = read_csv(download(alice_client, export_id))
    assert len(rows) == EVENTS + 1
    assert rows[1:] == expected_rows(workspace, alice, filters)
