"""Resoluciones computed in SQL from the resolution facts recorded at the source
(``contacts.ConversationResolution``, written by ``conversation_close`` / ``conversation_open``;
docs/reports.md "Resoluciones", docs/performance.md).

Each close's facts (calendar and business seconds, assignments, reopened) are columns, so the
summary is one aggregate over an index range of ``conv_resolution_ws_closed_idx`` (the period
and the previous one): counts with ``FILTER``, the median as
``floor(percentile_cont(0.5))`` (the middle value or the mean of the two middle ones, rounded
down: ``numbers.median_whole``), p90 as ``percentile_disc(0.9)`` (the value at rank
⌈0.9·n⌉: ``numbers.percentile_nearest_rank``), the half-up average from the exact count and
sum; per owner and per closing source in the same statement with ``GROUPING SETS``. The time
series groups by ``width_bucket`` over the buckets' real start instants (exact across DST).

PostgreSQL only, and only while the recorded business seconds are those of the schedule in force
(``contacts.resolutions.resolution_facts_current``); otherwise the report derives every close's
facts from the events in Python (``reports.resolutions.resolution_facts``), the definition the
tests pin this path to.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.db import connection
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet

from accounts.context import Actor
from contacts.models import ConversationResolution
from contacts.resolutions import resolution_facts_current

from .framework.conversation_filters import channel_condition, owner_condition
from .framework.query import ReportQuery
from .periods import ReportPeriod


def _stats_sql(*, p90: bool = True, business: bool = True) -> str:
    """Per group: resolved, fcr, reopened, then (count, median, p90, sum) of calendar and business
    seconds (NULL where not wanted: p90 off the totals, business seconds equal to calendar)."""
    def times(column):
        return (f"count(f.{column}), floor(percentile_cont(0.5) WITHIN GROUP (ORDER BY f.{column}))::bigint, "
                + (f"percentile_disc(0.9) WITHIN GROUP (ORDER BY f.{column})" if p90 else "NULL::bigint")
                + f", sum(f.{column})")
    return ("count(*), count(*) FILTER (WHERE f.assignments = 1 AND NOT f.reopened), count(*) FILTER (WHERE f.reopened), "
            + times("seconds") + ", " + (times("business_seconds") if business else "NULL, NULL, NULL, NULL"))


_COUNTS_SQL = "count(*), 0, 0, " + ", ".join(["NULL"] * 8)
_COLUMNS = ("cur", "owner_id", "source", "assignments", "reopened", "seconds", "business_seconds")


@dataclass(frozen=True)
class Stats:
    """One group's figures: counts, and (count, median, p90, sum) of calendar and business seconds."""

    resolved: int
    fcr: int
    reopened: int
    calendar: tuple[int, int | None, int | None, int]
    business: tuple[int, int | None, int | None, int]


EMPTY = Stats(0, 0, 0, (0, None, None, 0), (0, None, None, 0))


def _stats(values, *, business: bool = True) -> Stats:
    resolved, fcr, reopened, n, median, p90, total, bn, bmedian, bp90, btotal = values
    calendar = (n, median, p90, int(total or 0))
    return Stats(resolved, fcr, reopened, calendar, (bn, bmedian, bp90, int(btotal or 0)) if business else calendar)


@dataclass(frozen=True)
class RecordedSummary:
    current: Stats
    previous: Stats
    sources: dict[str, int]
    agents: list[tuple[int | None, str, Stats]]  # (owner id, name on their newest resolution, figures)


def recorded_facts_apply(*, workspace, hours) -> bool:
    """The report reads the recorded facts: PostgreSQL, business seconds of the schedule in force
    (the setting ``REPORTS_RESOLUTIONS_FROM_FACTS = False`` turns the per-close path on, for the
    tests that compare the two)."""
    return (connection.vendor == "postgresql" and getattr(settings, "REPORTS_RESOLUTIONS_FROM_FACTS", True)
            and resolution_facts_current(workspace=workspace, settings=hours))


def recorded_rows(*, workspace, actor: Actor, query: ReportQuery, start: datetime, end: datetime) -> QuerySet:
    """The resolution rows closed in ``[start, end)`` matching the report's filters and ``actor``'s scope
    (the same conditions as ``resolution_events``, on the recorded columns)."""
    if actor.workspace.pk != workspace.pk:
        return ConversationResolution.objects.none()
    rows = ConversationResolution.objects.filter(workspace=workspace, closed_at__gte=start, closed_at__lt=end)
    rows = rows.filter(channel_condition(query))
    if query.get("closing_source"):
        rows = rows.filter(source__in=query.get("closing_source"))
    return rows.filter(owner_condition(actor=actor, query=query, field="owner_id")).order_by()


def _sql(rows: QuerySet, *columns) -> tuple[str, tuple]:
    sql, params = rows.values_list(*columns).query.sql_with_params()
    return sql, params


def _fetch(sql: str, params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def recorded_summary(*, workspace, actor: Actor, query: ReportQuery, by_group: bool = True,
                     business: bool = True) -> RecordedSummary:
    """The period's and the previous period's figures, and (``by_group``) the period's per owner and
    per closing source: one statement over the index range of both periods (materialised once).

    ``business=False`` (business hours off): the business seconds are the calendar seconds floored
    at 0, so when no calendar time is negative their figures are the calendar ones and are not
    aggregated a second time; a negative time (a hand-made opening after its close) aggregates both."""
    period: ReportPeriod = query.period
    previous = period.previous()
    rows = recorded_rows(workspace=workspace, actor=actor, query=query, start=previous.start_utc,
                         end=period.end_utc).annotate(
        cur=ExpressionWrapper(Q(closed_at__gte=period.start_utc), output_field=BooleanField()))
    inner, params = _sql(rows, *_COLUMNS)
    sql = (f"WITH f({', '.join(_COLUMNS)}) AS MATERIALIZED ({inner}) "
           f"SELECT 0, f.cur, NULL::bigint, NULL::text, min(f.seconds), {_stats_sql(business=business)} "
           f"FROM f GROUP BY f.cur")
    if by_group:
        sql += (f" UNION ALL SELECT 1, true, f.owner_id, NULL, NULL, {_stats_sql(p90=False, business=business)} "
                f"FROM f WHERE f.cur GROUP BY f.owner_id"
                f" UNION ALL SELECT 2, true, NULL, f.source, NULL, {_COUNTS_SQL} FROM f WHERE f.cur GROUP BY f.source")
    result = _fetch(sql, params)
    if not business and any(kind == 0 and lowest is not None and lowest < 0 for kind, _, _, _, lowest, *_ in result):
        return recorded_summary(workspace=workspace, actor=actor, query=query, by_group=by_group, business=True)
    current, before, sources, owners = EMPTY, EMPTY, {}, {}
    for kind, cur, owner_id, source, _, *values in result:
        stats = _stats(values, business=business)
        if kind == 0:
            current, before = (stats, before) if cur else (current, stats)
        elif kind == 1:
            owners[owner_id] = stats
        else:
            sources[source] = stats.resolved
    names = _newest_names(recorded_rows(workspace=workspace, actor=actor, query=query, start=period.start_utc,
                                        end=period.end_utc), [k for k in owners if k is not None])
    agents = [(owner_id, names.get(owner_id, ""), stats) for owner_id, stats in owners.items()]
    return RecordedSummary(current, before, sources, agents)


def _newest_names(rows: QuerySet, owner_ids: list[int]) -> dict[int, str]:
    """Each owner's name as on their newest resolution of ``rows`` (newest close, then the
    highest closed event id): one lookup per owner down ``conv_resolution_ws_owner_idx``."""
    if not owner_ids:
        return {}
    inner, params = _sql(rows, "owner_id", "owner_name", "closed_at", "closed_event_id")
    return {owner_id: name for owner_id, name in _fetch(
        f"SELECT u.id, (SELECT x.owner_name FROM ({inner}) x WHERE x.owner_id = u.id "
        f"ORDER BY x.closed_at DESC, x.closed_event_id DESC LIMIT 1) FROM unnest(%s::bigint[]) u(id)",
        [*params, list(owner_ids)]) if name is not None}


def recorded_buckets(*, workspace, actor: Actor, query: ReportQuery, starts: list[datetime],
                     business: bool = True) -> list[tuple]:
    """``[(resolved, median seconds, median business seconds)]`` per bucket: a close is in the
    latest bucket starting at or before it (``width_bucket`` over the starts as instants).
    ``business=False`` as in ``recorded_summary``."""
    period = query.period
    rows = recorded_rows(workspace=workspace, actor=actor, query=query, start=period.start_utc, end=period.end_utc)
    inner, params = _sql(rows, "closed_at", "seconds", "business_seconds")
    median = "floor(percentile_cont(0.5) WITHIN GROUP (ORDER BY f.{}))::bigint"
    result = _fetch(
        "SELECT greatest(width_bucket(f.closed_at, %s::timestamptz[]), 1), count(*), min(f.seconds), "
        f"{median.format('seconds')}, {median.format('business_seconds') if business else 'NULL'} "
        f"FROM ({inner}) AS f(closed_at, seconds, business_seconds) GROUP BY 1",
        [[s.astimezone(UTC) for s in starts], *params])
    if not business and any(lowest is not None and lowest < 0 for _, _, lowest, _, _ in result):
        return recorded_buckets(workspace=workspace, actor=actor, query=query, starts=starts, business=True)
    buckets = [(0, None, None)] * len(starts)
    for index, n, _, calendar, hours in result:
        buckets[index - 1] = (n, calendar, hours if business else calendar)
    return buckets
