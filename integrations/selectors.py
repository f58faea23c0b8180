"""Reads of the integrations; every selector takes the workspace first and filters by it."""

from django.db.models import QuerySet

from accounts.models import ApiToken, Workspace
from contacts.selectors import MAX_ID

from .models import Channel, DialogflowIntegration


def api_token_list(*, workspace: Workspace) -> QuerySet[ApiToken]:
    """Active tokens first, newest first."""
    return ApiToken.objects.filter(workspace=workspace).select_related("created_by").order_by(
        "revoked_at", "-created_at", "-pk"
    )


def api_token_get(*, workspace: Workspace, token_id: int) -> ApiToken | None:
    if not 0 < token_id <= MAX_ID:
        return None
    return ApiToken.objects.filter(workspace=workspace, pk=token_id).first()


def channel_list(*, workspace: Workspace) -> QuerySet[Channel]:
    return Channel.objects.filter(workspace=workspace).order_by("name", "pk")


def channel_get(*, workspace: Workspace, channel_id: int) -> Channel | None:
    if not 0 < channel_id <= MAX_ID:
        return None
    return Channel.objects.filter(workspace=workspace, pk=channel_id).first()


def dialogflow_integration_list(*, workspace: Workspace) -> QuerySet[DialogflowIntegration]:
    return DialogflowIntegration.objects.filter(workspace=workspace).order_by("name", "pk")


def dialogflow_integration_get(*, workspace: Workspace, integration_id: int) -> DialogflowIntegration | None:
    if not 0 < integration_id <= MAX_ID:
        return None
    return DialogflowIntegration.objects.filter(workspace=workspace, pk=integration_id).first()
