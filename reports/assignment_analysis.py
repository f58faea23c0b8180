"""Asignaciones beyond the log: time to first assignment, reassigned conversations and the time
from the last assignment to the close (docs/reports.md "Asignaciones: time to first assignment,
reassignments, assignment to close").

Each analysis counts conversations through one event of theirs — the first assignment
(``first_assignment_seconds`` set), the reassignment (``conversation_assignment`` = 2), the last
assignment before the close — taken from the report's own filtered event set
(``selectors.assignment_event_list``: period, filters, agent scope), so the filters mean here what
they mean everywhere on the page. Both facts are recorded by ``contact_assign`` with the event.
Times are whole seconds; medians, percentiles and averages follow ``framework/numbers.py``.

Where the day rollups answer exactly (``rollup_reads.rollup_dimension``: the filters one
dimension counts, the rollup ready in the workspace's timezone), the analyses read the
pre-aggregates ``contact_assign`` keeps instead (docs/performance.md):

- Tiempo hasta la primera asignación: the waits' exact distribution (``AssignmentFactDaily``),
  whose median / p90 are found by rank in PostgreSQL — with business hours off (business time =
  calendar time) and day, week or month buckets; otherwise each first assignment is read;
- Conversaciones reasignadas: the card counts the reassignments of the same rollup; the table's
  first rows, without filters, are read off ``ConversationAssignments`` in its order.

``tests/reports/test_assignment_analysis.py`` pins both paths equal on random data.
"""

from bisect import bisect_right
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta

from django.db import connection
from django.db.models import Max, OuterRef, Q, QuerySet, Subquery, Sum

from accounts.context import Actor
from assignments.models import (
    AssignmentEvent,
    AssignmentFact,
    AssignmentFactDaily,
    AssignmentSource,
    ConversationAssignments,
)
from assignments.rollups import wait_bin_end
from contacts.models import Conversation, ConversationEvent, ConversationEventKind

from .framework.buckets import bucket_starts, default_interval
from .framework.numbers import average_half_up, median_whole, ordered_keys, percentile_nearest_rank
from .framework.query import LOG_ROW_CAP
from .framework.states import STATE_NOT_APPLICABLE, state_of
from .params import ReportParams
from .periods import MAX_DATE, MAX_SPAN_DAYS, MIN_DATE, ReportPeriod
from .responses import Hours, hours_of
from .rollup_reads import ALL_EVENTS, rollup_dimension
from .rows import source_label
from .selectors import assignment_event_list, report_state_before_query

REASSIGNMENT_TABLE_DEFAULT = 50
REASSIGNMENT_TABLE_MAX = 100


def analysis_state_before_query(*, workspace, params: ReportParams) -> str | None:
    """The report's own states, plus: the counted events always assign a person, so an
    ``assignee`` filter of only ``none`` (unassignments) cannot apply."""
    if params.assignee_none and not params.assignee_ids:
        return STATE_NOT_APPLICABLE
    return report_state_before_query(workspace=workspace, params=params)


def _person(user_id: int | None, name: str) -> dict | None:
    if user_id is None:
        return None
    return {"id": user_id, "name": AssignmentEvent.user_label(user_id, name)}


@dataclass(frozen=True)
class Duration:
    calendar: int | None
    business: int | None


@dataclass(frozen=True)
class Waited:
    at: datetime
    source: str
    calendar: int
    business: int


def _stat(items: list[Waited], stat) -> Duration:
    return Duration(stat([i.calendar for i in items]), stat([i.business for i in items]))


def _p90(values: list[int]) -> int | None:
    return percentile_nearest_rank(values, 90)


# --- Tiempo hasta la primera asignación -----------------------------------------------------


def first_assignment_events(*, workspace, actor: Actor, params: ReportParams) -> QuerySet[AssignmentEvent]:
    """The first assignments of the period matching the filters that ``actor`` may see (the
    partial index ``assign_ws_first_time_idx``)."""
    return assignment_event_list(workspace=workspace, actor=actor, params=params).filter(
        first_assignment_seconds__isnull=False)


def first_assignment_waits(events: QuerySet, hours: Hours) -> list[Waited]:
    rows = events.order_by().values_list("created_at", "source", "first_assignment_seconds")
    return [Waited(at, source, seconds, hours.seconds(start=at - timedelta(seconds=seconds), end=at, calendar=seconds))
            for at, source, seconds in rows.iterator(chunk_size=5000)]


@dataclass(frozen=True)
class FirstAssignmentSource:
    source: str
    label: str
    count: int
    median: Duration
    average: Duration


@dataclass(frozen=True)
class FirstAssignmentBucket:
    start: datetime
    count: int
    median: Duration


@dataclass(frozen=True)
class FirstAssignmentReport:
    period: ReportPeriod
    state: str
    business_hours: bool
    count: int
    median: Duration
    p90: Duration
    average: Duration
    by_source: list[FirstAssignmentSource]
    interval: str
    buckets: list[FirstAssignmentBucket]


@dataclass(frozen=True)
class _Figures:
    count: int
    total: int  # the sum of the waits
    median: int | None
    p90: int | None


# The first assignments' bins (``AssignmentFactDaily`` rows of fact first_bin) per bin of the
# whole period, per source and per bucket (the buckets' first days), with counts and sums.
_BINS_SQL = """
SELECT grouping(r.source), grouping(r.b), r.source, r.b, r.seconds, sum(r.count), sum(r.total)
FROM (SELECT f.source, greatest(width_bucket(f.day, %s::date[]) - 1, 0) AS b, f.seconds, f.count, f.total
      FROM ({bins}) AS f (day, source, seconds, count, total)) AS r
GROUP BY GROUPING SETS ((r.seconds), (r.source, r.seconds), (r.b, r.seconds))"""

# For each target (a group's rank inside one bin): the wait at that 0-based rank among the
# group's waits of the bin — the first whose running count passes it. The waits are found by
# the bin's range (assign_fact_wait_idx; "+ 0" keeps the planner off the days' range).
_RANK_SQL = """
SELECT t.i, (
    SELECT x.seconds FROM (
        SELECT w.seconds, sum(w.n) OVER (ORDER BY w.seconds ROWS UNBOUNDED PRECEDING) AS upto
        FROM (SELECT f.seconds, sum(f.count) AS n FROM ({waits}) AS f (day, source, seconds, count)
              WHERE f.day + 0 >= t.d0 AND f.day + 0 <= t.d1 AND (t.src IS NULL OR f.source = t.src)
                AND f.seconds >= t.lo AND f.seconds < t.hi
              GROUP BY f.seconds) AS w
    ) AS x WHERE x.upto > t.r ORDER BY x.seconds LIMIT 1)
FROM unnest(%s::int[], %s::date[], %s::date[], %s::text[], %s::bigint[], %s::bigint[], %s::bigint[])
     AS t (i, d0, d1, src, lo, hi, r)"""


@dataclass
class _Group:
    """One group's bins, ascending: ``[(lower bound, count, sum)]``, and its day range."""

    first_day: date
    last_day: date
    source: str | None = None
    bins: list = field(default_factory=list)

    def ranks(self) -> list[int]:
        n = sum(count for _, count, _ in self.bins)
        return sorted({(n - 1) // 2, n // 2})

    def locate(self, rank: int) -> tuple[int, int]:
        """The bin holding the 0-based ``rank`` and the rank inside it."""
        seen = 0
        for lower, count, _ in self.bins:
            if rank < seen + count:
                return lower, rank - seen
            seen += count
        raise IndexError(rank)


def _first_assignment_figures(*, workspace, params: ReportParams, dimension: Q,
                              starts: list[datetime]) -> tuple[_Figures, dict[str, _Figures], dict[int, _Figures]]:
    """The figures of the whole period, per source and per bucket, from the waits' distribution
    (``AssignmentFactDaily``): counts and sums from the bins; each median / p90 by finding the bin
    holding its rank, then the wait at that rank among the bin's waits — exactly those of the
    listed waits, reading only the bins and the waits of the bins holding a rank."""
    period = params.period
    rows = AssignmentFactDaily.objects.filter(dimension, workspace=workspace, day__gte=period.start,
                                              day__lte=period.end)
    if params.sources:
        rows = rows.filter(source__in=params.sources)
    days = [start.date() for start in starts]
    bins_sql, bins_params = (rows.filter(fact=AssignmentFact.FIRST_BIN)
                             .values_list("day", "source", "seconds", "count", "total").query.sql_with_params())
    with connection.cursor() as cursor:
        cursor.execute(_BINS_SQL.format(bins=bins_sql), [days, *bins_params])
        found = cursor.fetchall()
    if not found:
        return _Figures(0, 0, None, None), {}, {}
    groups: dict[tuple, _Group] = {}
    for no_source, no_bucket, source, bucket, lower, count, total in found:
        if no_source and no_bucket:
            key, first, last = ("all",), period.start, period.end
        elif no_bucket:
            key, first, last = ("source", source), period.start, period.end
        else:
            key = ("bucket", bucket)
            first = period.start if bucket == 0 else max(days[bucket], period.start)
            last = min(days[bucket + 1] - timedelta(days=1), period.end) if bucket + 1 < len(days) else period.end
        group = groups.setdefault(key, _Group(first, last, source if key[0] == "source" else None))
        group.bins.append((lower, int(count), int(total)))
    targets: dict[tuple, int] = {}  # (group key, rank) -> target index
    located: list[tuple] = []
    for key, group in groups.items():
        group.bins.sort()
        ranks = group.ranks()
        if key == ("all",):
            n = sum(count for _, count, _ in group.bins)
            ranks.append(max(-(-90 * n // 100), 1) - 1)
        for rank in ranks:
            if (key, rank) not in targets:
                lower, inside = group.locate(rank)
                targets[(key, rank)] = len(located)
                located.append((key, group, lower, inside))
    # The waits of the whole history of these rows (each target bounds its days).
    waits = AssignmentFactDaily.objects.filter(dimension, workspace=workspace, fact=AssignmentFact.FIRST)
    if params.sources:
        waits = waits.filter(source__in=params.sources)
    values = _waits_at_ranks(waits, located)

    def figures(key) -> _Figures:
        group = groups[key]
        n = sum(count for _, count, _ in group.bins)
        total = sum(t for _, _, t in group.bins)
        low, high = (values[targets[(key, r)]] for r in ((n - 1) // 2, n // 2))
        p90 = values[targets[(key, max(-(-90 * n // 100), 1) - 1)]] if key == ("all",) else None
        return _Figures(n, total, (low + high) // 2, p90)

    return (figures(("all",)), {k[1]: figures(k) for k in groups if k[0] == "source"},
            {k[1]: figures(k) for k in groups if k[0] == "bucket"})


def _waits_at_ranks(waits: QuerySet, located: list[tuple]) -> list[int]:
    """The wait at each located rank, in one statement."""
    values: list[int | None] = [None] * len(located)
    waits_sql, waits_params = waits.values_list("day", "source", "seconds", "count").query.sql_with_params()
    columns = (list(range(len(located))), [g.first_day for _, g, _, _ in located], [g.last_day for _, g, _, _ in located],
               [g.source for _, g, _, _ in located], [lower for _, _, lower, _ in located],
               [wait_bin_end(lower) for _, _, lower, _ in located], [inside for _, _, _, inside in located])
    with connection.cursor() as cursor:
        cursor.execute(_RANK_SQL.format(waits=waits_sql), [*waits_params, *columns])
        for i, value in cursor.fetchall():
            values[i] = value
    return values


def _same(value: int | None) -> Duration:
    return Duration(value, value)


def _first_assignment_from_rollup(*, workspace, params: ReportParams, dimension: Q, interval: str,
                                  starts: list[datetime]) -> FirstAssignmentReport:
    whole, by_source, by_bucket = _first_assignment_figures(workspace=workspace, params=params, dimension=dimension,
                                                            starts=starts)
    sources = ordered_keys({s: f.count for s, f in by_source.items()}, AssignmentSource.values)
    none = _Figures(0, 0, None, None)
    return FirstAssignmentReport(
        period=params.period, state=state_of(whole.count), business_hours=False, count=whole.count,
        median=_same(whole.median), p90=_same(whole.p90), average=_same(_half_up(whole)),
        by_source=[FirstAssignmentSource(s, source_label(s), by_source[s].count, _same(by_source[s].median),
                                         _same(_half_up(by_source[s]))) for s in sources],
        interval=interval,
        buckets=[FirstAssignmentBucket(start, by_bucket.get(i, none).count, _same(by_bucket.get(i, none).median))
                 for i, start in enumerate(starts)],
    )


def _half_up(figures: _Figures) -> int | None:
    return (2 * figures.total + figures.count) // (2 * figures.count) if figures.count else None


def first_assignment_report(*, workspace, actor: Actor, params: ReportParams) -> FirstAssignmentReport:
    """The card (count, median, p90, average), the by-source rows and the time series of the
    first assignments of the period; all read the same list (or the same distribution), so they
    always agree."""
    interval = params.interval or default_interval(params.period)
    starts = bucket_starts(params.period, interval)
    hours = hours_of(workspace)
    state = analysis_state_before_query(workspace=workspace, params=params)
    if state is None and not hours.enabled and interval != "hour" and connection.vendor == "postgresql":
        dimension = rollup_dimension(workspace=workspace, actor=actor, params=params)
        if dimension is not None:
            return _first_assignment_from_rollup(workspace=workspace, params=params, dimension=dimension,
                                                 interval=interval, starts=starts)
    waits = [] if state else first_assignment_waits(
        first_assignment_events(workspace=workspace, actor=actor, params=params), hours)

    by_source: dict[str, list[Waited]] = {}
    for item in waits:
        by_source.setdefault(item.source, []).append(item)
    sources = ordered_keys({s: len(items) for s, items in by_source.items()}, AssignmentSource.values)
    # The framework's bucket rule: the latest bucket start not after the event (UTC instants,
    # so both 01:00 hours of a fall-back day stay apart).
    utc_starts = [s.astimezone(UTC) for s in starts]
    per_bucket: list[list[Waited]] = [[] for _ in starts]
    for item in waits:
        per_bucket[max(bisect_right(utc_starts, item.at) - 1, 0)].append(item)
    return FirstAssignmentReport(
        period=params.period, state=state or state_of(len(waits)), business_hours=hours.enabled,
        count=len(waits), median=_stat(waits, median_whole), p90=_stat(waits, _p90),
        average=_stat(waits, average_half_up),
        by_source=[FirstAssignmentSource(s, source_label(s), len(by_source[s]), _stat(by_source[s], median_whole),
                                         _stat(by_source[s], average_half_up)) for s in sources],
        interval=interval,
        buckets=[FirstAssignmentBucket(start, len(items), _stat(items, median_whole))
                 for start, items in zip(starts, per_bucket, strict=True)],
    )


# --- Conversaciones reasignadas -------------------------------------------------------------


def reassignment_events(*, workspace, actor: Actor, params: ReportParams) -> QuerySet[AssignmentEvent]:
    """The reassignments (second assignments to a person) of the period matching the filters
    (the partial index ``assign_ws_reassign_time_idx``): one per reassigned conversation."""
    return assignment_event_list(workspace=workspace, actor=actor, params=params).filter(conversation_assignment=2)


@dataclass(frozen=True)
class AssigneeSpell:
    assignee: dict
    assigned_at: datetime
    seconds: int | None  # null: still with them


@dataclass(frozen=True)
class ReassignedConversation:
    conversation_id: int
    contact_id: int
    contact_name: str
    assignments: int
    first_assignment_at: datetime
    last_assignment_at: datetime
    spells: list[AssigneeSpell]
    log_query: dict


@dataclass(frozen=True)
class ReassignmentReport:
    period: ReportPeriod
    state: str
    count: int
    limit: int
    capped: bool
    results: list[ReassignedConversation]


def _log_query(params: ReportParams, conversation_id: int, first: date, last: date) -> dict:
    """The Asignaciones page's query showing that conversation's events: from the day of its
    first assignment to the day of its last one, else (more than 366 days) the page's period."""
    if (last - first).days + 1 <= MAX_SPAN_DAYS:
        start, end = first, last
    else:
        start, end = params.period.start, params.period.end
    return {"start": start.isoformat(), "end": end.isoformat(), "conversation": str(conversation_id)}


def _reassigned_rows(*, workspace, params: ReportParams, conversation_ids: list[int]) -> list[ReassignedConversation]:
    """The table rows of these conversations, from all their events (as of now)."""
    if not conversation_ids:
        return []
    tz = params.period.tz
    events: dict[int, list] = {}
    for row in (AssignmentEvent.objects.filter(workspace=workspace, conversation_id__in=conversation_ids)
                .order_by("conversation_id", "created_at", "id")
                .values_list("conversation_id", "created_at", "new_assignee_id", "new_assignee_name",
                             "contact_id", "contact_name")):
        events.setdefault(row[0], []).append(row)
    closed = dict(Conversation.objects.filter(workspace=workspace, pk__in=conversation_ids)
                  .values_list("pk", "closed_at"))
    rows = []
    for conversation_id in conversation_ids:
        history = events.get(conversation_id, [])
        spells = []
        for index, (_, at, new_id, new_name, _c, _n) in enumerate(history):
            if new_id is None:
                continue
            # To the conversation's next event (a reassignment or an unassignment), else its
            # close, else still with them.
            until = history[index + 1][1] if index + 1 < len(history) else closed.get(conversation_id)
            seconds = None if until is None else max(0, (until - at) // timedelta(seconds=1))
            spells.append(AssigneeSpell(_person(new_id, new_name), at, seconds))
        if not spells:
            continue
        _, _, _, _, contact_id, contact_name = history[-1]
        first, last = spells[0].assigned_at, spells[-1].assigned_at
        rows.append(ReassignedConversation(
            conversation_id=conversation_id, contact_id=contact_id, contact_name=contact_name or f"#{contact_id}",
            assignments=len(spells), first_assignment_at=first, last_assignment_at=last, spells=spells,
            log_query=_log_query(params, conversation_id, first.astimezone(tz).date(), last.astimezone(tz).date()),
        ))
    rows.sort(key=lambda r: (-r.assignments, -r.last_assignment_at.timestamp(), -r.conversation_id))
    return rows


def _ranked_conversations(*, workspace, actor: Actor, params: ReportParams, limit: int) -> tuple[int, list[int]]:
    """The count of conversations reassigned in the period and the ids of the first ``limit``
    rows of the table (most assignments, then latest last assignment, then id, descending)."""
    dimension = rollup_dimension(workspace=workspace, actor=actor, params=params)
    reassigned = reassignment_events(workspace=workspace, actor=actor, params=params).order_by()
    if dimension is None:
        count = reassigned.count()
    else:
        rows = AssignmentFactDaily.objects.filter(dimension, workspace=workspace, fact=AssignmentFact.REASSIGNED,
                                                  day__gte=params.period.start, day__lte=params.period.end)
        if params.sources:
            rows = rows.filter(source__in=params.sources)
        count = rows.aggregate(n=Sum("count"))["n"] or 0
    if not count:
        return 0, []
    if dimension == ALL_EVENTS and not params.sources:
        # Every conversation reassigned in the period: the first rows of the table's index.
        ranked = (ConversationAssignments.objects.filter(
            workspace=workspace, reassigned_at__gte=params.period.start_utc, reassigned_at__lt=params.period.end_utc)
            .order_by("-assignments", "-last_assigned_at", "-conversation_id")
            .values_list("conversation_id", flat=True)[:limit])
        return count, list(ranked)
    # Per reassigned conversation, its number of assignments so far (its highest position) and
    # its last assignment: one aggregate over those conversations' assignments to a person
    # (assign_ws_conv_time_idx for a few conversations, one pass of the events for many).
    ranked = (AssignmentEvent.objects.filter(workspace=workspace, conversation_assignment__isnull=False,
                                             conversation_id__in=reassigned.values("conversation_id"))
              .values("conversation_id").annotate(total=Max("conversation_assignment"), last_at=Max("created_at"))
              .order_by("-total", "-last_at", "-conversation_id").values_list("conversation_id", flat=True)[:limit])
    return count, list(ranked)


def reassignment_report(*, workspace, actor: Actor, params: ReportParams,
                        limit: int = REASSIGNMENT_TABLE_DEFAULT) -> ReassignmentReport:
    """The card (conversations reassigned in the period) and the first ``limit`` table rows."""
    state = analysis_state_before_query(workspace=workspace, params=params)
    if state is not None:
        return ReassignmentReport(params.period, state, 0, limit, False, [])
    count, ids = _ranked_conversations(workspace=workspace, actor=actor, params=params, limit=limit)
    rows = _reassigned_rows(workspace=workspace, params=params, conversation_ids=ids)
    return ReassignmentReport(params.period, state_of(count), count, limit, count > limit, rows)


REASSIGNMENT_CSV_COLUMNS = ["conversation_id", "contact_id", "contact_name", "assignments", "assignees",
                            "first_assignment_at", "last_assignment_at", "seconds_with_assignees"]


def reassignment_csv_rows(*, workspace, actor: Actor, params: ReportParams) -> tuple[list[list], bool]:
    """Every table row (at most ``LOG_ROW_CAP``) as CSV cells, and whether more matched."""
    if analysis_state_before_query(workspace=workspace, params=params) is not None:
        return [], False
    count, ids = _ranked_conversations(workspace=workspace, actor=actor, params=params, limit=LOG_ROW_CAP)
    tz = params.period.tz
    out = []
    for row in _reassigned_rows(workspace=workspace, params=params, conversation_ids=ids):
        out.append([
            row.conversation_id, row.contact_id, row.contact_name, row.assignments,
            " → ".join(s.assignee["name"] for s in row.spells),
            row.first_assignment_at.astimezone(tz).isoformat(timespec="seconds"),
            row.last_assignment_at.astimezone(tz).isoformat(timespec="seconds"),
            " ".join("" if s.seconds is None else str(s.seconds) for s in row.spells).rstrip(),
        ])
    return out, count > LOG_ROW_CAP


# --- Tiempo de asignación a cierre ----------------------------------------------------------


@dataclass(frozen=True)
class AssigneeCloseRow:
    assignee: dict
    count: int
    median: int | None
    average: int | None
    median_business: int | None
    average_business: int | None


@dataclass(frozen=True)
class AssignmentToCloseReport:
    period: ReportPeriod
    state: str
    business_hours: bool
    count: int
    median: int | None
    average: int | None
    median_business: int | None
    average_business: int | None
    results: list[AssigneeCloseRow]


@dataclass(frozen=True)
class AssignedToClose:
    assignee_id: int
    name: str  # the name on the last event
    at: datetime  # the last assignment
    closed_at: datetime
    seconds: int  # calendar seconds to the close
    business: int  # the same interval's business seconds (= seconds with Fuera de Horario off)


def assignment_to_close_times(*, workspace, actor: Actor, params: ReportParams, hours: Hours) -> list[AssignedToClose]:
    """Every conversation closed in the period whose last event assigns a person and matches the
    filters: its last assignee, that assignment's instant and the close's."""
    period = params.period
    closes = ConversationEvent.objects.filter(
        workspace=workspace, kind=ConversationEventKind.CLOSED,
        created_at__gte=period.start_utc, created_at__lt=period.end_utc)
    last = AssignmentEvent.objects.filter(
        workspace_id=OuterRef("workspace_id"), conversation_id=OuterRef("conversation_id")
    ).order_by("-created_at", "-id")
    closes = closes.annotate(last_id=Subquery(last.values("id")[:1])).filter(last_id__isnull=False)
    closed_at = dict(closes.order_by().values_list("last_id", "created_at"))
    if not closed_at:
        return []
    # The filters and the agent's scope apply to the last event, wherever it falls in time.
    unbounded = replace(params, period=ReportPeriod(MIN_DATE, MAX_DATE - timedelta(days=1), period.timezone))
    events = assignment_event_list(workspace=workspace, actor=actor, params=unbounded).filter(
        pk__in=list(closed_at), new_assignee__isnull=False)
    out = []
    for pk, new_id, name, at in events.order_by().values_list("pk", "new_assignee_id", "new_assignee_name", "created_at"):
        seconds = max(0, (closed_at[pk] - at) // timedelta(seconds=1))
        out.append(AssignedToClose(new_id, name, at, closed_at[pk], seconds,
                                   hours.seconds(start=at, end=closed_at[pk], calendar=seconds)))
    return out


def assignment_to_close_report(*, workspace, actor: Actor, params: ReportParams) -> AssignmentToCloseReport:
    """Calendar seconds from the last assignment to the close and, with Fuera de Horario on, the
    business seconds of the same interval (docs/business-hours.md); without it both are equal."""
    state = analysis_state_before_query(workspace=workspace, params=params)
    hours = hours_of(workspace)
    times = [] if state else assignment_to_close_times(workspace=workspace, actor=actor, params=params, hours=hours)
    per: dict[int, list[AssignedToClose]] = {}
    for item in times:
        per.setdefault(item.assignee_id, []).append(item)

    def numbers(items: list[AssignedToClose]) -> dict:
        calendar = [t.seconds for t in items]
        in_hours = [t.business for t in items]
        return {"median": median_whole(calendar), "average": average_half_up(calendar),
                "median_business": median_whole(in_hours), "average_business": average_half_up(in_hours)}

    rows = []
    for assignee_id, items in per.items():
        name = max(items, key=lambda t: t.at).name  # the name on the newest last event
        rows.append(AssigneeCloseRow(_person(assignee_id, name), len(items), **numbers(items)))
    rows.sort(key=lambda r: (-r.count, r.assignee["name"].casefold(), r.assignee["id"]))
    return AssignmentToCloseReport(params.period, state or state_of(len(times)), hours.enabled, len(times),
                                   results=rows, **numbers(times))
