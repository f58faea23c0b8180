"""End to end through a REAL Celery worker on the real Redis and PostgreSQL (as in CI).

The worker is ``celery -A crm worker --pool=solo`` in a subprocess, pointed at the pytest test
database; the test database is transactional so the worker sees the committed rows.
"""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from crm.celery import app as celery_app
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
# The workers' database sessions carry this name, so the test can end those a SIGKILL orphaned.
WORKER_APPLICATION_NAME = "export-test-worker"


def _test_database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] or ""
    if db.get("PASSWORD"):
        auth += f":{db['PASSWORD']}"
    return (
        f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        f"?application_name={WORKER_APPLICATION_NAME}"
    )


def _end_worker_sessions() -> None:
    """A killed worker's session may linger; the test database cannot be dropped while it does."""
    with connection.cursor() as cursor:
        for _ in range(50):
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND application_name = %s AND pid <> pg_backend_pid()",
                [WORKER_APPLICATION_NAME],
            )
            if not cursor.fetchall():
                return
            time.sleep(0.1)


class Worker:
    """A celery worker subprocess with the test process's environment and test database."""

    def __init__(self, tmp_path: Path, **extra_env):
        self.log = tmp_path / f"worker-{time.monotonic_ns()}.log"
        env = {
            **os.environ,
            "DATABASE_URL": _test_database_url(),
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "DJANGO_SETTINGS_MODULE": "tests.exports.worker_settings",
            "DB_CONN_MAX_AGE": "0",
            **{k: str(v) for k, v in extra_env.items()},
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "crm", "worker", "--pool=solo", "--concurrency=1",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "info",
             "-n", f"export-test-{os.getpid()}-{time.monotonic_ns()}@%h"],
            cwd=settings.BASE_DIR, env=env, stdout=self.log.open("w"), stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while " ready." not in self.log.read_text():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise AssertionError("the worker did not start:\n" + self.log.read_text()[-3000:])
            time.sleep(0.1)

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


@pytest.fixture
def workers(tmp_path):
    started: list[Worker] = []

    def start(**env) -> Worker:
        worker = Worker(tmp_path, **env)
        started.append(worker)
        return worker

    # Only this test's messages: drop whatever an earlier, aborted run left in the queue.
    celery_app.control.purge()
    celery_app.conf.task_always_eager = False
    yield start
    for worker in started:
        worker.stop()
    _end_worker_sessions()
    celery_app.control.purge()


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
