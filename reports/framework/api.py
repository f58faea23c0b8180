"""The API views every report shares: the view opening (actor + validated query), throttles,
the read replica, the schema of the period and of the declared filters, the error answers.

A report declares its three operations once (``ReportEndpoints``: selector, serializer and
words of each) and ``report_api_urls`` builds the views: "``self.open(request)`` → selector →
serializer"; ``LogPageOutOfRange`` from a log selector becomes the 400 of docs/reports.md.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsWorkspaceAdmin, request_actor
from accounts.throttling import ApiTokenRateThrottle, SessionUserRateThrottle
from crm.db_router import report_reads

from ..periods import DEFAULT_PRESET, MAX_SPAN_DAYS, PRESETS
from .buckets import INTERVALS, MAX_BUCKETS
from .query import (
    CHOICE,
    LOG_DEFAULT_PAGE_SIZE,
    LOG_MAX_PAGE_SIZE,
    MAX_VALUES_PER_FILTER,
    FilterSpec,
    LogPageOutOfRange,
    log_page_error,
    log_page_parse,
    report_query_parse,
)


class ReportErrorSerializer(serializers.Serializer):
    message = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


PERIOD_PARAMETERS = [
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
]

INTERVAL_PARAMETER = OpenApiParameter(
    "interval", OpenApiTypes.STR, OpenApiParameter.QUERY, required=False, enum=list(INTERVALS),
    description=f"Bucket size; default depends on the range length. More than {MAX_BUCKETS} buckets is a 400.",
)

LOG_PAGE_PARAMETERS = [
    OpenApiParameter("page", OpenApiTypes.INT, OpenApiParameter.QUERY, required=False, default=1,
                     description="Page number, from 1."),
    OpenApiParameter("page_size", OpenApiTypes.INT, OpenApiParameter.QUERY, required=False,
                     default=LOG_DEFAULT_PAGE_SIZE,
                     description=f"Rows per page, default {LOG_DEFAULT_PAGE_SIZE}, at most {LOG_MAX_PAGE_SIZE}."),
]

ADMIN_ONLY_FORBIDDEN = OpenApiResponse(ReportErrorSerializer,
                                       description="Not a member of any workspace, or an agent (owners and managers only).")

ERRORS = {
    400: OpenApiResponse(ReportErrorSerializer, description="A bad parameter; `errors` names the field."),
    401: OpenApiResponse(ReportErrorSerializer, description="No or bad credentials."),
    403: OpenApiResponse(ReportErrorSerializer, description="Not a member of any workspace."),
    429: OpenApiResponse(ReportErrorSerializer, description="Too many requests for this token or user."),
}


def sort_parameter(columns: tuple[str, ...], default: str | None) -> OpenApiParameter:
    return OpenApiParameter(
        "sort", OpenApiTypes.STR, OpenApiParameter.QUERY, required=False, default=default,
        enum=[*columns, *(f"-{c}" for c in columns)],
        description="The column the rows are ordered (and ranked) by; a leading `-` sorts descending.",
    )


def filter_parameters(filters: list[FilterSpec]) -> list[OpenApiParameter]:
    """The schema of a report's declared filters: repeatable query parameters."""
    parameters = []
    for spec in filters:
        enum = list(spec.choices()) if spec.kind == CHOICE else None
        parameters.append(OpenApiParameter(
            spec.param, OpenApiTypes.STR if (enum or spec.allow_none) else OpenApiTypes.INT, OpenApiParameter.QUERY,
            required=False, many=True, explode=True, style="form", enum=enum,
            description=spec.description + (
                f" Repeatable (values OR) or a comma-separated list (`{spec.param}=a,b` is `{spec.param}=a&{spec.param}=b`),"
                f" at most {MAX_VALUES_PER_FILTER} values in all."),
        ))
    return parameters


def report_parameters(filters: list[FilterSpec]) -> list[OpenApiParameter]:
    return [*PERIOD_PARAMETERS, *filter_parameters(filters)]


class ReportApi(APIView):
    """Any member reads (each report's selectors scope agents); rate-limited per API token and user."""

    throttle_classes = [ApiTokenRateThrottle, SessionUserRateThrottle]
    filters: tuple[FilterSpec, ...] = ()

    def dispatch(self, request, *args, **kwargs):
        # Report reads may go to a read replica (DATABASE_REPLICA_URL; crm/db_router.py).
        with report_reads():
            return super().dispatch(request, *args, **kwargs)

    def handle_exception(self, exc):
        if isinstance(exc, LogPageOutOfRange):
            exc = log_page_error(exc)
        return super().handle_exception(exc)

    def open(self, request):
        """The acting member and the validated query of this request (400s raised here)."""
        actor = request_actor(request)
        return actor, self.parse(workspace=actor.workspace, data=request.query_params)

    sorts: tuple[str, ...] = ()
    default_sort: str | None = None

    def parse(self, *, workspace, data):
        return report_query_parse(filters=self.filters, workspace=workspace, data=data, sorts=self.sorts,
                                  default_sort=self.default_sort)


@dataclass(frozen=True)
class ReportEndpoints:
    """A report's three operations: ``/api/v1/reports/<key>/{summary,timeseries,log}``.

    Each component is ``(selector, serializer, summary, description)``; selectors take
    ``workspace``, ``actor``, ``query`` (plus ``page``/``page_size`` for the log). ``parse`` turns
    the request's query into what the selectors read (default: ``report_query_parse`` of
    ``filters``); ``scope_note`` ends every description (who sees what, the states). A report
    without a time series leaves ``timeseries`` None (no route). ``sorts`` declares the columns
    ``sort`` may name (``-`` = descending; ``default_sort`` when absent; else a 400), parsed
    into ``ReportQuery.sort`` for the summary and the log.
    """

    key: str
    filters: tuple
    scope_note: str
    summary: tuple
    timeseries: tuple | None
    log: tuple
    parse: Callable | None = None
    sorts: tuple[str, ...] = ()
    default_sort: str | None = None
    # Further read operations of the report, ``((name, component), ...)`` with components shaped
    # as above: the same parameters as the summary, URL name ``api-report-<key>-<name>``.
    extra: tuple = ()
    # Further query parameters the report's ``parse`` reads (OpenApiParameter), on every operation.
    parameters: tuple = ()
    # Query parameters one component adds to the shared ones, by component name
    # (e.g. ``{"summary": [OpenApiParameter("include", ...)]}``).
    extra_parameters: dict = field(default_factory=dict)
    # Owners, managers and API tokens only: an agent gets 403 on every operation.
    admin_only: bool = False


def _view(endpoints: ReportEndpoints, name: str, component: tuple, parameters: list):
    selector, serializer, summary, description = component
    is_log = name == "log"

    def get(self, request):
        actor, query = self.open(request)
        if is_log:
            page, page_size = log_page_parse(request.query_params)
            result = selector(workspace=actor.workspace, actor=actor, query=query, page=page, page_size=page_size)
            return Response(serializer(result, context={"request": request}).data)
        return Response(serializer(selector(workspace=actor.workspace, actor=actor, query=query)).data)

    get = extend_schema(
        operation_id=f"reports_{endpoints.key}_{name}", tags=["reports"], summary=summary,
        description=description + endpoints.scope_note, parameters=parameters,
        responses={200: serializer, **ERRORS, **({403: ADMIN_ONLY_FORBIDDEN} if endpoints.admin_only else {})},
    )(get)
    attrs = {"get": get, "filters": endpoints.filters, "__doc__": summary, "sorts": endpoints.sorts,
             "default_sort": endpoints.default_sort}
    if endpoints.admin_only:
        attrs["permission_classes"] = [IsWorkspaceAdmin]
    if endpoints.parse is not None:
        attrs["parse"] = lambda self, *, workspace, data: endpoints.parse(workspace=workspace, data=data)
    class_name = "".join(part.title() for part in endpoints.key.split("_")) + name.title() + "Api"
    return type(class_name, (ReportApi,), attrs)


def report_api_urls(endpoints: ReportEndpoints) -> list:
    """The URL patterns of a report's three operations (names ``api-report-<key>-<component>``)."""
    base = [*report_parameters(list(endpoints.filters)), *endpoints.parameters]
    sort = [sort_parameter(endpoints.sorts, endpoints.default_sort)] if endpoints.sorts else []
    components = {
        "summary": (endpoints.summary, [*base, *sort]),
        "timeseries": (endpoints.timeseries, [*base, INTERVAL_PARAMETER]),
        "log": (endpoints.log, [*base, *sort, *LOG_PAGE_PARAMETERS]),
        **{name: (component, base) for name, component in endpoints.extra},
    }
    return [
        path(f"reports/{endpoints.key}/{name}",
             _view(endpoints, name, component, [*parameters, *endpoints.extra_parameters.get(name, ())]).as_view(),
             name=f"api-report-{endpoints.key}-{name}")
        for name, (component, parameters) in components.items() if component is not None
    ]
