from django.db.models import Exists, F, FilteredRelation, OuterRef, Q
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.views import APIView

from crm.pagination import page_serializer, paginate

from .models import User
from .permissions import request_actor
from .selectors import member_list


class UserListApi(APIView):
    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        name = serializers.CharField()
        email = serializers.EmailField()
        role = serializers.CharField()
        status = serializers.ChoiceField(
            choices=["online", "away", "offline"],
            help_text="The member's current Estado de Actividad in this workspace (docs/presence.md).")
        status_changed_at = serializers.CharField(
            allow_null=True,
            help_text="When that status was set (ISO 8601 with the workspace's offset); null when none was recorded.")

    @extend_schema(
        summary="List workspace members",
        operation_id="v1_users_list",
        description=(
            "Members of the workspace (for the assignee pickers). `status` is the member's current status in "
            "this workspace: online, away or offline (a member presence never saw shows their availability)."
        ),
        parameters=[
            OpenApiParameter("page", int, description="Page number, from 1."),
            OpenApiParameter("page_size", int, description="Rows per page (at most 100, default 50)."),
        ],
        responses={
            200: page_serializer(OutputSerializer, "UserPage"),
            400: OpenApiResponse(description='Bad `page` or `page_size`: `{"message", "errors"}`.'),
            401: OpenApiResponse(description="Missing or bad credentials."),
            403: OpenApiResponse(description="The user is not a member of any workspace."),
            429: OpenApiResponse(description="Too many requests with this API token or user."),
        },
    )
    def get(self, request):
        actor = request_actor(request)
        tz = actor.workspace.tzinfo
        rows = [
            {"id": m.user_id, "name": m.user.display_name, "email": m.user.email, "role": m.role,
             "status": _member_status(m),
             "status_changed_at": m.status_changed_at and m.status_changed_at.astimezone(tz).isoformat()}
            for m in _with_status(member_list(workspace=actor.workspace))
        ]
        return paginate(request, rows, self.OutputSerializer)


def _with_status(members):
    """Each membership's current status (``presence.AgentStatus`` of this workspace), through the
    user's reverse relation: accounts imports nothing of the presence floor above it. The same
    rule as ``presence.selectors.member_status_get``."""
    here = FilteredRelation("user__agent_statuses", condition=Q(user__agent_statuses__workspace=F("workspace_id")))
    seen_anywhere = User.objects.filter(pk=OuterRef("user_id"), agent_statuses__isnull=False)
    return members.annotate(_here=here, status_value=F("_here__status"), status_changed_at=F("_here__changed_at"),
                            seen_anywhere=Exists(seen_anywhere))


def _member_status(membership) -> str:
    if membership.status_value:
        return membership.status_value
    if membership.seen_anywhere:
        return "offline"
    return membership.user.availability if membership.user.availability in ("online", "away") else "online"
