"""The export job: failure mid-way, idempotent re-runs, stale workers, permission re-check, expiry."""

import glob
import os
import tempfile
import uuid
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.context import Actor
from accounts.models import ApiToken, Membership
from exports import services
from exports.models import Export
from exports.services import export_request, export_run, exports_expire, exports_sweep_stale
from exports.tasks import exports_housekeeping_task
from tests.exports.conftest import make_events, read_csv

pytestmark = pytest.mark.django_db


@pytest.fixture
def events(workspace, alice, dave, contacts):
    make_events(workspace, 2_500, users=[alice, dave], contacts=contacts, days=5)


def request_export(user, capture=None, filters=None, *, execute=True) -> Export:
    membership = Membership.objects.select_related("workspace", "user").get(user=user)
    if capture is None:
        export = export_request(actor=Actor.for_membership(membership), filters=filters or {})
    else:
        with capture(execute=execute):
            export = export_request(actor=Actor.for_membership(membership), filters=filters or {})
    export.refresh_from_db()
    return export


def stored_files(export) -> list[str]:
    storage = Export._meta.get_field("file").storage
    try:
        return storage.listdir(export.folder)[1]
    except FileNotFoundError:
        return []


def temp_files(export) -> list[str]:
    from django.conf import settings

    return glob.glob(os.path.join(settings.FILE_UPLOAD_TEMP_DIR or tempfile.gettempdir(), f"export-{export.pk}-*"))


def test_a_task_failing_mid_way_publishes_nothing_and_ends_failed(
    settings, monkeypatch, alice, events, django_capture_on_commit_callbacks
):
    # given: the rows stop coming after two batches (e.g. the database went away)
    settings.EXPORT_COPY = False  # the batched path; the COPY path has its own test below
    settings.EXPORT_BATCH_SIZE = 500
    real_batches = services.export_event_batches

    def failing_batches(events, **kwargs):
        for number, batch in enumerate(real_batches(events, **kwargs), start=1):
            if number == 3:
                raise ConnectionError("database connection lost")
            yield batch

    monkeypatch.setattr(services, "export_event_batches", failing_batches)
    # when
    export = request_export(alice, django_capture_on_commit_callbacks)
    # then
    assert export.status == Export.Status.FAILED
    assert "database connection lost" in export.error
    assert not export.file and export.row_count is None and export.progress < 100
    assert stored_files(export) == [] and temp_files(export) == []
    assert export.finished_at is not None


def test_a_failure_while_publishing_leaves_no_file(monkeypatch, alice, events, django_capture_on_commit_callbacks):
    # given: storage accepts the file, then the final UPDATE finds the row taken by another attempt
    real_save = Export._meta.get_field("file").storage.save

    def save_then_lose_the_row(name, content, **kwargs):
        saved = real_save(name, content, **kwargs)
        Export.objects.update(attempts=99)
        return saved

    monkeypatch.setattr(Export._meta.get_field("file").storage, "save", save_then_lose_the_row)
    export = request_export(alice, django_capture_on_commit_callbacks)
    assert export.status == Export.Status.RUNNING  # it belongs to the other attempt now
    assert not export.file and stored_files(export) == []


def test_rerun_of_a_succeeded_export_does_nothing(alice, events, django_capture_on_commit_callbacks):
    export = request_export(alice, django_capture_on_commit_callbacks)
    assert export.status == Export.Status.SUCCEEDED and export.attempts == 1
    # when: the same message is delivered again
    export_run(export_id=export.pk, task_id=export.task_id)
    # then
    again = Export.objects.get(pk=export.pk)
    assert (again.attempts, again.file.name, again.finished_at) == (1, export.file.name, export.finished_at)
    assert stored_files(export) == [os.path.basename(export.file.name)]


def test_running_export_with_fresh_heartbeat_is_left_to_its_worker(alice, events):
    export = request_export(alice)  # on_commit not run: still queued
    Export.objects.filter(pk=export.pk).update(status=Export.Status.RUNNING, attempts=1, heartbeat_at=timezone.now())
    export_run(export_id=export.pk, task_id=str(uuid.uuid4()))
    export.refresh_from_db()
    assert export.status == Export.Status.RUNNING and export.attempts == 1


def test_running_export_with_stale_heartbeat_is_restarted(alice, events):
    export = request_export(alice)
    stale = timezone.now() - timedelta(seconds=services.stale_seconds() + 1)
    Export.objects.filter(pk=export.pk).update(status=Export.Status.RUNNING, attempts=1, heartbeat_at=stale)
    # a leftover of the dead attempt in the export's folder
    storage = Export._meta.get_field("file").storage
    storage.save(f"{export.folder}leftover.csv", ContentFile(b"timestamp,half"))
    export_run(export_id=export.pk, task_id=str(uuid.uuid4()))
    export.refresh_from_db()
    assert export.status == Export.Status.SUCCEEDED and export.attempts == 2
    assert export.row_count == 2_500
    assert stored_files(export) == [os.path.basename(export.file.name)]


def test_task_rechecks_that_the_requester_may_still_export(alice, dave, events, django_capture_on_commit_callbacks):
    export = request_export(dave)  # queued
    Membership.objects.filter(user=dave).update(restrict_data_export=True)
    export_run(export_id=export.pk, task_id=export.task_id)
    export.refresh_from_db()
    assert export.status == Export.Status.FAILED and export.error
    assert not export.file


def test_task_fails_for_a_requester_who_left_the_workspace(dave, events):
    export = request_export(dave)
    Membership.objects.filter(user=dave).delete()
    export_run(export_id=export.pk, task_id=export.task_id)
    assert Export.objects.get(pk=export.pk).status == Export.Status.FAILED


def test_task_fails_for_a_revoked_token(workspace, events):
    token, _ = ApiToken.issue(workspace=workspace)
    export = export_request(actor=Actor.for_token(token), filters={})
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    export_run(export_id=export.pk, task_id=export.task_id)
    assert Export.objects.get(pk=export.pk).status == Export.Status.FAILED


def test_unknown_export_id_is_a_no_op():
    assert export_run(export_id=123456, task_id="x") is None


def test_sweep_requeues_a_running_export_whose_worker_died(alice, events, django_capture_on_commit_callbacks):
    export = request_export(alice)
    Export.objects.filter(pk=export.pk).update(
        status=Export.Status.RUNNING, attempts=1, heartbeat_at=timezone.now() - timedelta(minutes=10)
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        counts = exports_sweep_stale()
    export.refresh_from_db()
    assert counts == {"requeued": 1, "failed": 0}
    assert export.status == Export.Status.QUEUED and export.error  # the reason is recorded
    # when the new message runs, the export finishes correctly
    for callback in callbacks:
        callback()
    export.refresh_from_db()
    assert export.status == Export.Status.SUCCEEDED and export.attempts == 2 and export.row_count == 2_500
    assert export.error == ""


@pytest.mark.django_db(transaction=True)
def test_sweep_requeue_runs_at_once_without_redis_and_keeps_the_new_file(alice, events):
    """Eager Celery: the requeued export runs as the sweep commits; its file must survive the sweep."""
    done = request_export(alice)  # transactional: it already ran
    export = Export.objects.create(
        workspace=done.workspace, requested_by=alice, filters=done.filters, status=Export.Status.RUNNING,
        attempts=1, heartbeat_at=timezone.now() - timedelta(minutes=10),
    )
    exports_sweep_stale()
    export.refresh_from_db()
    assert export.status == Export.Status.SUCCEEDED and export.attempts == 2
    assert stored_files(export) == [os.path.basename(export.file.name)]


def test_sweep_fails_an_export_after_max_attempts(settings, alice, events):
    settings.EXPORT_MAX_ATTEMPTS = 3
    export = request_export(alice)
    Export.objects.filter(pk=export.pk).update(
        status=Export.Status.RUNNING, attempts=3, heartbeat_at=timezone.now() - timedelta(minutes=10)
    )
    assert exports_sweep_stale() == {"requeued": 0, "failed": 1}
    export.refresh_from_db()
    assert export.status == Export.Status.FAILED and "3" in export.error


def test_sweep_leaves_healthy_exports_alone(alice, events):
    export = request_export(alice)
    Export.objects.filter(pk=export.pk).update(status=Export.Status.RUNNING, attempts=1, heartbeat_at=timezone.now())
    queued = request_export(alice)
    assert exports_sweep_stale() == {"requeued": 0, "failed": 0}
    assert Export.objects.get(pk=queued.pk).status == Export.Status.QUEUED


def test_sweep_requeues_a_lost_queued_export_and_gives_up_after_a_day(alice, events, django_capture_on_commit_callbacks):
    lost = request_export(alice)
    Export.objects.filter(pk=lost.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    ancient = request_export(alice)
    Export.objects.filter(pk=ancient.pk).update(
        heartbeat_at=timezone.now() - timedelta(hours=1), created_at=timezone.now() - timedelta(days=2)
    )
    with django_capture_on_commit_callbacks(execute=True):
        counts = exports_sweep_stale()
    assert counts == {"requeued": 1, "failed": 1}
    assert Export.objects.get(pk=lost.pk).status == Export.Status.SUCCEEDED
    assert Export.objects.get(pk=ancient.pk).status == Export.Status.FAILED


def test_expiry_deletes_files_and_marks_exports_expired(alice, events, alice_client, django_capture_on_commit_callbacks):
    old = request_export(alice, django_capture_on_commit_callbacks)
    fresh = request_export(alice, django_capture_on_commit_callbacks)
    storage = Export._meta.get_field("file").storage
    assert storage.exists(old.file.name) and storage.exists(fresh.file.name)
    Export.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    # when: the beat task runs
    result = exports_housekeeping_task.apply().get()
    # then
    assert result["expired"] == 1
    old_after, fresh_after = Export.objects.get(pk=old.pk), Export.objects.get(pk=fresh.pk)
    assert old_after.status == Export.Status.EXPIRED and not old_after.file
    assert not storage.exists(old.file.name) and stored_files(old) == []
    assert fresh_after.status == Export.Status.SUCCEEDED and storage.exists(fresh.file.name)
    assert alice_client.get(f"/api/v1/exports/{old.pk}/download").status_code == 410
    assert alice_client.get(f"/api/v1/exports/{old.pk}").json()["status"] == "expired"
    assert exports_expire() == 0


def test_progress_is_reported_while_running(settings, monkeypatch, alice, events, django_capture_on_commit_callbacks):
    settings.EXPORT_COPY = False  # the batched path (SQLite, or EXPORT_COPY off)
    settings.EXPORT_BATCH_SIZE = 500
    settings.EXPORT_PROGRESS_SECONDS = 0
    seen = []
    real_batches = services.export_event_batches

    def watching_batches(events, **kwargs):
        for batch in real_batches(events, **kwargs):
            seen.append(Export.objects.values_list("status", "progress").get())
            yield batch

    monkeypatch.setattr(services, "export_event_batches", watching_batches)
    export = request_export(alice, django_capture_on_commit_callbacks)
    assert export.status == Export.Status.SUCCEEDED and export.progress == 100
    progress = [p for status, p in seen]
    assert all(status == "running" for status, _ in seen)
    assert progress == sorted(progress) and progress[-1] == 80 and max(progress) < 100


def test_csv_of_a_rerun_equals_the_first(alice, events, django_capture_on_commit_callbacks):
    first = request_export(alice, django_capture_on_commit_callbacks, {"period": "last_7_days"})
    second = request_export(alice, django_capture_on_commit_callbacks, first.filters)
    with first.file.open("rb") as a, second.file.open("rb") as b:
        assert read_csv(a.read()) == read_csv(b.read())


@pytest.mark.postgres
def test_a_copy_failing_mid_way_publishes_nothing_and_ends_failed(
    monkeypatch, alice, events, django_capture_on_commit_callbacks
):
    # given: the COPY stream breaks after its first chunk (e.g. the database went away)
    real_crlf_rows = services.crlf_rows

    def breaking(chunks):
        for number, chunk in enumerate(real_crlf_rows(chunks), start=1):
            if number == 2:
                raise ConnectionError("database connection lost during COPY")
            yield chunk

    monkeypatch.setattr(services, "crlf_rows", breaking)
    # when
    export = request_export(alice, django_capture_on_commit_callbacks)
    # then
    assert export.status == Export.Status.FAILED and "during COPY" in export.error
    assert not export.file and export.row_count is None
    assert stored_files(export) == [] and temp_files(export) == []


def test_a_retry_deletes_the_temporary_file_a_killed_attempt_left(settings, alice, events,
                                                                   django_capture_on_commit_callbacks):
    # given: a worker died mid-export and left its temporary file
    export = request_export(alice, django_capture_on_commit_callbacks, execute=False)
    leftover = os.path.join(settings.FILE_UPLOAD_TEMP_DIR, f"export-{export.pk}-dead.csv")
    with open(leftover, "w") as fh:
        fh.write("timestamp,half a ro")
    # when the export runs again
    services.export_run(export_id=export.pk, task_id=export.task_id)
    # then the leftover is gone and the export succeeded with its own file
    assert not os.path.exists(leftover) and temp_files(export) == []
    assert Export.objects.get(pk=export.pk).status == Export.Status.SUCCEEDED
