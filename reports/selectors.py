"""Reads of the Asignaciones report: one filtered event set and the three components built on it.

The contract (report.md "Components"): Métricas (and the pie), the bar chart and the log count
the same events, ``assignment_event_list``. Counts are read through one function,
``assignment_day_source_counts``, which answers ``{(local day, source): count}`` either from the
day rollup (``rollup_reads``, when it can answer exactly) or from the raw events grouped by
local day; ``tests/reports/test_rollup_reads.py`` pins both paths equal and
``tests/reports/test_consistency.py`` pins the components to each other. Hour buckets cut days,
so the hourly chart always reads the raw events. Parameters arrive validated
(``reports.params``): nothing here raises HTTP errors.
"""

from dataclasses import dataclass, replace
from datetime import date, datetime

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDay

from accounts.context import Actor
from assignments.models import AssignmentEvent, AssignmentSource

from .framework.buckets import (  # noqa: F401  (re-exported: the report's own names)
    DAILY_MAX_DAYS,
    MAX_BUCKETS,
    bucket_count,
    bucket_index_counts,
    bucket_starts,
    day_bucket_index,
    default_interval,
)
from .framework.logs import LogPage, log_page, log_page_empty, log_window
from .framework.numbers import ordered_keys, percents_largest_remainder  # noqa: F401
from .framework.query import (  # noqa: F401
    LOG_DEFAULT_PAGE_SIZE,
    LOG_MAX_PAGE_SIZE,
    LOG_ROW_CAP,
    LogPageOutOfRange,
)
from .framework.states import (
    STATE_NO_DATA,
    STATE_NOT_APPLICABLE,
    period_before_workspace,
    state_of,
)
from .params import ReportParams
from .periods import ReportPeriod
from .rollup_reads import assignment_daily_source_counts
from .rows import log_row, source_label  # noqa: F401

# --- the one filtered event set ------------------------------------------------------------


def assignment_event_list(*, workspace, actor: Actor, params: ReportParams) -> QuerySet[AssignmentEvent]:
    """Every event of ``workspace`` in the period matching the filters that ``actor`` may see.

    Unordered. Owners, managers and API tokens see the whole workspace; an agent only the
    events where they are the new or the previous assignee (report.md "Who sees what"), and
    the filters narrow within that. Served by the (workspace, created_at, id) index and, for
    the assignee filters and agent scoping, the (workspace, new/previous assignee, created_at)
    indexes.
    """
    if actor.workspace.pk != workspace.pk:
        # A caller bug must not leak another tenant's events.
        return AssignmentEvent.objects.none()
    period = params.period
    events = AssignmentEvent.objects.filter(
        workspace=workspace, created_at__gte=period.start_utc, created_at__lt=period.end_utc
    )
    if actor.is_agent:
        if actor.user is None:
            return AssignmentEvent.objects.none()
        events = events.filter(Q(new_assignee_id=actor.user.pk) | Q(previous_assignee_id=actor.user.pk))
    if params.sources:
        events = events.filter(source__in=params.sources)
    if params.has_assignee_filter:
        # "Asignado a" matches the new assignee; "none" matches unassignments.
        assignee = Q(new_assignee_id__in=params.assignee_ids) if params.assignee_ids else Q(pk__in=[])
        if params.assignee_none:
            assignee |= Q(new_assignee__isnull=True)
        events = events.filter(assignee)
    if params.assigned_by_ids:
        events = events.filter(assigned_by_id__in=params.assigned_by_ids)
    if params.contact_ids:
        events = events.filter(contact_id__in=params.contact_ids)
    if params.conversation_ids:
        events = events.filter(conversation_id__in=params.conversation_ids)
    return events


def report_state_before_query(*, workspace, params: ReportParams) -> str | None:
    """The state every component reports without looking at events, or None to look.

    ``not_applicable``: "Asignado por el usuario" only exists for source user, so it cannot apply
    with a source filter that excludes user. ``no_data``: the range ends before the day the
    workspace was created (its data starts then).
    """
    if params.assigned_by_ids and params.sources and AssignmentSource.USER not in params.sources:
        return STATE_NOT_APPLICABLE
    if period_before_workspace(workspace=workspace, period=params.period):
        return STATE_NO_DATA
    return None


def assignment_day_source_counts(*, workspace, actor: Actor, params: ReportParams,
                                 period: ReportPeriod | None = None) -> dict[tuple[date, str], int]:
    """``{(local day, source): count}`` of the filtered event set over ``period`` (default: the
    params' period): from the day rollup when it answers exactly, else from the raw events."""
    period = period or params.period
    daily = assignment_daily_source_counts(workspace=workspace, actor=actor, params=params, period=period)
    if daily is not None:
        return daily
    events = assignment_event_list(workspace=workspace, actor=actor, params=replace(params, period=period)).order_by()
    rows = events.annotate(day=TruncDay("created_at", tzinfo=period.tz)).values("day", "source").annotate(
        n=Count("id")).values_list("day", "source", "n")
    counts: dict[tuple[date, str], int] = {}
    for day, source, n in rows:
        local = day.astimezone(period.tz).date() if isinstance(day, datetime) and day.tzinfo else (
            day.date() if isinstance(day, datetime) else day)
        counts[(local, source)] = counts.get((local, source), 0) + n
    return counts


def _ordered_sources(counts: dict[str, int]) -> list[str]:
    """Sources present, largest first; ties in the product's source order, so output is stable."""
    return ordered_keys(counts, AssignmentSource.values)


# --- Métricas and the pie -------------------------------------------------------------------


@dataclass(frozen=True)
class SourceShare:
    source: str
    label: str
    count: int
    percent: float


@dataclass(frozen=True)
class DistinctCounts:
    """Different contacts and conversations among the filtered events (docs/reports.md)."""

    contacts: int
    conversations: int


@dataclass(frozen=True)
class AssignmentSummary:
    period: ReportPeriod
    state: str
    total: int
    by_source: list[SourceShare]
    previous_period: ReportPeriod
    previous_total: int
    # Only when the params ask for it (``include=distinct``).
    distinct: DistinctCounts | None = None


def assignment_distinct_counts(*, workspace, actor: Actor, params: ReportParams) -> DistinctCounts:
    """How many different contacts and conversations the filtered event set touches.

    Exact, from the events (distinct counts do not add up over days, so the day rollup cannot
    answer): one aggregate over ``assignment_event_list``, served by the same indexes. Events
    without a conversation add no conversation (COUNT DISTINCT skips NULL).
    """
    if report_state_before_query(workspace=workspace, params=params) is not None:
        return DistinctCounts(contacts=0, conversations=0)
    counts = assignment_event_list(workspace=workspace, actor=actor, params=params).order_by().aggregate(
        contacts=Count("contact_id", distinct=True), conversations=Count("conversation_id", distinct=True))
    return DistinctCounts(contacts=counts["contacts"] or 0, conversations=counts["conversations"] or 0)


def assignment_summary(*, workspace, actor: Actor, params: ReportParams) -> AssignmentSummary:
    """Total events, count and percent per source present (largest first), and the previous
    period's total (equal length, just before) with the same filters, for the trend arrow; with
    ``params.include_distinct``, also the distinct contacts and conversations."""
    previous_period = params.period.previous()
    state = report_state_before_query(workspace=workspace, params=params)
    distinct = (assignment_distinct_counts(workspace=workspace, actor=actor, params=params)
                if params.include_distinct else None)
    if state is not None:
        return AssignmentSummary(params.period, state, 0, [], previous_period, 0, distinct)

    # One read covers this period and the previous one (they are contiguous).
    both = ReportPeriod(start=previous_period.start, end=params.period.end, timezone=params.period.timezone)
    counts: dict[str, int] = {}
    previous_total = 0
    for (day, source), n in assignment_day_source_counts(workspace=workspace, actor=actor, params=params,
                                                         period=both).items():
        if day >= params.period.start:
            counts[source] = counts.get(source, 0) + n
        else:
            previous_total += n
    sources = _ordered_sources(counts)
    total = sum(counts.values())
    percents = percents_largest_remainder([counts[s] for s in sources])
    by_source = [
        SourceShare(source=s, label=source_label(s), count=counts[s], percent=p)
        for s, p in zip(sources, percents, strict=True)
    ]
    return AssignmentSummary(
        period=params.period,
        state=state_of(total),
        total=total,
        by_source=by_source,
        previous_period=previous_period,
        previous_total=previous_total,
        distinct=distinct,
    )


# --- Gráfico de barras ----------------------------------------------------------------------


@dataclass(frozen=True)
class Bucket:
    start: datetime  # aware, in the workspace timezone
    total: int
    counts: dict[str, int]


@dataclass(frozen=True)
class AssignmentTimeseries:
    period: ReportPeriod
    state: str
    interval: str
    sources: list[str]  # the sources present in the range, largest first
    buckets: list[Bucket]


def timeseries_interval(params: ReportParams) -> str:
    """The bar chart's interval: the requested one (validated by the parameters) or the default."""
    return params.interval or default_interval(params.period)


def assignment_timeseries(*, workspace, actor: Actor, params: ReportParams) -> AssignmentTimeseries:
    """Counts per bucket stacked by source, every bucket of the range present (zeros included).

    Every source present in the range appears in every bucket's ``counts`` (0 where absent), so
    the chart's series line up; bucket totals add up to the summary's total.
    """
    interval = timeseries_interval(params)
    period = params.period
    starts = bucket_starts(period, interval)
    state = report_state_before_query(workspace=workspace, params=params)
    if state is not None:
        return AssignmentTimeseries(period, state, interval, [], [Bucket(s, 0, {}) for s in starts])

    if interval == "hour":
        events = assignment_event_list(workspace=workspace, actor=actor, params=params)
        per_bucket = bucket_index_counts(events, field="created_at", group="source", period=period,
                                         interval=interval, starts=starts)
    else:
        # Day, week and month buckets are made of whole local days.
        per_bucket = [{} for _ in starts]
        index_of = day_bucket_index(starts)
        for (day, source), n in assignment_day_source_counts(workspace=workspace, actor=actor, params=params).items():
            bucket = per_bucket[index_of(day)]
            bucket[source] = bucket.get(source, 0) + n

    totals: dict[str, int] = {}
    for counts in per_bucket:
        for source, n in counts.items():
            totals[source] = totals.get(source, 0) + n
    sources = _ordered_sources(totals)
    buckets = [
        Bucket(start=start, total=sum(counts.values()), counts={s: counts.get(s, 0) for s in sources})
        for start, counts in zip(starts, per_bucket, strict=True)
    ]
    return AssignmentTimeseries(
        period=period,
        state=state_of(sum(totals.values())),
        interval=interval,
        sources=sources,
        buckets=buckets,
    )


# --- Registro de asignaciones de contactos --------------------------------------------------


AssignmentLogPage = LogPage


def assignment_log_page(
    *, workspace, actor: Actor, params: ReportParams, page: int = 1, page_size: int = LOG_DEFAULT_PAGE_SIZE
) -> AssignmentLogPage:
    """One page of the log, newest first (timestamp, then id, descending).

    ``page``/``page_size`` arrive validated (``log_page_parse``: within the newest
    ``LOG_ROW_CAP`` rows). Counting stops at the cap + 1 (a COUNT over a LIMIT subquery), so a
    workspace with millions of events does not count them all for each page; the metrics still
    count every event. Offsets stay below 10,000 on the (workspace, created_at, id) index.
    Raises ``LogPageOutOfRange`` for a page past the last matching row.
    """
    state = report_state_before_query(workspace=workspace, params=params)
    if state is not None:
        return log_page_empty(period=params.period, state=state, page=page, page_size=page_size)

    events = assignment_event_list(workspace=workspace, actor=actor, params=params)
    window = log_window(events, page=page, page_size=page_size)
    rows = list(
        events.order_by("-created_at", "-id").only(
            "id", "created_at", "source", "contact_id", "contact_name", "conversation_id",
            "previous_assignee_id", "previous_assignee_name", "new_assignee_id", "new_assignee_name",
            "assigned_by_id", "assigned_by_name",
        )[window.offset:window.stop]
    )
    return log_page(period=params.period, window=window, page=page, page_size=page_size, rows=rows)
