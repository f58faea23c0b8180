"""Reads of the Flujos module. Every selector takes the workspace first and filters by it."""

from django.db.models import Count, Max, Q, QuerySet

from accounts.models import Team, Workspace

from .models import Workflow


def workflow_list(*, workspace: Workspace) -> QuerySet[Workflow]:
    return Workflow.objects.filter(workspace=workspace).select_related("created_by").order_by("id")


def workflow_list_with_stats(*, workspace: Workspace) -> QuerySet[Workflow]:
    """Workflows with how often they ran, how many runs failed and when they last ran (Flujos page)."""
    return workflow_list(workspace=workspace).annotate(
        run_count=Count("runs"),
        failed_count=Count("runs", filter=Q(runs__status="failed")),
        last_run_at=Max("runs__created_at"),
    )


def workflow_get(*, workspace: Workspace, workflow_id) -> Workflow | None:
    """The workspace's workflow by id; ``None`` for unknown, malformed or other workspaces' ids."""
    try:
        value = int(workflow_id)
    except (TypeError, ValueError):
        return None
    if not 0 < value < 2**62:
        return None
    return Workflow.objects.filter(workspace=workspace, pk=value).first()


def workflow_list_for_trigger(*, workspace: Workspace, trigger: str) -> QuerySet[Workflow]:
    """Enabled workflows of the trigger, in the order they run: creation order (id).

    Served by the index workflow_ws_trigger_idx.
    """
    return Workflow.objects.filter(workspace=workspace, trigger=trigger, enabled=True).order_by("id")


def team_list(*, workspace: Workspace) -> QuerySet[Team]:
    return Team.objects.filter(workspace=workspace).order_by("name")
