"""API conventions shared by every app: the error shape of api.md and request parsing helpers.

Every 4xx is ``{"message": "<human sentence>", "errors": {"<field>": ["<why>"]}}``.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class ApiError(exceptions.APIException):
    """A 4xx with a sentence and optional field errors; raise it from views and services."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "Bad request."

    def __init__(self, message: str, errors: dict | None = None, status_code: int | None = None):
        super().__init__(detail=message)
        self.message = message
        self.errors = errors or {}
        if status_code:
            self.status_code = status_code


class ServiceUnavailable(ApiError):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE


def _flatten(detail) -> dict[str, list[str]]:
    """DRF's nested ``detail`` as ``{field: [messages]}`` (nested fields joined with dots)."""
    out: dict[str, list[str]] = {}

    def walk(prefix, value):
        if isinstance(value, dict):
            for key, sub in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), sub)
        elif isinstance(value, list):
            if all(not isinstance(v, dict | list) for v in value):
                out.setdefault(prefix or "non_field_errors", []).extend(str(v) for v in value)
            else:
                for index, sub in enumerate(value):
                    walk(f"{prefix}.{index}" if prefix else str(index), sub)
        else:
            out.setdefault(prefix or "non_field_errors", []).append(str(value))

    walk("", detail)
    return out


def exception_handler(exc, context):
    if isinstance(exc, ApiError):
        response = Response({"message": exc.message, "errors": exc.errors}, status=exc.status_code)
        return response
    if isinstance(exc, RequestDataTooBig):
        # Reading the body of a request larger than DATA_UPLOAD_MAX_MEMORY_SIZE: Django's own
        # answer would be an HTML 400 page.
        message = _("The request body is too large (at most %(mb)s MB).") % {
            "mb": settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)
        }
        return Response({"message": message, "errors": {}}, status=400)
    if isinstance(exc, SuspiciousOperation):
        return Response({"message": _("The request is not valid."), "errors": {}}, status=400)
    if isinstance(exc, DjangoValidationError):
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response({"message": _("The request is not valid."), "errors": errors}, status=400)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        first = next(iter(errors.values()), [""])[0]
        message = _("The request is not valid.")
        if len(errors) == 1 and first:
            field = next(iter(errors))
            message = _("%(field)s: %(reason)s") % {"field": field, "reason": first}
        response.data = {"message": message, "errors": errors}
    elif isinstance(exc, exceptions.Throttled):
        response.data = {
            "message": _("Too many requests. Try again in %(seconds)s seconds.") % {"seconds": exc.wait and int(exc.wait) or 1},
            "errors": {},
        }
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        message = str(detail) if not isinstance(detail, dict | list) else _("The request failed.")
        response.data = {"message": message, "errors": {}}
    return response
