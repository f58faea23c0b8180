"""Reportes → Tabla de Clasificación, declared on the reports framework (docs/reports.md
"Tabla de Clasificación").

One row per member of the workspace now (narrowed by ``team``). Each column is read from the
raw records of one fact, placed in the period by its own timestamp and grouped by member in the
database: assignment events to the member (Asignaciones' day rollup when it is ready), the
``closed`` events they made, their outgoing messages, their ``first_response`` events
(Respuestas' set, ``responses.first_response_events``), the resolution times of their closes
(Resoluciones' definition) and their time online (docs/presence.md "Time per status").

The board (``leaderboard_board``) is the one computation every component reads: the cards add
up its rows, the chart is its best-ranked rows, the log pages through it, the export writes it,
so they agree by construction (``tests/reports/test_leaderboard.py`` pins them to a count by
hand on PostgreSQL and SQLite).
"""

from bisect import bisect_left
from dataclasses import dataclass, replace
from datetime import datetime

from django.conf import settings
from django.db import connections
from django.db.models import Count, Exists, OuterRef, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from accounts.context import Actor
from accounts.models import Membership, Team
from assignments.models import AssignmentDailyCount, AssignmentEvent, RollupDimension
from assignments.rollups import rollup_is_ready
from contacts.models import (
    AgentDailyCount,
    ConversationEvent,
    ConversationSource,
    Message,
    SenderKind,
)
from contacts.rollups import rollup_is_ready as contacts_rollup_is_ready
from presence.models import AgentStatusValue
from presence.selectors import member_status_seconds

from .framework.aggregates import medians_by_group
from .framework.conversation_filters import team_filter
from .framework.exports import ReportExport, report_export_register
from .framework.logs import LogPage
from .framework.query import LogPageOutOfRange, ReportQuery
from .framework.states import STATE_NO_DATA, STATE_OK, period_before_workspace
from .periods import ReportPeriod
from .responses import first_response_events

FILTERS = (team_filter("Equipo: the board's rows are the members of the team now."),)

# The sortable columns (``sort``; a leading ``-`` is descending) and the default order.
COLUMNS = ("name", "assigned", "closed", "messages_sent", "first_response_median", "resolution_median",
           "online_seconds")
METRICS = COLUMNS[1:]
# More is better (and they add up across rows) ...
COUNTS = ("assigned", "closed", "messages_sent", "online_seconds")
# ... less is better (medians of whole seconds; null = nothing to measure, ranked last).
TIMES = ("first_response_median", "resolution_median")
DEFAULT_SORT = "-closed"
# Sorting by name ranks by Cerradas.
NAME_RANK_COLUMN = "closed"
CHART_ROWS = 10

LABELS = {
    "name": pgettext_lazy("leaderboard", "Agent"),
    "assigned": pgettext_lazy("leaderboard", "Assigned"),
    "closed": pgettext_lazy("leaderboard", "Closed"),
    "messages_sent": pgettext_lazy("leaderboard", "Messages sent"),
    "first_response_median": pgettext_lazy("leaderboard", "Median first response"),
    "resolution_median": pgettext_lazy("leaderboard", "Median resolution time"),
    "online_seconds": pgettext_lazy("leaderboard", "Time online"),
}
UNITS = {"assigned": "count", "closed": "count", "messages_sent": "count", "first_response_median": "seconds",
         "resolution_median": "seconds", "online_seconds": "seconds"}

CLOSED = ConversationEvent.Kind.CLOSED
OPENED = ConversationEvent.Kind.OPENED


# --- the rows: members now -------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    user_id: int
    name: str
    email: str
    user: object


def board_members(*, workspace, query: ReportQuery) -> list[Member]:
    """The board's rows: the workspace's members now, of the chosen teams when ``team`` is set.
    Deleted users and former members have none."""
    memberships = Membership.objects.filter(workspace=workspace).select_related("user")
    if query.get("team"):
        in_team = Team.members.through.objects.filter(team_id__in=query.get("team"), team__workspace=workspace)
        memberships = memberships.filter(user_id__in=in_team.values("user_id"))
    return [Member(m.user_id, m.user.display_name, m.user.email, m.user) for m in memberships]


def sees_every_row(actor: Actor) -> bool:
    """Owners, managers and tokens always; an agent when the workspace lets agents see the board."""
    return not actor.is_agent or bool(actor.workspace.agents_see_leaderboard)


# --- the facts, per member -------------------------------------------------------------------


def _in_period(period: ReportPeriod) -> dict:
    return {"created_at__gte": period.start_utc, "created_at__lt": period.end_utc}


def assigned_counts(*, workspace, user_ids: list[int], period: ReportPeriod) -> dict[int, int]:
    """Assignment events to each member in the period (any source): Asignaciones' day rollup
    (``new`` dimension, local days) when it is ready in the workspace's timezone, else the events."""
    if getattr(settings, "REPORTS_USE_ROLLUP", True) and rollup_is_ready(workspace=workspace):
        rows = (AssignmentDailyCount.objects.filter(workspace=workspace, dimension=RollupDimension.NEW,
                                                    key__in=user_ids, day__gte=period.start, day__lte=period.end)
                .values("key").annotate(n=Sum("count")).values_list("key", "n"))
    else:
        # assign_ws_new_time_idx: (workspace, new_assignee, created_at).
        rows = (AssignmentEvent.objects.filter(workspace=workspace, new_assignee_id__in=user_ids, **_in_period(period))
                .values("new_assignee_id").annotate(n=Count("pk")).values_list("new_assignee_id", "n"))
    return {key: n for key, n in rows if n}


def closed_events(*, workspace, user_ids: list[int], period: ReportPeriod) -> QuerySet[ConversationEvent]:
    """The ``closed`` events each member made in the period (source ``user``, ``user`` = them);
    conv_event_ws_user_idx: (workspace, user, kind, created_at)."""
    return ConversationEvent.objects.filter(workspace=workspace, kind=CLOSED, source=ConversationSource.USER,
                                            user_id__in=user_ids, **_in_period(period))


def resolution_timed(closes: QuerySet) -> QuerySet:
    """The closes that have a resolution time (Resoluciones: the conversation has an ``opened``
    event; ``seconds_since_open`` of the close is then ``closed − opened`` in whole seconds)."""
    opened = ConversationEvent.objects.filter(workspace_id=OuterRef("workspace_id"), kind=OPENED,
                                              conversation_id=OuterRef("conversation_id"))
    return closes.filter(Exists(opened))


def sent_messages(*, workspace, user_ids: list[int], period: ReportPeriod) -> QuerySet[Message]:
    """Each member's own outgoing messages in the period; message_ws_author_created_idx."""
    return Message.objects.filter(workspace=workspace, direction=Message.Direction.OUT, sender_kind=SenderKind.USER,
                                  author_id__in=user_ids, **_in_period(period))


def _counts(rows: QuerySet, field: str) -> dict[int, int]:
    return dict(rows.order_by().values(field).annotate(n=Count("pk")).values_list(field, "n"))


def agent_daily_counts_ready(*, workspace, period: ReportPeriod) -> bool:
    """Whether ``AgentDailyCount`` (written by the database with every message and close,
    contacts/activity.py) counts this workspace in the period's timezone: the contacts app's
    rollup state is ready in it (not after a timezone change until its rebuild; never on SQLite)."""
    return (connections[AgentDailyCount.objects.db].vendor == "postgresql"
            and getattr(settings, "REPORTS_USE_ROLLUP", True) and period.timezone == workspace.timezone
            and contacts_rollup_is_ready(workspace=workspace))


def agent_daily_counts(*, workspace, user_ids: list[int], period: ReportPeriod,
                       columns: list[str]) -> dict[str, dict[int, int]]:
    """Cerradas and / or Mensajes enviados per member, summed over the period's local days: the
    same numbers as ``closed_events`` / ``sent_messages`` counted, from one grouped read."""
    rows = (AgentDailyCount.objects.filter(workspace=workspace, user_id__in=user_ids, day__gte=period.start,
                                           day__lte=period.end)
            .values("user_id").annotate(**{column: Sum(column) for column in columns}).order_by())
    out: dict[str, dict[int, int]] = {column: {} for column in columns}
    for row in rows:
        for column in columns:
            if row[column]:
                out[column][row["user_id"]] = row[column]
    return out


def online_seconds(*, workspace, members: list[Member], period: ReportPeriod,
                   now: datetime | None = None) -> dict[int, int]:
    """Whole seconds each member was online in ``[period start, min(period end, now))``.

    docs/presence.md "Time per status", read as Usuarios reads it
    (``presence.selectors.member_status_seconds``): the day rollup's running totals — two index
    lookups per member whatever the period's length — plus the open interval and now's local day
    from its events; the events themselves while the rollup is not ready in the workspace's
    timezone. ``tests/reports/test_leaderboard.py`` pins it to ``member_status_durations``."""
    now = now or timezone.now()
    if min(period.end_utc, now) <= period.start_utc or not members:
        return {}
    seconds = member_status_seconds(workspace=workspace, user_ids=[m.user_id for m in members],
                                    first_day=period.start, last_day=period.end, now=now)
    return {user_id: cell[AgentStatusValue.ONLINE] for user_id, cell in seconds.items()
            if cell[AgentStatusValue.ONLINE]}


@dataclass(frozen=True)
class PeriodFigures:
    """Per metric, each member's value (counts default 0, medians None), and the medians over
    every member's times together (the cards)."""

    values: dict[str, dict[int, int | None]]
    overall: dict[str, int | None]


def period_figures(*, workspace, members: list[Member], period: ReportPeriod,
                   metrics: tuple[str, ...] = METRICS) -> PeriodFigures:
    ids = [m.user_id for m in members]
    values: dict[str, dict] = {}
    overall: dict[str, int | None] = {}
    if not ids:
        return PeriodFigures({metric: {} for metric in metrics}, {metric: None for metric in TIMES})
    if "assigned" in metrics:
        values["assigned"] = assigned_counts(workspace=workspace, user_ids=ids, period=period)
    daily = {"closed", "messages_sent"} & set(metrics)
    if daily and agent_daily_counts_ready(workspace=workspace, period=period):
        values.update(agent_daily_counts(workspace=workspace, user_ids=ids, period=period, columns=sorted(daily)))
        daily = set()
    if "closed" in daily or "resolution_median" in metrics:
        closes = closed_events(workspace=workspace, user_ids=ids, period=period)
        if "closed" in daily:
            values["closed"] = _counts(closes, "user_id")
        if "resolution_median" in metrics:
            values["resolution_median"], overall["resolution_median"] = medians_by_group(
                resolution_timed(closes), group="user_id", value="seconds_since_open")
    if "messages_sent" in daily:
        values["messages_sent"] = _counts(sent_messages(workspace=workspace, user_ids=ids, period=period), "author_id")
    if "first_response_median" in metrics:
        # Respuestas' set of first responses (the responder is ``user``), calendar time.
        scope = Actor(workspace=workspace, role=Membership.Role.MANAGER)
        first = first_response_events(workspace=workspace, actor=scope,
                                      query=ReportQuery(period=period, values={"agent": tuple(ids)}))
        values["first_response_median"], overall["first_response_median"] = medians_by_group(
            first, group="user_id", value="seconds_since_open")
    if "online_seconds" in metrics:
        values["online_seconds"] = online_seconds(workspace=workspace, members=members, period=period)
    return PeriodFigures(values, overall)


# --- ranks and order ---------------------------------------------------------------------------


def _better(column: str, value):
    """A key that sorts the better value first: more for counts, less for times, None last."""
    if column in TIMES:
        return (value is None, value or 0)
    return -(value or 0)


def competition_ranks(values: dict[int, int | None], column: str) -> dict[int, int]:
    """``rank = 1 + the number of rows strictly better`` (ties share it: 1, 2, 2, 4)."""
    ordered = sorted(_better(column, v) for v in values.values())
    return {key: bisect_left(ordered, _better(column, v)) + 1 for key, v in values.items()}


def sort_column(sort: str | None) -> tuple[str, bool]:
    sort = sort or DEFAULT_SORT
    return sort.removeprefix("-"), sort.startswith("-")


def rank_column(sort: str | None) -> str:
    column, _ = sort_column(sort)
    return NAME_RANK_COLUMN if column == "name" else column


@dataclass(frozen=True)
class BoardRow:
    user_id: int
    name: str
    email: str
    rank: int
    previous_rank: int
    rank_change: int
    assigned: int
    closed: int
    messages_sent: int
    first_response_median: int | None
    resolution_median: int | None
    online_seconds: int

    @property
    def active(self) -> bool:
        return any(getattr(self, c) for c in COUNTS) or any(getattr(self, c) is not None for c in TIMES)


def order_rows(rows: list[BoardRow], sort: str | None) -> list[BoardRow]:
    """By the sort column's value (``-`` descending; null times last either way), then name,
    then user id."""
    column, descending = sort_column(sort)
    by_name = sorted(rows, key=lambda r: (r.name.casefold(), r.user_id))
    if column == "name":
        return by_name[::-1] if descending else by_name
    valued = [r for r in by_name if getattr(r, column) is not None]
    empty = [r for r in by_name if getattr(r, column) is None]
    # A stable sort keeps the name order among equal values, also with reverse=True.
    return sorted(valued, key=lambda r: getattr(r, column), reverse=descending) + empty


@dataclass(frozen=True)
class Board:
    period: ReportPeriod
    previous_period: ReportPeriod
    state: str
    sort: str
    rank_column: str
    all_rows: bool  # the viewer sees every row (else only their own)
    rows: list[BoardRow]  # what the viewer sees, in the board's order
    now: PeriodFigures
    before: PeriodFigures


def leaderboard_board(*, workspace, actor: Actor, query: ReportQuery, previous: str = "rank") -> Board:
    """The board of the period as ``actor`` may see it. ``previous="all"`` computes every
    figure of the previous period too (the cards' trend); ``"rank"`` only the rank column."""
    period, previous_period = query.period, query.period.previous()
    sort = query.sort or DEFAULT_SORT
    column = rank_column(sort)
    every = sees_every_row(actor)
    if actor.workspace.pk != workspace.pk or period_before_workspace(workspace=workspace, period=period):
        empty = PeriodFigures({}, {})
        return Board(period, previous_period, STATE_NO_DATA, sort, column, every, [], empty, empty)
    members = board_members(workspace=workspace, query=query)
    now = period_figures(workspace=workspace, members=members, period=period)
    before = period_figures(workspace=workspace, members=members, period=previous_period,
                            metrics=METRICS if previous == "all" else (column,))

    def value_of(figures: PeriodFigures, metric: str, user_id: int):
        found = figures.values.get(metric, {}).get(user_id)
        return (found or 0) if metric in COUNTS else found

    ranks = competition_ranks({m.user_id: value_of(now, column, m.user_id) for m in members}, column)
    previous_ranks = competition_ranks({m.user_id: value_of(before, column, m.user_id) for m in members}, column)
    rows = [BoardRow(m.user_id, m.name, m.email, ranks[m.user_id], previous_ranks[m.user_id],
                     previous_ranks[m.user_id] - ranks[m.user_id],
                     *(value_of(now, metric, m.user_id) for metric in METRICS)) for m in members]
    if not every:
        rows = [r for r in rows if actor.user is not None and r.user_id == actor.user.pk]
    rows = order_rows(rows, sort)
    state = STATE_OK if any(r.active for r in rows) else STATE_NO_DATA
    return Board(period, previous_period, state, sort, column, every, rows, now, before)


# --- summary: cards and chart ---------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    unit: str
    state: str
    value: int | None
    previous: int | None


@dataclass(frozen=True)
class ChartRow:
    user_id: int
    name: str
    rank: int
    value: int | None


@dataclass(frozen=True)
class LeaderboardSummary:
    period: ReportPeriod
    state: str
    previous_period: ReportPeriod
    sort: str
    rank_column: str
    all_rows: bool
    agents: int  # rows the viewer sees
    metrics: list[Figure]
    chart: list[ChartRow]


def _card_value(board: Board, figures: PeriodFigures, metric: str, user_ids: list[int]):
    values = figures.values.get(metric, {})
    if metric in COUNTS:
        return sum(values.get(uid) or 0 for uid in user_ids)
    if board.all_rows:
        return figures.overall.get(metric)
    # Only their own row: its median is the median of the times it covers.
    return values.get(user_ids[0]) if user_ids else None


def leaderboard_summary(*, workspace, actor: Actor, query: ReportQuery) -> LeaderboardSummary:
    board = leaderboard_board(workspace=workspace, actor=actor, query=query, previous="all")
    ids = [r.user_id for r in board.rows]
    metrics = []
    for metric in METRICS:
        value = _card_value(board, board.now, metric, ids) if board.rows else (0 if metric in COUNTS else None)
        previous = _card_value(board, board.before, metric, ids) if board.rows else (0 if metric in COUNTS else None)
        has = value is not None and (value != 0 or metric in TIMES)
        state = STATE_NO_DATA if board.state == STATE_NO_DATA or not has else STATE_OK
        metrics.append(Figure(metric, str(LABELS[metric]), UNITS[metric], state, value, previous))
    ranked = sorted(board.rows, key=lambda r: (r.rank, r.name.casefold(), r.user_id))[:CHART_ROWS]
    chart = [ChartRow(r.user_id, r.name, r.rank, getattr(r, board.rank_column)) for r in ranked]
    return LeaderboardSummary(board.period, board.state, board.previous_period, board.sort, board.rank_column,
                              board.all_rows, len(board.rows), metrics, chart if board.state == STATE_OK else [])


def leaderboard_headlines(*, workspace, actor: Actor, period: ReportPeriod) -> list[dict]:
    """The Reportes landing page: the first of the board by Cerradas (viewers who see every
    row), or the agent's own rank."""
    board = leaderboard_board(workspace=workspace, actor=actor, query=ReportQuery(period=period, sort=DEFAULT_SORT))
    if board.state != STATE_OK or not board.rows:
        return []
    if board.all_rows:
        top = board.rows[0]
        return [{"label": str(pgettext_lazy("leaderboard", "First place")), "value": top.name},
                {"label": str(LABELS["closed"]), "value": top.closed}]
    return [{"label": str(pgettext_lazy("leaderboard", "Your rank")), "value": f"#{board.rows[0].rank}"}]


# --- the board, paginated (the report's "log") -------------------------------------------------


def board_row(row: BoardRow) -> dict:
    """One row in the wire shape of the board (also the CSV's source)."""
    return {
        "rank": row.rank, "previous_rank": row.previous_rank, "rank_change": row.rank_change,
        "user": {"id": row.user_id, "name": row.name},
        **{metric: getattr(row, metric) for metric in METRICS},
    }


def leaderboard_log_page(*, workspace, actor: Actor, query: ReportQuery, page: int = 1, page_size: int = 50) -> LogPage:
    board = leaderboard_board(workspace=workspace, actor=actor, query=query)
    count = len(board.rows) if board.state == STATE_OK else 0
    offset = (page - 1) * page_size
    if page > 1 and offset >= count:
        raise LogPageOutOfRange(page)
    rows = board.rows[offset:offset + page_size] if count else []
    return LogPage(board.period, board.state, count, False, page, page_size, [board_row(r) for r in rows])


# --- export ----------------------------------------------------------------------------------

CSV_COLUMNS = ["rank", "previous_rank", "rank_change", "user_id", "name", "email", "assigned", "closed",
               "messages_sent", "first_response_median_seconds", "resolution_median_seconds", "online_seconds"]


def _export_board(*, workspace, actor: Actor, query: ReportQuery) -> Board:
    return leaderboard_board(workspace=workspace, actor=actor,
                             query=replace(query, interval=None, sort=query.sort or DEFAULT_SORT))


def leaderboard_csv_rows(*, workspace, actor: Actor, query: ReportQuery, batch: int = 2000):
    """Every row of the board (no cap) in the query's order (``sort``, the board's default without
    one), as CSV cells (CSV_COLUMNS)."""
    board = _export_board(workspace=workspace, actor=actor, query=query)
    for r in board.rows:
        yield [r.rank, r.previous_rank, r.rank_change, r.user_id, r.name, r.email, r.assigned, r.closed,
               r.messages_sent, "" if r.first_response_median is None else r.first_response_median,
               "" if r.resolution_median is None else r.resolution_median, r.online_seconds]


report_export_register(ReportExport(
    kind="leaderboard", filters=FILTERS, columns=CSV_COLUMNS,
    count=lambda *, workspace, actor, query: len(board_members(workspace=workspace, query=query)),
    rows=leaderboard_csv_rows, sorts=COLUMNS, default_sort=DEFAULT_SORT,
))
