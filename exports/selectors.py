from django.db.models import QuerySet

from accounts.context import Actor
from accounts.models import ApiToken, Membership

from .models import Export


def export_list(*, workspace) -> QuerySet[Export]:
    """The workspace's exports, newest first (index ``export_ws_created_idx``)."""
    return Export.objects.filter(workspace=workspace).order_by("-created_at", "-id")


def export_get(*, workspace, export_id) -> Export | None:
    """One export of the workspace; None for an unknown id or another workspace's export."""
    try:
        export_id = int(export_id)
    except (TypeError, ValueError):
        return None
    if not 0 < export_id < 2**63:
        return None
    return Export.objects.filter(workspace=workspace, pk=export_id).first()


def export_requester_actor(*, export: Export) -> Actor | None:
    """The requester of ``export`` as an Actor of its workspace today, or None when they no
    longer belong to it (membership removed, user deactivated, token revoked)."""
    if export.requested_by_id is not None:
        membership = (
            Membership.objects.select_related("workspace", "user")
            .filter(workspace_id=export.workspace_id, user_id=export.requested_by_id, user__is_active=True)
            .first()
        )
        return Actor.for_membership(membership) if membership else None
    if export.requested_by_token_id is not None:
        token = (
            ApiToken.objects.select_related("workspace")
            .filter(pk=export.requested_by_token_id, workspace_id=export.workspace_id, revoked_at__isnull=True)
            .first()
        )
        return Actor.for_token(token) if token else None
    return None
