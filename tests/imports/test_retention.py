"""Rejected-rows files are kept 7 days; uploads are deleted when the import finishes."""

from datetime import timedelta

from django.core.files.storage import default_storage
from django.utils import timezone

from imports.models import ContactImport
from imports.services import contact_import_create, contact_import_files_purge
from imports.tasks import contact_import_housekeeping_task

from .conftest import HEADER, csv_upload


def test_upload_is_deleted_when_the_import_finishes(alice_client, upload):
    body = upload(alice_client, HEADER + "Ana,,bad-email,,,\n").json()

    contact_import = ContactImport.objects.get(pk=body["id"])
    assert contact_import.file.name == ""
    assert default_storage.exists(contact_import.error_file.name)
    assert not default_storage.listdir(f"imports/{contact_import.workspace_id}/uploads")[1]


def test_rejected_rows_file_is_deleted_after_7_days(alice_client, upload):
    body = upload(alice_client, HEADER + "Ana,,bad-email,,,\n").json()
    contact_import = ContactImport.objects.get(pk=body["id"])
    stored = contact_import.error_file.name
    detail = alice_client.get(f"/api/v1/imports/{body['id']}").json()
    assert detail["error_rows_url"] and detail["error_rows_expires_at"]

    # six days later: still there
    assert contact_import_files_purge(now=timezone.now() + timedelta(days=6)) == 0
    assert default_storage.exists(stored)

    # eight days later: gone, and the API says so
    assert contact_import_files_purge(now=timezone.now() + timedelta(days=8)) == 1
    assert not default_storage.exists(stored)
    detail = alice_client.get(f"/api/v1/imports/{body['id']}").json()
    assert (detail["error_rows_url"], detail["errors"]) == (None, 1)
    assert alice_client.get(f"/api/v1/imports/{body['id']}/error-rows").status_code == 404
    # running it again touches nothing
    assert contact_import_files_purge(now=timezone.now() + timedelta(days=9)) == 0


def test_abandoned_drafts_are_deleted_after_a_day(workspace, alice):
    draft = contact_import_create(workspace=workspace, uploaded_file=csv_upload(HEADER + "Ana,,,,,\n"), uploaded_by=alice, start=False)
    stored = draft.file.name
    ContactImport.objects.filter(pk=draft.pk).update(created_at=timezone.now() - timedelta(days=2))

    assert contact_import_housekeeping_task.delay().get() == {"requeued": 0, "purged": 1}

    assert not ContactImport.objects.filter(pk=draft.pk).exists()
    assert not default_storage.exists(stored)


def test_housekeeping_resends_an_import_whose_worker_went_silent(workspace, alice, django_capture_on_commit_callbacks):
    # given: an import whose message was lost 20 minutes ago, and a healthy one
    lost = contact_import_create(workspace=workspace, uploaded_file=csv_upload(HEADER + "Ana,,ana@example.com,,,\n"), uploaded_by=alice)
    ContactImport.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(minutes=20))
    fresh = contact_import_create(workspace=workspace, uploaded_file=csv_upload(HEADER + "Luis,,luis@example.com,,,\n"), uploaded_by=alice)

    with django_capture_on_commit_callbacks(execute=True):
        result = contact_import_housekeeping_task.delay().get()

    assert result == {"requeued": 1, "purged": 0}
    lost.refresh_from_db()
    fresh.refresh_from_db()
    assert (lost.status, lost.created_count, fresh.status) == ("succeeded", 1, "queued")


def test_an_import_whose_workers_keep_dying_is_abandoned(workspace, alice):
    from imports.services import MAX_ATTEMPTS, contact_import_run

    contact_import = contact_import_create(workspace=workspace, uploaded_file=csv_upload(HEADER + "Ana,,,,,\n"), uploaded_by=alice)
    ContactImport.objects.filter(pk=contact_import.pk).update(status="running", attempts=MAX_ATTEMPTS)

    result = contact_import_run(contact_import_id=contact_import.pk)

    assert (result.status, result.created_count) == ("failed", 0) and result.error_message
