"""JSON API of Flujos (api.md "Workflows"): owners, managers and API tokens; agents get 403.

Steps are validated by ``workflows.steps.steps_clean`` against the acting workspace; their
errors come back keyed by position, e.g. ``{"steps.0.user": ["not a member"]}``.
"""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsWorkspaceAdmin, request_actor
from crm.api import ApiError
from crm.pagination import paginate

from .models import Workflow, WorkflowTrigger
from .selectors import workflow_get, workflow_list
from .services import workflow_create, workflow_delete, workflow_update
from .steps import ASSIGN_MODES, STEP_TYPES, STRATEGIES, StepsInvalid


class StepDocSerializer(serializers.Serializer):
    """Documentation of one step (the union of every step type's fields)."""

    type = serializers.ChoiceField(choices=STEP_TYPES)
    mode = serializers.ChoiceField(
        choices=ASSIGN_MODES, required=False,
        help_text="assign_to: a specific `user`, a user of a `team`, or a user of the whole workspace (any role).",
    )
    user = serializers.IntegerField(required=False, help_text="assign_to, mode user: a member's user id.")
    team = serializers.IntegerField(required=False, help_text="assign_to, mode team: a team id of the workspace.")
    strategy = serializers.ChoiceField(
        choices=STRATEGIES, required=False, help_text="assign_to, modes team/workspace; default round_robin."
    )
    only_online = serializers.BooleanField(required=False, help_text="assign_to: only users who are online.")
    max_open = serializers.IntegerField(
        required=False, allow_null=True, min_value=1,
        help_text="assign_to: skip users with this many open contacts or more (null: no cap).",
    )
    reassign = serializers.BooleanField(
        required=False,
        help_text="assign_to: also reassign a contact who already has an assignee (default false: a "
                  "returning contact stays with its assignee, as the seed's FAQ describes).",
    )
    note = serializers.CharField(required=False, help_text="close_conversation: the closing note.")
    tag = serializers.CharField(required=False, help_text="add_tag: the tag (not added twice).")
    text = serializers.CharField(required=False, help_text="send_message: the outgoing message.")


@extend_schema_field(StepDocSerializer(many=True))
class StepsField(serializers.JSONField):
    """Any JSON here; ``steps_clean`` judges it against the workspace."""


class WorkflowAuthorSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class WorkflowOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    enabled = serializers.BooleanField()
    trigger = serializers.ChoiceField(choices=WorkflowTrigger.choices)
    broadcast = serializers.IntegerField(source="trigger_broadcast_id", allow_null=True,
                                         help_text="The broadcast of the trigger `broadcast_replied`; else null.")
    steps = StepsField()
    created_by = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field(WorkflowAuthorSerializer(allow_null=True))
    def get_created_by(self, obj: Workflow):
        if obj.created_by_id is None:
            return None
        return {"id": obj.created_by_id, "name": obj.created_by.display_name}


class WorkflowPageSerializer(serializers.Serializer):
    """The paginated list envelope (crm/pagination.py)."""

    count = serializers.IntegerField()
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = WorkflowOutputSerializer(many=True)


class WorkflowInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=150)
    enabled = serializers.BooleanField(required=False, default=False)
    trigger = serializers.ChoiceField(choices=WorkflowTrigger.choices, required=False,
                                      default=WorkflowTrigger.CONVERSATION_OPENED)
    broadcast = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=2**62,
        help_text="Trigger `broadcast_replied`: the broadcast (of this workspace) whose replies run the workflow.",
    )
    steps = StepsField()


def _steps_error(exc: StepsInvalid) -> ApiError:
    if "broadcast" in exc.errors:
        return ApiError(exc.errors["broadcast"][0], exc.errors)
    return ApiError(_("The workflow's steps are not valid."), exc.errors)


def _workflow_or_404(actor, workflow_id) -> Workflow:
    workflow = workflow_get(workspace=actor.workspace, workflow_id=workflow_id)
    if workflow is None:
        raise ApiError(_("Workflow not found."), status_code=status.HTTP_404_NOT_FOUND)
    return workflow


ID_PARAMETER = OpenApiParameter(
    "workflow_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The workflow's id (of this workspace)."
)
ERRORS = {
    400: OpenApiResponse(description='Validation failed: `{"message", "errors": {"steps.0.user": ["not a member"]}}`.'),
    401: OpenApiResponse(description="Missing or bad credentials."),
    403: OpenApiResponse(description="Agents may not manage workflows."),
}


class WorkflowListApi(APIView):
    permission_classes = [IsWorkspaceAdmin]

    @extend_schema(
        summary="List workflows", operation_id="workflows_list",
        description="The workspace's workflows in the order they run (creation order), paginated.",
        parameters=[
            OpenApiParameter("page", OpenApiTypes.INT, description="Page number, from 1."),
            OpenApiParameter("page_size", OpenApiTypes.INT, description="Rows per page (default 50, at most 100)."),
        ],
        responses={200: WorkflowPageSerializer, **ERRORS},
    )
    def get(self, request):
        actor = request_actor(request)
        return paginate(request, workflow_list(workspace=actor.workspace), WorkflowOutputSerializer)

    @extend_schema(
        summary="Create a workflow", operation_id="workflows_create",
        description="Creates a workflow (disabled unless `enabled` is true). Users and teams in steps are "
                    "resolved within the workspace.",
        request=WorkflowInputSerializer,
        responses={201: WorkflowOutputSerializer, **ERRORS},
    )
    def post(self, request):
        actor = request_actor(request)
        data = _validated(WorkflowInputSerializer, request.data)
        try:
            broadcast = data.pop("broadcast", None)
            workflow = workflow_create(workspace=actor.workspace, created_by=actor.user, trigger_broadcast_id=broadcast,
                                       **data)
        except StepsInvalid as exc:
            raise _steps_error(exc) from exc
        return Response(WorkflowOutputSerializer(workflow).data, status=status.HTTP_201_CREATED)


def _validated(serializer_class, data, *, partial=False) -> dict:
    if not isinstance(data, dict):
        raise ApiError(_("The body must be a JSON object."))
    serializer = serializer_class(data=data, partial=partial)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class WorkflowDetailApi(APIView):
    permission_classes = [IsWorkspaceAdmin]

    @extend_schema(
        summary="Get a workflow", operation_id="workflows_retrieve", parameters=[ID_PARAMETER],
        responses={200: WorkflowOutputSerializer, **ERRORS, 404: OpenApiResponse(description="No such workflow here.")},
    )
    def get(self, request, workflow_id):
        workflow = _workflow_or_404(request_actor(request), workflow_id)
        return Response(WorkflowOutputSerializer(workflow).data)

    @extend_schema(
        summary="Replace a workflow", operation_id="workflows_update",
        description="`name` and `steps` are required; `enabled` and `trigger` keep their value when left out.",
        parameters=[ID_PARAMETER], request=WorkflowInputSerializer,
        responses={200: WorkflowOutputSerializer, **ERRORS, 404: OpenApiResponse(description="No such workflow here.")},
    )
    def put(self, request, workflow_id):
        return self._update(request, workflow_id, partial=False)

    @extend_schema(
        summary="Update some fields of a workflow", operation_id="workflows_partial_update",
        description="E.g. `{\"enabled\": true}` to enable it.",
        parameters=[ID_PARAMETER], request=WorkflowInputSerializer(partial=True),
        responses={200: WorkflowOutputSerializer, **ERRORS, 404: OpenApiResponse(description="No such workflow here.")},
    )
    def patch(self, request, workflow_id):
        return self._update(request, workflow_id, partial=True)

    def _update(self, request, workflow_id, *, partial):
        workflow = _workflow_or_404(request_actor(request), workflow_id)
        # "keep when left out": no defaults for a partial view of the input.
        data = _validated(WorkflowInputSerializer, request.data, partial=True)
        if not partial:
            missing = [f for f in ("name", "steps") if f not in data]
            if missing:
                raise ApiError(
                    _("The request is not valid."), {f: [_("This field is required.")] for f in missing}
                )
        try:
            workflow = workflow_update(
                workflow=workflow, name=data.get("name"), steps=data.get("steps"),
                trigger=data.get("trigger"), enabled=data.get("enabled"),
                trigger_broadcast_id=data.get("broadcast"),
            )
        except StepsInvalid as exc:
            raise _steps_error(exc) from exc
        return Response(WorkflowOutputSerializer(workflow).data)

    @extend_schema(
        summary="Delete a workflow", operation_id="workflows_destroy",
        description="Assignment events its steps wrote stay in the report.",
        parameters=[ID_PARAMETER],
        responses={204: None, **ERRORS, 404: OpenApiResponse(description="No such workflow here.")},
    )
    def delete(self, request, workflow_id):
        workflow = _workflow_or_404(request_actor(request), workflow_id)
        workflow_delete(workflow=workflow)
        return Response(status=status.HTTP_204_NO_CONTENT)
