"""``/api/v1/me/status``: the session user's own Estado de Actividad in the active workspace."""

from django.utils import timezone as dj_timezone
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsSessionUser, IsWorkspaceMember, request_actor

from .models import AgentStatusSource, AgentStatusValue
from .selectors import member_status_get
from .services import agent_status_set


class MeStatusOutputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=AgentStatusValue.choices)
    source = serializers.ChoiceField(
        choices=AgentStatusSource.choices, allow_null=True,
        help_text="What set the current status (docs/presence.md); null before the first change.",
    )
    changed_at = serializers.DateTimeField(allow_null=True, help_text="When the current status was set (workspace offset).")
    last_seen_at = serializers.DateTimeField(
        allow_null=True, help_text="The member's last request in this workspace, to the minute (the heartbeat)."
    )


class MeStatusUpdateOutputSerializer(MeStatusOutputSerializer):
    changed = serializers.BooleanField(help_text="False when the status already was the one asked for (no event).")


class MeStatusInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=AgentStatusValue.choices, help_text="online, away or offline.")


SESSION_ONLY = OpenApiResponse(
    description="An API token has no user, so it has no status of its own; or the user is no member of any workspace."
)
DESCRIPTION = (
    "The Estado de Actividad of the session's user in the active workspace: `online` (Online), `away` "
    "(Ausente) or `offline` (Desconectado). Members go offline on their own when they log out and after "
    "`AGENT_IDLE_MINUTES` (15) without a request; round robin \"only online\" picks online members only. "
    "Session only: an API token acts for the workspace, not as a user (403)."
)


def _output(actor, status, **extra):
    # Timestamps with the workspace offset, like every other timestamp of the API.
    with dj_timezone.override(actor.workspace.tzinfo):
        serializer = MeStatusUpdateOutputSerializer if extra else MeStatusOutputSerializer
        return serializer({**status.__dict__, **extra}).data


class MeStatusApi(APIView):
    permission_classes = [IsWorkspaceMember, IsSessionUser]

    @extend_schema(
        summary="My activity status",
        operation_id="v1_me_status_get",
        description=DESCRIPTION,
        responses={
            200: MeStatusOutputSerializer,
            401: OpenApiResponse(description="Missing or bad credentials."),
            403: SESSION_ONLY,
        },
    )
    def get(self, request):
        actor = request_actor(request)
        return Response(_output(actor, member_status_get(workspace=actor.workspace, user=actor.user)))

    @extend_schema(
        summary="Set my activity status",
        operation_id="v1_me_status_set",
        description=DESCRIPTION + " A change is recorded as an event with source `api`; setting the current "
        "status again changes nothing (`changed: false`).",
        request=MeStatusInputSerializer,
        examples=[OpenApiExample("Away", value={"status": "away"}, request_only=True)],
        responses={
            200: MeStatusUpdateOutputSerializer,
            400: OpenApiResponse(description='`status` missing or not one of online, away, offline: `{"message", "errors": {"status": [...]}}`.'),
            401: OpenApiResponse(description="Missing or bad credentials."),
            403: SESSION_ONLY,
        },
    )
    def put(self, request):
        actor = request_actor(request)
        data = MeStatusInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        event = agent_status_set(workspace=actor.workspace, user=actor.user, status=data.validated_data["status"],
                                 source=AgentStatusSource.API)
        status = member_status_get(workspace=actor.workspace, user=actor.user)
        return Response(_output(actor, status, changed=event is not None))
