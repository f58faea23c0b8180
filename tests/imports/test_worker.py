"""A real Celery worker on Redis and PostgreSQL runs the import; a killed worker's import resumes.

Run with ``DATABASE_URL=postgres://… REDIS_URL=redis://127.0.0.1:6379/<db>``; skipped otherwise.
"""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone

from assignments.models import AssignmentEvent
from contacts.models import Contact
from crm.celery import app as celery_app
from imports.models import ContactImport
from imports.services import contact_import_requeue_stale

from .conftest import HEADER, csv_upload

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def start_worker(settings):
    """Start ``celery worker`` processes on the test database; they are killed at the end."""
    celery_app.conf.task_always_eager = False
    celery_app.control.purge()
    workers: list[subprocess.Popen] = []
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.imports.worker_settings", "DATABASE_URL": _database_url(), "MEDIA_ROOT": str(settings.MEDIA_ROOT), "LOG_LEVEL": "WARNING"}

    def start() -> subprocess.Popen:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "crm", "worker", "--pool", "solo", "-l", "warning", "--without-gossip", "--without-mingle"],
            cwd=Path(django_settings.BASE_DIR), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        if worker.poll() is None:
            worker.kill()
            worker.wait(10)


def wait_for(predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out")


def test_a_real_worker_imports_the_file(alice_client, workspace, bob, start_worker):
    start_worker()
    content = HEADER + "Ana,,ana@example.com,+52 55 1234 5678,vip,bob@acme.example\nMal,,bad-email,,,\n"

    response = alice_client.post("/api/v1/imports", {"file": csv_upload(content)}, format="multipart")

    assert response.status_code == 202
    url = f"/api/v1/imports/{response.json()['id']}"
    detail = wait_for(lambda: (d := alice_client.get(url).json())["status"] in ("succeeded", "failed") and d)
    assert (detail["status"], detail["created"], detail["errors"]) == ("succeeded", 1, 1)
    assert Contact.objects.get(workspace=workspace, email="ana@example.com").assignee == bob
    assert alice_client.get(detail["error_rows_url"]).status_code == 200


def test_an_import_resumes_after_its_worker_is_killed(alice_client, workspace, bob, start_worker):
    rows = 300  # batches of 20 in the worker (tests/imports/worker_settings.py)
    content = HEADER + "".join(f"P{n},,p{n}@example.com,,,bob@acme.example\n" for n in range(rows))
    worker = start_worker()
    import_id = alice_client.post("/api/v1/imports", {"file": csv_upload(content)}, format="multipart").json()["id"]

    # when: the worker dies (SIGKILL) after committing some batches but before the end
    wait_for(lambda: ContactImport.objects.get(pk=import_id).processed_rows >= 40, timeout=120)
    worker.send_signal(signal.SIGKILL)
    worker.wait(10)
    stopped = ContactImport.objects.get(pk=import_id)
    assert stopped.status == "running" and stopped.processed_rows < rows

    # then: housekeeping re-sends it, a new worker resumes, and every row is imported once
    assert contact_import_requeue_stale(now=timezone.now() + timedelta(minutes=30)) == 1
    start_worker()
    done = wait_for(lambda: (ci := ContactImport.objects.get(pk=import_id)).status == "succeeded" and ci, timeout=120)
    assert (done.created_count, done.updated_count, done.error_count, done.processed_rows) == (rows, 0, 0, rows)
    assert Contact.objects.filter(workspace=workspace).count() == rows
    assert AssignmentEvent.objects.filter(workspace=workspace, source="contact_import").count() == rows
