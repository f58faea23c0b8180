"""The Asignaciones report API: summary (Métricas and the pie), time series (bars) and the log.

Thin views: parse the parameters (``report_params_parse``), call a selector, render. Any member
may read; agents see only their own events (the selectors scope them).
"""

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from . import serializers as out
from .framework.api import (
    ERRORS,
    INTERVAL_PARAMETER,
    LOG_PAGE_PARAMETERS,
    ReportApi,
    report_parameters,
)
from .framework.query import log_page_parse
from .params import FILTERS, report_params_parse
from .selectors import (
    LOG_ROW_CAP,
    assignment_log_page,
    assignment_summary,
    assignment_timeseries,
)

REPORT_PARAMETERS = report_parameters(list(FILTERS))

SCOPE_NOTE = (
    " Session or Bearer token. Owners, managers and API tokens see the whole workspace; an agent "
    "sees only events where they are the new or the previous assignee. States: `ok`, `no_data` "
    "(nothing matches, or the range ends before the workspace was created), `not_applicable` "
    "(`assigned_by` with a `source` filter that excludes `user`)."
)


class AssignmentReportApi(ReportApi):
    filters = FILTERS

    def parse(self, *, workspace, data):
        return report_params_parse(workspace=workspace, data=data)


class AssignmentSummaryApi(AssignmentReportApi):
    @extend_schema(
        operation_id="reports_assignments_summary",
        tags=["reports"],
        summary="Asignaciones: metrics per source",
        description=(
            "Total assignment events of the period (unassignments count), and per source present: count and "
            "percent (2 decimals, adding to 100), largest first; plus the previous period's total (equal length, "
            "just before, same filters)." + SCOPE_NOTE
        ),
        parameters=REPORT_PARAMETERS,
        responses={200: out.AssignmentSummarySerializer, **ERRORS},
    )
    def get(self, request):
        actor, params = self.open(request)
        summary = assignment_summary(workspace=actor.workspace, actor=actor, params=params)
        return Response(out.AssignmentSummarySerializer(summary).data)


class AssignmentTimeseriesApi(AssignmentReportApi):
    @extend_schema(
        operation_id="reports_assignments_timeseries",
        tags=["reports"],
        summary="Asignaciones: counts per time bucket, stacked by source",
        description=(
            "Every bucket of the range in the workspace timezone, zeros included; bucket totals add up to the "
            "summary's total. Default interval: `hour` for a single day, `day` up to 92 days, `week` (Monday) "
            "beyond. An interval giving more than 2000 buckets is a 400." + SCOPE_NOTE
        ),
        parameters=[*REPORT_PARAMETERS, INTERVAL_PARAMETER],
        responses={200: out.AssignmentTimeseriesSerializer, **ERRORS},
    )
    def get(self, request):
        actor, params = self.open(request)
        series = assignment_timeseries(workspace=actor.workspace, actor=actor, params=params)
        return Response(out.AssignmentTimeseriesSerializer(series).data)


class AssignmentLogApi(AssignmentReportApi):
    @extend_schema(
        operation_id="reports_assignments_log",
        tags=["reports"],
        summary="Asignaciones: the assignment log (Registro de asignaciones de contactos)",
        description=(
            f"One row per event, newest first (timestamp, then id). Only the newest {LOG_ROW_CAP} matching rows "
            f"are reachable: `count` is at most {LOG_ROW_CAP} and `capped` says more match; a page beyond them is "
            "a 400 pointing to Data Export, which has no cap." + SCOPE_NOTE
        ),
        parameters=[*REPORT_PARAMETERS, *LOG_PAGE_PARAMETERS],
        responses={200: out.AssignmentLogSerializer, **ERRORS},
    )
    def get(self, request):
        actor, params = self.open(request)
        page, page_size = log_page_parse(request.query_params)
        log = assignment_log_page(workspace=actor.workspace, actor=actor, params=params, page=page, page_size=page_size)
        return Response(out.AssignmentLogSerializer(log, context={"request": request}).data)
