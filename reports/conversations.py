"""Reportes → Conversaciones, declared on the reports framework (docs/reports.md "Conversaciones").

The raw data are the immutable ``ConversationEvent`` rows ``opened`` and ``closed``. Every
component reads one of three filtered event sets — ``conversation_opened_events``,
``conversation_closed_events`` and ``conversation_open_at`` — so cards, charts, log and export
agree by construction (``tests/reports/test_conversations.py`` pins them to a by-hand count).
A conversation's owner ("Asignado a") is the assignee recorded on its ``closed`` event, or the
contact's assignee now while it is open; agents see the conversations they own.
"""

from dataclasses import dataclass, replace
from datetime import datetime

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils.translation import gettext_lazy, pgettext_lazy

from accounts.context import Actor
from contacts.models import (
    Contact,
    Conversation,
    ConversationDailyCount,
    ConversationEvent,
    ConversationOpenCount,
    ConversationOwnerDailyCount,
    ConversationSource,
)
from contacts.rollups import rollup_is_ready
from integrations.models import Channel

from .framework.buckets import (
    bucket_index_counts,
    bucket_starts,
    day_bucket_index,
    default_interval,
)
from .framework.conversation_filters import (
    CLOSING_SOURCES,  # noqa: F401 (the page and the API read it from here)
    channel_condition,
    channel_filter,
    closing_source_filter,
    owner_condition,
    owner_filter,
    source_label,
    source_options,
    team_filter,
)
from .framework.exports import ReportExport, report_export_register
from .framework.logs import LogPage, log_page, log_page_empty, log_window
from .framework.numbers import ordered_keys, percents_largest_remainder
from .framework.query import (
    CHOICE,
    ID,
    FilterSpec,
    ReportQuery,
    missing_ids,
)
from .framework.states import STATE_NO_DATA, STATE_NOT_APPLICABLE, period_before_workspace, state_of
from .periods import ReportPeriod

OPENED = ConversationEvent.Kind.OPENED
CLOSED = ConversationEvent.Kind.CLOSED
OPENING_SOURCES = [ConversationSource.CONTACT, ConversationSource.USER, ConversationSource.WORKFLOW,
                   ConversationSource.API]
SOURCE_ORDER = list(ConversationSource.values)


def _contacts_known(workspace, ids):
    found = set(Contact.objects.filter(workspace=workspace, pk__in=ids).values_list("pk", flat=True))
    rest = missing_ids(ids, found)
    if rest:
        found |= set(ConversationEvent.objects.filter(workspace=workspace, contact_id__in=rest)
                     .values_list("contact_id", flat=True).distinct())
    return found


FILTERS = (
    channel_filter("Canal: the channel the conversation came through (a channel id), or `none` for conversations "
                   "started outside a channel."),
    owner_filter("Asignado a: the conversation's owner (the assignee when it closed, or the contact's assignee "
                 "while open), a user id, or `none`."),
    team_filter(),
    FilterSpec("opening_source", gettext_lazy("Opened by"), CHOICE, "choice",
               "Who opened the conversation.", choices=lambda: OPENING_SOURCES,
               options=source_options(OPENING_SOURCES), dots=True),
    closing_source_filter("Who closed the conversation; with it, open at period end is `not_applicable`."),
    FilterSpec("contact", gettext_lazy("Contact"), ID, "contact", "Contacto: a contact id of the workspace.",
               exists=_contacts_known, no_such=gettext_lazy("No contact with id %(ids)s in this workspace.")),
)

METRICS = {
    "opened": pgettext_lazy("conversations report", "Opened"),
    "closed": pgettext_lazy("conversations report", "Closed"),
    "open_at_end": pgettext_lazy("conversations report", "Open at period end"),
}


# --- the three filtered event sets ---------------------------------------------------------


def _closed_of(workspace) -> QuerySet[ConversationEvent]:
    return ConversationEvent.objects.filter(workspace=workspace, kind=CLOSED, conversation_id=OuterRef("conversation_id"))


def _owned_conversations(*, workspace, actor: Actor, query: ReportQuery) -> Q:
    """Opened events whose conversation's owner (the assignee on its closed event, else the
    contact's assignee now) matches the owner conditions, as two index-driven sets rather than
    the owner computed per row (docs/performance.md "Conversaciones", EXPLAIN ANALYZE):

    - closed: conversations whose closed event's assignee matches — ``conv_event_ws_assignee_idx``
      (workspace, assignee, kind, created_at);
    - open: conversations with no closed event whose contact's assignee matches now —
      ``contact_ws_assignee_idx`` (workspace, assignee); a deleted contact's open conversation
      has no owner, so it matches only where "no owner" does (``Sin asignar`` alone, no team,
      not an agent's scope).
    """
    closed_owned = ConversationEvent.objects.filter(workspace=workspace, kind=CLOSED).filter(
        owner_condition(actor=actor, query=query, field="assignee_id")).values("conversation_id")
    contacts_owned = Contact.objects.filter(workspace=workspace).filter(
        owner_condition(actor=actor, query=query, field="assignee_id")).values("pk")
    not_closed = ~Exists(_closed_of(workspace))
    if not actor.is_agent and not query.get("team") and query.includes_none("assignee"):
        # "Sin asignar" is most contacts and every deleted one: a hashed test per row is as good.
        no_contact = ~Exists(Contact.objects.filter(pk=OuterRef("contact_id")))
        return Q(conversation_id__in=closed_owned) | ((Q(contact_id__in=contacts_owned) | no_contact) & not_closed)
    # Two disjoint sets of opened events (closed / not closed), each reached through an index
    # from the owner, UNION ALL, and the outer query's filters applied to those rows only. The
    # open set goes contact → its conversations (``contacts_conversation.contact_id``; an
    # event's contact is its conversation's, both written by contacts.services) → the opened
    # event (``conv_event_once_per_kind``).
    opened = ConversationEvent.objects.filter(workspace=workspace, kind=OPENED)
    closed_set = opened.filter(conversation_id__in=closed_owned).values("pk")
    open_set = opened.filter(
        conversation_id__in=Conversation.objects.filter(workspace=workspace, contact_id__in=contacts_owned)
        .values("pk")).filter(not_closed).values("pk")
    return Q(pk__in=closed_set.union(open_set, all=True))


def _common(events: QuerySet, query: ReportQuery) -> QuerySet:
    if query.has("channel"):
        events = events.filter(channel_condition(query))
    if query.get("contact"):
        events = events.filter(contact_id__in=query.get("contact"))
    return events


def _opened_base(*, workspace, actor: Actor, query: ReportQuery) -> QuerySet[ConversationEvent]:
    events = _common(ConversationEvent.objects.filter(workspace=workspace, kind=OPENED), query)
    if query.get("opening_source"):
        events = events.filter(source__in=query.get("opening_source"))
    if query.get("closing_source"):
        events = events.filter(Exists(_closed_of(workspace).filter(source__in=query.get("closing_source"))))
    if actor.is_agent or query.has("assignee") or query.get("team"):
        events = events.filter(_owned_conversations(workspace=workspace, actor=actor, query=query))
    return events


def conversation_opened_events(*, workspace, actor: Actor, query: ReportQuery,
                               period: ReportPeriod | None = None) -> QuerySet[ConversationEvent]:
    """``opened`` events in the period whose conversation matches the filters ``actor`` may see."""
    if actor.workspace.pk != workspace.pk:
        return ConversationEvent.objects.none()
    period = period or query.period
    return _opened_base(workspace=workspace, actor=actor, query=query).filter(
        created_at__gte=period.start_utc, created_at__lt=period.end_utc)


def conversation_closed_events(*, workspace, actor: Actor, query: ReportQuery,
                               period: ReportPeriod | None = None) -> QuerySet[ConversationEvent]:
    """``closed`` events in the period whose conversation matches the filters ``actor`` may see."""
    if actor.workspace.pk != workspace.pk:
        return ConversationEvent.objects.none()
    period = period or query.period
    events = _common(ConversationEvent.objects.filter(
        workspace=workspace, kind=CLOSED, created_at__gte=period.start_utc, created_at__lt=period.end_utc), query)
    if query.get("closing_source"):
        events = events.filter(source__in=query.get("closing_source"))
    if query.get("opening_source"):
        opened = ConversationEvent.objects.filter(workspace=workspace, kind=OPENED,
                                                  conversation_id=OuterRef("conversation_id"))
        events = events.filter(Exists(opened.filter(source__in=query.get("opening_source"))))
    owner = owner_condition(actor=actor, query=query, field="assignee_id")
    return events.filter(owner) if owner else events


def conversation_open_at(*, workspace, actor: Actor, query: ReportQuery, at: datetime) -> QuerySet[ConversationEvent]:
    """``opened`` events before ``at`` whose conversation has no ``closed`` event before ``at``."""
    if actor.workspace.pk != workspace.pk:
        return ConversationEvent.objects.none()
    closed_before = _closed_of(workspace).filter(created_at__lt=at)
    return _opened_base(workspace=workspace, actor=actor, query=query).filter(created_at__lt=at).filter(
        ~Exists(closed_before))


# --- the day rollup (contacts.ConversationDailyCount) ---------------------------------------------


def _rollup_rows(*, workspace, actor: Actor, query: ReportQuery) -> QuerySet[ConversationDailyCount] | None:
    """The rollup rows holding exactly the events of these filters, or None: read the raw sets.

    The rollup serves period, channel, opening source and closing source (its keys). The owner
    ("Asignado a", team, an agent's scope) is not a key — an open conversation's owner moves
    with its contact's assignee — and a contact is not either: those read the raw events.
    Neither before the rollup is counted in the workspace's (and the period's) timezone.
    """
    if not getattr(settings, "REPORTS_USE_ROLLUP", True):
        return None
    if actor.workspace.pk != workspace.pk or actor.is_agent:
        return None
    if query.has("assignee") or query.get("team") or query.get("contact"):
        return None
    if query.period.timezone != workspace.timezone or not rollup_is_ready(workspace=workspace):
        return None
    rows = ConversationDailyCount.objects.filter(workspace=workspace)
    if query.has("channel"):
        rows = rows.filter(channel_id__in=[*query.get("channel"), *([0] if query.includes_none("channel") else [])])
    if query.get("opening_source"):
        # Closed rows of conversations opened before lifecycle recording carry '' and drop out,
        # as the raw set's "its opened event has one of these sources" drops them.
        rows = rows.filter(opening_source__in=query.get("opening_source"))
    if query.get("closing_source"):
        rows = rows.filter(closing_source__in=query.get("closing_source"))
    return rows


@dataclass(frozen=True)
class OwnedRollup:
    """An owner-scoped query as the rollup answers it: the closed conversations from the owner
    rows, the conversations open now from their opened events (their owner is the contact's
    assignee now, read as of now)."""

    rows: QuerySet  # ConversationOwnerDailyCount of the matching owners and filters
    open_events: QuerySet  # opened events of the matching conversations open now (no period)


def _owned_rollup(*, workspace, actor: Actor, query: ReportQuery) -> OwnedRollup | None:
    """The owner rows and the open set for an owner-scoped query ("Asignado a", Equipo, an
    agent's scope), or None: read the raw sets.

    A closed conversation's owner is the assignee on its closed event, counted at the close in
    ``ConversationOwnerDailyCount`` and never moved; an open one's is its contact's assignee
    now, so those are read from the conversations open now (``conversation_one_open_per_contact``
    from the contacts the owner conditions match, ``contact_ws_assignee_idx``). "Sin asignar"
    (no owner, a deleted contact's open conversation included) and the contact filter read the
    raw events, as does everything the plain rollup does not serve.
    """
    if not getattr(settings, "REPORTS_USE_ROLLUP", True):
        return None
    if actor.workspace.pk != workspace.pk or query.get("contact") or query.includes_none("assignee"):
        return None
    if not (actor.is_agent or query.has("assignee") or query.get("team")) or (actor.is_agent and actor.user is None):
        return None
    if query.period.timezone != workspace.timezone or not rollup_is_ready(workspace=workspace):
        return None
    rows = ConversationOwnerDailyCount.objects.filter(workspace=workspace).filter(
        owner_condition(actor=actor, query=query, field="owner_id"))
    opened = ConversationEvent.objects.filter(workspace=workspace, kind=OPENED)
    if query.has("channel"):
        rows = rows.filter(channel_id__in=[*query.get("channel"), *([0] if query.includes_none("channel") else [])])
        opened = opened.filter(channel_condition(query))
    if query.get("opening_source"):
        rows = rows.filter(opening_source__in=query.get("opening_source"))
        opened = opened.filter(source__in=query.get("opening_source"))
    if query.get("closing_source"):
        # Open conversations have no closing source: none of them matches.
        rows = rows.filter(closing_source__in=query.get("closing_source"))
        opened = opened.none()
    contacts = Contact.objects.filter(workspace=workspace).filter(
        owner_condition(actor=actor, query=query, field="assignee_id")).values("pk")
    open_now = Conversation.objects.filter(workspace=workspace, status=Conversation.Status.OPEN,
                                           contact_id__in=contacts).values("pk")
    return OwnedRollup(rows, opened.filter(conversation_id__in=open_now))


def _owned_summary(owned: OwnedRollup, *, query: ReportQuery) -> tuple[dict, dict, dict]:
    """``_rollup_summary`` for an owner-scoped query: the owner rows (closed conversations) plus
    the open conversations' opened events.

    Open at a local midnight T, of the closed conversations: opened before T and closed at or
    after it = closed rows (with an opening source) from T's day on − opened rows from T's day on
    (a conversation opened from then on closed from then on too); of the open ones: opened before T.
    """
    from django.db.models import Count

    period, previous = query.period, query.period.previous()
    open_at = open_at_end_applies(query)
    rows = owned.rows.filter(day__gte=previous.start) if open_at else owned.rows.filter(
        day__gte=previous.start, day__lte=period.end)
    sums = {
        "now": Sum("count", filter=Q(day__gte=period.start, day__lte=period.end)),
        "prev": Sum("count", filter=Q(day__gte=previous.start, day__lte=previous.end)),
    }
    if open_at:
        sums |= {"after_end": Sum("count", filter=Q(day__gt=period.end)),
                 "after_prev_end": Sum("count", filter=Q(day__gt=previous.end))}
    opened_by, closed_by = {}, {}
    totals = {"opened_prev": 0, "closed_prev": 0, "open_end": 0, "open_prev_end": 0}
    for row in rows.order_by().values("kind", "opening_source", "closing_source").annotate(**sums):
        def get(name, row=row):
            return row.get(name) or 0
        sign = -1 if row["kind"] == OPENED else 1
        if row["kind"] == OPENED:
            opened_by[row["opening_source"]] = opened_by.get(row["opening_source"], 0) + get("now")
            totals["opened_prev"] += get("prev")
        else:
            closed_by[row["closing_source"]] = closed_by.get(row["closing_source"], 0) + get("now")
            totals["closed_prev"] += get("prev")
        if row["kind"] == OPENED or row["opening_source"]:
            totals["open_end"] += sign * get("after_end")
            totals["open_prev_end"] += sign * get("after_prev_end")
    counts = {
        "now": Count("pk", filter=Q(created_at__gte=period.start_utc, created_at__lt=period.end_utc)),
        "prev": Count("pk", filter=Q(created_at__gte=previous.start_utc, created_at__lt=previous.end_utc)),
        "before_end": Count("pk", filter=Q(created_at__lt=period.end_utc)),
        "before_prev_end": Count("pk", filter=Q(created_at__lt=previous.end_utc)),
    }
    for row in owned.open_events.order_by().values("source").annotate(**counts):
        opened_by[row["source"]] = opened_by.get(row["source"], 0) + row["now"]
        totals["opened_prev"] += row["prev"]
        totals["open_end"] += row["before_end"]
        totals["open_prev_end"] += row["before_prev_end"]
    return opened_by, closed_by, totals


def _open_now(*, workspace, query: ReportQuery) -> int:
    """Conversations open now matching the channel / opening-source filters (the running total)."""
    counts = ConversationOpenCount.objects.filter(workspace=workspace)
    if query.has("channel"):
        counts = counts.filter(channel_id__in=[*query.get("channel"), *([0] if query.includes_none("channel") else [])])
    if query.get("opening_source"):
        counts = counts.filter(opening_source__in=query.get("opening_source"))
    return counts.aggregate(n=Sum("count"))["n"] or 0


def _rollup_summary(rows: QuerySet, *, workspace, query: ReportQuery) -> tuple[dict, dict, dict]:
    """From one pass over the rollup: opened by opening source and closed by closing source in
    the period, both totals in the previous period, and — when it applies — open at both ends.

    Open at an instant (a local midnight) = opened before it − closed before it of conversations
    with an opened event (opening source not ''): every such conversation opened no later than
    it closed (``conversation_close`` refuses a close before the opening), so its opened event is
    counted before any instant its closed one is; channel and sources are the same on both rows.
    Read as open now (``ConversationOpenCount``, the same difference over all days) minus that
    difference over the days from the instant on, so only the days from the previous period's
    start are read, whatever the history.
    """
    period, previous = query.period, query.period.previous()
    open_at = open_at_end_applies(query)
    rows = rows.filter(day__gte=previous.start) if open_at else rows.filter(day__gte=previous.start,
                                                                           day__lte=period.end)
    sums = {
        "now": Sum("count", filter=Q(day__gte=period.start, day__lte=period.end)),
        "prev": Sum("count", filter=Q(day__gte=previous.start, day__lte=previous.end)),
    }
    if open_at:
        sums |= {"after_end": Sum("count", filter=Q(day__gt=period.end)),
                 "after_prev_end": Sum("count", filter=Q(day__gt=previous.end))}
    opened_by, closed_by = {}, {}
    now = _open_now(workspace=workspace, query=query) if open_at else 0
    totals = {"opened_prev": 0, "closed_prev": 0, "open_end": now, "open_prev_end": now}
    for row in rows.order_by().values("kind", "opening_source", "closing_source").annotate(**sums):
        def get(name, row=row):
            return row.get(name) or 0  # a Sum over no row is None
        if row["kind"] == OPENED:
            opened_by[row["opening_source"]] = opened_by.get(row["opening_source"], 0) + get("now")
            totals["opened_prev"] += get("prev")
            totals["open_end"] -= get("after_end")
            totals["open_prev_end"] -= get("after_prev_end")
        else:
            closed_by[row["closing_source"]] = closed_by.get(row["closing_source"], 0) + get("now")
            totals["closed_prev"] += get("prev")
            if row["opening_source"]:
                totals["open_end"] += get("after_end")
                totals["open_prev_end"] += get("after_prev_end")
    return opened_by, closed_by, totals


# --- summary ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Share:
    source: str
    label: str
    count: int
    percent: float


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    state: str
    value: int
    previous: int


@dataclass(frozen=True)
class ConversationSummary:
    period: ReportPeriod
    state: str
    previous_period: ReportPeriod
    metrics: list[Metric]
    opened_by_source: list[Share]
    closed_by_source: list[Share]


def _shares(events: QuerySet) -> list[Share]:
    from django.db.models import Count

    return _shares_of(dict(events.order_by().values("source").annotate(n=Count("id")).values_list("source", "n")))


def _shares_of(counts: dict[str, int]) -> list[Share]:
    counts = {source: n for source, n in counts.items() if n}
    keys = ordered_keys(counts, SOURCE_ORDER)
    percents = percents_largest_remainder([counts[k] for k in keys])
    return [Share(k, source_label(k), counts[k], p) for k, p in zip(keys, percents, strict=True)]


def _state_before_query(*, workspace, query: ReportQuery) -> str | None:
    return STATE_NO_DATA if period_before_workspace(workspace=workspace, period=query.period) else None


def open_at_end_applies(query: ReportQuery) -> bool:
    """A closing-source filter cannot apply to conversations still open."""
    return not query.get("closing_source")


def conversation_summary(*, workspace, actor: Actor, query: ReportQuery) -> ConversationSummary:
    period, previous = query.period, query.period.previous()
    state = _state_before_query(workspace=workspace, query=query)
    labels = {key: str(label) for key, label in METRICS.items()}
    if state is not None:
        metrics = [Metric(key, labels[key], state, 0, 0) for key in METRICS]
        return ConversationSummary(period, state, previous, metrics, [], [])
    scope = {"workspace": workspace, "actor": actor, "query": query}
    rows = _rollup_rows(**scope)
    owned = _owned_rollup(**scope) if rows is None else None
    if rows is not None or owned is not None:
        opened_counts, closed_counts, totals = (_rollup_summary(rows, workspace=workspace, query=query)
                                                if owned is None else _owned_summary(owned, query=query))
        opened_by_source, closed_by_source = _shares_of(opened_counts), _shares_of(closed_counts)
        opened_prev, closed_prev = totals["opened_prev"], totals["closed_prev"]
        open_at = {period.end_utc: totals["open_end"], previous.end_utc: totals["open_prev_end"]}.__getitem__
    else:
        opened_by_source = _shares(conversation_opened_events(**scope))
        closed_by_source = _shares(conversation_closed_events(**scope))
        opened_prev = conversation_opened_events(**scope, period=previous).count()
        closed_prev = conversation_closed_events(**scope, period=previous).count()
        open_at = lambda at: conversation_open_at(**scope, at=at).count()  # noqa: E731
    opened_n = sum(s.count for s in opened_by_source)
    closed_n = sum(s.count for s in closed_by_source)
    metrics = [
        Metric("opened", labels["opened"], state_of(opened_n), opened_n, opened_prev),
        Metric("closed", labels["closed"], state_of(closed_n), closed_n, closed_prev),
    ]
    if open_at_end_applies(query):
        open_n = open_at(period.end_utc)
        metrics.append(Metric("open_at_end", labels["open_at_end"], state_of(open_n), open_n,
                              open_at(previous.end_utc)))
    else:
        metrics.append(Metric("open_at_end", labels["open_at_end"], STATE_NOT_APPLICABLE, 0, 0))
    any_data = opened_n or closed_n or any(m.value for m in metrics)
    return ConversationSummary(period, state_of(any_data), previous, metrics, opened_by_source, closed_by_source)


# --- time series -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ConversationBucket:
    start: datetime
    opened: int
    closed: int


@dataclass(frozen=True)
class ConversationTimeseries:
    period: ReportPeriod
    state: str
    interval: str
    buckets: list[ConversationBucket]


def conversation_timeseries(*, workspace, actor: Actor, query: ReportQuery) -> ConversationTimeseries:
    """Opened and closed per bucket; every bucket present; bucket sums equal the cards."""
    interval = query.interval or default_interval(query.period)
    starts = bucket_starts(query.period, interval)
    state = _state_before_query(workspace=workspace, query=query)
    if state is not None:
        return ConversationTimeseries(query.period, state, interval, [ConversationBucket(s, 0, 0) for s in starts])
    scope = {"workspace": workspace, "actor": actor, "query": query}
    rows = _rollup_rows(**scope) if interval != "hour" else None  # day rows cannot split a day
    owned = _owned_rollup(**scope) if rows is None and interval != "hour" else None
    if rows is not None or owned is not None:
        series = {"opened": [0] * len(starts), "closed": [0] * len(starts)}
        index_of = day_bucket_index(starts)
        per_day = ((rows if owned is None else owned.rows).filter(day__gte=query.period.start,
                                                                  day__lte=query.period.end).order_by()
                   .values("kind", "day").annotate(n=Sum("count")).values_list("kind", "day", "n"))
        for kind, day, n in per_day:
            series[kind][index_of(day)] += n
        if owned is not None:  # the open conversations' openings, bucketed like the raw set's
            open_counts = bucket_index_counts(
                owned.open_events.filter(created_at__gte=query.period.start_utc, created_at__lt=query.period.end_utc),
                field="created_at", group=None, period=query.period, interval=interval, starts=starts)
            series["opened"] = [n + bucket.get(None, 0) for n, bucket in zip(series["opened"], open_counts,
                                                                             strict=True)]
    else:
        series = {}
        for key, events in (("opened", conversation_opened_events(**scope)),
                            ("closed", conversation_closed_events(**scope))):
            counts = bucket_index_counts(events, field="created_at", group=None, period=query.period,
                                         interval=interval, starts=starts)
            series[key] = [bucket.get(None, 0) for bucket in counts]
    buckets = [ConversationBucket(s, o, c) for s, o, c in zip(starts, series["opened"], series["closed"], strict=True)]
    total = sum(series["opened"]) + sum(series["closed"])
    return ConversationTimeseries(query.period, state_of(total), interval, buckets)


# --- the log ---------------------------------------------------------------------------------


ConversationLogPage = LogPage


LOG_FIELDS = ("id", "conversation_id", "contact_id", "contact_name", "channel_id", "created_at", "source",
              "user_id", "user_name", "closed_at", "closed_source", "closed_user_id", "closed_user_name",
              "closed_note", "closed_assignee_id", "closed_assignee_name", "closed", "contact_assignee_id")


def conversation_log_rows(events: QuerySet, *, workspace) -> QuerySet:
    """The opened events with what the log shows of their close and owner, newest first."""
    closed = _closed_of(workspace)
    return events.annotate(
        closed=Exists(closed),
        closed_at=Subquery(closed.values("created_at")[:1]),
        closed_source=Subquery(closed.values("source")[:1]),
        closed_user_id=Subquery(closed.values("user_id")[:1]),
        closed_user_name=Subquery(closed.values("user_name")[:1]),
        closed_note=Subquery(closed.values("note")[:1]),
        closed_assignee_id=Subquery(closed.values("assignee_id")[:1]),
        closed_assignee_name=Subquery(closed.values("assignee_name")[:1]),
        contact_assignee_id=Subquery(Contact.objects.filter(pk=OuterRef("contact_id")).values("assignee_id")[:1]),
    ).order_by("-created_at", "-id").values(*LOG_FIELDS)


def _names(workspace, rows: list[dict]) -> tuple[dict[int, str], dict[int, str]]:
    from accounts.models import User

    channel_ids = {r["channel_id"] for r in rows if r["channel_id"]}
    user_ids = {r["contact_assignee_id"] for r in rows if not r["closed"] and r["contact_assignee_id"]}
    channels = dict(Channel.objects.filter(workspace=workspace, pk__in=channel_ids).values_list("pk", "name"))
    users = {u.pk: u.display_name for u in User.objects.filter(pk__in=user_ids)}
    return channels, users


def conversation_row(row: dict, *, tz, channels: dict, users: dict) -> dict:
    """One log row in the wire shape of the Conversaciones log (also the CSV's source)."""

    def person(user_id, name):
        return None if user_id is None else {"id": user_id, "name": name or f"#{user_id}"}

    if row["closed"]:
        owner = person(row["closed_assignee_id"], row["closed_assignee_name"])
    else:
        owner_id = row["contact_assignee_id"]
        owner = person(owner_id, users.get(owner_id, ""))
    channel_id = row["channel_id"]
    return {
        "conversation_id": row["conversation_id"],
        "contact_id": row["contact_id"],
        "contact_name": row["contact_name"] or f"#{row['contact_id']}",
        "channel": None if channel_id is None else {"id": channel_id, "name": channels.get(channel_id) or f"#{channel_id}"},
        "opened_at": row["created_at"].astimezone(tz).isoformat(timespec="seconds"),
        "opened_by": {"source": row["source"], "label": source_label(row["source"]),
                      "user": person(row["user_id"], row["user_name"])},
        "closed_at": row["closed_at"].astimezone(tz).isoformat(timespec="seconds") if row["closed"] else None,
        "closed_by": {"source": row["closed_source"], "label": source_label(row["closed_source"]),
                      "user": person(row["closed_user_id"], row["closed_user_name"])} if row["closed"] else None,
        "assignee": owner,
        "closing_note": row["closed_note"] or "",
    }


def conversation_log_page(*, workspace, actor: Actor, query: ReportQuery, page: int = 1,
                          page_size: int = 50) -> ConversationLogPage:
    """One page of the conversations opened in the period (the Abiertas set), newest first."""
    state = _state_before_query(workspace=workspace, query=query)
    if state is not None:
        return log_page_empty(period=query.period, state=state, page=page, page_size=page_size)
    events = conversation_opened_events(workspace=workspace, actor=actor, query=query)
    window = log_window(events, page=page, page_size=page_size)
    rows = list(conversation_log_rows(events, workspace=workspace)[window.offset:window.stop])
    channels, users = _names(workspace, rows)
    tz = query.period.tz
    return log_page(period=query.period, window=window, page=page, page_size=page_size,
                    rows=[conversation_row(r, tz=tz, channels=channels, users=users) for r in rows])


# --- export ----------------------------------------------------------------------------------

CSV_COLUMNS = ["conversation_id", "contact_id", "contact_name", "channel_id", "channel", "opened_at",
               "opened_by_source", "opened_by_id", "opened_by", "closed_at", "closed_by_source", "closed_by_id",
               "closed_by", "assignee_id", "assignee", "closing_note"]


def conversation_csv_rows(*, workspace, actor: Actor, query: ReportQuery, batch: int = 2000):
    """Every conversation of the log (no cap), newest first, as CSV cells (CSV_COLUMNS)."""
    events = conversation_opened_events(workspace=workspace, actor=actor, query=replace(query, interval=None))
    rows = conversation_log_rows(events, workspace=workspace)
    tz = query.period.tz
    buffer = []
    for row in rows.iterator(chunk_size=batch):
        buffer.append(row)
        if len(buffer) >= batch:
            yield from _csv_cells(buffer, workspace=workspace, tz=tz)
            buffer = []
    if buffer:
        yield from _csv_cells(buffer, workspace=workspace, tz=tz)


def _csv_cells(rows, *, workspace, tz):
    channels, users = _names(workspace, rows)
    for row in rows:
        r = conversation_row(row, tz=tz, channels=channels, users=users)
        opened_user, closed_by = r["opened_by"]["user"], r["closed_by"]
        closed_user = closed_by["user"] if closed_by else None
        yield [
            r["conversation_id"], r["contact_id"], r["contact_name"],
            r["channel"]["id"] if r["channel"] else "", r["channel"]["name"] if r["channel"] else "",
            r["opened_at"], r["opened_by"]["source"], opened_user["id"] if opened_user else "",
            opened_user["name"] if opened_user else "", r["closed_at"] or "",
            closed_by["source"] if closed_by else "", closed_user["id"] if closed_user else "",
            closed_user["name"] if closed_user else "", r["assignee"]["id"] if r["assignee"] else "",
            r["assignee"]["name"] if r["assignee"] else "", r["closing_note"],
        ]


report_export_register(ReportExport(
    kind="conversations", filters=FILTERS, columns=CSV_COLUMNS,
    count=lambda *, workspace, actor, query: conversation_opened_events(
        workspace=workspace, actor=actor, query=query).count(),
    rows=conversation_csv_rows,
))
