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


@shared_task(acks_late=True, autoretry_for=(Exception,), max_retries=3, retry_backoff=True)
def resolution_business_recompute_task(workspace_id: int) -> int:
    """Recompute a workspace's recorded business seconds of its resolutions under the schedule in
    force (enqueued by ``business_hours_set`` on commit). Idempotent: nothing to do when they are."""
    from .resolutions import resolution_business_recompute

    workspace = Workspace.objects.filter(pk=workspace_id).first()
    return 0 if workspace is None else resolution_business_recompute(workspace=workspace)


@shared_task(name="contacts.resolution_facts_reconcile", ignore_result=True)
def resolution_facts_reconcile_task() -> int:
    """Beat: enqueue the recompute of every workspace whose recorded business seconds are not those
    of its schedule in force (a schedule or timezone changed; a task lost while the broker was down)."""
    from .resolutions import resolution_stale_workspace_ids

    workspace_ids = resolution_stale_workspace_ids()
    for workspace_id in workspace_ids:
        resolution_business_recompute_task.delay(workspace_id)
    return len(workspace_ids)
