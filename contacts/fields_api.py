"""Custom contact fields' definitions: ``/api/v1/contact-fields`` (docs/api.md).

Every member reads them (agents fill the values on their contacts); owners, managers and API
tokens create, relabel and delete them (agents: 403). Every 4xx is ``{"message", "errors"}``.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import request_actor
from accounts.throttling import ApiTokenRateThrottle
from crm.api import ApiError
from crm.pagination import page_serializer, paginate

from .api import request_object
from .custom_fields import (
    MAX_FIELDS,
    CustomFieldError,
    custom_field_create,
    custom_field_delete,
    custom_field_get,
    custom_field_list,
    custom_field_update,
)
from .models import CustomField


class IsWorkspaceAdminToChange(permissions.BasePermission):
    """Any member reads; owners and managers (and tokens) change."""

    message = gettext_lazy("Only owners and managers may do this.")

    def has_permission(self, request, view):
        actor = request_actor(request)
        return request.method in permissions.SAFE_METHODS or actor.is_admin


class CustomFieldSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    key = serializers.CharField(help_text="A slug: contacts' custom_fields, segments and {{contact.custom.<key>}} use it.")
    label = serializers.CharField()
    variable = serializers.SerializerMethodField(help_text="The broadcast message variable of the field.")
    created_at = serializers.DateTimeField()

    def get_variable(self, obj: CustomField) -> str:
        return "{{" + f"contact.custom.{obj.key}" + "}}"


class CustomFieldInputSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="A lowercase letter, then lowercase letters, digits or _ (at most 50). "
                                          "Fixed once created.")
    label = serializers.CharField(max_length=100)


ERRORS = {
    400: OpenApiResponse(description='Validation failed: `{"message", "errors": {"<field>": ["<why>"]}}`.'),
    401: OpenApiResponse(description="Missing or bad credentials."),
    403: OpenApiResponse(description="Agents may read the fields but not change them."),
}
NOT_FOUND = {404: OpenApiResponse(description="No such custom field in this workspace.")}
FIELD_ID = OpenApiParameter("field_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The field's id.")


def _error(exc: CustomFieldError) -> ApiError:
    return ApiError(exc.message, {exc.field: [exc.message]})


def _field_or_404(actor, field_id) -> CustomField:
    field = custom_field_get(workspace=actor.workspace, field_id=field_id)
    if field is None:
        raise ApiError(_("Custom field not found."), status_code=status.HTTP_404_NOT_FOUND)
    return field


class CustomFieldListApi(APIView):
    permission_classes = [IsWorkspaceAdminToChange]
    throttle_classes = [ApiTokenRateThrottle]

    @extend_schema(summary="List the custom contact fields", operation_id="contact_fields_list",
                   responses={200: page_serializer(CustomFieldSerializer, "CustomFieldPage"), **ERRORS})
    def get(self, request):
        actor = request_actor(request)
        return paginate(request, custom_field_list(workspace=actor.workspace), CustomFieldSerializer)

    @extend_schema(summary="Define a custom contact field", operation_id="contact_fields_create",
                   description=f"`key` unique in the workspace, not a contact field's own name; at most "
                               f"{MAX_FIELDS} fields per workspace.",
                   request=CustomFieldInputSerializer, responses={201: CustomFieldSerializer, **ERRORS})
    def post(self, request):
        actor = request_actor(request)
        body = request_object(request)
        try:
            field = custom_field_create(workspace=actor.workspace, key=body.get("key"), label=body.get("label"))
        except CustomFieldError as exc:
            raise _error(exc) from exc
        return Response(CustomFieldSerializer(field).data, status=status.HTTP_201_CREATED)


class CustomFieldDetailApi(APIView):
    permission_classes = [IsWorkspaceAdminToChange]
    throttle_classes = [ApiTokenRateThrottle]

    @extend_schema(summary="Get a custom contact field", operation_id="contact_fields_retrieve",
                   parameters=[FIELD_ID], responses={200: CustomFieldSerializer, **ERRORS, **NOT_FOUND})
    def get(self, request, field_id):
        return Response(CustomFieldSerializer(_field_or_404(request_actor(request), field_id)).data)

    @extend_schema(summary="Relabel a custom contact field", operation_id="contact_fields_partial_update",
                   description="Only `label` changes; a different `key` is a 400.", parameters=[FIELD_ID],
                   request=CustomFieldInputSerializer(partial=True),
                   responses={200: CustomFieldSerializer, **ERRORS, **NOT_FOUND})
    def patch(self, request, field_id):
        field = _field_or_404(request_actor(request), field_id)
        body = request_object(request)
        try:
            field = custom_field_update(field=field, label=body.get("label"), key=body.get("key"))
        except CustomFieldError as exc:
            raise _error(exc) from exc
        return Response(CustomFieldSerializer(field).data)

    @extend_schema(summary="Delete a custom contact field", operation_id="contact_fields_destroy",
                   description="Deletes its values on every contact too. Segments filtering on it then select "
                               "nobody; broadcasts using its variable write the fallback.",
                   parameters=[FIELD_ID], responses={204: None, **ERRORS, **NOT_FOUND})
    def delete(self, request, field_id):
        field = _field_or_404(request_actor(request), field_id)
        custom_field_delete(field=field)
        return Response(status=status.HTTP_204_NO_CONTENT)
