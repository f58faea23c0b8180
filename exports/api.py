"""Data Export API (api.md "Data Export"): request an export, follow it, download the CSV.

Owners, managers without ``restrict_data_export`` and API tokens (an unrestricted manager);
agents and restricted managers get 403; another workspace's export is 404.
"""

from django.http import FileResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import CanExportData, request_actor
from crm.api import ApiError
from crm.pagination import paginate

from .models import Export
from .selectors import export_get, export_list
from .services import export_request


class ExportErrorSerializer(serializers.Serializer):
    message = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class ExportRangeSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    timezone = serializers.CharField()


class ExportOutputSerializer(serializers.ModelSerializer):
    """An export as the API shows it; ``download_url`` only once it succeeded."""

    row_count = serializers.IntegerField(allow_null=True, help_text="Rows in the CSV (header excluded); null until done.")
    size = serializers.IntegerField(allow_null=True, help_text="Bytes of the CSV; null until done.")
    error = serializers.SerializerMethodField(help_text="Why it failed, or why it was retried; null otherwise.")
    range = serializers.SerializerMethodField(help_text="The exported days, in the workspace timezone.")
    excel = serializers.BooleanField(source="excel_bom", help_text="The file starts with a UTF-8 BOM for Excel.")
    download_url = serializers.SerializerMethodField(help_text="Absolute URL of the CSV; null unless succeeded.")

    class Meta:
        model = Export
        fields = [
            "id", "kind", "status", "progress", "row_count", "size", "error", "filters", "range", "excel",
            "attempts", "created_at", "started_at", "finished_at", "expires_at", "download_url",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_error(self, export) -> str | None:
        return export.error or None

    @extend_schema_field(ExportRangeSerializer(allow_null=True))
    def get_range(self, export) -> dict | None:
        start, end = export.filters.get("start"), export.filters.get("end")
        if not start or not end:
            return None
        return {"start": start[0], "end": end[0], "timezone": export.workspace.timezone}

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, export) -> str | None:
        if export.status != Export.Status.SUCCEEDED:
            return None
        path = reverse("api-export-download", kwargs={"export_id": export.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class ExportPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ExportOutputSerializer(many=True)


class ExportCreateApi(APIView):
    permission_classes = [CanExportData]

    class InputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=Export.Kind.values, default=Export.Kind.ASSIGNMENTS)
        filters = serializers.DictField(
            required=False, default=dict,
            help_text=(
                "The report parameters (api.md \"Reports: Asignaciones\"): `period` or `start`+`end`, and the "
                "filters `source`, `assignee`, `assigned_by`, `contact`, `conversation` (a value or a list). "
                "A preset is stored as its resolved dates."
            ),
        )
        excel = serializers.BooleanField(
            required=False, default=False, help_text="Start the file with a UTF-8 BOM so Excel reads it as UTF-8."
        )

    @extend_schema(
        summary="Request a Data Export",
        operation_id="exports_create",
        description=(
            "Queues a CSV export of the assignment log filtered like the report (no row cap). Owner, manager "
            "without `restrict_data_export`, or API token. Answers 202 with the export; follow it with "
            "`GET /api/v1/exports/{id}`. Without a job queue configured the export runs in-process and may "
            "already be finished in the answer."
        ),
        request=InputSerializer,
        responses={
            202: ExportOutputSerializer,
            400: OpenApiResponse(ExportErrorSerializer, description="Bad `kind` or filters; `errors` names the field (`filters.<param>`)."),
            401: OpenApiResponse(ExportErrorSerializer, description="No or bad credentials."),
            403: OpenApiResponse(ExportErrorSerializer, description="Agents and restricted managers may not export."),
            503: OpenApiResponse(ExportErrorSerializer, description="The job queue is down; the export is recorded as failed."),
        },
        examples=[
            OpenApiExample(
                "Last 30 days of user and API assignments",
                value={"kind": "assignments", "filters": {"period": "last_30_days", "source": ["user", "api"]}, "excel": True},
                request_only=True,
            )
        ],
    )
    def post(self, request):
        actor = request_actor(request)
        data = request.data if isinstance(request.data, dict) else None
        if data is None:
            raise ApiError(_("Send a JSON object."), {"non_field_errors": [_("Send a JSON object.")]})
        serializer = self.InputSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        try:
            export = export_request(
                actor=actor, kind=values["kind"], filters=values["filters"], excel_bom=values["excel"]
            )
        except ApiError as exc:
            if exc.status_code == 400:
                # The filters sit under "filters" in this body; ``kind`` is the body's own field.
                raise ApiError(exc.message, {
                    field if field == "kind" else f"filters.{field}": why for field, why in exc.errors.items()
                }) from exc
            raise
        export.refresh_from_db()
        return Response(
            ExportOutputSerializer(export, context={"request": request}).data, status=status.HTTP_202_ACCEPTED
        )

    @extend_schema(
        summary="List Data Exports",
        operation_id="exports_list",
        description="This workspace's exports, newest first, paginated (`page`, `page_size` ≤ 100).",
        parameters=[
            OpenApiParameter("page", OpenApiTypes.INT, OpenApiParameter.QUERY, required=False, description="Page, from 1."),
            OpenApiParameter("page_size", OpenApiTypes.INT, OpenApiParameter.QUERY, required=False, description="Rows per page (default 50, at most 100)."),
        ],
        responses={
            200: ExportPageSerializer,
            400: OpenApiResponse(ExportErrorSerializer, description="Bad page or page_size."),
            401: OpenApiResponse(ExportErrorSerializer, description="No or bad credentials."),
            403: OpenApiResponse(ExportErrorSerializer, description="Agents and restricted managers may not export."),
        },
    )
    def get(self, request):
        actor = request_actor(request)
        rows = export_list(workspace=actor.workspace).select_related("workspace")
        return paginate(request, rows, ExportOutputSerializer)


EXPORT_ID = OpenApiParameter("export_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The export's id.")


def _export_or_404(request, export_id) -> Export:
    actor = request_actor(request)
    export = export_get(workspace=actor.workspace, export_id=export_id)
    if export is None:
        raise ApiError(_("No such export in this workspace."), status_code=404)
    return export


class ExportDetailApi(APIView):
    permission_classes = [CanExportData]

    @extend_schema(
        summary="Get a Data Export",
        operation_id="exports_retrieve",
        description="Status and progress (0–100) of an export; `download_url` once it succeeded.",
        parameters=[EXPORT_ID],
        responses={
            200: ExportOutputSerializer,
            401: OpenApiResponse(ExportErrorSerializer, description="No or bad credentials."),
            403: OpenApiResponse(ExportErrorSerializer, description="Agents and restricted managers may not export."),
            404: OpenApiResponse(ExportErrorSerializer, description="No such export in this workspace."),
        },
    )
    def get(self, request, export_id):
        export = _export_or_404(request, export_id)
        return Response(ExportOutputSerializer(export, context={"request": request}).data)


class ExportDownloadApi(APIView):
    permission_classes = [CanExportData]

    @extend_schema(
        summary="Download a Data Export",
        operation_id="exports_download",
        description=(
            "The CSV (`text/csv`, attachment; UTF-8, RFC 4180, header row, newest first). Columns: timestamp, "
            "conversation_id, contact_id, contact_name, previous_assignee_id, previous_assignee, new_assignee_id, "
            "new_assignee, source, assigned_by_id, assigned_by."
        ),
        parameters=[EXPORT_ID],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY, description="The CSV file."),
            401: OpenApiResponse(ExportErrorSerializer, description="No or bad credentials."),
            403: OpenApiResponse(ExportErrorSerializer, description="Agents and restricted managers may not export."),
            404: OpenApiResponse(ExportErrorSerializer, description="No such export in this workspace."),
            409: OpenApiResponse(ExportErrorSerializer, description="The export has not succeeded (queued, running or failed)."),
            410: OpenApiResponse(ExportErrorSerializer, description="The file expired and was deleted."),
        },
    )
    def get(self, request, export_id):
        export = _export_or_404(request, export_id)
        if export.status == Export.Status.EXPIRED:
            raise ApiError(_("This export expired and its file was deleted."), status_code=410)
        if export.status != Export.Status.SUCCEEDED or not export.file:
            raise ApiError(
                _("This export is not ready to download (status %(status)s).") % {"status": export.get_status_display()},
                status_code=409,
            )
        try:
            handle = export.file.open("rb")
        except (FileNotFoundError, OSError) as exc:
            raise ApiError(_("The file of this export is no longer available."), status_code=410) from exc
        response = FileResponse(
            handle, as_attachment=True, filename=export.download_filename, content_type="text/csv; charset=utf-8"
        )
        response["Cache-Control"] = "private, no-store"
        return response
