from celery import shared_task

from accounts.models import Workspace

from .rollups import rollup_is_ready, rollup_rebuild, rollup_stale_workspace_ids


@shared_task(acks_late=True, autoretry_for=(Exception,), max_retries=3, retry_backoff=True)
def conversation_rollup_rebuild_task(workspace_id: int) -> int:
    """Recount a workspace's conversation rollup in its current timezone. Idempotent; skipped
    when it is already counted in it (a duplicate from the beat task, or a timezone changed and
    changed back before the task ran)."""
    workspace = Workspace.objects.filter(pk=workspace_id).first()
    if workspace is None or rollup_is_ready(workspace=workspace):
        return 0
    return rollup_rebuild(workspace=workspace)


@shared_task(name="contacts.conversation_rollups_reconcile", ignore_result=True)
def conversation_rollups_reconcile_task() -> int:
    """Beat: enqueue a rebuild of every conversation rollup the reports cannot read (missing —
    e.g. every workspace right after this rollup shipped —, or counted in another timezone)."""
    workspace_ids = rollup_stale_workspace_ids()
    for workspace_id in workspace_ids:
        conversation_rollup_rebuild_task.delay(workspace_id)
    return len(workspace_ids)
