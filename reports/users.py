"""Reportes → Usuarios, declared on the reports framework (docs/reports.md "Usuarios").

One set of agents (the workspace's members now, narrowed by the filters and, for an agent, to
themselves) and one source of time: each member's status timeline (``presence``), read through
``presence.selectors.member_status_day_seconds`` (the day rollup plus the open interval) for
cards, tables, day/week/month bars and the per-day rows, and through the events' segments for
hour bars and the day's segments. All are whole seconds, so every sum is exact and the
components agree (``tests/reports/test_users.py`` pins them to a timeline walked by hand).
"""

from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, timedelta

from django.db.models import Count, Sum
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext_lazy, pgettext_lazy

from accounts.context import Actor
from accounts.models import Membership, Team, User
from contacts.models import Conversation
from crm.api import ApiError
from presence.models import AgentStatusDailyTotal, AgentStatusValue
from presence.rollups import local_midnight, rollup_is_ready, seconds_between, split_by_day
from presence.selectors import (
    member_current_statuses,
    member_first_event_at,
    member_status_changes_per_day,
    member_status_day_seconds,
    member_status_seconds,
    member_status_seconds_of_periods,
    member_status_segments,
)

from .framework.buckets import bucket_starts, day_bucket_index, default_interval
from .framework.conversation_filters import team_filter
from .framework.exports import ReportExport, report_export_register
from .framework.logs import LogPage
from .framework.numbers import percent_half_up
from .framework.query import (
    ID,
    LOG_ROW_CAP,
    FilterSpec,
    LogPageOutOfRange,
    ReportQuery,
    error_message,
    query_scalar,
    report_query_parse,
)
from .framework.states import STATE_NO_DATA, STATE_NOT_APPLICABLE, STATE_OK, period_before_workspace
from .periods import ReportPeriod

STATUSES = (AgentStatusValue.ONLINE, AgentStatusValue.AWAY, AgentStatusValue.OFFLINE)


def status_label(status: str) -> str:
    return str(AgentStatusValue(status).label) if status in STATUSES else status


def members_known(workspace, ids):
    return Membership.objects.filter(workspace=workspace, user_id__in=ids).values_list("user_id", flat=True)


FILTERS = (
    FilterSpec("agent", gettext_lazy("Agent"), ID, "member", "Agente: a member of the workspace (a user id).",
               exists=members_known, no_such=gettext_lazy("No user with id %(ids)s in this workspace.")),
    team_filter("Equipo: the agent is a member of the team now."),
)


# --- the query: the declared filters, and the instant the figures are read at -----------------


@dataclass(frozen=True)
class UsersQuery(ReportQuery):
    """A ``ReportQuery`` plus ``as_of``: the instant every figure is clipped at (default now; a
    later one is now). The page sends one to all its components, so they agree to the second."""

    as_of: datetime | None = None


def users_query_parse(*, workspace, data) -> UsersQuery:
    errors: dict[str, list[str]] = {}
    as_of = None
    raw = query_scalar(data, "as_of", errors)
    if raw is not None and not errors:
        try:
            as_of = datetime.fromisoformat(raw.replace("Z", "+00:00")) if len(raw) <= 40 else None
        except ValueError:
            as_of = None
        if as_of is None or as_of.tzinfo is None:
            errors["as_of"] = [str(gettext_lazy("Give an ISO 8601 date and time with its UTC offset."))]
    try:
        query = report_query_parse(filters=FILTERS, workspace=workspace, data=data)
    except ApiError as exc:
        raise ApiError(exc.message, {**exc.errors, **errors}) from None
    if errors:
        raise ApiError(error_message(errors, str(gettext_lazy("The report parameters are not valid."))), errors)
    return UsersQuery(**{f.name: getattr(query, f.name) for f in fields(ReportQuery)}, as_of=as_of)


def _now(query: ReportQuery, now: datetime | None) -> datetime:
    now = now or dj_timezone.now()
    as_of = getattr(query, "as_of", None)
    return min(as_of, now) if as_of is not None else now


# --- the agents ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Agent:
    user_id: int
    name: str


def report_agents(*, workspace, actor: Actor, query: ReportQuery) -> list[Agent]:
    """The workspace's members now matching the filters; an agent sees only themselves. Name order."""
    if actor.workspace.pk != workspace.pk:
        return []
    members = Membership.objects.filter(workspace=workspace)
    if actor.is_agent:
        if actor.user is None:
            return []
        members = members.filter(user_id=actor.user.pk)
    if query.get("agent"):
        members = members.filter(user_id__in=query.get("agent"))
    if query.get("team"):
        members = members.filter(user_id__in=Team.members.through.objects.filter(team_id__in=query.get("team"))
                                 .values("user_id"))
    rows = members.values_list("user_id", "user__name", "user__email")
    agents = [Agent(user_id, name or email or f"#{user_id}") for user_id, name, email in rows]
    agents.sort(key=lambda a: (a.name.casefold(), a.user_id))
    return agents


def _clipped_end(period: ReportPeriod, now: datetime) -> datetime:
    return max(min(period.end_utc, now), period.start_utc)


def _period_seconds(period: ReportPeriod, now: datetime) -> int:
    return seconds_between(period.start_utc, _clipped_end(period, now))


def _day_seconds(day: date, tz, now: datetime) -> int:
    start, end = local_midnight(day, tz), local_midnight(day + timedelta(days=1), tz)
    return max(0, seconds_between(start, min(end, now)))


def agent_status_seconds(*, workspace, agents: list[Agent], period: ReportPeriod,
                         now: datetime) -> dict[int, dict[str, int]]:
    """Seconds per status of each agent in the period, clipped at now (the rollup's running
    totals: two lookups per agent and status whatever the period's length)."""
    return member_status_seconds(workspace=workspace, user_ids=[a.user_id for a in agents], first_day=period.start,
                                 last_day=period.end, now=now)


# --- summary ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatusFigure:
    status: str
    label: str
    value: int
    previous: int


@dataclass(frozen=True)
class AgentRow:
    user_id: int
    name: str
    status: str
    status_since: datetime | None
    online: int
    away: int
    offline: int
    untracked: int
    online_share: float | None


@dataclass(frozen=True)
class TeamRow:
    team_id: int
    name: str
    agents: int
    online: int
    away: int
    offline: int
    untracked: int


@dataclass(frozen=True)
class UsersSummary:
    period: ReportPeriod
    state: str
    previous_period: ReportPeriod
    statuses: list[StatusFigure]
    untracked: int
    agents: list[AgentRow]
    teams_state: str
    teams: list[TeamRow]


def _current_status(rows: dict, user_ids: list[int]) -> dict[int, tuple[str, datetime | None, str | None]]:
    """Each agent's current status, since and source; without a row: as ``member_status_get``."""
    missing = [u for u in user_ids if u not in rows]
    seen = set()
    legacy = {}
    if missing:
        from presence.models import AgentStatus

        seen = set(AgentStatus.objects.filter(user_id__in=missing).values_list("user_id", flat=True))
        legacy = dict(User.objects.filter(pk__in=missing).values_list("pk", "availability"))
    out = {}
    for user_id in user_ids:
        row = rows.get(user_id)
        if row is not None:
            out[user_id] = (row.status, row.changed_at, row.source)
        elif user_id in seen:
            out[user_id] = (AgentStatusValue.OFFLINE, None, None)
        else:
            value = legacy.get(user_id)
            out[user_id] = (value if value in STATUSES else AgentStatusValue.ONLINE, None, None)
    return out


def users_summary(*, workspace, actor: Actor, query: ReportQuery, now: datetime | None = None) -> UsersSummary:
    now = _now(query, now)
    period, previous = query.period, query.period.previous()
    agents = report_agents(workspace=workspace, actor=actor, query=query)
    ids = [a.user_id for a in agents]
    empty = period_before_workspace(workspace=workspace, period=period)
    if empty:
        seconds = {u: dict.fromkeys(STATUSES, 0) for u in ids}
        before = dict(seconds)
    else:
        seconds, before = member_status_seconds_of_periods(
            workspace=workspace, user_ids=ids, periods=[(period.start, period.end), (previous.start, previous.end)],
            now=now)
    length = _period_seconds(period, now)
    current = _current_status(member_current_statuses(workspace=workspace, user_ids=ids), ids)
    rows = []
    for agent in agents:
        s = seconds[agent.user_id]
        tracked = sum(s.values())
        rows.append(AgentRow(agent.user_id, agent.name, current[agent.user_id][0], current[agent.user_id][1],
                             s["online"], s["away"], s["offline"], length - tracked,
                             percent_half_up(s["online"], tracked)))
    totals = {status: sum(getattr(r, status) for r in rows) for status in STATUSES}
    previous_totals = {status: sum(before[u][status] for u in ids) for status in STATUSES}
    tracked_total = sum(totals.values())
    state = STATE_NO_DATA if empty or not tracked_total else STATE_OK
    if actor.is_agent:
        teams_state, teams = STATE_NOT_APPLICABLE, []
    else:
        teams = _team_rows(workspace, rows)
        teams_state = state if teams else STATE_NO_DATA
    return UsersSummary(
        period=period, state=state, previous_period=previous,
        statuses=[StatusFigure(s, status_label(s), totals[s], previous_totals[s]) for s in STATUSES],
        untracked=sum(r.untracked for r in rows), agents=rows, teams_state=teams_state, teams=teams,
    )


def _team_rows(workspace, rows: list[AgentRow]) -> list[TeamRow]:
    by_user = {r.user_id: r for r in rows}
    members: dict[int, list[int]] = {}
    for team_id, user_id in Team.members.through.objects.filter(team__workspace=workspace,
                                                                user_id__in=list(by_user)).values_list(
            "team_id", "user_id"):
        members.setdefault(team_id, []).append(user_id)
    out = []
    for team_id, name in Team.objects.filter(workspace=workspace, pk__in=list(members)).values_list("pk", "name"):
        team = [by_user[u] for u in members[team_id]]
        out.append(TeamRow(team_id, name, len(team), sum(r.online for r in team), sum(r.away for r in team),
                           sum(r.offline for r in team), sum(r.untracked for r in team)))
    out.sort(key=lambda t: (t.name.casefold(), t.team_id))
    return out


def users_headlines(*, workspace, actor: Actor, period: ReportPeriod) -> list[dict]:
    """The Reportes landing page's figures: online time of the period and agents online now."""
    summary = users_summary(workspace=workspace, actor=actor, query=ReportQuery(period=period))
    from .framework.numbers import duration_text

    online_now = sum(1 for r in summary.agents if r.status == AgentStatusValue.ONLINE)
    return [
        {"label": str(pgettext_lazy("users report", "Online time")), "value": duration_text(summary.statuses[0].value)},
        {"label": str(pgettext_lazy("users report", "Online now")), "value": online_now},
    ]


# --- time series -----------------------------------------------------------------------------


@dataclass(frozen=True)
class UsersBucket:
    start: datetime
    online: int
    away: int
    offline: int


@dataclass(frozen=True)
class UsersTimeseries:
    period: ReportPeriod
    state: str
    interval: str
    buckets: list[UsersBucket]


def users_timeseries(*, workspace, actor: Actor, query: ReportQuery, now: datetime | None = None) -> UsersTimeseries:
    """Per bucket, the seconds per status summed over the agents (bucket sums equal the cards)."""
    now = _now(query, now)
    period = query.period
    interval = query.interval or default_interval(period)
    starts = bucket_starts(period, interval)
    per_bucket = [dict.fromkeys(STATUSES, 0) for _ in starts]
    agents = report_agents(workspace=workspace, actor=actor, query=query)
    ids = [a.user_id for a in agents]
    if ids and not period_before_workspace(workspace=workspace, period=period):
        if interval == "hour":
            bounds = [s for s in starts] + [period.end_utc]
            from bisect import bisect_right

            segments = member_status_segments(workspace=workspace, user_ids=ids, start=period.start_utc,
                                              end=period.end_utc, now=now)
            for user_segments in segments.values():
                for segment in user_segments:
                    index = max(bisect_right(bounds, segment.start) - 1, 0)
                    cursor = segment.start
                    while cursor < segment.end and index < len(starts):
                        stop = min(segment.end, bounds[index + 1])
                        per_bucket[index][segment.status] += seconds_between(cursor, stop)
                        cursor, index = stop, index + 1
        else:
            index_of = day_bucket_index(starts)
            for day, cell in _days_across_agents(workspace, ids, period, now).items():
                for status, seconds in cell.items():
                    per_bucket[index_of(day)][status] += seconds
    total = sum(sum(b.values()) for b in per_bucket)
    state = STATE_OK if total else STATE_NO_DATA
    buckets = [UsersBucket(start, b["online"], b["away"], b["offline"]) for start, b in zip(starts, per_bucket,
                                                                                          strict=True)]
    return UsersTimeseries(period, state, interval, buckets)


def _days_across_agents(workspace, ids, period: ReportPeriod, now: datetime) -> dict[date, dict[str, int]]:
    """Seconds per local day and status summed over the agents (SUM ... GROUP BY day in the database)."""
    out: dict[date, dict[str, int]] = {}
    if not rollup_is_ready(workspace=workspace):
        for (_user, day), cell in member_status_day_seconds(workspace=workspace, user_ids=ids, first_day=period.start,
                                                             last_day=period.end, now=now).items():
            for status, seconds in cell.items():
                out.setdefault(day, dict.fromkeys(STATUSES, 0))[status] += seconds
        return out
    from presence.models import AgentStatus

    def marks():
        return {u: (s, c) for u, s, c in AgentStatus.objects.filter(workspace=workspace, user_id__in=ids)
                .values_list("user_id", "status", "changed_at")}

    # Days before now's local day from the rollup and the open intervals; now's day from its
    # events (as presence.selectors.member_status_day_seconds does, exact for an ``as_of``).
    cut_day = now.astimezone(period.tz).date()
    cut = local_midnight(cut_day, period.tz).astimezone(UTC)
    for _attempt in range(5):
        current = marks()
        sums = list(AgentStatusDailyTotal.objects.filter(workspace=workspace, user_id__in=ids, day__gte=period.start,
                                                         day__lte=period.end, day__lt=cut_day)
                    .values("day", "status").annotate(_s=Sum("seconds")).values_list("day", "status", "_s"))
        if marks() == current:
            break
    for day, status, seconds in sums:
        out.setdefault(day, dict.fromkeys(STATUSES, 0))[status] += int(seconds)
    stop = min(_clipped_end(period, now), cut)
    for _user, (status, changed_at) in current.items():
        for day, a, b in split_by_day(max(changed_at, period.start_utc), stop, period.tz):
            out.setdefault(day, dict.fromkeys(STATUSES, 0))[status] += seconds_between(a, b)
    if period.start <= cut_day <= period.end:
        for (_user, day), cell in member_status_day_seconds(workspace=workspace, user_ids=ids, first_day=cut_day,
                                                             last_day=cut_day, now=now).items():
            for status, seconds in cell.items():
                out.setdefault(day, dict.fromkeys(STATUSES, 0))[status] += seconds
    return out


# --- the timeline per day (the log) ------------------------------------------------------------


@dataclass(frozen=True)
class DayRow:
    day: date
    user_id: int
    name: str
    online: int
    away: int
    offline: int
    untracked: int
    changes: int
    segments: list  # [(status, start, end)] aware in the workspace timezone
    day_start: datetime
    day_end: datetime


def _row_days(*, workspace, agents: list[Agent], period: ReportPeriod, now: datetime) -> tuple[date | None, dict]:
    """The last day with rows and each agent's first day with a row (None: no rows)."""
    tz = period.tz
    today = now.astimezone(tz).date()
    last = min(period.end, today)
    firsts = member_first_event_at(workspace=workspace, user_ids=[a.user_id for a in agents])
    first_day = {}
    for agent in agents:
        at = firsts.get(agent.user_id)
        if at is None:
            continue
        day = max(at.astimezone(tz).date(), period.start)
        if day <= last and local_midnight(period.start, tz) < now:
            first_day[agent.user_id] = day
    return (last if first_day else None), first_day


def day_rows_count(*, workspace, agents: list[Agent], period: ReportPeriod, now: datetime) -> int:
    last, first_day = _row_days(workspace=workspace, agents=agents, period=period, now=now)
    return 0 if last is None else sum((last - day).days + 1 for day in first_day.values())


def _ordered_keys(agents, last: date, first_day: dict, offset: int, limit: int) -> list[tuple[date, Agent]]:
    """Rows ``offset .. offset + limit`` of the order newest day first, then name, then id."""
    out: list[tuple[date, Agent]] = []
    earliest = min(first_day.values())
    day = last
    skipped = 0
    while day >= earliest and len(out) < limit:
        on_day = [a for a in agents if a.user_id in first_day and first_day[a.user_id] <= day]
        if skipped + len(on_day) <= offset:
            skipped += len(on_day)
        else:
            start = max(0, offset - skipped)
            out.extend((day, a) for a in on_day[start:start + (limit - len(out))])
            skipped = offset
        day -= timedelta(days=1)
    return out


def _day_rows(workspace, keys: list[tuple[date, Agent]], period: ReportPeriod, now: datetime) -> list[DayRow]:
    if not keys:
        return []
    tz = period.tz
    ids = sorted({a.user_id for _, a in keys})
    first, last = min(d for d, _ in keys), max(d for d, _ in keys)
    seconds = member_status_day_seconds(workspace=workspace, user_ids=ids, first_day=first, last_day=last, now=now)
    changes = member_status_changes_per_day(workspace=workspace, user_ids=ids, first_day=first, last_day=last)
    segments = member_status_segments(workspace=workspace, user_ids=ids, start=local_midnight(first, tz).astimezone(UTC),
                                      end=local_midnight(last + timedelta(days=1), tz).astimezone(UTC), now=now)
    pieces: dict[tuple[int, date], list] = {}
    for user_id, user_segments in segments.items():
        for segment in user_segments:
            for day, a, b in split_by_day(segment.start, segment.end, tz):
                pieces.setdefault((user_id, day), []).append((segment.status, a.astimezone(tz), b.astimezone(tz)))
    rows = []
    for day, agent in keys:
        cell = seconds.get((agent.user_id, day), {})
        tracked = sum(cell.values())
        rows.append(DayRow(day, agent.user_id, agent.name, cell.get("online", 0), cell.get("away", 0),
                           cell.get("offline", 0), _day_seconds(day, tz, now) - tracked,
                           changes.get((agent.user_id, day), 0), pieces.get((agent.user_id, day), []),
                           local_midnight(day, tz), local_midnight(day + timedelta(days=1), tz)))
    return rows


def users_log_page(*, workspace, actor: Actor, query: ReportQuery, page: int = 1, page_size: int = 50,
                   now: datetime | None = None) -> LogPage:
    """One page of the timeline per day (agent × day), newest day first; the newest 10,000 reachable."""
    now = _now(query, now)
    period = query.period
    agents = report_agents(workspace=workspace, actor=actor, query=query)
    if period_before_workspace(workspace=workspace, period=period):
        last, first_day = None, {}
    else:
        last, first_day = _row_days(workspace=workspace, agents=agents, period=period, now=now)
    matches = 0 if last is None else sum((last - day).days + 1 for day in first_day.values())
    count = min(matches, LOG_ROW_CAP)
    offset = (page - 1) * page_size
    if page > 1 and offset >= count:
        raise LogPageOutOfRange(page)
    stop = min(offset + page_size, LOG_ROW_CAP)
    keys = [] if last is None else _ordered_keys(agents, last, first_day, offset, stop - offset)
    rows = _day_rows(workspace, keys, period, now)
    return LogPage(period, STATE_OK if count else STATE_NO_DATA, count, matches > LOG_ROW_CAP, page, page_size, rows)


# --- live: the current status of everyone ------------------------------------------------------


@dataclass(frozen=True)
class LiveRow:
    user_id: int
    name: str
    status: str
    source: str | None
    since: datetime | None
    conversations: int


@dataclass(frozen=True)
class UsersLive:
    generated_at: datetime
    timezone: str
    counts: dict
    agents: list[LiveRow]


def users_live(*, workspace, actor: Actor, query: ReportQuery, now: datetime | None = None) -> UsersLive:
    """Everyone's status now and the open conversations whose contact is assigned to them now."""
    now = now or dj_timezone.now()
    agents = report_agents(workspace=workspace, actor=actor, query=query)
    ids = [a.user_id for a in agents]
    current = _current_status(member_current_statuses(workspace=workspace, user_ids=ids), ids)
    # conv_* indexes: open conversations of the workspace joined to their contact's assignee.
    held = dict(Conversation.objects.filter(workspace=workspace, status=Conversation.Status.OPEN,
                                            contact__assignee_id__in=ids)
                .values("contact__assignee_id").annotate(_n=Count("pk")).values_list("contact__assignee_id", "_n"))
    rows = [LiveRow(a.user_id, a.name, current[a.user_id][0], current[a.user_id][2], current[a.user_id][1],
                    held.get(a.user_id, 0)) for a in agents]
    counts = {status: sum(1 for r in rows if r.status == status) for status in STATUSES}
    return UsersLive(now, workspace.timezone, counts, rows)


# --- export ----------------------------------------------------------------------------------

CSV_COLUMNS = ["day", "agent_id", "agent", "online_seconds", "away_seconds", "offline_seconds", "untracked_seconds",
               "changes", "timeline"]


def _clock(at: datetime, day: date, tz) -> str:
    local = at.astimezone(tz)
    return "24:00:00" if local.date() > day else local.strftime("%H:%M:%S")


def timeline_text(row: DayRow, tz) -> str:
    return "; ".join(f"{status} {_clock(a, row.day, tz)}–{_clock(b, row.day, tz)}" for status, a, b in row.segments)


def users_csv_rows(*, workspace, actor: Actor, query: ReportQuery, batch: int = 500, now: datetime | None = None):
    """Every row of the timeline per day (no cap), newest day first, as CSV cells (CSV_COLUMNS)."""
    now = now or dj_timezone.now()
    period = query.period
    agents = report_agents(workspace=workspace, actor=actor, query=query)
    if period_before_workspace(workspace=workspace, period=period):
        return
    last, first_day = _row_days(workspace=workspace, agents=agents, period=period, now=now)
    if last is None:
        return
    tz = period.tz
    keys: list[tuple[date, Agent]] = []
    day, earliest = last, min(first_day.values())
    while day >= earliest:
        keys.extend((day, a) for a in agents if a.user_id in first_day and first_day[a.user_id] <= day)
        day -= timedelta(days=1)
        if len(keys) >= batch or day < earliest:
            for row in _day_rows(workspace, keys, period, now):
                yield [row.day.isoformat(), row.user_id, row.name, row.online, row.away, row.offline, row.untracked,
                       row.changes, timeline_text(row, tz)]
            keys = []


def users_csv_count(*, workspace, actor: Actor, query: ReportQuery) -> int:
    now = dj_timezone.now()
    if period_before_workspace(workspace=workspace, period=query.period):
        return 0
    agents = report_agents(workspace=workspace, actor=actor, query=query)
    return day_rows_count(workspace=workspace, agents=agents, period=query.period, now=now)


report_export_register(ReportExport(kind="users", filters=FILTERS, columns=CSV_COLUMNS, count=users_csv_count,
                                    rows=users_csv_rows))
