"""Celery tasks of presence: thin interfaces over ``presence.services``."""

from celery import shared_task

from . import services


@shared_task(name="presence.idle_sweep", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def idle_sweep() -> int:
    """Every minute (CELERY_BEAT_SCHEDULE): members idle for AGENT_IDLE_MINUTES go offline.

    Idempotent: each member is re-checked under its lock, so a retry writes no second event.
    """
    return services.member_idle_sweep()


@shared_task(name="presence.rollup_rebuild", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def rollup_rebuild_task(workspace_id: int) -> int:
    """Recount a workspace's day rollup (after a timezone change). Idempotent: a rebuild replaces
    every row from the events under the members' locks."""
    from accounts.models import Workspace

    from .rollups import rollup_rebuild

    workspace = Workspace.objects.filter(pk=workspace_id).first()
    return 0 if workspace is None else rollup_rebuild(workspace=workspace)
