"""JSON API of Fuera de Horario (docs/business-hours.md): any member reads, owners and managers
(and API tokens) replace. Schedule errors come back keyed by weekday and position, e.g.
``{"schedule.mon.0": ["The closing time must be after the opening time."]}``.
"""

from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsWorkspaceAdmin, IsWorkspaceMember, request_actor
from crm.api import ApiError

from .schedule import MAX_INTERVALS_PER_DAY, WEEKDAYS, ScheduleInvalid
from .selectors import business_hours_get
from .services import business_hours_set

TIME_PATTERN = r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$"
INTERVAL_SCHEMA = {
    "type": "array",
    "description": 'One range `[opens, closes)` of local wall-clock time, e.g. `["09:00", "18:00"]`: '
                   "`HH:MM`, closes after opens, `24:00` closes at midnight.",
    "items": {"type": "string", "pattern": TIME_PATTERN},
    "minItems": 2,
    "maxItems": 2,
}
DAY_SCHEMA = {"type": "array", "items": INTERVAL_SCHEMA, "maxItems": MAX_INTERVALS_PER_DAY}
EXAMPLE_SCHEDULE = {
    **{day: [["09:00", "14:00"], ["16:00", "19:00"]] for day in WEEKDAYS[:5]},
    "sat": [["10:00", "14:00"]],
    "sun": [],
}


@extend_schema_field({
    "type": "object",
    "description": "Weekday (mon … sun) → its open ranges, sorted; `[]` is closed all day.",
    "properties": {day: DAY_SCHEMA for day in WEEKDAYS},
    "required": list(WEEKDAYS),
    "additionalProperties": False,
})
class ScheduleOutputField(serializers.JSONField):
    pass


@extend_schema_field({
    "type": "object",
    "description": "Weekday (mon … sun) → its open ranges; a weekday left out is closed all day. "
                   "Ranges of one day may not overlap (09:00–12:00 and 12:00–18:00 touch, fine).",
    "properties": {day: DAY_SCHEMA for day in WEEKDAYS},
    "additionalProperties": False,
})
class ScheduleInputField(serializers.JSONField):
    """Any JSON here: ``schedule_parse`` judges it and names the weekday and range at fault."""


class BusinessHoursOutputSerializer(serializers.Serializer):
    enabled = serializers.BooleanField(
        help_text="Off (or never set up): every hour counts as business time in the reports."
    )
    timezone = serializers.CharField(
        help_text="The workspace timezone (IANA), in which the ranges are read; changed in General settings."
    )
    schedule = ScheduleOutputField()


class BusinessHoursInputSerializer(serializers.Serializer):
    enabled = serializers.BooleanField()
    schedule = ScheduleInputField()
    timezone = serializers.CharField(
        required=False, max_length=64,
        help_text="Read-only: may be sent back as read, but must then equal the workspace timezone.",
    )


def _invalid(errors: dict[str, list[str]]) -> ApiError:
    if len(errors) == 1:
        field, reasons = next(iter(errors.items()))
        return ApiError(_("%(field)s: %(reason)s") % {"field": field, "reason": reasons[0]}, errors)
    return ApiError(_("The business hours are not valid."), errors)


def _output(settings) -> dict:
    return {"enabled": settings.enabled, "timezone": settings.timezone, "schedule": settings.schedule.to_json()}


ERRORS = {
    401: OpenApiResponse(description="Missing or bad credentials."),
    403: OpenApiResponse(description="The user is not a member of any workspace."),
}


class BusinessHoursApi(APIView):
    def get_permissions(self):
        if self.request.method == "PUT":
            return [IsWorkspaceAdmin()]
        return [IsWorkspaceMember()]

    @extend_schema(
        summary="Get the business hours", operation_id="business_hours_retrieve",
        description="The workspace's weekly business hours (Settings → Fuera de Horario), in the workspace "
                    "timezone. Any member may read them. A workspace that never set them up answers "
                    "`enabled: false` and no ranges: business time equals calendar time.",
        responses={200: BusinessHoursOutputSerializer, **ERRORS},
        examples=[OpenApiExample("Weekdays with a lunch break", response_only=True, value={
            "enabled": True, "timezone": "America/Mexico_City", "schedule": EXAMPLE_SCHEDULE,
        })],
    )
    def get(self, request):
        actor = request_actor(request)
        return Response(_output(business_hours_get(workspace=actor.workspace)))

    @extend_schema(
        summary="Replace the business hours", operation_id="business_hours_update",
        description="Owners, managers and API tokens. `enabled` and `schedule` are required; a weekday left "
                    "out of `schedule` is closed. At most "
                    f"{MAX_INTERVALS_PER_DAY} ranges per day. Turning business hours on needs at least one "
                    "open range. `timezone` is the workspace's and cannot be changed here.",
        request=BusinessHoursInputSerializer,
        responses={
            200: BusinessHoursOutputSerializer,
            400: OpenApiResponse(description='Validation failed: `{"message", "errors": {"schedule.mon.0": '
                                             '["The closing time must be after the opening time."]}}`.'),
            401: ERRORS[401],
            403: OpenApiResponse(description="Agents may not change the business hours."),
        },
        examples=[OpenApiExample("Weekdays with a lunch break", request_only=True, value={
            "enabled": True, "schedule": EXAMPLE_SCHEDULE,
        })],
    )
    def put(self, request):
        actor = request_actor(request)
        if not isinstance(request.data, dict):
            raise ApiError(_("The body must be a JSON object."))
        serializer = BusinessHoursInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if "timezone" in data and data["timezone"] != actor.workspace.timezone:
            raise _invalid({"timezone": [
                _("Read-only: the workspace timezone is %(timezone)s; change it in General settings.")
                % {"timezone": actor.workspace.timezone}
            ]})
        try:
            business_hours_set(
                workspace=actor.workspace, enabled=data["enabled"], schedule=data["schedule"], updated_by=actor.user
            )
        except ScheduleInvalid as exc:
            raise _invalid(exc.errors) from exc
        return Response(_output(business_hours_get(workspace=actor.workspace)))
