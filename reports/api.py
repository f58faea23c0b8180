"""The Asignaciones report API: summary (Métricas and the pie), time series (bars) and the log,
declared on the framework (``ReportEndpoints``). Any member may read; agents see only their own
events (the selectors scope them). The parameters are the Asignaciones ``ReportParams``."""

from . import serializers as out
from .framework.api import ReportEndpoints, report_api_urls
from .framework.query import LOG_ROW_CAP
from .params import FILTERS, report_params_parse
from .selectors import assignment_log_page, assignment_summary, assignment_timeseries

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


ENDPOINTS = ReportEndpoints(
    key="assignments", filters=FILTERS, scope_note=SCOPE_NOTE, parse=report_params_parse,
    summary=(_summary, out.AssignmentSummarySerializer, "Asignaciones: metrics per source",
             "Total assignment events of the period (unassignments count), and per source present: count and "
             "percent (2 decimals, adding to 100), largest first; plus the previous period's total (equal length, "
             "just before, same filters)."),
    timeseries=(_timeseries, out.AssignmentTimeseriesSerializer, "Asignaciones: counts per time bucket, stacked by source",
                "Every bucket of the range in the workspace timezone, zeros included; bucket totals add up to the "
                "summary's total. Default interval: `hour` for a single day, `day` up to 92 days, `week` (Monday) "
                "beyond. An interval giving more than 2000 buckets is a 400."),
    log=(_log, out.AssignmentLogSerializer, "Asignaciones: the assignment log (Registro de asignaciones de contactos)",
         f"One row per event, newest first (timestamp, then id). Only the newest {LOG_ROW_CAP} matching rows "
         f"are reachable: `count` is at most {LOG_ROW_CAP} and `capped` says more match; a page beyond them is "
         "a 400 pointing to Data Export, which has no cap."),
)
urlpatterns = report_api_urls(ENDPOINTS)
