"""Reportes → Respuestas, declared on the reports framework (docs/reports.md "Respuestas").

Two filtered sets of raw facts recorded by ``contacts.services.message_create``:

- the **first responses**: ``ConversationEvent`` rows of kind ``first_response`` in the period
  (``first_response_events``), timed by their ``seconds_since_open`` and, in business hours,
  from the conversation's ``opened`` event to the response;
- the **responses**: ``Message`` rows with a ``response_seconds`` in the period
  (``response_messages``), timed by it.

Every component (cards, histogram, per-agent table, time series, log, export) reads only these
two sets, and every median, p90 and average follows ``framework.numbers`` on the whole-second
values, so the numbers agree with each other and across databases
(``tests/reports/test_responses.py`` pins them to a computation by hand).

With business hours off (business time = calendar time) the summary and the day / week / month
series are computed in the database instead of per row in Python (docs/performance.md): counts
and sums per responder, and the values' histogram (one row per distinct whole second) from
which the exact median, nearest-rank p90 and half-up average are read; per-responder and
per-bucket medians on PostgreSQL by ``percentile_cont(0.5)`` rounded down (exactly the median
of ``median_whole``: the middle value, or the mean of the two middle ones), on SQLite from the
histograms. With business hours on, every value's business time is computed in Python.
"""

from bisect import bisect_right
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from django.conf import settings as django_settings
from django.db import connection
from django.db.models import (
    Aggregate,
    BooleanField,
    Count,
    ExpressionWrapper,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.utils.translation import gettext_lazy, pgettext_lazy

from accounts.context import Actor
from accounts.models import Membership, Team, User
from business_hours.schedule import business_seconds_between
from business_hours.selectors import business_hours_get
from contacts.models import ConversationEvent, Message
from integrations.models import Channel

from .framework.buckets import _TRUNC, bucket_starts, default_interval
from .framework.conversation_filters import channel_condition, channel_filter, team_filter
from .framework.exports import ReportExport, report_export_register
from .framework.logs import LogPage, log_page, log_page_empty, log_window
from .framework.numbers import average_half_up, duration_text, median_whole, percentile_nearest_rank
from .framework.query import (
    ID,
    FilterSpec,
    ReportQuery,
    missing_ids,
)
from .framework.states import STATE_NO_DATA, period_before_workspace, state_of
from .periods import ReportPeriod

FIRST_RESPONSE = ConversationEvent.Kind.FIRST_RESPONSE
OPENED = ConversationEvent.Kind.OPENED


def responders_known(workspace, ids):
    found = set(Membership.objects.filter(workspace=workspace, user_id__in=ids).values_list("user_id", flat=True))
    rest = missing_ids(ids, found)
    if rest:  # a deleted agent's first responses keep their id
        found |= set(ConversationEvent.objects.filter(workspace=workspace, kind=FIRST_RESPONSE, user_id__in=rest)
                     .values_list("user_id", flat=True).distinct())
    return found


FILTERS = (
    channel_filter("Canal: the conversation's channel (a channel id), or `none` for conversations started "
                   "outside a channel."),
    FilterSpec("agent", gettext_lazy("Agent"), ID, "member",
               "Agente: the responder (the person who wrote the first response / the response), a user id.",
               exists=responders_known, no_such=gettext_lazy("No user with id %(ids)s in this workspace.")),
    team_filter("Equipo: the responder is a member of the team now."),
)

# docs/reports.md "Respuestas", distribution: lower bound included, the last bin open-ended.
DISTRIBUTION_BINS = (
    ("lt_1m", pgettext_lazy("response time bin", "< 1 min"), 0, 60),
    ("1m_5m", pgettext_lazy("response time bin", "1–5 min"), 60, 300),
    ("5m_15m", pgettext_lazy("response time bin", "5–15 min"), 300, 900),
    ("15m_60m", pgettext_lazy("response time bin", "15–60 min"), 900, 3600),
    ("1h_4h", pgettext_lazy("response time bin", "1–4 h"), 3600, 14_400),
    ("gt_4h", pgettext_lazy("response time bin", "> 4 h"), 14_400, None),
)


# --- the two filtered sets -------------------------------------------------------------------


def _responder_condition(*, actor: Actor, query: ReportQuery, field: str) -> Q:
    """The responder conditions (``agent``, ``team``, an agent's own scope) on ``field``."""
    conditions = Q()
    if actor.is_agent:
        if actor.user is None:
            return Q(pk__in=[])
        conditions &= Q(**{field: actor.user.pk})
    if query.get("agent"):
        conditions &= Q(**{f"{field}__in": query.get("agent")})
    if query.get("team"):
        members = Team.members.through.objects.filter(team_id__in=query.get("team")).values("user_id")
        conditions &= Q(**{f"{field}__in": members})
    return conditions


def first_response_events(*, workspace, actor: Actor, query: ReportQuery,
                          period: ReportPeriod | None = None) -> QuerySet[ConversationEvent]:
    """``first_response`` events in the period (their own timestamp) matching the filters ``actor`` may see."""
    if actor.workspace.pk != workspace.pk:
        return ConversationEvent.objects.none()
    period = period or query.period
    # conv_event_ws_kind_time_idx: (workspace, kind, created_at, id).
    return ConversationEvent.objects.filter(
        workspace=workspace, kind=FIRST_RESPONSE, created_at__gte=period.start_utc, created_at__lt=period.end_utc,
    ).filter(channel_condition(query)).filter(_responder_condition(actor=actor, query=query, field="user_id"))


def response_messages(*, workspace, actor: Actor, query: ReportQuery,
                      period: ReportPeriod | None = None) -> QuerySet[Message]:
    """A person's messages answering waiting contact messages (``response_seconds`` set) in the
    period (the reply's timestamp), matching the filters ``actor`` may see."""
    if actor.workspace.pk != workspace.pk:
        return Message.objects.none()
    period = period or query.period
    # message_ws_created_idx: (workspace, created_at).
    return Message.objects.filter(
        workspace=workspace, response_seconds__isnull=False, created_at__gte=period.start_utc,
        created_at__lt=period.end_utc,
    ).filter(channel_condition(query, field="conversation__channel_id")).filter(
        _responder_condition(actor=actor, query=query, field="author_id"))


# --- timed values ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Timed:
    """One first response or response: when, by whom, how long (calendar and business seconds)."""

    at: datetime
    user_id: int | None
    user_name: str
    calendar: int
    business: int


@dataclass(frozen=True)
class Hours:
    schedule: object  # WeeklySchedule, or None = always open
    timezone: str

    @property
    def enabled(self) -> bool:
        return self.schedule is not None

    def seconds(self, *, start: datetime, end: datetime, calendar: int) -> int:
        # Business hours off = calendar time, exactly (docs/reports.md).
        if self.schedule is None:
            return calendar
        return business_seconds_between(schedule=self.schedule, tz=self.timezone, start=start, end=end)


def hours_of(workspace) -> Hours:
    settings = business_hours_get(workspace=workspace)
    return Hours(settings.effective_schedule, settings.timezone)


def _with_opened_at(events: QuerySet) -> QuerySet:
    opened = ConversationEvent.objects.filter(workspace_id=OuterRef("workspace_id"), kind=OPENED,
                                              conversation_id=OuterRef("conversation_id"))
    return events.annotate(opened_at=Subquery(opened.values("created_at")[:1]))


def _first_response_business(row: dict, hours: Hours) -> int:
    # message_create writes a first response only after the conversation's opened event, so
    # opened_at is always there; the fallback keeps a hand-made row from failing the report.
    opened_at = row["opened_at"] or row["created_at"] - timedelta(seconds=row["seconds_since_open"])
    return hours.seconds(start=opened_at, end=row["created_at"], calendar=row["seconds_since_open"])


def first_response_times(events: QuerySet, hours: Hours) -> list[Timed]:
    rows = _with_opened_at(events).order_by().values("created_at", "user_id", "user_name", "seconds_since_open",
                                                     "opened_at")
    return [Timed(r["created_at"], r["user_id"], r["user_name"], r["seconds_since_open"],
                  _first_response_business(r, hours)) for r in rows.iterator(chunk_size=5000)]


def response_times(messages: QuerySet, hours: Hours) -> list[Timed]:
    out = []
    for at, author_id, seconds in messages.order_by().values_list("created_at", "author_id",
                                                                  "response_seconds").iterator(chunk_size=5000):
        business = hours.seconds(start=at - timedelta(seconds=seconds), end=at, calendar=seconds)
        out.append(Timed(at, author_id, "", seconds, business))
    return out


# --- summary ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Duration:
    calendar: int | None
    business: int | None


def _stat(items: list[Timed], stat) -> Duration:
    return Duration(stat([i.calendar for i in items]), stat([i.business for i in items]))


def _p90(values: list[int]) -> int | None:
    return percentile_nearest_rank(values, 90)


@dataclass(frozen=True)
class CountFigure:
    state: str
    value: int
    previous: int


@dataclass(frozen=True)
class FirstResponseFigures:
    median: Duration
    p90: Duration
    average: Duration


@dataclass(frozen=True)
class TimeFigure:
    state: str
    median: Duration
    p90: Duration
    average: Duration
    previous: FirstResponseFigures


@dataclass(frozen=True)
class ResponseTimeFigure:
    state: str
    average: Duration
    previous_average: Duration


@dataclass(frozen=True)
class DistributionBin:
    key: str
    label: str
    from_seconds: int
    to_seconds: int | None
    calendar: int
    business: int


@dataclass(frozen=True)
class AgentRow:
    user_id: int | None
    name: str
    responses: int
    first_responses: int
    first_response_median: Duration
    first_response_average: Duration
    response_average: Duration


@dataclass(frozen=True)
class ResponseSummary:
    period: ReportPeriod
    state: str
    previous_period: ReportPeriod
    business_hours: bool
    first_responses: CountFigure
    responses: CountFigure
    first_response_time: TimeFigure
    response_time: ResponseTimeFigure
    distribution: list[DistributionBin]
    agents: list[AgentRow]


def _first_response_figures(items: list[Timed]) -> FirstResponseFigures:
    return FirstResponseFigures(_stat(items, median_whole), _stat(items, _p90), _stat(items, average_half_up))


def bin_index(seconds: int) -> int:
    return next(i for i, (_, _, low, high) in enumerate(DISTRIBUTION_BINS) if high is None or seconds < high)


def distribution(items: list[Timed]) -> list[DistributionBin]:
    calendar, business = [0] * len(DISTRIBUTION_BINS), [0] * len(DISTRIBUTION_BINS)
    for item in items:
        calendar[bin_index(item.calendar)] += 1
        business[bin_index(item.business)] += 1
    return [DistributionBin(key, str(label), low, high, calendar[i], business[i])
            for i, (key, label, low, high) in enumerate(DISTRIBUTION_BINS)]


def agent_rows(first: list[Timed], responses: list[Timed]) -> list[AgentRow]:
    """One row per responder (``None`` = a deleted user's responses); rows add up to the counts."""
    firsts: dict[int | None, list[Timed]] = {}
    answers: dict[int | None, list[Timed]] = {}
    names: dict[int, tuple[datetime, str]] = {}
    for item in first:
        firsts.setdefault(item.user_id, []).append(item)
        if item.user_name and (item.user_id not in names or names[item.user_id][0] < item.at):
            names[item.user_id] = (item.at, item.user_name)
    for item in responses:
        answers.setdefault(item.user_id, []).append(item)
    keys = set(firsts) | set(answers)
    current = {u.pk: u.display_name for u in User.objects.filter(pk__in=[k for k in keys if k is not None])}
    rows = []
    for key in keys:
        if key is None:
            name = ""
        else:
            name = names[key][1] if key in names else current.get(key) or f"#{key}"
        mine, answered = firsts.get(key, []), answers.get(key, [])
        rows.append(AgentRow(key, name, len(answered), len(mine), _stat(mine, median_whole),
                             _stat(mine, average_half_up), _stat(answered, average_half_up)))
    rows.sort(key=lambda r: (-r.responses, -r.first_responses, r.user_id is None, r.name.casefold(), r.user_id or 0))
    return rows


def _state_before_query(*, workspace, query: ReportQuery) -> str | None:
    return STATE_NO_DATA if period_before_workspace(workspace=workspace, period=query.period) else None


# --- the same figures computed in the database (business hours off) ---------------------------


class _MedianFloor(Aggregate):
    """PostgreSQL: ``median_whole`` of the values — percentile_cont(0.5) is the middle value or
    the mean of the two middle ones (exact in double precision for whole seconds), rounded down."""

    function = "percentile_cont"
    template = "floor(percentile_cont(0.5) WITHIN GROUP (ORDER BY %(expressions)s))"
    output_field = FloatField()


def _histogram(values: QuerySet, field: str, *groups: str) -> list[tuple]:
    """``(*groups, value, count)`` per distinct value: the ordered values, compressed."""
    return list(values.order_by().values_list(*groups, field).annotate(_n=Count("pk")).order_by(*groups, field))


def _at_rank(histogram: list[tuple[int, int]], index: int) -> int:
    """The value at 0-based ``index`` of the ascending values a (value, count) histogram holds."""
    seen = 0
    for value, n in histogram:
        seen += n
        if index < seen:
            return value
    raise IndexError(index)


def _histogram_figures(histogram: list[tuple[int, int]]) -> FirstResponseFigures:
    """Median, p90 and average as ``framework.numbers`` defines them, from the histogram."""
    n = sum(count for _, count in histogram)
    if not n:
        none = Duration(None, None)
        return FirstResponseFigures(none, none, none)
    middle = n // 2
    median = _at_rank(histogram, middle) if n % 2 else (_at_rank(histogram, middle - 1)
                                                        + _at_rank(histogram, middle)) // 2
    rank = -(-90 * n // 100)
    p90 = _at_rank(histogram, max(rank, 1) - 1)
    total = sum(value * count for value, count in histogram)
    average = (2 * total + n) // (2 * n)
    return FirstResponseFigures(Duration(median, median), Duration(p90, p90), Duration(average, average))


def _medians(values: QuerySet, field: str, group) -> dict:
    """The ``median_whole`` of ``field`` per value of ``group`` (an expression or a field name)."""
    if connection.vendor == "postgresql":
        rows = values.order_by().annotate(_g=group).values("_g").annotate(_m=_MedianFloor(field))
        return {row["_g"]: int(row["_m"]) for row in rows}
    per: dict = {}
    for key, value, n in _histogram(values.annotate(_g=group), field, "_g"):
        per.setdefault(key, []).append((value, n))
    return {key: _histogram_figures(h).median.calendar for key, h in per.items()}


def _count_sum(values: QuerySet, field: str, group: str) -> dict:
    rows = values.order_by().values(group).annotate(_n=Count("pk"), _s=Sum(field)).values_list(group, "_n", "_s")
    return {key: (n, total) for key, n, total in rows}


def _half_up(total: int, n: int) -> int | None:
    return (2 * total + n) // (2 * n) if n else None


def _in_database(hours: Hours) -> bool:
    """Business time = calendar time: the figures come from the database (a setting turns the
    per-row path on, for the tests that compare the two)."""
    return not hours.enabled and getattr(django_settings, "REPORTS_RESPONSES_IN_DATABASE", True)


def _newest_names(first: QuerySet, user_ids: list[int]) -> dict[int, str]:
    """Each responder's name as on their newest first response that recorded one: on PostgreSQL
    one index lookup per responder (``conv_event_ws_user_idx``), elsewhere a pass in time order."""
    named = first.exclude(user_name="").order_by()
    if not user_ids:
        return {}
    if connection.vendor != "postgresql":
        return dict(named.order_by("created_at", "id").values_list("user_id", "user_name"))
    sql, params = named.values("user_id", "user_name", "created_at", "id").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT u.id, (SELECT x.user_name FROM ({sql}) x WHERE x.user_id = u.id "
            f"ORDER BY x.created_at DESC, x.id DESC LIMIT 1) FROM unnest(%s::bigint[]) u(id)",
            [*params, list(user_ids)])
        return {user_id: name for user_id, name in cursor.fetchall() if name is not None}


@dataclass(frozen=True)
class _Span:
    """The period and the previous one (contiguous), scanned once; ``cur`` tells them apart."""

    start_utc: datetime
    end_utc: datetime


# The distribution's bins as counts of the values (docs/reports.md: lower bound included).
_BIN_COUNTS = ", ".join(f"count(*) FILTER (WHERE f.s >= {low}" + (f" AND f.s < {high})" if high else ")")
                        for _, _, low, high in DISTRIBUTION_BINS)


def _grouped(rows: QuerySet, period, value: str, who: str, select: str) -> list[tuple]:
    """``select`` over ``rows`` as ``f(cur, who, s)`` per period and per (period, responder)."""
    rows = rows.order_by().annotate(_cur=ExpressionWrapper(Q(created_at__gte=period.start_utc),
                                                           output_field=BooleanField()))
    inner, params = rows.values_list("_cur", who, value).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT f.cur, f.who, grouping(f.who), {select} FROM ({inner}) AS f(cur, who, s) "
                       f"GROUP BY GROUPING SETS ((f.cur), (f.cur, f.who))", params)
        return cursor.fetchall()


def _figures(n, median, p90, total) -> FirstResponseFigures:
    if not n:
        none = Duration(None, None)
        return FirstResponseFigures(none, none, none)
    average = _half_up(int(total), n)
    return FirstResponseFigures(Duration(median, median), Duration(p90, p90), Duration(average, average))


def _facts_in_postgres(*, workspace, actor: Actor, query: ReportQuery, period, previous) -> dict:
    """Both periods' first responses and responses in one statement each, over an index range
    (``conv_event_ws_first_resp_idx`` / ``message_ws_response_idx``, index-only): count, median
    ``floor(percentile_cont(0.5))`` (``median_whole``), p90 ``percentile_disc(0.9)`` (the value at
    rank ⌈0.9·n⌉: ``percentile_nearest_rank``), the exact sum, the bins; per responder with
    GROUPING SETS."""
    scope = {"workspace": workspace, "actor": actor, "query": query,
             "period": _Span(previous.start_utc, period.end_utc)}
    out = {"times": _figures(0, None, None, 0), "times_before": _figures(0, None, None, 0), "first_n": 0,
           "first_before_n": 0, "firsts": {}, "medians": {}, "bins": [0] * len(DISTRIBUTION_BINS),
           "answered": {}, "answered_before": {"n": 0, "s": 0}}
    for cur, who, overall, n, median, p90, total, *bins in _grouped(
            first_response_events(**scope), period, "seconds_since_open", "user_id",
            "count(*), floor(percentile_cont(0.5) WITHIN GROUP (ORDER BY f.s))::bigint, "
            f"percentile_disc(0.9) WITHIN GROUP (ORDER BY f.s), sum(f.s), {_BIN_COUNTS}"):
        if overall and cur:
            out["first_n"], out["times"], out["bins"] = n, _figures(n, median, p90, total), bins
        elif overall:
            out["first_before_n"], out["times_before"] = n, _figures(n, median, p90, total)
        elif cur:
            out["firsts"][who], out["medians"][who] = (n, int(total)), median
    for cur, who, overall, n, total in _grouped(response_messages(**scope), period, "response_seconds",
                                                "author_id", "count(*), sum(f.s)"):
        if overall and not cur:
            out["answered_before"] = {"n": n, "s": int(total)}
        elif cur and not overall:
            out["answered"][who] = (n, int(total))
    return out


def _facts_by_histogram(*, workspace, actor: Actor, query: ReportQuery, period, previous) -> dict:
    """``_facts_in_postgres`` elsewhere (SQLite): histograms of the values, medians per responder."""
    from django.db.models import F

    scope = {"workspace": workspace, "actor": actor, "query": query}
    first, answers = first_response_events(**scope), response_messages(**scope)
    histogram = [(v, n) for v, n in _histogram(first, "seconds_since_open")]
    before = [(v, n) for v, n in _histogram(first_response_events(**scope, period=previous), "seconds_since_open")]
    firsts = _count_sum(first, "seconds_since_open", "user_id")
    bins = [0] * len(DISTRIBUTION_BINS)
    for value, n in histogram:
        bins[bin_index(value)] += n
    answered_before = response_messages(**scope, period=previous).aggregate(n=Count("pk"), s=Sum("response_seconds"))
    return {
        "first_n": sum(n for _, n in histogram), "first_before_n": sum(n for _, n in before),
        "times": _histogram_figures(histogram), "times_before": _histogram_figures(before), "firsts": firsts,
        "medians": _medians(first, "seconds_since_open", F("user_id")) if firsts else {}, "bins": bins,
        "answered": _count_sum(answers, "response_seconds", "author_id"),
        "answered_before": {"n": answered_before["n"], "s": answered_before["s"] or 0},
    }


def _summary_in_database(*, workspace, actor: Actor, query: ReportQuery, period, previous) -> dict:
    """The summary's figures with business time = calendar time, without a Python pass per row."""
    scope = {"workspace": workspace, "actor": actor, "query": query}
    facts = (_facts_in_postgres if connection.vendor == "postgresql" else _facts_by_histogram)(
        **scope, period=period, previous=previous)
    firsts, medians, answered = facts["firsts"], facts["medians"], facts["answered"]
    names = _newest_names(first_response_events(**scope), [k for k in firsts if k is not None])
    keys = set(firsts) | set(answered)
    current = {u.pk: u.display_name for u in User.objects.filter(pk__in=[k for k in keys if k is not None])}
    agents = []
    for key in keys:
        name = "" if key is None else names.get(key) or current.get(key) or f"#{key}"
        n_first, sum_first = firsts.get(key, (0, 0))
        n_answers, sum_answers = answered.get(key, (0, 0))
        median = medians.get(key) if n_first else None
        average, answer_average = _half_up(sum_first, n_first), _half_up(sum_answers, n_answers)
        agents.append(AgentRow(key, name, n_answers, n_first, Duration(median, median), Duration(average, average),
                               Duration(answer_average, answer_average)))
    agents.sort(key=lambda r: (-r.responses, -r.first_responses, r.user_id is None, r.name.casefold(),
                               r.user_id or 0))
    n_answers = sum(n for n, _ in answered.values())
    answer_average = _half_up(sum(total for _, total in answered.values()), n_answers)
    before = facts["answered_before"]
    before_average = _half_up(before["s"], before["n"])
    return {
        "first_n": facts["first_n"], "first_before_n": facts["first_before_n"],
        "answers_n": n_answers, "answers_before_n": before["n"],
        "times": facts["times"], "times_before": facts["times_before"],
        "answer_average": Duration(answer_average, answer_average),
        "answer_before_average": Duration(before_average, before_average),
        "distribution": [DistributionBin(key, str(label), low, high, facts["bins"][i], facts["bins"][i])
                         for i, (key, label, low, high) in enumerate(DISTRIBUTION_BINS)],
        "agents": agents,
    }


def response_summary(*, workspace, actor: Actor, query: ReportQuery) -> ResponseSummary:
    period, previous = query.period, query.period.previous()
    hours = hours_of(workspace)
    state = _state_before_query(workspace=workspace, query=query)
    scope = {"workspace": workspace, "actor": actor, "query": query}
    if state is None and _in_database(hours):
        f = _summary_in_database(**scope, period=period, previous=previous)
        times = f["times"]
        return ResponseSummary(
            period=period, state=state_of(f["first_n"] + f["answers_n"]), previous_period=previous,
            business_hours=False,
            first_responses=CountFigure(state_of(f["first_n"]), f["first_n"], f["first_before_n"]),
            responses=CountFigure(state_of(f["answers_n"]), f["answers_n"], f["answers_before_n"]),
            first_response_time=TimeFigure(state_of(f["first_n"]), times.median, times.p90, times.average,
                                           f["times_before"]),
            response_time=ResponseTimeFigure(state_of(f["answers_n"]), f["answer_average"],
                                             f["answer_before_average"]),
            distribution=f["distribution"],
            agents=f["agents"],
        )
    if state is None:
        first = first_response_times(first_response_events(**scope), hours)
        answers = response_times(response_messages(**scope), hours)
        first_before = first_response_times(first_response_events(**scope, period=previous), hours)
        answers_before = response_times(response_messages(**scope, period=previous), hours)
    else:
        first = answers = first_before = answers_before = []
    times = _first_response_figures(first)
    return ResponseSummary(
        period=period, state=state or state_of(len(first) + len(answers)), previous_period=previous,
        business_hours=hours.enabled,
        first_responses=CountFigure(state or state_of(len(first)), len(first), len(first_before)),
        responses=CountFigure(state or state_of(len(answers)), len(answers), len(answers_before)),
        first_response_time=TimeFigure(state or state_of(len(first)), times.median, times.p90, times.average,
                                       _first_response_figures(first_before)),
        response_time=ResponseTimeFigure(state or state_of(len(answers)), _stat(answers, average_half_up),
                                         _stat(answers_before, average_half_up)),
        distribution=distribution(first),
        agents=agent_rows(first, answers),
    )


def response_headlines(*, workspace, actor: Actor, period: ReportPeriod) -> list[dict]:
    """The Reportes landing page's figures: first responses and their median (the cards' numbers)."""
    query = ReportQuery(period=period)
    first = [] if _state_before_query(workspace=workspace, query=query) else first_response_times(
        first_response_events(workspace=workspace, actor=actor, query=query), hours_of(workspace))
    return [
        {"label": str(gettext_lazy("First responses")), "value": len(first)},
        {"label": str(gettext_lazy("Median first response")),
         "value": duration_text(median_whole([item.calendar for item in first]))},
    ]


# --- time series -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ResponseBucket:
    start: datetime
    first_responses: int
    median: Duration


@dataclass(frozen=True)
class ResponseTimeseries:
    period: ReportPeriod
    state: str
    interval: str
    business_hours: bool
    buckets: list[ResponseBucket]


def response_timeseries(*, workspace, actor: Actor, query: ReportQuery) -> ResponseTimeseries:
    """Per bucket, the first responses and their median time; bucket counts add up to the card."""
    interval = query.interval or default_interval(query.period)
    starts = bucket_starts(query.period, interval)
    hours = hours_of(workspace)
    state = _state_before_query(workspace=workspace, query=query)
    if not state and _in_database(hours) and connection.vendor == "postgresql":
        # One statement: the bucket of each first response by the framework's rule (the latest
        # start at or before it, ``width_bucket`` over the starts as instants, exact across DST and
        # for hours), its count and median (``floor(percentile_cont(0.5))`` = ``median_whole``).
        rows = first_response_events(workspace=workspace, actor=actor, query=query).order_by()
        inner, params = rows.values_list("created_at", "seconds_since_open").query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT greatest(width_bucket(f.at, %s::timestamptz[]), 1), count(*), "
                "floor(percentile_cont(0.5) WITHIN GROUP (ORDER BY f.s))::bigint "
                f"FROM ({inner}) AS f(at, s) GROUP BY 1", [[s.astimezone(UTC) for s in starts], *params])
            found = {index - 1: (n, median) for index, n, median in cursor.fetchall()}
        buckets = [ResponseBucket(start, found[i][0], Duration(found[i][1], found[i][1])) if i in found
                   else ResponseBucket(start, 0, Duration(None, None)) for i, start in enumerate(starts)]
        return ResponseTimeseries(query.period, state_of(sum(b.first_responses for b in buckets)), interval, False,
                                  buckets)
    if not state and _in_database(hours) and interval != "hour":
        events = first_response_events(workspace=workspace, actor=actor, query=query)
        def trunc():  # the bucket start, as ``bucket_index_counts`` buckets
            return _TRUNC[interval]("created_at", tzinfo=query.period.tz)
        index_of = {start.date(): index for index, start in enumerate(starts)}

        def index(bucket):
            return index_of[bucket.astimezone(query.period.tz).date() if bucket.tzinfo else bucket.date()]

        counts = [0] * len(starts)
        for bucket, n in events.order_by().annotate(_b=trunc()).values("_b").annotate(_n=Count("pk")).values_list(
                "_b", "_n"):
            counts[index(bucket)] += n
        medians = {index(bucket): m for bucket, m in _medians(events, "seconds_since_open", trunc()).items()}
        buckets = [ResponseBucket(s, counts[i], Duration(medians.get(i), medians.get(i)) if counts[i]
                                  else Duration(None, None)) for i, s in enumerate(starts)]
        return ResponseTimeseries(query.period, state_of(sum(counts)), interval, False, buckets)
    first = [] if state else first_response_times(
        first_response_events(workspace=workspace, actor=actor, query=query), hours)
    # The framework's bucket rule: the latest bucket start not after the response (compared as
    # UTC instants, so both 01:00 hours of a fall-back day stay apart).
    utc_starts = [s.astimezone(UTC) for s in starts]
    per_bucket: list[list[Timed]] = [[] for _ in starts]
    for item in first:
        per_bucket[max(bisect_right(utc_starts, item.at) - 1, 0)].append(item)
    buckets = [ResponseBucket(s, len(items), _stat(items, median_whole)) for s, items in zip(starts, per_bucket,
                                                                                              strict=True)]
    return ResponseTimeseries(query.period, state or state_of(len(first)), interval, hours.enabled, buckets)


# --- the log ---------------------------------------------------------------------------------


ResponseLogPage = LogPage


LOG_FIELDS = ("id", "conversation_id", "contact_id", "contact_name", "channel_id", "created_at", "user_id",
              "user_name", "seconds_since_open", "opened_at")


def response_log_rows(events: QuerySet) -> QuerySet:
    """The first responses with their conversation's opening, newest first (timestamp, then id)."""
    return _with_opened_at(events).order_by("-created_at", "-id").values(*LOG_FIELDS)


def response_row(row: dict, *, tz, channels: dict, hours: Hours) -> dict:
    """One log row in the wire shape of the Respuestas log (also the CSV's source)."""
    channel_id = row["channel_id"]
    opened_at = row["opened_at"] or row["created_at"] - timedelta(seconds=row["seconds_since_open"])
    return {
        "conversation_id": row["conversation_id"],
        "contact_id": row["contact_id"],
        "contact_name": row["contact_name"] or f"#{row['contact_id']}",
        "channel": None if channel_id is None else {"id": channel_id, "name": channels.get(channel_id) or f"#{channel_id}"},
        "opened_at": opened_at.astimezone(tz).isoformat(timespec="seconds"),
        "first_response_at": row["created_at"].astimezone(tz).isoformat(timespec="seconds"),
        "responder": {"id": row["user_id"], "name": row["user_name"] or f"#{row['user_id']}"},
        "first_response_seconds": row["seconds_since_open"],
        "first_response_business_seconds": _first_response_business(row, hours),
    }


def _channel_names(workspace, rows: list[dict]) -> dict[int, str]:
    ids = {r["channel_id"] for r in rows if r["channel_id"]}
    return dict(Channel.objects.filter(workspace=workspace, pk__in=ids).values_list("pk", "name"))


def response_log_page(*, workspace, actor: Actor, query: ReportQuery, page: int = 1,
                      page_size: int = 50) -> ResponseLogPage:
    """One page of the conversations first answered in the period, newest first."""
    state = _state_before_query(workspace=workspace, query=query)
    if state is not None:
        return log_page_empty(period=query.period, state=state, page=page, page_size=page_size)
    events = first_response_events(workspace=workspace, actor=actor, query=query)
    window = log_window(events, page=page, page_size=page_size)
    rows = list(response_log_rows(events)[window.offset:window.stop])
    channels, hours, tz = _channel_names(workspace, rows), hours_of(workspace), query.period.tz
    return log_page(period=query.period, window=window, page=page, page_size=page_size,
                    rows=[response_row(r, tz=tz, channels=channels, hours=hours) for r in rows])


# --- export ----------------------------------------------------------------------------------

CSV_COLUMNS = ["conversation_id", "contact_id", "contact_name", "channel_id", "channel", "opened_at",
               "first_response_at", "responder_id", "responder", "first_response_seconds",
               "first_response_business_seconds"]


def response_csv_rows(*, workspace, actor: Actor, query: ReportQuery, batch: int = 2000):
    """Every row of the log (no cap), newest first, as CSV cells (CSV_COLUMNS)."""
    events = first_response_events(workspace=workspace, actor=actor, query=replace(query, interval=None))
    hours, tz = hours_of(workspace), query.period.tz
    buffer: list[dict] = []
    for row in response_log_rows(events).iterator(chunk_size=batch):
        buffer.append(row)
        if len(buffer) >= batch:
            yield from _csv_cells(buffer, workspace=workspace, tz=tz, hours=hours)
            buffer = []
    if buffer:
        yield from _csv_cells(buffer, workspace=workspace, tz=tz, hours=hours)


def _csv_cells(rows, *, workspace, tz, hours):
    channels = _channel_names(workspace, rows)
    for row in rows:
        r = response_row(row, tz=tz, channels=channels, hours=hours)
        yield [
            r["conversation_id"], r["contact_id"], r["contact_name"],
            r["channel"]["id"] if r["channel"] else "", r["channel"]["name"] if r["channel"] else "",
            r["opened_at"], r["first_response_at"], r["responder"]["id"], r["responder"]["name"],
            r["first_response_seconds"], r["first_response_business_seconds"],
        ]


report_export_register(ReportExport(
    kind="responses", filters=FILTERS, columns=CSV_COLUMNS,
    count=lambda *, workspace, actor, query: first_response_events(
        workspace=workspace, actor=actor, query=query).count(),
    rows=response_csv_rows,
))
