"""Reportes → Mensajes, declared on the reports framework (docs/reports.md "Mensajes").

One filtered set of raw facts: the ``contacts.Message`` rows written in the period
(``message_set``), received (direction ``in``, the contact's) and sent (``out``, split by sender
kind). Every component (cards, by channel, bars, heat map, log, export) counts only this set, so
the numbers agree (``tests/reports/test_messages.py`` pins them to a count by hand). Failed
messages are the sent ones of the set whose delivery status (recorded at the source by
``contacts.services.message_status_record``) is ``failed`` now.
"""

from dataclasses import dataclass, replace
from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay
from django.utils.translation import gettext_lazy, pgettext_lazy

from accounts.context import Actor
from accounts.models import Membership, Team
from contacts.models import DeliveryStatus, Message, SenderKind
from integrations.models import Channel

from .framework.buckets import bucket_index_counts, bucket_starts, default_interval
from .framework.conversation_filters import channel_condition, channel_filter, team_filter
from .framework.exports import ReportExport, report_export_register
from .framework.logs import LogPage, log_page, log_page_empty, log_window
from .framework.query import CHOICE, ID, FilterSpec, ReportQuery
from .framework.states import STATE_NO_DATA, STATE_NOT_APPLICABLE, period_before_workspace, state_of
from .periods import ReportPeriod

IN, OUT = Message.Direction.IN, Message.Direction.OUT
# Sent messages are split by who sent them, in this order (the seed's Usuario, Workflow, Bot,
# Api, Transmisión).
SENT_KINDS = (SenderKind.USER, SenderKind.WORKFLOW, SenderKind.BOT, SenderKind.API, SenderKind.BROADCAST)
SENDER_KINDS = (SenderKind.CONTACT, *SENT_KINDS)
DIRECTIONS = (IN, OUT)


def sender_label(kind: str) -> str:
    return str(SenderKind(kind).label) if kind in SenderKind.values else kind


def delivery_status_label(status: str) -> str:
    return str(DeliveryStatus(status).label) if status in DeliveryStatus.values else "-"


def direction_label(direction: str) -> str:
    return str(pgettext_lazy("messages report", "Received") if direction == IN
               else pgettext_lazy("messages report", "Sent"))


def authors_known(workspace, ids):
    # A deleted user's messages lose their author (SET_NULL): only members can be picked.
    return Membership.objects.filter(workspace=workspace, user_id__in=ids).values_list("user_id", flat=True)


FILTERS = (
    channel_filter("Canal: the conversation's channel (a channel id), or `none` for conversations started "
                   "outside a channel."),
    FilterSpec("sender_kind", gettext_lazy("Sender"), CHOICE, "choice",
               "Remitente: who wrote the message (`contact` = received; the others are sent).",
               choices=lambda: list(SENDER_KINDS),
               options=lambda workspace: [(k, sender_label(k)) for k in SENDER_KINDS], dots=True),
    FilterSpec("direction", gettext_lazy("Direction"), CHOICE, "choice",
               "Dirección: `in` = received from the contact, `out` = sent to the contact.",
               choices=lambda: list(DIRECTIONS),
               options=lambda workspace: [(d, direction_label(d)) for d in DIRECTIONS]),
    FilterSpec("agent", gettext_lazy("Agent"), ID, "member",
               "Agente: the message's author (a user id); only sent messages of a person have one.",
               exists=authors_known, no_such=gettext_lazy("No user with id %(ids)s in this workspace.")),
    team_filter("Equipo: the message's author is a member of the team now."),
)

# With an author filter, received messages (which have no author) cannot match: their figures
# are ``not_applicable`` rather than a misleading zero.
AUTHOR_FILTERS = ("agent", "team")


def received_applies(query: ReportQuery) -> bool:
    return not any(query.get(param) for param in AUTHOR_FILTERS)


# --- the one filtered set --------------------------------------------------------------------


def _scope_condition(actor: Actor) -> Q:
    """An agent sees the messages they wrote plus every message of conversations whose contact
    is assigned to them now (docs/reports.md "Mensajes")."""
    if not actor.is_agent:
        return Q()
    if actor.user is None:
        return Q(pk__in=[])
    return Q(author_id=actor.user.pk) | Q(conversation__contact__assignee_id=actor.user.pk)


def message_set(*, workspace, actor: Actor, query: ReportQuery, period: ReportPeriod | None = None) -> QuerySet[Message]:
    """Messages written in the period (their ``created_at``) matching the filters ``actor`` may see."""
    if actor.workspace.pk != workspace.pk:
        return Message.objects.none()
    period = period or query.period
    # message_ws_created_idx: (workspace, created_at).
    messages = Message.objects.filter(workspace=workspace, created_at__gte=period.start_utc,
                                      created_at__lt=period.end_utc)
    conditions = channel_condition(query, field="conversation__channel_id") & _scope_condition(actor)
    if query.get("sender_kind"):
        conditions &= Q(sender_kind__in=query.get("sender_kind"))
    if query.get("direction"):
        conditions &= Q(direction__in=query.get("direction"))
    if query.get("agent"):
        conditions &= Q(author_id__in=query.get("agent"))
    if query.get("team"):
        members = Team.members.through.objects.filter(team_id__in=query.get("team")).values("user_id")
        conditions &= Q(author_id__in=members)
    return messages.filter(conditions)


def _counts_by_kind(messages: QuerySet) -> dict[str, int]:
    return dict(messages.order_by().values("sender_kind").annotate(n=Count("pk")).values_list("sender_kind", "n"))


FAILED = Q(direction=OUT, delivery_status=DeliveryStatus.FAILED)


def _failed_count(messages: QuerySet) -> int:
    return messages.filter(FAILED).count()


# --- summary ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CountFigure:
    state: str
    value: int
    previous: int


@dataclass(frozen=True)
class KindFigure:
    kind: str
    label: str
    value: int
    previous: int


@dataclass(frozen=True)
class ChannelRow:
    channel_id: int | None
    name: str
    received: int
    sent: int
    failed: int


@dataclass(frozen=True)
class HeatMap:
    """Received messages by local weekday (ISO: 1 = Monday … 7 = Sunday) × local hour (0–23)."""

    state: str
    timezone: str
    total: int
    cells: list[list[int]]  # 7 rows (Monday first) of 24 counts


@dataclass(frozen=True)
class MessageSummary:
    period: ReportPeriod
    state: str
    previous_period: ReportPeriod
    received: CountFigure
    sent: CountFigure
    failed: CountFigure
    sent_by_kind: list[KindFigure]
    channels: list[ChannelRow]
    heatmap: HeatMap


def _before_workspace(*, workspace, query: ReportQuery) -> bool:
    return period_before_workspace(workspace=workspace, period=query.period)


def heat_map_cells(messages: QuerySet, tz) -> list[list[int]]:
    """Count received ``messages`` by local weekday × local hour (wall clock: both 01:00 hours of
    a fall-back day fall in hour 1; a spring-forward day has no 02:00 to count)."""
    cells = [[0] * 24 for _ in range(7)]
    rows = (messages.filter(direction=IN).order_by()
            .annotate(_weekday=ExtractIsoWeekDay("created_at", tzinfo=tz), _hour=ExtractHour("created_at", tzinfo=tz))
            .values("_weekday", "_hour").annotate(_n=Count("pk")).values_list("_weekday", "_hour", "_n"))
    for weekday, hour, n in rows:
        cells[weekday - 1][hour] += n
    return cells


def _channel_rows(workspace, messages: QuerySet) -> list[ChannelRow]:
    counts: dict[int | None, dict[str, int]] = {}
    for channel_id, direction, n, failed in (
            messages.order_by().values("conversation__channel_id", "direction")
            .annotate(n=Count("pk"), failed=Count("pk", filter=FAILED))
            .values_list("conversation__channel_id", "direction", "n", "failed")):
        row = counts.setdefault(channel_id, {IN: 0, OUT: 0, "failed": 0})
        row[direction] += n
        row["failed"] += failed
    names = dict(Channel.objects.filter(workspace=workspace, pk__in=[c for c in counts if c]).values_list("pk", "name"))
    rows = [ChannelRow(c, "" if c is None else names.get(c) or f"#{c}", v[IN], v[OUT], v["failed"])
            for c, v in counts.items()]
    rows.sort(key=lambda r: (-(r.received + r.sent), r.channel_id is None, r.name.casefold(), r.channel_id or 0))
    return rows


def message_summary(*, workspace, actor: Actor, query: ReportQuery) -> MessageSummary:
    period, previous = query.period, query.period.previous()
    applies = received_applies(query)
    empty = _before_workspace(workspace=workspace, query=query)
    scope = {"workspace": workspace, "actor": actor, "query": query}
    if empty:
        now = before = {}
        failed = failed_before = 0
        channels, cells = [], [[0] * 24 for _ in range(7)]
    else:
        messages, messages_before = message_set(**scope), message_set(**scope, period=previous)
        now, before = _counts_by_kind(messages), _counts_by_kind(messages_before)
        failed, failed_before = _failed_count(messages), _failed_count(messages_before)
        channels, cells = _channel_rows(workspace, messages), heat_map_cells(messages, period.tz)
    received, received_before = now.get(SenderKind.CONTACT, 0), before.get(SenderKind.CONTACT, 0)
    sent = sum(now.get(k, 0) for k in SENT_KINDS)
    sent_before = sum(before.get(k, 0) for k in SENT_KINDS)

    def state(total: int) -> str:
        return STATE_NO_DATA if empty else state_of(total)

    received_state = state(received) if applies else STATE_NOT_APPLICABLE
    return MessageSummary(
        period=period, state=state(received + sent), previous_period=previous,
        received=CountFigure(received_state, received, received_before),
        sent=CountFigure(state(sent), sent, sent_before),
        failed=CountFigure(state(sent), failed, failed_before),
        sent_by_kind=[KindFigure(k, sender_label(k), now.get(k, 0), before.get(k, 0)) for k in SENT_KINDS],
        channels=channels,
        heatmap=HeatMap(received_state, str(period.tz), received, cells),
    )


def message_headlines(*, workspace, actor: Actor, period: ReportPeriod) -> list[dict]:
    """The Reportes landing page's figures: received and sent messages (the cards' numbers)."""
    summary = message_summary(workspace=workspace, actor=actor, query=ReportQuery(period=period))
    return [
        {"label": str(pgettext_lazy("messages report", "Received")), "value": summary.received.value},
        {"label": str(pgettext_lazy("messages report", "Sent")), "value": summary.sent.value},
    ]


# --- time series -----------------------------------------------------------------------------


@dataclass(frozen=True)
class MessageBucket:
    start: datetime
    received: int
    sent: int
    sent_by_kind: dict[str, int]


@dataclass(frozen=True)
class MessageTimeseries:
    period: ReportPeriod
    state: str
    interval: str
    buckets: list[MessageBucket]


def message_timeseries(*, workspace, actor: Actor, query: ReportQuery) -> MessageTimeseries:
    """Per bucket, received and sent by sender kind; bucket sums equal the cards."""
    interval = query.interval or default_interval(query.period)
    starts = bucket_starts(query.period, interval)
    if _before_workspace(workspace=workspace, query=query):
        per_bucket, state = [{} for _ in starts], STATE_NO_DATA
    else:
        per_bucket = bucket_index_counts(message_set(workspace=workspace, actor=actor, query=query),
                                         field="created_at", group="sender_kind", period=query.period,
                                         interval=interval, starts=starts)
        state = state_of(sum(sum(b.values()) for b in per_bucket))
    buckets = [MessageBucket(start, counts.get(SenderKind.CONTACT, 0), sum(counts.get(k, 0) for k in SENT_KINDS),
                             {str(k): counts.get(k, 0) for k in SENT_KINDS})
               for start, counts in zip(starts, per_bucket, strict=True)]
    return MessageTimeseries(query.period, state, interval, buckets)


# --- the log ---------------------------------------------------------------------------------

LOG_FIELDS = ("id", "created_at", "conversation_id", "conversation__contact_id", "conversation__contact__first_name",
              "conversation__contact__last_name", "conversation__channel_id", "direction", "sender_kind",
              "author_id", "author__name", "author__email", "delivery_status", "delivery_error")


def message_log_rows(messages: QuerySet) -> QuerySet:
    """Newest first (timestamp, then id)."""
    return messages.order_by("-created_at", "-id").values(*LOG_FIELDS)


def _channel_names(workspace, rows: list[dict]) -> dict[int, str]:
    ids = {r["conversation__channel_id"] for r in rows if r["conversation__channel_id"]}
    return dict(Channel.objects.filter(workspace=workspace, pk__in=ids).values_list("pk", "name"))


def message_row(row: dict, *, tz, channels: dict) -> dict:
    """One log row in the wire shape of the Mensajes log (also the CSV's source)."""
    channel_id, contact_id = row["conversation__channel_id"], row["conversation__contact_id"]
    contact_name = f"{row['conversation__contact__first_name']} {row['conversation__contact__last_name']}".strip()
    author = None
    if row["author_id"] is not None:
        author = {"id": row["author_id"], "name": row["author__name"] or row["author__email"] or f"#{row['author_id']}"}
    return {
        "id": row["id"],
        "created_at": row["created_at"].astimezone(tz).isoformat(timespec="seconds"),
        "conversation_id": row["conversation_id"],
        "contact_id": contact_id,
        "contact_name": contact_name or f"#{contact_id}",
        "channel": None if channel_id is None else {"id": channel_id, "name": channels.get(channel_id) or f"#{channel_id}"},
        "direction": row["direction"],
        "sender_kind": row["sender_kind"],
        "author": author,
        "delivery_status": row["delivery_status"] or None,
        "delivery_error": row["delivery_error"],
    }


def message_log_page(*, workspace, actor: Actor, query: ReportQuery, page: int = 1, page_size: int = 50) -> LogPage:
    """One page of the messages of the period, newest first (at most the newest 10,000 reachable)."""
    if _before_workspace(workspace=workspace, query=query):
        return log_page_empty(period=query.period, state=STATE_NO_DATA, page=page, page_size=page_size)
    messages = message_set(workspace=workspace, actor=actor, query=query)
    window = log_window(messages, page=page, page_size=page_size)
    rows = list(message_log_rows(messages)[window.offset:window.stop])
    channels, tz = _channel_names(workspace, rows), query.period.tz
    return log_page(period=query.period, window=window, page=page, page_size=page_size,
                    rows=[message_row(r, tz=tz, channels=channels) for r in rows])


# --- export ----------------------------------------------------------------------------------

CSV_COLUMNS = ["message_id", "created_at", "conversation_id", "contact_id", "contact_name", "channel_id", "channel",
               "direction", "sender_kind", "author_id", "author", "delivery_status", "delivery_error"]


def message_csv_rows(*, workspace, actor: Actor, query: ReportQuery, batch: int = 2000):
    """Every row of the log (no cap), newest first, as CSV cells (CSV_COLUMNS)."""
    messages = message_set(workspace=workspace, actor=actor, query=replace(query, interval=None))
    tz = query.period.tz
    buffer: list[dict] = []
    for row in message_log_rows(messages).iterator(chunk_size=batch):
        buffer.append(row)
        if len(buffer) >= batch:
            yield from _csv_cells(buffer, workspace=workspace, tz=tz)
            buffer = []
    if buffer:
        yield from _csv_cells(buffer, workspace=workspace, tz=tz)


def _csv_cells(rows, *, workspace, tz):
    channels = _channel_names(workspace, rows)
    for row in rows:
        r = message_row(row, tz=tz, channels=channels)
        yield [
            r["id"], r["created_at"], r["conversation_id"], r["contact_id"], r["contact_name"],
            r["channel"]["id"] if r["channel"] else "", r["channel"]["name"] if r["channel"] else "",
            r["direction"], r["sender_kind"], r["author"]["id"] if r["author"] else "",
            r["author"]["name"] if r["author"] else "", r["delivery_status"] or "", r["delivery_error"],
        ]


report_export_register(ReportExport(
    kind="messages", filters=FILTERS, columns=CSV_COLUMNS,
    count=lambda *, workspace, actor, query: message_set(workspace=workspace, actor=actor, query=query).count(),
    rows=message_csv_rows,
))
