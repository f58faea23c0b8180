from celery import shared_task

from accounts.models import Workspace

from .rollups import rollup_rebuild


@shared_task(acks_late=True, autoretry_for=(Exception,), max_retries=3, retry_backoff=True)
def rollup_rebuild_task(workspace_id: int) -> int:
    """Recount a workspace's assignment rollup (after a timezone change). Idempotent."""
    workspace = Workspace.objects.filter(pk=workspace_id).first()
    if workspace is None:
        return 0
    return rollup_rebuild(workspace=workspace)
