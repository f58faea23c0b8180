"""What Data Export does when other apps' facts change (connected in ``ExportsConfig.ready``)."""

from accounts.services import workspace_file_deletions_record

from .models import Export


def export_files_on_workspace_delete(sender, instance, **kwargs) -> None:
    """Before a workspace's exports cascade away, record their files for deletion from storage.

    The workspace's exports folder holds every export's published file and any leftover of an
    unfinished attempt (``export_file_path``); the published names are recorded too, in case a
    storage keeps them elsewhere.
    """
    names = Export.objects.filter(workspace_id=instance.pk).exclude(file="").values_list("file", flat=True)
    workspace_file_deletions_record(
        workspace_id=instance.pk, field="exports.Export.file", names=list(names), folders=[f"exports/{instance.pk}/"]
    )
