"""JSON API of Transmisiones: ``/api/v1/segments`` and ``/api/v1/broadcasts`` (docs/api.md).

Owners, managers and API tokens; agents get 403 (they neither create nor send broadcasts).
Every 4xx is ``{"message", "errors": {field: [..]}}``.
"""

from datetime import UTC

from django.utils import timezone
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
from crm.pagination import page_serializer, paginate

from .models import (
    Broadcast,
    BroadcastRecipient,
    BroadcastStatus,
    RecipientReason,
    RecipientStatus,
    Segment,
)
from .segments import FILTER_KEYS, BroadcastInputError
from .selectors import (
    broadcast_get,
    broadcast_list,
    broadcast_progress,
    broadcast_recipient_list,
    segment_contact_count,
    segment_get,
    segment_list,
)
from .services import (
    broadcast_cancel,
    broadcast_create,
    broadcast_failed_retry,
    segment_create,
    segment_delete,
    segment_update,
)
from .variables import MAX_TEXT, VARIABLES


def _input_error(exc: BroadcastInputError) -> ApiError:
    return ApiError(exc.message, {exc.field: [exc.message]})


def _body(request) -> dict:
    if not isinstance(request.data, dict):
        raise ApiError(_("The body must be a JSON object."), {"non_field_errors": [_("Not a JSON object.")]})
    return request.data


def _iso(value, context) -> str | None:
    if value is None:
        return None
    workspace = context.get("workspace")
    return timezone.localtime(value, workspace.tzinfo if workspace else UTC).isoformat()


class WorkspaceDateTimeField(serializers.DateTimeField):
    """ISO 8601 with the workspace's UTC offset, like the other timestamps of the API."""

    def to_representation(self, value):
        return _iso(value, self.context)


class SegmentFiltersSerializer(serializers.Serializer):
    search = serializers.CharField(required=False, help_text="As the Contactos search: name, email, phone or id contains it.")
    tags = serializers.ListField(child=serializers.CharField(), required=False, help_text="The contact has every one of them.")
    assignee = serializers.CharField(required=False, help_text='A member\'s user id, or "none" (unassigned).')
    channel = serializers.IntegerField(required=False, help_text="The contact has written through this channel.")
    created_from = serializers.DateField(required=False, help_text="Created on or after this day (workspace timezone).")
    created_to = serializers.DateField(required=False, help_text="Created on or before this day (workspace timezone).")


@extend_schema_field(SegmentFiltersSerializer)
class FiltersField(serializers.JSONField):
    """Any JSON here; ``segment_filters_clean`` judges it against the workspace."""


class SegmentOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    filters = FiltersField()
    contact_count = serializers.SerializerMethodField(help_text="Contacts the filters select now.")
    created_at = WorkspaceDateTimeField()

    def get_contact_count(self, obj: Segment) -> int:
        return segment_contact_count(segment=obj)


class SegmentInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=150)
    filters = FiltersField(required=False, help_text=f"Keys: {', '.join(FILTER_KEYS)}. Every filter narrows.")


class ChannelRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ProgressSerializer(serializers.Serializer):
    counts = serializers.DictField(child=serializers.IntegerField(), help_text=f"Recipients per status: {', '.join(RecipientStatus.values)}.")
    recipients = serializers.IntegerField(help_text="Recipient rows that are not skipped.")
    rows = serializers.IntegerField(help_text="Every recipient row, skipped ones included.")
    written = serializers.BooleanField(help_text="Whether the segment was evaluated and the rows written.")
    percent = serializers.IntegerField(help_text="0..100: rows handled (sent or further, failed or skipped).")


class BroadcastOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    status = serializers.ChoiceField(choices=BroadcastStatus.values)
    channel = serializers.SerializerMethodField()
    segment = serializers.SerializerMethodField()
    text = serializers.CharField()
    fallbacks = serializers.DictField(child=serializers.CharField())
    scheduled_at = WorkspaceDateTimeField(allow_null=True)
    created_at = WorkspaceDateTimeField()
    started_at = WorkspaceDateTimeField(allow_null=True)
    finished_at = WorkspaceDateTimeField(allow_null=True)
    progress = serializers.SerializerMethodField()

    @extend_schema_field(ChannelRefSerializer)
    def get_channel(self, obj: Broadcast) -> dict:
        return {"id": obj.channel_id, "name": obj.channel.name}

    @extend_schema_field(ChannelRefSerializer(allow_null=True))
    def get_segment(self, obj: Broadcast) -> dict:
        return {"id": obj.segment_id, "name": obj.segment_name}

    @extend_schema_field(ProgressSerializer)
    def get_progress(self, obj: Broadcast) -> dict:
        return broadcast_progress(broadcast=obj)


class BroadcastInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=150)
    channel = serializers.IntegerField(help_text="The channel's id (Configuraciones → Integraciones).")
    segment = serializers.IntegerField(help_text="The segment's id.")
    text = serializers.CharField(
        help_text=f"At most {MAX_TEXT} characters. Variables: {', '.join('{{' + v + '}}' for v in VARIABLES)}, "
                  "and {{contact.custom.<key>}} for each of the workspace's custom contact fields."
    )
    fallbacks = serializers.DictField(
        child=serializers.CharField(), required=False,
        help_text='Per variable, the text used when a contact has no value: {"contact.first_name": "cliente"}.',
    )
    send_at = serializers.DateTimeField(
        required=False, allow_null=True,
        help_text="Schedule it (ISO 8601; without an offset, in the workspace's timezone). Omitted: send now.",
    )


class RecipientOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    contact_id = serializers.IntegerField()
    contact_name = serializers.CharField()
    status = serializers.ChoiceField(choices=RecipientStatus.values)
    reason = serializers.ChoiceField(choices=["", *RecipientReason.values])
    reason_label = serializers.SerializerMethodField()
    detail = serializers.CharField()
    message_id = serializers.IntegerField(allow_null=True)
    queued_at = WorkspaceDateTimeField()
    sent_at = WorkspaceDateTimeField(allow_null=True)
    delivered_at = WorkspaceDateTimeField(allow_null=True)
    read_at = WorkspaceDateTimeField(allow_null=True)
    replied_at = WorkspaceDateTimeField(allow_null=True)
    failed_at = WorkspaceDateTimeField(allow_null=True)

    def get_reason_label(self, obj: BroadcastRecipient) -> str:
        return str(RecipientReason(obj.reason).label) if obj.reason else ""


ERRORS = {
    400: OpenApiResponse(description='Validation failed: `{"message", "errors": {"<field>": ["<why>"]}}`.'),
    401: OpenApiResponse(description="Missing or bad credentials."),
    403: OpenApiResponse(description="Agents may not manage broadcasts."),
}
NOT_FOUND = {404: OpenApiResponse(description="No such object in this workspace.")}
PAGE_PARAMETERS = [
    OpenApiParameter("page", OpenApiTypes.INT, description="Page number, from 1."),
    OpenApiParameter("page_size", OpenApiTypes.INT, description="Rows per page (default 50, at most 100)."),
]
SEGMENT_ID = OpenApiParameter("segment_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The segment's id.")
BROADCAST_ID = OpenApiParameter("broadcast_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The broadcast's id.")


def _context(request, actor) -> dict:
    return {"request": request, "workspace": actor.workspace}


def _segment_or_404(actor, segment_id) -> Segment:
    segment = segment_get(workspace=actor.workspace, segment_id=segment_id)
    if segment is None:
        raise ApiError(_("Segment not found."), status_code=status.HTTP_404_NOT_FOUND)
    return segment


def _broadcast_or_404(actor, broadcast_id) -> Broadcast:
    broadcast = broadcast_get(workspace=actor.workspace, broadcast_id=broadcast_id)
    if broadcast is None:
        raise ApiError(_("Broadcast not found."), status_code=status.HTTP_404_NOT_FOUND)
    return broadcast


class SegmentListApi(APIView):
    permission_classes = [IsWorkspaceAdmin]

    @extend_schema(summary="List segments", operation_id="segments_list", parameters=PAGE_PARAMETERS,
                   responses={200: page_serializer(SegmentOutputSerializer, "SegmentPage"), **ERRORS})
    def get(self, request):
        actor = request_actor(request)
        return paginate(request, segment_list(workspace=actor.workspace), SegmentOutputSerializer,
                        context=_context(request, actor))

    @extend_schema(summary="Create a segment", operation_id="segments_create",
                   description="A saved contact filter. Ids in the filters must be of this workspace.",
                   request=SegmentInputSerializer, responses={201: SegmentOutputSerializer, **ERRORS})
    def post(self, request):
        actor = request_actor(request)
        body = _body(request)
        try:
            segment = segment_create(workspace=actor.workspace, name=body.get("name"),
                                     filters=body.get("filters", {}), created_by=actor.user)
        except BroadcastInputError as exc:
            raise _input_error(exc) from exc
        return Response(SegmentOutputSerializer(segment, context=_context(request, actor)).data,
                        status=status.HTTP_201_CREATED)


class SegmentDetailApi(APIView):
    permission_classes = [IsWorkspaceAdmin]

    @extend_schema(summary="Get a segment", operation_id="segments_retrieve", parameters=[SEGMENT_ID],
                   responses={200: SegmentOutputSerializer, **ERRORS, **NOT_FOUND})
    def get(self, request, segment_id):
        actor = request_actor(request)
        segment = _segment_or_404(actor, segment_id)
        return Response(SegmentOutputSerializer(segment, context=_context(request, actor)).data)

    @extend_schema(summary="Change a segment", operation_id="segments_partial_update", parameters=[SEGMENT_ID],
                   description="`name` and/or `filters` (the filters are replaced whole). Broadcasts already "
                               "sending keep the recipients they wrote.",
                   request=SegmentInputSerializer(partial=True),
                   responses={200: SegmentOutputSerializer, **ERRORS, **NOT_FOUND})
    def patch(self, request, segment_id):
        actor = request_actor(request)
        segment = _segment_or_404(actor, segment_id)
        body = _body(request)
        try:
            segment = segment_update(segment=segment, name=body.get("name"), filters=body.get("filters"))
        except BroadcastInputError as exc:
            raise _input_error(exc) from exc
        return Response(SegmentOutputSerializer(segment, context=_context(request, actor)).data)

    @extend_schema(summary="Delete a segment", operation_id="segments_destroy", parameters=[SEGMENT_ID],
                   description="Its broadcasts keep their recipients and the segment's name.",
                   responses={204: None, **ERRORS, **NOT_FOUND})
    def delete(self, request, segment_id):
        segment = _segment_or_404(request_actor(request), segment_id)
        segment_delete(segment=segment)
        return Response(status=status.HTTP_204_NO_CONTENT)


class BroadcastListApi(APIView):
    permission_classes = [IsWorkspaceAdmin]

    @extend_schema(summary="List broadcasts", operation_id="broadcasts_list", parameters=PAGE_PARAMETERS,
                   description="Newest first, each with its progress.",
                   responses={200: page_serializer(BroadcastOutputSerializer, "BroadcastPage"), **ERRORS})
    def get(self, request):
        actor = request_actor(request)
        return paginate(request, broadcast_list(workspace=actor.workspace), BroadcastOutputSerializer,
                        context=_context(request, actor))

    @extend_schema(
        summary="Create (send or schedule) a broadcast", operation_id="broadcasts_create",
        description="Sends the text to every contact of the segment who has written through the channel and "
                    "has not opted out, now (a background job, in batches within the channel's rate limit) or "
                    "at `send_at`. 400 for an unknown channel or segment, an empty segment, an unknown "
                    "variable, a text over the limit, a time in the past.",
        request=BroadcastInputSerializer,
        responses={201: BroadcastOutputSerializer, **ERRORS},
    )
    def post(self, request):
        actor = request_actor(request)
        body = _body(request)
        try:
            broadcast = broadcast_create(
                workspace=actor.workspace, name=body.get("name"), channel_id=body.get("channel"),
                segment_id=body.get("segment"), text=body.get("text"), fallbacks=body.get("fallbacks"),
                send_at=body.get("send_at"), created_by=actor.user,
            )
        except BroadcastInputError as exc:
            raise _input_error(exc) from exc
        broadcast = broadcast_get(workspace=actor.workspace, broadcast_id=broadcast.pk)
        return Response(BroadcastOutputSerializer(broadcast, context=_context(request, actor)).data,
                        status=status.HTTP_201_CREATED)


class BroadcastDetailApi(APIView):
    permission_classes = [IsWorkspaceAdmin]

    @extend_schema(summary="Get a broadcast and its progress", operation_id="broadcasts_retrieve",
                   parameters=[BROADCAST_ID], responses={200: BroadcastOutputSerializer, **ERRORS, **NOT_FOUND})
    def get(self, request, broadcast_id):
        actor = request_actor(request)
        broadcast = _broadcast_or_404(actor, broadcast_id)
        return Response(BroadcastOutputSerializer(broadcast, context=_context(request, actor)).data)


class BroadcastRecipientListApi(APIView):
    permission_classes = [IsWorkspaceAdmin]

    @extend_schema(
        summary="A broadcast's recipients", operation_id="broadcasts_recipients_list",
        parameters=[BROADCAST_ID, OpenApiParameter("status", OpenApiTypes.STR, enum=RecipientStatus.values,
                                                   description="Only recipients in this status, e.g. failed."),
                    *PAGE_PARAMETERS],
        responses={200: page_serializer(RecipientOutputSerializer, "BroadcastRecipientPage"), **ERRORS, **NOT_FOUND},
    )
    def get(self, request, broadcast_id):
        actor = request_actor(request)
        broadcast = _broadcast_or_404(actor, broadcast_id)
        wanted = request.query_params.get("status") or None
        if wanted is not None and wanted not in RecipientStatus.values:
            message = _("status must be one of: %(values)s.") % {"values": ", ".join(RecipientStatus.values)}
            raise ApiError(message, {"status": [message]})
        rows = broadcast_recipient_list(workspace=actor.workspace, broadcast=broadcast, status=wanted)
        return paginate(request, rows, RecipientOutputSerializer, context=_context(request, actor))


class BroadcastRetryApi(APIView):
    permission_classes = [IsWorkspaceAdmin]

    @extend_schema(
        summary="Retry the failed recipients", operation_id="broadcasts_retry",
        description="Only a broadcast that finished sending. The failed recipients go again: the same "
                    "message for those whose message was written. Answers the broadcast and `retried`.",
        parameters=[BROADCAST_ID], request=None,
        responses={200: BroadcastOutputSerializer, **ERRORS, **NOT_FOUND},
    )
    def post(self, request, broadcast_id):
        actor = request_actor(request)
        broadcast = _broadcast_or_404(actor, broadcast_id)
        try:
            retried = broadcast_failed_retry(broadcast=broadcast)
        except BroadcastInputError as exc:
            raise _input_error(exc) from exc
        data = BroadcastOutputSerializer(broadcast, context=_context(request, actor)).data
        return Response({**data, "retried": retried})


class BroadcastCancelApi(APIView):
    permission_classes = [IsWorkspaceAdmin]

    @extend_schema(
        summary="Cancel a broadcast", operation_id="broadcasts_cancel",
        description="A scheduled one is not sent; a sending one stops after its current batch. 400 once finished.",
        parameters=[BROADCAST_ID], request=None,
        responses={200: BroadcastOutputSerializer, **ERRORS, **NOT_FOUND},
    )
    def post(self, request, broadcast_id):
        actor = request_actor(request)
        broadcast = _broadcast_or_404(actor, broadcast_id)
        if not broadcast_cancel(broadcast=broadcast):
            message = _("The broadcast has already finished.")
            raise ApiError(message, {"status": [message]})
        return Response(BroadcastOutputSerializer(broadcast, context=_context(request, actor)).data)
