"""Reportes → Resoluciones, declared on the reports framework (docs/reports.md "Resoluciones").

A resolution is a conversation's ``closed`` event; it is in the period when the close is. Every
component reads the one filtered set ``resolution_events`` and derives each resolution's facts
(times, assignments, FCR, reopened) with ``resolution_facts``, so cards, table, bars, log and
export agree by construction (``tests/reports/test_resolutions.py`` pins them to a by-hand
computation). Medians, p90 and averages are computed here in Python from the ordered whole
seconds.

On PostgreSQL, while the recorded business seconds are those of the schedule in force, the
summary, the time series and the headlines read the facts recorded at the close instead
(``contacts.ConversationResolution``, aggregated in SQL by ``resolution_facts``); the per-close
path here is then the log's, the export's, and the definition the tests pin that one to.
"""

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import pgettext_lazy

from accounts.context import Actor
from assignments.models import AssignmentEvent
from business_hours.schedule import business_seconds_between
from business_hours.selectors import business_hours_get
from contacts.models import ConversationEvent, ConversationSource
from contacts.resolutions import REOPEN_WINDOW, REOPENING_SOURCE
from integrations.models import Channel

from .framework.buckets import bucket_starts, default_interval
from .framework.conversation_filters import (
    CLOSING_SOURCES,  # noqa: F401 (the page and the API read it from here)
    channel_condition,
    channel_filter,
    closing_source_filter,
    owner_condition,
    owner_filter,
    source_label,
    team_filter,
)
from .framework.exports import ReportExport, report_export_register
from .framework.logs import LogPage, log_page, log_page_empty, log_window
from .framework.numbers import (
    average_half_up,
    duration_text,
    median_whole,
    ordered_keys,
    percent_half_up,
    percentile_nearest_rank,
    percents_largest_remainder,
)
from .framework.query import ReportQuery
from .framework.states import STATE_NO_DATA, STATE_OK, period_before_workspace, state_of
from .periods import ReportPeriod
from .resolution_facts import recorded_buckets, recorded_facts_apply, recorded_summary

OPENED = ConversationEvent.Kind.OPENED
CLOSED = ConversationEvent.Kind.CLOSED
# REOPEN_WINDOW: a conversation is "reopened" when its contact opens another one at most this
# long after it closed (both ends included); our conversations never reopen, the contact opens a
# new one. REOPENING_SOURCE: only the contact writing in again is a reopening; a user's or a
# workflow's outreach is not. Defined once, with the write path that records them.
# Fewer contacts than this: find their reopenings by contact id; more: scan the window's openings.
_REOPEN_BY_CONTACT_MAX = 500
P90 = 90
SOURCE_ORDER = list(ConversationSource.values)

FILTERS = (
    channel_filter("Canal: the channel the resolved conversation came through (a channel id), or `none` for "
                   "conversations started outside a channel."),
    owner_filter("Asignado a: the owner at close (the contact's assignee recorded on the closed event), a user id, "
                 "or `none` for conversations closed unassigned."),
    team_filter("Equipo: the owner at close is a member of the team now."),
    closing_source_filter("Who closed the conversation."),
)

METRICS = {
    "resolved": pgettext_lazy("resolutions report", "Resolved"),
    "fcr": pgettext_lazy("resolutions report", "First-contact resolutions"),
    "fcr_rate": pgettext_lazy("resolutions report", "First-contact resolution rate"),
    "reopened": pgettext_lazy("resolutions report", "Reopened"),
    "reopened_rate": pgettext_lazy("resolutions report", "Reopened rate"),
    "median": pgettext_lazy("resolutions report", "Median resolution time"),
    "p90": pgettext_lazy("resolutions report", "Resolution time, 90th percentile"),
    "average": pgettext_lazy("resolutions report", "Average resolution time"),
    "business_median": pgettext_lazy("resolutions report", "Median, business hours"),
    "business_p90": pgettext_lazy("resolutions report", "90th percentile, business hours"),
    "business_average": pgettext_lazy("resolutions report", "Average, business hours"),
}
UNITS = {"resolved": "count", "fcr": "count", "reopened": "count", "fcr_rate": "percent",
         "reopened_rate": "percent"}


# --- the resolved set ------------------------------------------------------------------------


def resolution_events(*, workspace, actor: Actor, query: ReportQuery,
                      period: ReportPeriod | None = None) -> QuerySet[ConversationEvent]:
    """``closed`` events in the period matching the filters, of conversations ``actor`` owned at
    close (agents) or of the whole workspace. Served by ``conv_event_ws_kind_time_idx`` (and
    ``conv_event_ws_assignee_idx`` for an agent or an owner filter)."""
    if actor.workspace.pk != workspace.pk:
        return ConversationEvent.objects.none()
    period = period or query.period
    events = ConversationEvent.objects.filter(workspace=workspace, kind=CLOSED, created_at__gte=period.start_utc,
                                              created_at__lt=period.end_utc)
    events = events.filter(channel_condition(query))
    if query.get("closing_source"):
        events = events.filter(source__in=query.get("closing_source"))
    return events.filter(owner_condition(actor=actor, query=query, field="assignee_id"))


FACT_FIELDS = ("id", "conversation_id", "contact_id", "contact_name", "channel_id", "created_at", "source",
               "user_id", "user_name", "assignee_id", "assignee_name", "note", "opened_at", "assignment_count")


def resolution_rows(events: QuerySet, *, workspace) -> QuerySet:
    """The closed events with their conversation's opening and assignment count, newest close first.

    The opening is the conversation's ``opened`` event (unique per conversation); assignments
    are the assignment events to a person written while it was the contact's open conversation
    (``assign_ws_conv_time_idx``)."""
    opened = ConversationEvent.objects.filter(workspace=workspace, kind=OPENED,
                                              conversation_id=OuterRef("conversation_id"))
    assignments = (AssignmentEvent.objects.filter(workspace=workspace, conversation_id=OuterRef("conversation_id"),
                                                  new_assignee__isnull=False)
                   .order_by().values("conversation_id").annotate(n=Count("pk")).values("n"))
    return events.annotate(
        opened_at=Subquery(opened.values("created_at")[:1]),
        assignment_count=Coalesce(Subquery(assignments, output_field=IntegerField()), 0),
    ).order_by("-created_at", "-id").values(*FACT_FIELDS)


@dataclass(frozen=True)
class Resolution:
    """One resolved conversation and what the report derives from it."""

    row: dict
    seconds: int | None  # calendar resolution time; None without an opened event
    business_seconds: int | None
    assignments: int
    reopened: bool

    @property
    def fcr(self) -> bool:
        return self.assignments == 1 and not self.reopened

    @property
    def closed_at(self) -> datetime:
        return self.row["created_at"]

    @property
    def owner_id(self) -> int | None:
        return self.row["assignee_id"]


def _reopened_flags(workspace, rows: list[dict]) -> list[bool]:
    """For each closed row: does its contact open another conversation (source contact) in
    ``[close, close + REOPEN_WINDOW]``? Read as of now, so later reopenings count too."""
    if not rows:
        return []
    closes = [r["created_at"] for r in rows]
    openings = ConversationEvent.objects.filter(
        workspace=workspace, kind=OPENED, source=REOPENING_SOURCE,
        created_at__gte=min(closes), created_at__lte=max(closes) + REOPEN_WINDOW)
    contacts = {r["contact_id"] for r in rows}
    if len(contacts) <= _REOPEN_BY_CONTACT_MAX:
        openings = openings.filter(contact_id__in=contacts)
    by_contact: dict[int, list[tuple[datetime, int]]] = {}
    for contact_id, created_at, conversation_id in openings.order_by("created_at").values_list(
            "contact_id", "created_at", "conversation_id"):
        by_contact.setdefault(contact_id, []).append((created_at, conversation_id))
    flags = []
    for row in rows:
        times = by_contact.get(row["contact_id"], [])
        close, last = row["created_at"], row["created_at"] + REOPEN_WINDOW
        index = bisect_left(times, (close, -1))
        reopened = False
        while index < len(times) and times[index][0] <= last:
            if times[index][1] != row["conversation_id"]:
                reopened = True
                break
            index += 1
        flags.append(reopened)
    return flags


def _whole_seconds(start: datetime, end: datetime) -> int:
    return (end - start) // timedelta(seconds=1)


def resolution_facts(rows: list[dict], *, workspace, hours=None) -> list[Resolution]:
    """The facts of each row of ``resolution_rows`` (docs/reports.md "Resoluciones")."""
    hours = hours or business_hours_get(workspace=workspace)
    schedule, tz = hours.effective_schedule, hours.timezone
    facts = []
    for row, reopened in zip(rows, _reopened_flags(workspace, rows), strict=True):
        opened_at = row["opened_at"]
        if opened_at is None:
            seconds = business = None
        else:
            seconds = _whole_seconds(opened_at, row["created_at"])
            # Business hours off: business time is the calendar time (what business_seconds_between
            # returns for no schedule), without its per-call conversions.
            business = max(seconds, 0) if schedule is None else business_seconds_between(
                schedule=schedule, tz=tz, start=opened_at, end=row["created_at"])
        facts.append(Resolution(row, seconds, business, row["assignment_count"], reopened))
    return facts


def resolutions_of(*, workspace, actor: Actor, query: ReportQuery, period: ReportPeriod | None = None,
                   hours=None) -> list[Resolution]:
    events = resolution_events(workspace=workspace, actor=actor, query=query, period=period)
    return resolution_facts(list(resolution_rows(events, workspace=workspace)), workspace=workspace, hours=hours)


# --- numbers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimeStats:
    count: int  # resolutions with a time
    median: int | None
    p90: int | None
    average: int | None


def time_stats(values: list[int]) -> TimeStats:
    return TimeStats(len(values), median_whole(values), percentile_nearest_rank(values, P90), average_half_up(values))


@dataclass(frozen=True)
class ResolutionNumbers:
    resolved: int
    fcr: int
    reopened: int
    calendar: TimeStats
    business: TimeStats

    @property
    def fcr_rate(self) -> float | None:
        return percent_half_up(self.fcr, self.resolved)

    @property
    def reopened_rate(self) -> float | None:
        return percent_half_up(self.reopened, self.resolved)

    def value(self, key: str):
        stats = self.business if key.startswith("business_") else self.calendar
        return {
            "resolved": self.resolved, "fcr": self.fcr, "fcr_rate": self.fcr_rate, "reopened": self.reopened,
            "reopened_rate": self.reopened_rate,
        }.get(key, getattr(stats, key.removeprefix("business_"), None))


def resolution_numbers(facts: list[Resolution]) -> ResolutionNumbers:
    return ResolutionNumbers(
        resolved=len(facts),
        fcr=sum(1 for f in facts if f.fcr),
        reopened=sum(1 for f in facts if f.reopened),
        calendar=time_stats([f.seconds for f in facts if f.seconds is not None]),
        business=time_stats([f.business_seconds for f in facts if f.business_seconds is not None]),
    )


def _recorded_numbers(stats) -> ResolutionNumbers:
    """The numbers of one group of recorded facts (``resolution_facts.Stats``), as ``resolution_numbers``."""
    def times(count, median, p90, total):
        return TimeStats(count, median, p90, (2 * total + count) // (2 * count) if count else None)

    return ResolutionNumbers(stats.resolved, stats.fcr, stats.reopened, times(*stats.calendar), times(*stats.business))


def _person(user_id, name) -> dict | None:
    return None if user_id is None else {"id": user_id, "name": name or f"#{user_id}"}


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    unit: str  # count | percent | seconds
    state: str
    value: float | int | None
    previous: float | int | None


@dataclass(frozen=True)
class Share:
    source: str
    label: str
    count: int
    percent: float


@dataclass(frozen=True)
class AgentRow:
    assignee: dict | None  # the owner at close; None = Sin asignar
    resolved: int
    median_seconds: int | None
    average_seconds: int | None
    business_median_seconds: int | None
    business_average_seconds: int | None
    fcr: int
    fcr_rate: float | None
    reopened: int


@dataclass(frozen=True)
class ResolutionSummary:
    period: ReportPeriod
    state: str
    previous_period: ReportPeriod
    business_hours: bool
    metrics: list[Metric]
    by_closing_source: list[Share]
    agents: list[AgentRow]


def _shares(facts: list[Resolution]) -> list[Share]:
    counts: dict[str, int] = {}
    for fact in facts:
        counts[fact.row["source"]] = counts.get(fact.row["source"], 0) + 1
    return _shares_of(counts)


def _shares_of(counts: dict[str, int]) -> list[Share]:
    keys = ordered_keys(counts, SOURCE_ORDER)
    percents = percents_largest_remainder([counts[k] for k in keys])
    return [Share(k, source_label(k), counts[k], p) for k, p in zip(keys, percents, strict=True)]


def agent_rows(facts: list[Resolution]) -> list[AgentRow]:
    """One row per owner at close, most resolved first, then by name (Sin asignar last on ties).
    ``facts`` come newest first, so an owner is named as on their newest resolution."""
    groups: dict[int | None, list[Resolution]] = {}
    for fact in facts:
        groups.setdefault(fact.owner_id, []).append(fact)
    return _agents_sorted([_agent_row(owner_id, group[0].row["assignee_name"], resolution_numbers(group))
                           for owner_id, group in groups.items()])


def _agent_row(owner_id, name: str, numbers: ResolutionNumbers) -> AgentRow:
    return AgentRow(
        assignee=_person(owner_id, name), resolved=numbers.resolved,
        median_seconds=numbers.calendar.median, average_seconds=numbers.calendar.average,
        business_median_seconds=numbers.business.median, business_average_seconds=numbers.business.average,
        fcr=numbers.fcr, fcr_rate=numbers.fcr_rate, reopened=numbers.reopened)


def _agents_sorted(rows: list[AgentRow]) -> list[AgentRow]:
    return sorted(rows, key=lambda r: (-r.resolved, r.assignee is None, (r.assignee or {}).get("name", "").lower(),
                                       (r.assignee or {}).get("id", 0)))


def _before_workspace(*, workspace, query: ReportQuery) -> bool:
    return period_before_workspace(workspace=workspace, period=query.period)


def _metric_state(key: str, numbers: ResolutionNumbers) -> str:
    if UNITS.get(key) == "count":
        return state_of(numbers.resolved)
    return STATE_NO_DATA if numbers.value(key) is None else STATE_OK


def resolution_summary(*, workspace, actor: Actor, query: ReportQuery) -> ResolutionSummary:
    period, previous = query.period, query.period.previous()
    hours = business_hours_get(workspace=workspace)
    labels = {key: str(label) for key, label in METRICS.items()}
    enabled = hours.effective_schedule is not None
    if _before_workspace(workspace=workspace, query=query):
        metrics = [Metric(k, labels[k], UNITS.get(k, "seconds"), STATE_NO_DATA, None, None) for k in METRICS]
        return ResolutionSummary(period, STATE_NO_DATA, previous, enabled, metrics, [], [])
    if recorded_facts_apply(workspace=workspace, hours=hours):
        recorded = recorded_summary(workspace=workspace, actor=actor, query=query, business=enabled)
        numbers, before = _recorded_numbers(recorded.current), _recorded_numbers(recorded.previous)
        shares = _shares_of(recorded.sources)
        agents = _agents_sorted([_agent_row(owner_id, name, _recorded_numbers(stats))
                                 for owner_id, name, stats in recorded.agents])
    else:
        scope = {"workspace": workspace, "actor": actor, "query": query, "hours": hours}
        facts = resolutions_of(**scope)
        numbers = resolution_numbers(facts)
        before = resolution_numbers(resolutions_of(**scope, period=previous))
        shares, agents = _shares(facts), agent_rows(facts)
    metrics = [Metric(key, labels[key], UNITS.get(key, "seconds"), _metric_state(key, numbers), numbers.value(key),
                      before.value(key)) for key in METRICS]
    return ResolutionSummary(period, state_of(numbers.resolved), previous, enabled, metrics, shares, agents)


# --- time series -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ResolutionBucket:
    start: datetime
    resolved: int
    median_seconds: int | None
    business_median_seconds: int | None


@dataclass(frozen=True)
class ResolutionTimeseries:
    period: ReportPeriod
    state: str
    interval: str
    buckets: list[ResolutionBucket]


def resolution_timeseries(*, workspace, actor: Actor, query: ReportQuery) -> ResolutionTimeseries:
    """Resolutions and their median time per bucket of the close; every bucket present."""
    interval = query.interval or default_interval(query.period)
    starts = bucket_starts(query.period, interval)
    if _before_workspace(workspace=workspace, query=query):
        return ResolutionTimeseries(query.period, STATE_NO_DATA, interval,
                                    [ResolutionBucket(s, 0, None, None) for s in starts])
    hours = business_hours_get(workspace=workspace)
    if recorded_facts_apply(workspace=workspace, hours=hours):
        buckets = [ResolutionBucket(start, n, median, business) for start, (n, median, business) in zip(
            starts, recorded_buckets(workspace=workspace, actor=actor, query=query, starts=starts,
                             business=hours.effective_schedule is not None), strict=True)]
        return ResolutionTimeseries(query.period, state_of(sum(b.resolved for b in buckets)), interval, buckets)
    facts = resolutions_of(workspace=workspace, actor=actor, query=query, hours=hours)
    # The bucket of an instant is the latest one starting at or before it (exact across DST:
    # the starts are real instants, the two 01:00 hours of a fall-back day included).
    utc_starts = [s.astimezone(UTC) for s in starts]
    groups: list[list[Resolution]] = [[] for _ in starts]
    for fact in facts:
        groups[max(bisect_right(utc_starts, fact.closed_at) - 1, 0)].append(fact)
    buckets = []
    for start, group in zip(starts, groups, strict=True):
        numbers = resolution_numbers(group)
        buckets.append(ResolutionBucket(start, numbers.resolved, numbers.calendar.median, numbers.business.median))
    return ResolutionTimeseries(query.period, state_of(len(facts)), interval, buckets)


# --- the log ---------------------------------------------------------------------------------


ResolutionLogPage = LogPage


def _channel_names(workspace, facts: list[Resolution]) -> dict[int, str]:
    ids = {f.row["channel_id"] for f in facts if f.row["channel_id"]}
    return dict(Channel.objects.filter(workspace=workspace, pk__in=ids).values_list("pk", "name"))


def resolution_row(fact: Resolution, *, tz, channels: dict) -> dict:
    """One log row in the wire shape of the Resoluciones log (also the CSV's source)."""
    row = fact.row
    channel_id = row["channel_id"]
    return {
        "conversation_id": row["conversation_id"],
        "contact_id": row["contact_id"],
        "contact_name": row["contact_name"] or f"#{row['contact_id']}",
        "channel": None if channel_id is None else {"id": channel_id, "name": channels.get(channel_id) or f"#{channel_id}"},
        "opened_at": row["opened_at"].astimezone(tz).isoformat(timespec="seconds") if row["opened_at"] else None,
        "closed_at": row["created_at"].astimezone(tz).isoformat(timespec="seconds"),
        "closed_by": {"source": row["source"], "label": source_label(row["source"]),
                      "user": _person(row["user_id"], row["user_name"])},
        "assignee": _person(row["assignee_id"], row["assignee_name"]),
        "resolution_seconds": fact.seconds,
        "business_seconds": fact.business_seconds,
        "assignments": fact.assignments,
        "fcr": fact.fcr,
        "reopened": fact.reopened,
        "closing_note": row["note"] or "",
    }


def resolution_log_page(*, workspace, actor: Actor, query: ReportQuery, page: int = 1,
                        page_size: int = 50) -> LogPage:
    """One page of the resolutions of the period, newest close first."""
    if _before_workspace(workspace=workspace, query=query):
        return log_page_empty(period=query.period, state=STATE_NO_DATA, page=page, page_size=page_size)
    events = resolution_events(workspace=workspace, actor=actor, query=query)
    window = log_window(events, page=page, page_size=page_size)
    rows = list(resolution_rows(events, workspace=workspace)[window.offset:window.stop])
    facts = resolution_facts(rows, workspace=workspace)
    channels = _channel_names(workspace, facts)
    tz = query.period.tz
    return log_page(period=query.period, window=window, page=page, page_size=page_size,
                    rows=[resolution_row(f, tz=tz, channels=channels) for f in facts])


# --- export ----------------------------------------------------------------------------------

CSV_COLUMNS = ["conversation_id", "contact_id", "contact_name", "channel_id", "channel", "opened_at", "closed_at",
               "closed_by_source", "closed_by_id", "closed_by", "assignee_id", "assignee", "resolution_seconds",
               "business_seconds", "assignments", "fcr", "reopened", "closing_note"]


def resolution_csv_rows(*, workspace, actor: Actor, query: ReportQuery, batch: int = 2000):
    """Every resolution of the log (no cap), newest close first, as CSV cells (CSV_COLUMNS)."""
    events = resolution_events(workspace=workspace, actor=actor, query=query)
    hours = business_hours_get(workspace=workspace)
    tz = query.period.tz
    buffer: list[dict] = []

    def cells(rows):
        facts = resolution_facts(rows, workspace=workspace, hours=hours)
        channels = _channel_names(workspace, facts)
        for fact in facts:
            r = resolution_row(fact, tz=tz, channels=channels)
            closer, owner = r["closed_by"]["user"], r["assignee"]
            yield [
                r["conversation_id"], r["contact_id"], r["contact_name"],
                r["channel"]["id"] if r["channel"] else "", r["channel"]["name"] if r["channel"] else "",
                r["opened_at"] or "", r["closed_at"], r["closed_by"]["source"], closer["id"] if closer else "",
                closer["name"] if closer else "", owner["id"] if owner else "", owner["name"] if owner else "",
                "" if r["resolution_seconds"] is None else r["resolution_seconds"],
                "" if r["business_seconds"] is None else r["business_seconds"], r["assignments"],
                "yes" if r["fcr"] else "no", "yes" if r["reopened"] else "no", r["closing_note"],
            ]

    for row in resolution_rows(events, workspace=workspace).iterator(chunk_size=batch):
        buffer.append(row)
        if len(buffer) >= batch:
            yield from cells(buffer)
            buffer = []
    if buffer:
        yield from cells(buffer)


report_export_register(ReportExport(
    kind="resolutions", filters=FILTERS, columns=CSV_COLUMNS,
    count=lambda *, workspace, actor, query: resolution_events(workspace=workspace, actor=actor, query=query).count(),
    rows=resolution_csv_rows,
))


# --- the Reportes landing page -------------------------------------------------------------


def resolution_headlines(*, workspace, actor: Actor, period: ReportPeriod) -> list[dict]:
    """Resueltas and the median resolution time of the period, as the report's cards count them."""
    query = ReportQuery(period=period)
    hours = business_hours_get(workspace=workspace)
    if period_before_workspace(workspace=workspace, period=period):
        numbers = resolution_numbers([])
    elif recorded_facts_apply(workspace=workspace, hours=hours):
        numbers = _recorded_numbers(recorded_summary(workspace=workspace, actor=actor, query=query,
                                                     by_group=False, business=False).current)
    else:
        numbers = resolution_numbers(resolutions_of(workspace=workspace, actor=actor, query=query))
    return [{"label": str(METRICS["resolved"]), "value": numbers.resolved},
            {"label": str(METRICS["median"]), "value": duration_text(numbers.calendar.median)}]
