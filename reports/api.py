"""The Asignaciones report API: summary (Métricas and the pie), time series (bars) and the log.

Thin views: parse the parameters (``report_params_parse``), call a selector, render. Any member
may read; agents see only their own events (the selectors scope them).
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import request_actor
from accounts.throttling import ApiTokenRateThrottle, SessionUserRateThrottle
from assignments.models import AssignmentSource
from crm.db_router import report_reads
from crm.pagination import page_url, parse_positive_int

from . import serializers as out
from .params import INTERVALS, MAX_VALUES_PER_FILTER, report_params_parse
from .periods import DEFAULT_PRESET, MAX_SPAN_DAYS, PRESETS
from .selectors import (
    LOG_DEFAULT_PAGE_SIZE,
    LOG_MAX_PAGE_SIZE,
    LOG_ROW_CAP,
    assignment_log_page,
    assignment_summary,
    assignment_timeseries,
    log_row,
    source_label,
)


def _repeatable(name: str, type_, description: str, enum=None) -> OpenApiParameter:
    return OpenApiParameter(
        name, type_, OpenApiParameter.QUERY, required=False, many=True, explode=True, style="form",
        enum=enum, description=description + f" Repeatable (values OR), at most {MAX_VALUES_PER_FILTER} values.",
    )


REPORT_PARAMETERS = [
    OpenApiParameter(
        "period", OpenApiTypes.STR, OpenApiParameter.QUERY, required=False, enum=list(PRESETS), default=DEFAULT_PRESET,
        description=(
            f"Preset period in the workspace timezone (default `{DEFAULT_PRESET}`). `last_N_days` = today and "
            "the N-1 days before; `this_month` = the 1st through today; `last_month` = the whole previous month. "
            "Not together with `start`/`end`."
        ),
    ),
    OpenApiParameter(
        "start", OpenApiTypes.DATE, OpenApiParameter.QUERY, required=False,
        description=f"Custom range: first day (YYYY-MM-DD, inclusive). Needs `end`; span at most {MAX_SPAN_DAYS} days.",
    ),
    OpenApiParameter(
        "end", OpenApiTypes.DATE, OpenApiParameter.QUERY, required=False,
        description="Custom range: last day (YYYY-MM-DD, inclusive, not before `start`).",
    ),
    _repeatable("source", OpenApiTypes.STR, "Fuente: the event's source.", enum=list(AssignmentSource.values)),
    _repeatable(
        "assignee", OpenApiTypes.STR,
        "Asignado a: the event's new assignee, a user id of the workspace, or `none` for unassignments.",
    ),
    _repeatable(
        "assigned_by", OpenApiTypes.INT,
        "Asignado por el usuario: the assigning user's id (source `user` only; with a `source` filter "
        "excluding `user` the state is `not_applicable`).",
    ),
    _repeatable("contact", OpenApiTypes.INT, "Contacto: a contact id of the workspace."),
    _repeatable("conversation", OpenApiTypes.INT, "Id. de conversación: a conversation id of the workspace."),
]

ERRORS = {
    400: OpenApiResponse(out.ReportErrorSerializer, description="A bad parameter; `errors` names the field."),
    401: OpenApiResponse(out.ReportErrorSerializer, description="No or bad credentials."),
    403: OpenApiResponse(out.ReportErrorSerializer, description="Not a member of any workspace."),
    429: OpenApiResponse(out.ReportErrorSerializer, description="Too many requests for this token or user."),
}

SCOPE_NOTE = (
    " Session or Bearer token. Owners, managers and API tokens see the whole workspace; an agent "
    "sees only events where they are the new or the previous assignee. States: `ok`, `no_data` "
    "(nothing matches, or the range ends before the workspace was created), `not_applicable` "
    "(`assigned_by` with a `source` filter that excludes `user`)."
)


class ReportApi(APIView):
    """Any member reads (the selectors scope agents); rate-limited per API token and per user."""

    throttle_classes = [ApiTokenRateThrottle, SessionUserRateThrottle]

    def dispatch(self, request, *args, **kwargs):
        # Report reads may go to a read replica (DATABASE_REPLICA_URL; crm/db_router.py).
        with report_reads():
            return super().dispatch(request, *args, **kwargs)


class AssignmentSummaryApi(ReportApi):
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
        actor = request_actor(request)
        params = report_params_parse(workspace=actor.workspace, data=request.query_params)
        summary = assignment_summary(workspace=actor.workspace, actor=actor, params=params)
        return Response(
            {
                "range": summary.period.as_dict(),
                "state": summary.state,
                "total": summary.total,
                "by_source": [
                    {"source": s.source, "label": s.label, "count": s.count, "percent": s.percent}
                    for s in summary.by_source
                ],
                "previous_period": {
                    "start": summary.previous_period.start.isoformat(),
                    "end": summary.previous_period.end.isoformat(),
                    "total": summary.previous_total,
                },
            }
        )


class AssignmentTimeseriesApi(ReportApi):
    @extend_schema(
        operation_id="reports_assignments_timeseries",
        tags=["reports"],
        summary="Asignaciones: counts per time bucket, stacked by source",
        description=(
            "Every bucket of the range in the workspace timezone, zeros included; bucket totals add up to the "
            "summary's total. Default interval: `hour` for a single day, `day` up to 92 days, `week` (Monday) "
            "beyond. An interval giving more than 2000 buckets is a 400." + SCOPE_NOTE
        ),
        parameters=[
            *REPORT_PARAMETERS,
            OpenApiParameter(
                "interval", OpenApiTypes.STR, OpenApiParameter.QUERY, required=False, enum=list(INTERVALS),
                description="Bucket size; default depends on the range length.",
            ),
        ],
        responses={200: out.AssignmentTimeseriesSerializer, **ERRORS},
    )
    def get(self, request):
        actor = request_actor(request)
        params = report_params_parse(workspace=actor.workspace, data=request.query_params)
        series = assignment_timeseries(workspace=actor.workspace, actor=actor, params=params)
        return Response(
            {
                "range": series.period.as_dict(),
                "state": series.state,
                "interval": series.interval,
                "sources": [{"source": s, "label": source_label(s)} for s in series.sources],
                "buckets": [
                    {"start": b.start.isoformat(), "total": b.total, "counts": b.counts} for b in series.buckets
                ],
            }
        )


class AssignmentLogApi(ReportApi):
    @extend_schema(
        operation_id="reports_assignments_log",
        tags=["reports"],
        summary="Asignaciones: the assignment log (Registro de asignaciones de contactos)",
        description=(
            f"One row per event, newest first (timestamp, then id). Only the newest {LOG_ROW_CAP} matching rows "
            f"are reachable: `count` is at most {LOG_ROW_CAP} and `capped` says more match; a page beyond them is "
            "a 400 pointing to Data Export, which has no cap." + SCOPE_NOTE
        ),
        parameters=[
            *REPORT_PARAMETERS,
            OpenApiParameter("page", OpenApiTypes.INT, OpenApiParameter.QUERY, required=False, default=1,
                             description="Page number, from 1."),
            OpenApiParameter("page_size", OpenApiTypes.INT, OpenApiParameter.QUERY, required=False,
                             default=LOG_DEFAULT_PAGE_SIZE,
                             description=f"Rows per page, default {LOG_DEFAULT_PAGE_SIZE}, at most {LOG_MAX_PAGE_SIZE}."),
        ],
        responses={200: out.AssignmentLogSerializer, **ERRORS},
    )
    def get(self, request):
        actor = request_actor(request)
        params = report_params_parse(workspace=actor.workspace, data=request.query_params)
        page = parse_positive_int(request, "page", 1)
        page_size = parse_positive_int(request, "page_size", LOG_DEFAULT_PAGE_SIZE, LOG_MAX_PAGE_SIZE)
        log = assignment_log_page(workspace=actor.workspace, actor=actor, params=params, page=page, page_size=page_size)
        tz = params.period.tz
        return Response(
            {
                "range": log.period.as_dict(),
                "state": log.state,
                "count": log.count,
                "capped": log.capped,
                "page": log.page,
                "page_size": log.page_size,
                "next": page_url(request, page + 1) if log.has_next else None,
                "previous": page_url(request, page - 1) if log.has_previous else None,
                "results": [log_row(event, tz=tz) for event in log.rows],
            }
        )
