"""The Asignaciones report API: summary (Métricas and the pie), time series (bars) and the log,
declared on the framework (``ReportEndpoints``). Any member may read; agents see only their own
events (the selectors scope them). The parameters are the Asignaciones ``ReportParams``."""

from django.http import HttpResponse
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema

from crm.api import ApiError

from . import serializers as out
from .framework.api import (
    ERRORS,
    INTERVAL_PARAMETER,
    ReportApi,
    ReportEndpoints,
    report_api_urls,
    report_parameters,
)
from .framework.query import LOG_ROW_CAP, query_scalar
from .params import FILTERS, INCLUDE_VALUES, report_params_parse
from .selectors import assignment_log_page, assignment_summary, assignment_timeseries
from .timeseries_csv import timeseries_csv_filename, timeseries_csv_text

SCOPE_NOTE = (
    " Session or Bearer token. Owners, managers and API tokens see the whole workspace; an agent "
    "sees only events where they are the new or the previous assignee. States: `ok`, `no_data` "
    "(nothing matches, or the range ends before the workspace was created), `not_applicable` "
    "(`assigned_by` with a `source` filter that excludes `user`)."
)


def _summary(*, workspace, actor, query):
    return assignment_summary(workspace=workspace, actor=actor, params=query)


def _timeseries(*, workspace, actor, query):
    return assignment_timeseries(workspace=workspace, actor=actor, params=query)


def _log(*, workspace, actor, query, page, page_size):
    return assignment_log_page(workspace=workspace, actor=actor, params=query, page=page, page_size=page_size)


INCLUDE_PARAMETER = OpenApiParameter(
    "include", OpenApiTypes.STR, OpenApiParameter.QUERY, required=False, enum=list(INCLUDE_VALUES),
    description="`distinct` adds `distinct: {contacts, conversations}`: the different contacts and conversations "
                "of the matching events (exact, counted on the events, so only on request).",
)

ENDPOINTS = ReportEndpoints(
    key="assignments", filters=FILTERS, scope_note=SCOPE_NOTE, parse=report_params_parse,
    extra_parameters={"summary": [INCLUDE_PARAMETER]},
    summary=(_summary, out.AssignmentSummarySerializer, "Asignaciones: metrics per source",
             "Total assignment events of the period (unassignments count), and per source present: count and "
             "percent (2 decimals, adding to 100), largest first; plus the previous period's total (equal length, "
             "just before, same filters). With `include=distinct`, also the distinct contacts and conversations."),
    timeseries=(_timeseries, out.AssignmentTimeseriesSerializer, "Asignaciones: counts per time bucket, stacked by source",
                "Every bucket of the range in the workspace timezone, zeros included; bucket totals add up to the "
                "summary's total. Default interval: `hour` for a single day, `day` up to 92 days, `week` (Monday) "
                "beyond. An interval giving more than 2000 buckets is a 400."),
    log=(_log, out.AssignmentLogSerializer, "Asignaciones: the assignment log (Registro de asignaciones de contactos)",
         f"One row per event, newest first (timestamp, then id). Only the newest {LOG_ROW_CAP} matching rows "
         f"are reachable: `count` is at most {LOG_ROW_CAP} and `capped` says more match; a page beyond them is "
         "a 400 pointing to Data Export, which has no cap."),
)


EXCEL_PARAMETER = OpenApiParameter(
    "excel", OpenApiTypes.BOOL, OpenApiParameter.QUERY, required=False, default=False,
    description="`true` starts the file with a UTF-8 byte order mark, so Excel reads its accents (as Data Export's "
                "\"Para Excel\").",
)
TRUE_VALUES, FALSE_VALUES = ("true", "1", "on"), ("false", "0", "off")


def excel_parse(data) -> bool:
    errors: dict[str, list[str]] = {}
    value = query_scalar(data, "excel", errors)
    if not errors and value is not None and value.lower() not in TRUE_VALUES + FALSE_VALUES:
        errors["excel"] = [_("Give true or false.")]
    if errors:
        raise ApiError(_("%(field)s: %(reason)s") % {"field": "excel", "reason": errors["excel"][0]}, errors)
    return value is not None and value.lower() in TRUE_VALUES


class AssignmentTimeseriesCsvApi(ReportApi):
    """The bar chart's buckets as CSV: the time series' numbers, one row per bucket × source."""

    filters = FILTERS

    def parse(self, *, workspace, data):
        return report_params_parse(workspace=workspace, data=data)

    def perform_content_negotiation(self, request, force=False):
        # The answer is CSV whatever the Accept header says; errors stay the JSON of api.md
        # (never a 406 for ``Accept: text/csv``).
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        operation_id="reports_assignments_timeseries_csv", tags=["reports"],
        summary="Asignaciones: the bar chart's buckets as CSV",
        description=(
            "The `timeseries` numbers as `text/csv` (RFC 4180, UTF-8, header row): one row per bucket × source present "
            "in the range, zeros included; columns `bucket_start` (ISO 8601 with the workspace's UTC offset), "
            "`interval`, `timezone`, `source`, `source_label`, `count`. Same period, filters and `interval` as "
            "`timeseries`; with state `no_data` or `not_applicable` only the header (the state is in the "
            "`X-Report-State` header)." + SCOPE_NOTE
        ),
        parameters=[*report_parameters(list(FILTERS)), INTERVAL_PARAMETER, EXCEL_PARAMETER],
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The CSV file (attachment)."),
                   **ERRORS},
    )
    def get(self, request):
        actor, params = self.open(request)
        excel = excel_parse(request.query_params)
        series = assignment_timeseries(workspace=actor.workspace, actor=actor, params=params)
        body = timeseries_csv_text(series).encode("utf-8-sig" if excel else "utf-8")
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{timeseries_csv_filename(series)}"'
        response["X-Report-State"] = series.state
        response["Cache-Control"] = "private, no-store"
        return response


urlpatterns = [
    *report_api_urls(ENDPOINTS),
    path("reports/assignments/timeseries.csv", AssignmentTimeseriesCsvApi.as_view(),
         name="api-report-assignments-timeseries-csv"),
]
