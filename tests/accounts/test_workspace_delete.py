"""Deleting a workspace leaves nothing of it in storage (docs/security.md "Deleting a workspace").

The files are removed through the storage API by ``accounts.workspace_files_delete`` after the
deleting transaction commits; the names were recorded before the rows cascaded away. MEDIA_ROOT
is a temporary directory in tests (``tests/conftest.py``), so "nothing left" is checked on disk.
"""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.context import Actor
from accounts.models import Membership, Workspace, WorkspaceFileDeletion
from accounts.services import workspace_delete, workspace_files_delete
from accounts.tasks import workspace_files_delete_task
from exports.models import Export
from exports.services import export_request
from imports.models import ContactImport
from imports.services import contact_import_create
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

CSV = b"first_name,email\nDora,dora@cliente.mx\n,not-an-email\n"


def _files(folder: str) -> list[str]:
    root = Path(settings.MEDIA_ROOT) / folder
    return sorted(str(p.relative_to(settings.MEDIA_ROOT)) for p in root.rglob("*")) if root.exists() else []


def _fill(workspace, owner, capture):
    """A finished export, a finished import (its rejected-rows file), a queued import (its upload)
    and a leftover of an unfinished export attempt, all in storage."""
    ContactFactory(workspace=workspace)
    actor = Actor.for_membership(Membership.objects.get(workspace=workspace, user=owner))
    with capture(execute=True):
        export = export_request(actor=actor, filters={"period": "last_30_days"})
        finished = contact_import_create(
            workspace=workspace, uploaded_file=SimpleUploadedFile("c.csv", CSV, "text/csv"), uploaded_by=owner
        )
    # Queued, never run: its upload is still in storage.
    with capture(execute=False):
        queued = contact_import_create(
            workspace=workspace, uploaded_file=SimpleUploadedFile("d.csv", CSV, "text/csv"), uploaded_by=owner
        )
    export.refresh_from_db()
    finished.refresh_from_db()
    FileSystemStorage().save(f"{export.folder}partial-attempt.csv", ContentFile(b"half"))
    assert export.file and finished.error_file and queued.file
    return {"export": export.file.name, "rejected": finished.error_file.name, "upload": queued.file.name}


@pytest.fixture
def acme_files(workspace, alice, django_capture_on_commit_callbacks):
    return _fill(workspace, alice, django_capture_on_commit_callbacks)


@pytest.fixture
def globex_files(other_workspace, charlie, django_capture_on_commit_callbacks):
    return _fill(other_workspace, charlie, django_capture_on_commit_callbacks)


def test_deleting_a_workspace_removes_its_export_and_import_files(
    workspace, acme_files, globex_files, other_workspace, django_capture_on_commit_callbacks
):
    # given: both workspaces have files in storage
    ws = workspace.pk
    assert len(_files(f"exports/{ws}")) >= 2 and len(_files(f"imports/{ws}")) >= 2
    globex_before = _files(f"exports/{other_workspace.pk}") + _files(f"imports/{other_workspace.pk}")

    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        workspace_delete(workspace=workspace)

    # then: nothing of Acme is left, not even empty folders; Globex keeps every file
    assert callbacks, "the deletion task is enqueued on commit"
    assert not Workspace.objects.filter(pk=ws).exists()
    assert not Export.objects.filter(workspace_id=ws).exists() and not ContactImport.objects.filter(workspace_id=ws).exists()
    assert _files(f"exports/{ws}") == [] and _files(f"imports/{ws}") == []
    assert not (Path(settings.MEDIA_ROOT) / "exports" / str(ws)).exists()
    assert not (Path(settings.MEDIA_ROOT) / "imports" / str(ws)).exists()
    for name in acme_files.values():
        assert not FileSystemStorage().exists(name)
    assert _files(f"exports/{other_workspace.pk}") + _files(f"imports/{other_workspace.pk}") == globex_before
    assert not WorkspaceFileDeletion.objects.exists()


def test_the_admin_delete_records_the_files_too(workspace, acme_files, django_capture_on_commit_callbacks):
    """The names are recorded by pre_delete receivers, so any delete of the row (the admin's) counts."""
    with django_capture_on_commit_callbacks(execute=False):
        Workspace.objects.filter(pk=workspace.pk).delete()

    recorded = set(WorkspaceFileDeletion.objects.values_list("name", flat=True))
    assert set(acme_files.values()) <= recorded
    assert {f"exports/{workspace.pk}/", f"imports/{workspace.pk}/"} <= recorded
    # the task, once it runs, removes them
    assert workspace_files_delete() == 0
    assert _files(f"exports/{workspace.pk}") == [] and _files(f"imports/{workspace.pk}") == []


def test_a_rolled_back_deletion_records_nothing_and_deletes_nothing(workspace, acme_files):
    from django.db import transaction

    with pytest.raises(RuntimeError):
        with transaction.atomic():
            workspace_delete(workspace=workspace)
            raise RuntimeError("changed my mind")

    assert not WorkspaceFileDeletion.objects.exists()
    for name in acme_files.values():
        assert FileSystemStorage().exists(name)


def test_a_storage_that_fails_once_is_retried_until_every_file_is_gone(
    workspace, acme_files, monkeypatch, django_capture_on_commit_callbacks
):
    # given: storage refuses the first delete (S3 timing out, say)
    real_delete = FileSystemStorage.delete
    calls = []

    def flaky_delete(self, name):
        calls.append(name)
        if len(calls) == 1:
            raise ConnectionError("storage unavailable")
        return real_delete(self, name)

    monkeypatch.setattr(FileSystemStorage, "delete", flaky_delete)
    retries = []
    real_retry = workspace_files_delete_task.retry

    def counting_retry(*args, **kwargs):
        retries.append(kwargs.get("exc"))
        return real_retry(*args, **kwargs)

    monkeypatch.setattr(workspace_files_delete_task, "retry", counting_retry)

    # when: the deletion commits and the task runs (eagerly, as a worker would, retry included)
    with django_capture_on_commit_callbacks(execute=True):
        workspace_delete(workspace=workspace)

    # then: the failed attempt was retried and the run finished
    assert any(isinstance(exc, ConnectionError) for exc in retries)
    assert calls.count(calls[0]) >= 2, "the file storage refused is deleted on the retry"
    assert _files(f"exports/{workspace.pk}") == [] and _files(f"imports/{workspace.pk}") == []
    assert not WorkspaceFileDeletion.objects.exists()


def test_the_drain_is_idempotent_and_a_failure_is_recorded(workspace, acme_files):
    def broken_delete(self, name):
        raise OSError("disk gone")

    # given: a deletion whose files storage refuses (on_commit callbacks do not run in the test's transaction)
    workspace_delete(workspace=workspace)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(FileSystemStorage, "delete", broken_delete)
        with pytest.raises(OSError):
            workspace_files_delete()
    failed = WorkspaceFileDeletion.objects.order_by("pk").first()
    assert failed.attempts == 1 and "disk gone" in failed.last_error

    assert workspace_files_delete() == 0
    assert workspace_files_delete() == 0  # a second (duplicate) run finds nothing to do
    assert _files(f"exports/{workspace.pk}") == [] and _files(f"imports/{workspace.pk}") == []


def test_the_task_is_late_acknowledged_and_scheduled():
    assert workspace_files_delete_task.acks_late and workspace_files_delete_task.max_retries is None
    assert any(entry["task"] == "accounts.workspace_files_delete" for entry in settings.CELERY_BEAT_SCHEDULE.values())
