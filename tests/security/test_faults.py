"""Faults: Redis down, the database connection lost mid-export, a crashed rollup rebuild.

Real faults, not mocks: Redis is "down" because the broker and the cache point at a closed
port (nothing listens on 127.0.0.1:6390); the database connection is killed with
``pg_terminate_backend`` from a second connection; the rollup rebuild crashes inside its
transaction after it has rewritten the rows.
"""

import time
from datetime import timedelta

import psycopg
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.utils import timezone

from accounts.context import Actor
from accounts.models import Membership
from assignments import rollups
from assignments.models import (
    AssignmentDailyCount,
    AssignmentEvent,
    AssignmentRollupState,
    AssignmentSource,
)
from assignments.rollups import rollup_rebuild, rollup_snapshot
from assignments.services import contact_assign
from crm.celery import app as celery_app
from exports import services as export_services
from exports.models import Export
from exports.services import export_request, export_run, exports_sweep_stale
from imports.models import ContactImport
from imports.services import contact_import_housekeeping
from tests.factories import ContactFactory

CLOSED_PORT_URL = "redis://127.0.0.1:6390/0"


def _reset_broker_pools():
    """Forget pooled broker connections so the next publish connects to the current broker_url
    (what Celery itself does after a fork; kombu's global pools keep the old ones for reuse)."""
    celery_app._pool = None
    if "amqp" in celery_app.__dict__:
        celery_app.amqp._producer_pool = None


@pytest.fixture
def redis_down(settings):
    """Broker and cache on a closed port, tasks sent to the broker (not run in-process)."""
    previous = (celery_app.conf.broker_url, celery_app.conf.task_always_eager)
    celery_app.conf.broker_url = CLOSED_PORT_URL
    celery_app.conf.task_always_eager = False
    _reset_broker_pools()
    settings.CACHES = {
        "default": {
            "BACKEND": "crm.cache.ResilientRedisCache",
            "LOCATION": CLOSED_PORT_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    yield
    celery_app.conf.broker_url, celery_app.conf.task_always_eager = previous
    _reset_broker_pools()


def _assert_503_json(response):
    assert response.status_code == 503, (response.status_code, response.content[:300])
    body = response.json()
    assert set(body) == {"message", "errors"} and body["message"], body


# --- Redis down: exports ------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_export_with_redis_down_answers_503_and_the_export_is_failed(redis_down, token_client, workspace):
    started = time.monotonic()
    response = token_client.post("/api/v1/exports", {"kind": "assignments", "filters": {"period": "last_7_days"}},
                                 format="json")
    _assert_503_json(response)
    assert time.monotonic() - started < 10, "the request must not hang on the broker"
    export = Export.objects.get(workspace=workspace)
    assert export.status == Export.Status.FAILED and export.error
    assert not Export.objects.filter(status=Export.Status.QUEUED).exists()
    # The failure is visible through the API too.
    detail = token_client.get(f"/api/v1/exports/{export.pk}")
    assert detail.status_code == 200 and detail.json()["status"] == "failed" and detail.json()["error"]


@pytest.mark.django_db(transaction=True)
def test_export_page_with_redis_down_says_so_and_leaves_nothing_queued(redis_down, alice, workspace):
    client = Client()
    client.force_login(alice)
    response = client.post("/settings/data-export/", {"period": "last_7_days"}, follow=True)
    assert response.status_code == 200
    assert not Export.objects.filter(status=Export.Status.QUEUED).exists()
    assert Export.objects.get(workspace=workspace).status == Export.Status.FAILED


@pytest.mark.django_db(transaction=True)
def test_every_api_request_survives_redis_down(redis_down, token_client, alice_client, workspace):
    """The rate limits live in the cache: with Redis gone they let requests through (logged),
    they do not turn every request into a 500."""
    for client in (token_client, alice_client):
        assert client.get("/api/v1/contacts").status_code == 200
        assert client.get("/api/v1/reports/assignments/summary").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_login_works_with_redis_down(redis_down, alice):
    client = Client()
    response = client.post("/accounts/login/", {"username": "alice@acme.example", "password": "pw-123456"})
    assert response.status_code == 302 and response["Location"] == "/reports/assignments/"


# --- Redis down: imports ------------------------------------------------------------------


def _csv():
    return SimpleUploadedFile("contacts.csv", b"first_name,email\nEva,eva@cliente.mx\n", "text/csv")


@pytest.mark.django_db(transaction=True)
def test_import_with_redis_down_answers_503_and_nothing_stays_queued(redis_down, token_client, workspace):
    response = token_client.post("/api/v1/imports", {"file": _csv()}, format="multipart")
    _assert_503_json(response)
    assert not ContactImport.objects.filter(status=ContactImport.Status.QUEUED).exists()
    contact_import = ContactImport.objects.get(workspace=workspace)
    assert contact_import.status == ContactImport.Status.FAILED and contact_import.error_message


@pytest.mark.django_db(transaction=True)
def test_import_started_from_the_page_with_redis_down_ends_failed_with_the_reason(redis_down, alice, workspace):
    client = Client()
    client.force_login(alice)
    response = client.post("/settings/data-import/", {"file": _csv()})
    assert response.status_code == 302, response.status_code  # the draft, waiting for the mapping
    draft = ContactImport.objects.get(workspace=workspace)
    response = client.post(f"/settings/data-import/{draft.pk}/",
                           {"mode": "add_and_update", "column_0": "first_name", "column_1": "email"}, follow=True)
    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.status == ContactImport.Status.FAILED, draft.status
    assert draft.error_message in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_an_import_queued_while_redis_was_down_runs_once_it_is_back(settings, token_client, workspace):
    """Whatever the request answered, the housekeeping re-sends the import when Redis is back."""
    previous = (celery_app.conf.broker_url, celery_app.conf.task_always_eager)
    celery_app.conf.broker_url, celery_app.conf.task_always_eager = CLOSED_PORT_URL, False
    _reset_broker_pools()
    try:
        response = token_client.post("/api/v1/imports", {"file": _csv()}, format="multipart")
    finally:
        celery_app.conf.broker_url, celery_app.conf.task_always_eager = previous
        _reset_broker_pools()
    assert response.status_code in (202, 503), response.content
    contact_import = ContactImport.objects.get(workspace=workspace)
    if contact_import.status == ContactImport.Status.FAILED:
        return  # refused up front: nothing to recover
    # Redis is back (tasks run in-process here); the beat's housekeeping finds the stale import.
    contact_import_housekeeping(now=timezone.now() + timedelta(hours=1))
    contact_import.refresh_from_db()
    assert contact_import.status == ContactImport.Status.SUCCEEDED, contact_import.status


# --- The database connection lost mid-export -------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_export_whose_database_connection_is_killed_fails_or_is_retried_and_publishes_nothing(
    workspace, alice, settings, monkeypatch
):
    contacts = [ContactFactory(workspace=workspace) for _ in range(5)]
    for index in range(40):
        contact_assign(contact=contacts[index % 5], assignee=alice if index % 2 else None, source=AssignmentSource.API)
    membership = Membership.objects.get(user=alice, workspace=workspace)
    # The request queues the export; this test plays the worker, so the message is not sent.
    real_enqueue = export_services.export_enqueue
    monkeypatch.setattr(export_services, "export_enqueue", lambda **kwargs: None)
    export = export_request(actor=Actor.for_membership(membership), filters={"period": "today"})
    monkeypatch.setattr(export_services, "export_enqueue", real_enqueue)

    real_write = export_services.export_write_csv
    dsn = _test_database_dsn()

    def write_then_lose_the_connection(*, export, actor, fh, on_rows=None):
        # Mid-export: the temporary file has its first bytes when another session terminates
        # this one, as a database restart or a failover would.
        fh.write(",".join(("timestamp", "conversation_id")))
        fh.flush()
        pid = connection.connection.info.backend_pid
        with psycopg.connect(dsn, autocommit=True) as other:
            other.execute("SELECT pg_terminate_backend(%s)", [pid])
        return real_write(export=export, actor=actor, fh=fh, on_rows=on_rows)

    monkeypatch.setattr(export_services, "export_write_csv", write_then_lose_the_connection)
    try:
        export_run(export_id=export.pk, task_id=export.task_id)
    except Exception:
        pass  # the attempt could not even record its failure: its connection is gone
    connection.close()  # the dead connection; Django opens a new one
    monkeypatch.setattr(export_services, "export_write_csv", real_write)

    export.refresh_from_db()
    storage_files = export_services._storage().listdir(export.folder)[1] if _folder_exists(export) else []
    assert export.status in (Export.Status.FAILED, Export.Status.RUNNING, Export.Status.QUEUED), export.status
    assert not export.file and not storage_files, "a partial file was published"
    if export.status == Export.Status.FAILED:
        assert export.error
        return
    # The attempt died with its connection: the stale-job sweep requeues it (with the reason),
    # and the rerun (in-process here) publishes the complete file.
    exports_sweep_stale(now=timezone.now() + timedelta(hours=1))
    export.refresh_from_db()
    assert export.attempts >= 2 or export.status == Export.Status.SUCCEEDED
    assert export.status == Export.Status.SUCCEEDED, (export.status, export.error)
    assert export.row_count == AssignmentEvent.objects.filter(workspace=workspace).count()


def _test_database_dsn() -> str:
    params = connection.get_connection_params()
    return psycopg.conninfo.make_conninfo(
        **{key: value for key, value in params.items() if key in ("host", "port", "user", "password", "dbname")}
    )


def _folder_exists(export) -> bool:
    try:
        export_services._storage().listdir(export.folder)
    except (FileNotFoundError, NotADirectoryError):
        return False
    return True


# --- A crashed rollup rebuild --------------------------------------------------------------


@pytest.fixture
def events(workspace, alice, bob):
    contacts = [ContactFactory(workspace=workspace) for _ in range(6)]
    for index in range(30):
        contact_assign(
            contact=contacts[index % 6], assignee=[alice, bob, None][index % 3],
            source=[AssignmentSource.API, AssignmentSource.USER, AssignmentSource.WORKFLOW][index % 3],
            assigned_by=alice if index % 3 == 1 else None,
        )
    return AssignmentEvent.objects.filter(workspace=workspace).count()


def _all_total(workspace) -> int:
    return sum(count for (dimension, *_), count in rollup_snapshot(workspace=workspace).items() if dimension == "all")


@pytest.mark.django_db(transaction=True)
def test_a_crashed_rollup_rebuild_leaves_the_previous_rollup_and_a_rerun_counts_once(workspace, events, monkeypatch):
    rollup_rebuild(workspace=workspace)
    before = rollup_snapshot(workspace=workspace)
    state_before = AssignmentRollupState.objects.get(workspace=workspace)
    assert _all_total(workspace) == events

    # The workspace moves to another timezone (the rebuild's reason) and the rebuild crashes
    # after deleting and rewriting the rows, before its transaction commits.
    workspace.timezone = "Asia/Tokyo"
    workspace.save(update_fields=["timezone"])
    real = rollups._rebuild_sql if connection.vendor == "postgresql" else rollups._rebuild_python
    name = real.__name__

    def rewrite_then_crash(*args, **kwargs):
        real(*args, **kwargs)
        assert AssignmentDailyCount.objects.filter(workspace=workspace).exists()
        raise OSError("worker killed")

    monkeypatch.setattr(rollups, name, rewrite_then_crash)
    with pytest.raises(OSError):
        rollup_rebuild(workspace=workspace)
    monkeypatch.setattr(rollups, name, real)

    assert rollup_snapshot(workspace=workspace) == before
    state = AssignmentRollupState.objects.get(workspace=workspace)
    assert (state.timezone, state.ready, state.rebuilt_at) == (state_before.timezone, state_before.ready, state_before.rebuilt_at)
    # The reports do not read a rollup counted in another timezone.
    assert not rollups.rollup_is_ready(workspace=workspace)

    # Rerun (twice: a retried task): every event counted exactly once, in the new timezone.
    assert rollup_rebuild(workspace=workspace) == events
    after = rollup_snapshot(workspace=workspace)
    assert rollup_rebuild(workspace=workspace) == events
    assert rollup_snapshot(workspace=workspace) == after
    assert _all_total(workspace) == events
    assert rollups.rollup_is_ready(workspace=workspace)
