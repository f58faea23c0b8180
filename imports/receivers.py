"""What Data Import does when other apps' facts change (connected in ``ImportsConfig.ready``)."""

from accounts.services import workspace_file_deletions_record

from .models import ContactImport


def import_files_on_workspace_delete(sender, instance, **kwargs) -> None:
    """Before a workspace's imports cascade away, record their files for deletion from storage:
    the uploads (kept until an import finishes) and the rejected-rows files, plus the workspace's
    imports folder (``upload_path``, ``error_rows_path``) for anything no row names any more."""
    rows = ContactImport.objects.filter(workspace_id=instance.pk)
    uploads = rows.exclude(file="").values_list("file", flat=True)
    rejected = rows.exclude(error_file="").values_list("error_file", flat=True)
    workspace_file_deletions_record(
        workspace_id=instance.pk, field="imports.ContactImport.file", names=list(uploads),
        folders=[f"imports/{instance.pk}/"],
    )
    workspace_file_deletions_record(
        workspace_id=instance.pk, field="imports.ContactImport.error_file", names=list(rejected)
    )
