"""Reads of the Asignaciones report: one filtered event set and the three components built on it.

report.md "Components": Métricas (and the pie), the bar chart and the log are all computed from
``assignment_event_list``, so their numbers always agree. The aggregation lives in
``assignment_summary`` / ``assignment_timeseries`` so a rollup table can later serve them
without changing any caller.
"""

from bisect import bisect_right
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDay, TruncHour, TruncMonth, TruncWeek
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from accounts.context import Actor
from assignments.models import AssignmentEvent, AssignmentSource
from crm.api import ApiError

from .params import ReportParams
from .periods import ReportPeriod, local_midnight
from .rollup_reads import assignment_daily_source_counts

STATE_OK = "ok"
STATE_NO_DATA = "no_data"
STATE_NOT_APPLICABLE = "not_applicable"

# report.md: only the newest 10,000 matching rows of the log are reachable; more is an export.
LOG_ROW_CAP = 10_000
LOG_DEFAULT_PAGE_SIZE = 50
LOG_MAX_PAGE_SIZE = 100
# A time series longer than this is not a chart anyone can read (and is costly to build).
MAX_BUCKETS = 2_000
# report.md "Gráfico de barras": hours for a single day, days up to 92 days, weeks beyond.
DAILY_MAX_DAYS = 92

_SOURCE_ORDER = {value: index for index, value in enumerate(AssignmentSource.values)}


def source_label(source: str) -> str:
    """The translated label of a source ("Usuario" / "User"), in the active language."""
    return str(AssignmentSource(source).label)


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
    created_local = workspace.created_at.astimezone(params.period.tz).date()
    if params.period.end < created_local:
        return STATE_NO_DATA
    return None


def _source_counts(events: QuerySet[AssignmentEvent]) -> dict[str, int]:
    rows = events.order_by().values("source").annotate(n=Count("id")).values_list("source", "n")
    return {source: n for source, n in rows if n}


def _ordered_sources(counts: dict[str, int]) -> list[str]:
    """Sources present, largest first; ties in the product's source order, so output is stable."""
    return sorted((s for s, n in counts.items() if n), key=lambda s: (-counts[s], _SOURCE_ORDER.get(s, 99)))


def percents_largest_remainder(counts: list[int], *, decimals: int = 2) -> list[float]:
    """Percents of the total with ``decimals`` places that add up to exactly 100 (if total > 0).

    Largest remainder method: floor every share to the unit (0.01 %), then give the leftover
    units to the largest remainders (ties to the earlier, i.e. larger, entry).
    """
    total = sum(counts)
    if total == 0:
        return [0.0 for _ in counts]
    scale = 100 * 10**decimals
    floors = [c * scale // total for c in counts]
    remainders = [c * scale % total for c in counts]
    leftover = scale - sum(floors)
    for index in sorted(range(len(counts)), key=lambda i: (-remainders[i], i))[:leftover]:
        floors[index] += 1
    return [round(units / 10**decimals, decimals) for units in floors]


# --- Métricas and the pie -------------------------------------------------------------------


@dataclass(frozen=True)
class SourceShare:
    source: str
    label: str
    count: int
    percent: float


@dataclass(frozen=True)
class AssignmentSummary:
    period: ReportPeriod
    state: str
    total: int
    by_source: list[SourceShare]
    previous_period: ReportPeriod
    previous_total: int


def assignment_summary(*, workspace, actor: Actor, params: ReportParams) -> AssignmentSummary:
    """Total events, count and percent per source present (largest first), and the previous
    period's total (equal length, just before) with the same filters, for the trend arrow."""
    previous_period = params.period.previous()
    state = report_state_before_query(workspace=workspace, params=params)
    if state is not None:
        return AssignmentSummary(params.period, state, 0, [], previous_period, 0)

    # One rollup read covers this period and the previous one (they are contiguous).
    both = ReportPeriod(start=previous_period.start, end=params.period.end, timezone=params.period.timezone)
    daily = assignment_daily_source_counts(workspace=workspace, actor=actor, params=params, period=both)
    previous_total = 0
    if daily is not None:
        counts: dict[str, int] = {}
        for (day, source), n in daily.items():
            if day >= params.period.start:
                counts[source] = counts.get(source, 0) + n
            else:
                previous_total += n
    else:
        counts = _source_counts(assignment_event_list(workspace=workspace, actor=actor, params=params))
        previous_params = replace(params, period=previous_period)
        previous_total = assignment_event_list(workspace=workspace, actor=actor, params=previous_params).count()
    sources = _ordered_sources(counts)
    total = sum(counts.values())
    percents = percents_largest_remainder([counts[s] for s in sources])
    by_source = [
        SourceShare(source=s, label=source_label(s), count=counts[s], percent=p)
        for s, p in zip(sources, percents, strict=True)
    ]
    return AssignmentSummary(
        period=params.period,
        state=STATE_OK if total else STATE_NO_DATA,
        total=total,
        by_source=by_source,
        previous_period=previous_period,
        previous_total=previous_total,
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


def default_interval(period: ReportPeriod) -> str:
    if period.days == 1:
        return "hour"
    if period.days <= DAILY_MAX_DAYS:
        return "day"
    return "week"


def _first_of_next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def bucket_starts(period: ReportPeriod, interval: str) -> list[datetime]:
    """The start of every bucket of the range, aware in the workspace timezone.

    Hours are consecutive real hours from local midnight, so a DST day has 23 or 25 of them
    (the repeated 01:00 appears twice, with its two offsets). Days, weeks (Monday) and months
    start at local midnight; the first week or month bucket starts at its calendar start even
    when that is before the range (only events inside the range count).
    """
    tz = period.tz
    if interval == "hour":
        first, stop = period.start_utc, period.end_utc
        hours = int((stop - first).total_seconds() // 3600)
        return [(first + timedelta(hours=i)).astimezone(tz) for i in range(hours)]
    if interval == "day":
        days = [period.start + timedelta(days=i) for i in range(period.days)]
    elif interval == "week":
        monday = period.start - timedelta(days=period.start.weekday())
        days = []
        while monday <= period.end:
            days.append(monday)
            monday += timedelta(days=7)
    else:  # month
        first = period.start.replace(day=1)
        days = []
        while first <= period.end:
            days.append(first)
            first = _first_of_next_month(first)
    return [local_midnight(day, tz) for day in days]


def bucket_count(period: ReportPeriod, interval: str) -> int:
    if interval == "hour":
        return int((period.end_utc - period.start_utc).total_seconds() // 3600)
    if interval == "day":
        return period.days
    if interval == "week":
        first_monday = period.start - timedelta(days=period.start.weekday())
        return (period.end - first_monday).days // 7 + 1
    return (period.end.year - period.start.year) * 12 + period.end.month - period.start.month + 1


def timeseries_interval(params: ReportParams) -> str:
    """The interval of the bar chart; a requested one yielding too many buckets is a 400."""
    interval = params.interval or default_interval(params.period)
    if params.interval and bucket_count(params.period, interval) > MAX_BUCKETS:
        reason = _("This interval gives more than %(max)s bars for the period; choose a longer interval or a shorter period.") % {"max": MAX_BUCKETS}
        raise ApiError(_("interval: %(reason)s") % {"reason": reason}, {"interval": [reason]})
    return interval


_TRUNC = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}


def assignment_timeseries(*, workspace, actor: Actor, params: ReportParams) -> AssignmentTimeseries:
    """Counts per bucket stacked by source, every bucket of the range present (zeros included).

    Bucketing runs in the database in the workspace timezone (Django's Trunc functions with
    ``tzinfo`` work on PostgreSQL and SQLite), then zero buckets are filled here. Every source
    present in the range appears in every bucket's ``counts`` (0 where absent), so the chart's
    series line up; bucket totals add up to the summary's total.
    """
    interval = timeseries_interval(params)
    period = params.period
    starts = bucket_starts(period, interval)
    state = report_state_before_query(workspace=workspace, params=params)
    if state is not None:
        return AssignmentTimeseries(period, state, interval, [], [Bucket(s, 0, {}) for s in starts])

    tz = period.tz
    per_bucket: list[dict[str, int]] = [{} for _ in starts]
    # Day, week and month buckets are made of whole local days: the day rollup answers them.
    daily = None if interval == "hour" else assignment_daily_source_counts(
        workspace=workspace, actor=actor, params=params
    )
    if daily is not None:
        bucket_days = [start.date() for start in starts]
        for (day, source), n in daily.items():
            index = bisect_right(bucket_days, day) - 1
            per_bucket[index][source] = per_bucket[index].get(source, 0) + n
    elif interval == "hour":
        events = assignment_event_list(workspace=workspace, actor=actor, params=params).order_by()
        # Truncating to the local hour merges the two 01:00 hours of a fall-back day; grouping
        # by the UTC hour as well keeps them apart (exact for whole-hour offsets).
        rows = events.annotate(local=TruncHour("created_at", tzinfo=tz), utc=TruncHour("created_at", tzinfo=UTC))
        rows = rows.values("local", "utc", "source").annotate(n=Count("id")).values_list("local", "utc", "source", "n")
        by_wall: dict[datetime, list[int]] = {}
        for index, start in enumerate(starts):
            by_wall.setdefault(start.replace(tzinfo=None, fold=0), []).append(index)
        utc_starts = [s.astimezone(UTC) for s in starts]
        for local, utc, source, n in rows:
            candidates = by_wall.get(local.replace(tzinfo=None, fold=0), [])
            if len(candidates) == 1:
                index = candidates[0]
            else:
                utc = utc.astimezone(UTC)
                index = max(bisect_right(utc_starts, utc) - 1, 0)
            per_bucket[index][source] = per_bucket[index].get(source, 0) + n
    else:
        events = assignment_event_list(workspace=workspace, actor=actor, params=params).order_by()
        trunc = _TRUNC[interval]
        rows = events.annotate(bucket=trunc("created_at", tzinfo=tz)).values("bucket", "source").annotate(
            n=Count("id")
        ).values_list("bucket", "source", "n")
        index_of = {start.date(): index for index, start in enumerate(starts)}
        for bucket, source, n in rows:
            index = index_of[bucket.astimezone(tz).date() if bucket.tzinfo else bucket.date()]
            per_bucket[index][source] = per_bucket[index].get(source, 0) + n

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
        state=STATE_OK if totals else STATE_NO_DATA,
        interval=interval,
        sources=sources,
        buckets=buckets,
    )


# --- Registro de asignaciones de contactos --------------------------------------------------


@dataclass(frozen=True)
class AssignmentLogPage:
    period: ReportPeriod
    state: str
    count: int  # matching rows reachable: at most LOG_ROW_CAP
    capped: bool  # more than LOG_ROW_CAP rows match
    page: int
    page_size: int
    rows: list[AssignmentEvent]

    @property
    def has_next(self) -> bool:
        return self.page * self.page_size < self.count

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def assignment_log_page(
    *, workspace, actor: Actor, params: ReportParams, page: int = 1, page_size: int = LOG_DEFAULT_PAGE_SIZE
) -> AssignmentLogPage:
    """One page of the log, newest first (timestamp, then id, descending).

    Only the newest ``LOG_ROW_CAP`` rows are reachable: a page starting past them is a 400
    pointing to Data Export. Counting stops at the cap + 1 (a COUNT over a LIMIT subquery), so a
    workspace with millions of events does not count them all for each page; the metrics still
    count every event. Offsets stay below 10,000 on the (workspace, created_at, id) index.
    """
    if page < 1:
        raise ApiError(_("page: Not a positive whole number."), {"page": [_("Not a positive whole number.")]})
    if not 1 <= page_size <= LOG_MAX_PAGE_SIZE:
        reason = _("At most %(max)s.") % {"max": LOG_MAX_PAGE_SIZE}
        raise ApiError(_("page_size: %(reason)s") % {"reason": reason}, {"page_size": [reason]})
    offset = (page - 1) * page_size
    if offset >= LOG_ROW_CAP:
        cap = number_format(LOG_ROW_CAP, force_grouping=True)
        reason = _(
            "The log shows at most the newest %(cap)s rows. To get every row, use Data Export (Settings → Data Export)."
        ) % {"cap": cap}
        raise ApiError(reason, {"page": [_("Beyond the newest %(cap)s rows.") % {"cap": cap}]})

    state = report_state_before_query(workspace=workspace, params=params)
    if state is not None:
        return AssignmentLogPage(params.period, state, 0, False, page, page_size, [])

    events = assignment_event_list(workspace=workspace, actor=actor, params=params)
    matches = events.order_by()[: LOG_ROW_CAP + 1].count()
    count = min(matches, LOG_ROW_CAP)
    if page > 1 and offset >= count:
        raise ApiError(_("Page %(page)s does not exist.") % {"page": page}, {"page": [_("Out of range.")]})
    stop = min(offset + page_size, LOG_ROW_CAP)
    rows = list(
        events.order_by("-created_at", "-id").only(
            "id", "created_at", "source", "contact_id", "contact_name", "conversation_id",
            "previous_assignee_id", "previous_assignee_name", "new_assignee_id", "new_assignee_name",
            "assigned_by_id", "assigned_by_name",
        )[offset:stop]
    )
    return AssignmentLogPage(
        period=params.period,
        state=STATE_OK if count else STATE_NO_DATA,
        count=count,
        capped=matches > LOG_ROW_CAP,
        page=page,
        page_size=page_size,
        rows=rows,
    )


def log_row(event: AssignmentEvent, *, tz) -> dict:
    """One log row in the wire shape of api.md (also the shape of the assignee endpoint's event)."""

    def person(user_id, name):
        if user_id is None:
            return None
        return {"id": user_id, "name": AssignmentEvent.user_label(user_id, name)}

    is_user = event.source == AssignmentSource.USER
    return {
        "id": event.pk,
        "timestamp": event.created_at.astimezone(tz).isoformat(timespec="seconds"),
        "conversation_id": event.conversation_id,
        "contact_id": event.contact_id,
        "contact_name": event.contact_name or f"#{event.contact_id}",
        "previous_assignee": person(event.previous_assignee_id, event.previous_assignee_name),
        "new_assignee": person(event.new_assignee_id, event.new_assignee_name),
        "source": event.source,
        "source_label": source_label(event.source),
        "assigned_by": person(event.assigned_by_id, event.assigned_by_name) if is_user else None,
    }
