"""Data Import API (api.md "Data Import"): upload a contacts CSV, follow it, list the history
and download the rejected rows. Owners, managers and API tokens; agents get 403."""

import json
from datetime import UTC
from pathlib import PurePath

from django.core.exceptions import SuspiciousOperation
from django.http import FileResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsWorkspaceAdmin, request_actor
from crm.api import ApiError
from crm.pagination import page_serializer, paginate

from .csvfile import CsvFileError, MappingError
from .models import ContactImport, ImportMode
from .selectors import contact_import_get, contact_import_list
from .services import contact_import_create
from .uploads import limit_upload_size, max_upload_bytes

ERROR_RESPONSE = inline_serializer(
    "ImportErrorResponse",
    {
        "message": serializers.CharField(),
        "errors": serializers.DictField(child=serializers.ListField(child=serializers.CharField())),
    },
)


def _too_large() -> ApiError:
    message = _("The file is larger than %(max)s MB.") % {"max": max_upload_bytes() // (1024 * 1024)}
    return ApiError(message, {"file": [message]})


def _bad_body(exc: Exception) -> ApiError:
    message = _("The request body is not a valid upload: send the CSV as the multipart file field “file”.")
    return ApiError(message, {"file": [message]})


def _mapping_parse(raw) -> dict[str, str] | None:
    if raw in (None, ""):
        return None
    try:
        value = json.loads(raw) if isinstance(raw, str) else None
    except (ValueError, RecursionError):  # RecursionError: nested too deeply
        value = None
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str | None) for k, v in value.items()):
        message = _("mapping must be a JSON object of column header → contact field.")
        raise ApiError(message, {"mapping": [message]})
    return {key: val or "" for key, val in value.items()}


def _iso_in_workspace(value, context) -> str | None:
    if value is None:
        return None
    workspace = context.get("workspace")
    return timezone.localtime(value, workspace.tzinfo if workspace else UTC).isoformat()


class WorkspaceDateTimeField(serializers.DateTimeField):
    """ISO 8601 with the workspace's UTC offset, like the other timestamps of the API."""

    def to_representation(self, value):
        return _iso_in_workspace(value, self.context)


class ImportUploaderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ImportOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(
        choices=["queued", "running", "succeeded", "failed"], help_text="queued → running → succeeded | failed."
    )
    mode = serializers.ChoiceField(choices=ImportMode.values)
    file_name = serializers.CharField()
    total = serializers.IntegerField(source="total_rows", help_text="Data rows in the file (blank lines not counted).")
    processed = serializers.IntegerField(source="processed_rows", help_text="Rows handled so far.")
    progress = serializers.IntegerField(help_text="Percent of the rows handled, 0..100.")
    created = serializers.IntegerField(source="created_count", help_text="Contacts created.")
    updated = serializers.IntegerField(source="updated_count", help_text="Existing contacts matched (email, then phone) and updated.")
    skipped = serializers.IntegerField(
        source="skipped_count",
        help_text="Rows the mode does not allow: an existing contact in mode `add`, a new one in mode `update`.",
    )
    errors = serializers.IntegerField(source="error_count", help_text="Rows rejected whole (see `error_rows_url`).")
    error_rows_url = serializers.SerializerMethodField(
        help_text="CSV of the rejected rows (line number, reason, the row). Null when no row was rejected, "
        "while the import runs, and after 7 days."
    )
    error_rows_expires_at = serializers.SerializerMethodField(help_text="When the rejected-rows file is deleted.")
    error_message = serializers.CharField(help_text="Why a failed import stopped; empty otherwise.")
    uploaded_by = serializers.SerializerMethodField(help_text="Null for imports made with an API token.")
    created_at = WorkspaceDateTimeField()
    started_at = WorkspaceDateTimeField(allow_null=True)
    finished_at = WorkspaceDateTimeField(allow_null=True)

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_error_rows_url(self, obj: ContactImport) -> str | None:
        if not obj.has_error_rows_file:
            return None
        url = reverse("contact-import-error-rows", kwargs={"import_id": obj.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_error_rows_expires_at(self, obj: ContactImport) -> str | None:
        if not obj.has_error_rows_file:
            return None
        return _iso_in_workspace(obj.files_expire_at, self.context)

    @extend_schema_field(ImportUploaderSerializer(allow_null=True))
    def get_uploaded_by(self, obj: ContactImport) -> dict | None:
        if obj.uploaded_by_id is None:
            return None
        name = obj.uploaded_by.display_name if obj.uploaded_by else obj.uploaded_by_name
        return {"id": obj.uploaded_by_id, "name": name or f"#{obj.uploaded_by_id}"}


IMPORT_ID_PARAMETER = OpenApiParameter(
    "import_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The import's id (of this workspace)."
)


def _context(request, actor) -> dict:
    return {"request": request, "workspace": actor.workspace}


class ImportCreateInputSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="CSV with a header row, at most 20 MB and 200,000 rows. UTF-8 (with or without BOM) or "
        "Latin-1/cp1252; comma or semicolon separated."
    )
    mode = serializers.ChoiceField(choices=ImportMode.values, required=False, default=ImportMode.ADD_AND_UPDATE)
    mapping = serializers.CharField(
        required=False,
        help_text='Optional JSON object naming the field of columns whose header is not recognised, by header: '
        '`{"Móvil personal": "phone", "Notas": ""}` ("" ignores a column). Fields: first_name, last_name, email, '
        "phone, tags, assignee.",
    )


class ImportListCreateApi(APIView):
    permission_classes = [IsWorkspaceAdmin]
    # Multipart only: a form-encoded body would be read whole into memory (and has no file).
    parser_classes = [MultiPartParser]

    def initial(self, request, *args, **kwargs):
        # Before authentication: a session's CSRF check already parses the multipart body.
        if request.method == "POST":
            # An agent's upload is refused before its body is read (the role is known from
            # the session already; IsWorkspaceAdmin below says the same for everyone else).
            membership = getattr(request._request, "membership", None)
            if membership is not None and not membership.is_admin and "HTTP_AUTHORIZATION" not in request.META:
                raise exceptions.PermissionDenied(IsWorkspaceAdmin.message)
            limit_upload_size(request._request, too_large=_too_large)
        try:
            super().initial(request, *args, **kwargs)
        except SuspiciousOperation as exc:  # e.g. a 6 MB text field (DATA_UPLOAD_MAX_MEMORY_SIZE)
            raise _bad_body(exc) from exc

    @property
    def request_files(self):
        try:
            return self.request.FILES
        except SuspiciousOperation as exc:
            raise _bad_body(exc) from exc

    @extend_schema(
        summary="List contact imports",
        operation_id="v1_imports_list",
        description="This workspace's imports, newest first (the history of Configuraciones → Importación de datos).",
        parameters=[
            OpenApiParameter("page", OpenApiTypes.INT, description="Page number, from 1."),
            OpenApiParameter("page_size", OpenApiTypes.INT, description="Rows per page, 1..100 (default 50)."),
        ],
        responses={
            200: page_serializer(ImportOutputSerializer, "ImportPage"),
            400: OpenApiResponse(ERROR_RESPONSE, description="Bad `page` or `page_size`."),
            401: ERROR_RESPONSE,
            403: ERROR_RESPONSE,
        },
    )
    def get(self, request):
        actor = request_actor(request)
        return paginate(request, contact_import_list(workspace=actor.workspace), ImportOutputSerializer,
                        context=_context(request, actor))

    @extend_schema(
        summary="Import contacts from a CSV file",
        description=(
            "Multipart upload of `file`, optional `mode` (`add`, `update`, `add_and_update` — the default) and "
            "optional `mapping` (JSON, header → field, for columns whose header is not recognised). "
            "Columns by header name: `first_name` (required for new contacts), `last_name`, `email`, `phone` "
            "(E.164; spaces and dashes are removed), `tags` (comma-separated, merged), `assignee` (member email, "
            "case-insensitive, or user id; empty leaves the assignee unchanged). Common Spanish headers are "
            "recognised too (Nombre, Apellido, Correo, Teléfono, Etiquetas, Asignado). Contacts match on email, "
            "then phone. The rows are imported by a background job: follow it with `GET /api/v1/imports/{id}`. "
            "A changed assignee is recorded with source `contact_import`. A file that is not CSV, larger than "
            "20 MB, with more than 200,000 rows or without a usable header answers 400."
        ),
        request={"multipart/form-data": ImportCreateInputSerializer},
        responses={
            202: OpenApiResponse(ImportOutputSerializer, description="Queued. `id` and `status` plus the counters."),
            400: OpenApiResponse(ERROR_RESPONSE, description="No file, unknown mode, too big, too many rows, not CSV, no usable header."),
            401: ERROR_RESPONSE,
            403: ERROR_RESPONSE,
            503: OpenApiResponse(ERROR_RESPONSE, description="The job queue is down; the import is recorded as failed."),
        },
    )
    def post(self, request):
        actor = request_actor(request)
        upload = self.request_files.get("file")
        if upload is None:
            raise ApiError(_("Send the CSV file in the field “file”."), {"file": [_("No file was sent.")]})
        if upload.size is not None and upload.size > max_upload_bytes():
            raise _too_large()
        mode = request.data.get("mode") or ImportMode.ADD_AND_UPDATE
        if mode not in ImportMode.values:
            raise ApiError(
                _("mode must be one of: add, update, add_and_update."), {"mode": [_("Unknown import mode.")]}
            )
        overrides = _mapping_parse(request.data.get("mapping"))
        try:
            contact_import = contact_import_create(
                workspace=actor.workspace,
                uploaded_file=upload,
                uploaded_by=actor.user,
                mode=mode,
                start=True,
                mapping_overrides=overrides,
            )
        except CsvFileError as exc:
            field = "mapping" if isinstance(exc, MappingError) else "file"
            raise ApiError(exc.message, {field: [exc.message]}) from exc
        contact_import.refresh_from_db()
        data = ImportOutputSerializer(contact_import, context=_context(request, actor)).data
        return Response(data, status=status.HTTP_202_ACCEPTED)


def _import_or_404(actor, import_id) -> ContactImport:
    contact_import = contact_import_get(workspace=actor.workspace, import_id=import_id)
    if contact_import is None:
        raise ApiError(_("Import not found."), status_code=status.HTTP_404_NOT_FOUND)
    return contact_import


class ImportDetailApi(APIView):
    permission_classes = [IsWorkspaceAdmin]

    @extend_schema(
        summary="Follow a contact import",
        description="Status, progress and counters. Poll it until `status` is `succeeded` or `failed`.",
        parameters=[IMPORT_ID_PARAMETER],
        responses={200: ImportOutputSerializer, 401: ERROR_RESPONSE, 403: ERROR_RESPONSE, 404: ERROR_RESPONSE},
    )
    def get(self, request, import_id):
        actor = request_actor(request)
        contact_import = _import_or_404(actor, import_id)
        return Response(ImportOutputSerializer(contact_import, context=_context(request, actor)).data)


class ImportErrorRowsApi(APIView):
    permission_classes = [IsWorkspaceAdmin]

    @extend_schema(
        summary="Download the rejected rows of an import",
        description=(
            "CSV (UTF-8 with BOM, the file's own separator): `Line`, `Reason`, then the row's columns. "
            "Kept 7 days after the import finished."
        ),
        parameters=[IMPORT_ID_PARAMETER],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY, description="The rejected rows."),
            401: ERROR_RESPONSE,
            403: ERROR_RESPONSE,
            404: OpenApiResponse(ERROR_RESPONSE, description="Unknown import, no rejected rows, or the file expired."),
        },
    )
    def get(self, request, import_id):
        actor = request_actor(request)
        contact_import = _import_or_404(actor, import_id)
        if not contact_import.has_error_rows_file:
            raise ApiError(
                _("This import has no rejected rows file (no row was rejected, it is still running, or the file was deleted after 7 days)."),
                status_code=status.HTTP_404_NOT_FOUND,
            )
        try:
            handle = contact_import.error_file.open("rb")
        except OSError as exc:
            raise ApiError(_("The rejected rows file is no longer available."), status_code=status.HTTP_404_NOT_FOUND) from exc
        stem = PurePath(contact_import.file_name).stem or "import"
        suffix = _("rejected-rows")
        return FileResponse(
            handle,
            as_attachment=True,
            filename=f"{stem}-{suffix}.csv",
            content_type="text/csv; charset=utf-8",
        )

