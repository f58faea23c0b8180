"""Reportes → Transmisiones, declared on the reports framework (docs/reports.md "Transmisiones").

One filtered set of raw facts: the ``broadcasts.BroadcastRecipient`` rows whose **time** (their
``sent_at``, else their ``queued_at``) falls in the period (``recipient_set``). Every component
(cards, funnel, failures by reason, per-broadcast table, time series, log, export) counts only
this set, in the database (aggregates with ``FILTER``), so the numbers agree
(``tests/reports/test_broadcasts_report.py`` pins them to a count by hand).

Owners, managers and API tokens only: agents get 403 before any selector runs
(``broadcasts_api.ENDPOINTS`` is ``admin_only``; the page is ``admin=True``).
"""

from dataclasses import dataclass, replace
from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy, pgettext_lazy

from accounts.context import Actor
from broadcasts.models import Broadcast, BroadcastRecipient, RecipientReason, RecipientStatus
from integrations.models import Channel

from .framework.buckets import bucket_index_aggregates, bucket_starts, default_interval
from .framework.conversation_filters import channel_options
from .framework.exports import ReportExport, report_export_register
from .framework.logs import LogPage, log_page, log_page_empty, log_window
from .framework.numbers import percent_half_up, percents_largest_remainder
from .framework.query import CHOICE, ID, FilterSpec, ReportQuery
from .framework.states import STATE_NO_DATA, period_before_workspace, state_of
from .periods import ReportPeriod

STATUSES = tuple(RecipientStatus.values)
REASONS = tuple(RecipientReason.values)
PENDING = (RecipientStatus.QUEUED, RecipientStatus.SENDING)

# The funnel, cumulative by the stage timestamps: a later stage implies the earlier ones.
SENT = Q(sent_at__isnull=False)
DELIVERED = Q(delivered_at__isnull=False) | Q(read_at__isnull=False) | Q(replied_at__isnull=False)
READ = Q(read_at__isnull=False) | Q(replied_at__isnull=False)
REPLIED = Q(replied_at__isnull=False)
FAILED = Q(status=RecipientStatus.FAILED)
SKIPPED = Q(status=RecipientStatus.SKIPPED)

# The counts every component reports (cards, per-broadcast rows, buckets), in this order.
COUNTS = ("recipients", "sent", "delivered", "read", "replied", "failed", "skipped", "pending")
FUNNEL = ("recipients", "sent", "delivered", "read", "replied")
CONDITIONS = {
    "recipients": ~SKIPPED,
    "sent": SENT,
    "delivered": DELIVERED,
    "read": READ,
    "replied": REPLIED,
    "failed": FAILED,
    "skipped": SKIPPED,
    "pending": Q(status__in=PENDING),
}
AGGREGATES = {key: Count("pk", filter=condition) for key, condition in CONDITIONS.items()}
# Each rate's denominator (docs/reports.md "Transmisiones").
RATE_OF = {"sent": "recipients", "failed": "recipients", "delivered": "sent", "read": "sent", "replied": "sent"}


def count_label(key: str) -> str:
    return str({
        "recipients": pgettext_lazy("broadcasts report", "Recipients"),
        "sent": pgettext_lazy("broadcasts report", "Sent"),
        "delivered": pgettext_lazy("broadcasts report", "Delivered"),
        "read": pgettext_lazy("broadcasts report", "Read"),
        "replied": pgettext_lazy("broadcasts report", "Replied"),
        "failed": pgettext_lazy("broadcasts report", "Failed"),
        "skipped": pgettext_lazy("broadcasts report", "Skipped"),
        "pending": pgettext_lazy("broadcasts report", "Pending"),
    }[key])


def status_label(status: str) -> str:
    return str(RecipientStatus(status).label) if status in RecipientStatus.values else status


def reason_label(reason: str) -> str:
    return str(RecipientReason(reason).label) if reason in RecipientReason.values else "-"


def broadcasts_known(workspace, ids):
    return Broadcast.objects.filter(workspace=workspace, pk__in=ids).values_list("pk", flat=True)


def broadcast_options(workspace):
    return [(str(pk), name) for pk, name in Broadcast.objects.filter(workspace=workspace)
            .order_by("-created_at", "-pk").values_list("pk", "name")]


def channels_known(workspace, ids):
    # A channel with broadcasts cannot be deleted (RESTRICT): only existing channels name them.
    return Channel.objects.filter(workspace=workspace, pk__in=ids).values_list("pk", flat=True)


FILTERS = (
    FilterSpec("broadcast", gettext_lazy("Broadcast"), ID, "options", "Transmisión: a broadcast id of the workspace.",
               exists=broadcasts_known, options=broadcast_options,
               no_such=gettext_lazy("No broadcast with id %(ids)s in this workspace.")),
    FilterSpec("channel", gettext_lazy("Channel"), ID, "options", "Canal: the broadcast's channel (a channel id).",
               exists=channels_known, options=channel_options,
               no_such=gettext_lazy("No channel with id %(ids)s in this workspace.")),
    FilterSpec("status", gettext_lazy("Status"), CHOICE, "choice", "Estado: the recipient's status now.",
               choices=lambda: list(STATUSES), options=lambda workspace: [(s, status_label(s)) for s in STATUSES]),
)


# --- the one filtered set --------------------------------------------------------------------


def recipient_set(*, workspace, actor: Actor, query: ReportQuery, period: ReportPeriod | None = None
                  ) -> QuerySet[BroadcastRecipient]:
    """Recipient rows whose time (``sent_at``, else ``queued_at``) is in the period, matching the
    filters, annotated with that time as ``at``. Agents see nothing (the API refuses them first)."""
    if actor.workspace.pk != workspace.pk or actor.is_agent:
        return BroadcastRecipient.objects.none()
    period = period or query.period
    start, end = period.start_utc, period.end_utc
    # recipient_ws_sent_idx (workspace, sent_at) finds the sends; recipient_ws_unsent_idx the rest.
    rows = BroadcastRecipient.objects.filter(
        Q(sent_at__gte=start, sent_at__lt=end) | Q(sent_at__isnull=True, queued_at__gte=start, queued_at__lt=end),
        workspace=workspace,
    )
    if query.get("broadcast"):
        rows = rows.filter(broadcast_id__in=query.get("broadcast"))
    if query.get("channel"):
        rows = rows.filter(broadcast__channel_id__in=query.get("channel"))
    if query.get("status"):
        rows = rows.filter(status__in=query.get("status"))
    return rows.annotate(at=Coalesce("sent_at", "queued_at"))


# --- summary ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CountFigure:
    key: str
    label: str
    value: int
    previous: int
    rate: float | None  # percent of its denominator (RATE_OF), None without one or when it is 0
    rate_of: str | None


@dataclass(frozen=True)
class ReasonRow:
    status: str
    reason: str
    label: str
    count: int
    percent: float  # of its status' total


@dataclass(frozen=True)
class BroadcastRow:
    broadcast_id: int
    name: str
    channel_id: int
    channel: str
    status: str
    started_at: datetime | None
    counts: dict[str, int]
    rates: dict[str, float | None]


@dataclass(frozen=True)
class BroadcastSummary:
    period: ReportPeriod
    state: str
    previous_period: ReportPeriod
    counts: list[CountFigure]
    funnel: list[CountFigure]
    reasons: list[ReasonRow]
    broadcasts: list[BroadcastRow]


def _rates(counts: dict[str, int]) -> dict[str, float | None]:
    return {key: percent_half_up(counts[key], counts[of]) for key, of in RATE_OF.items()}


def _reason_rows(rows: QuerySet) -> list[ReasonRow]:
    grouped = list(rows.filter(FAILED | SKIPPED).order_by().values("status", "reason").annotate(n=Count("pk"))
                   .values_list("status", "reason", "n"))
    out = []
    for status in (RecipientStatus.FAILED, RecipientStatus.SKIPPED):
        mine = [(reason, n) for s, reason, n in grouped if s == status]
        mine.sort(key=lambda item: (-item[1], REASONS.index(item[0]) if item[0] in REASONS else len(REASONS)))
        percents = percents_largest_remainder([n for _, n in mine])
        out += [ReasonRow(str(status), reason, reason_label(reason), n, p)
                for (reason, n), p in zip(mine, percents, strict=True)]
    return out


def _broadcast_rows(*, workspace, actor: Actor, query: ReportQuery) -> tuple[list[BroadcastRow], dict[str, int]]:
    """One row per broadcast with recipients in the period, and the previous period's totals: one
    statement over both periods (adjacent), each count split by the period its row is in."""
    period, previous = query.period, query.period.previous()
    both = ReportPeriod(start=previous.start, end=period.end, timezone=period.timezone)
    current = Q(at__gte=period.start_utc)
    counts = {key: Count("pk", filter=current & condition) for key, condition in CONDITIONS.items()}
    counts.update({f"previous_{key}": Count("pk", filter=~current & condition) for key, condition in CONDITIONS.items()})
    grouped = {r["broadcast_id"]: r for r in recipient_set(workspace=workspace, actor=actor, query=query, period=both)
               .order_by().values("broadcast_id").annotate(_rows=Count("pk", filter=current), **counts)}
    before = {key: sum(r[f"previous_{key}"] for r in grouped.values()) for key in COUNTS}
    ids = [pk for pk, r in grouped.items() if r["_rows"]]
    out = []
    for b in Broadcast.objects.filter(pk__in=ids).select_related("channel").order_by("-created_at", "-pk"):
        mine = {key: grouped[b.pk][key] for key in COUNTS}
        out.append(BroadcastRow(b.pk, b.name, b.channel_id, b.channel.name, b.status, b.started_at, mine,
                                _rates(mine)))
    return out, before


def broadcast_report_summary(*, workspace, actor: Actor, query: ReportQuery) -> BroadcastSummary:
    period, previous = query.period, query.period.previous()
    empty = period_before_workspace(workspace=workspace, period=period)
    if empty:
        rows_now, reasons, per_broadcast = dict.fromkeys(COUNTS, 0), [], []
        before = dict.fromkeys(COUNTS, 0)
    else:
        per_broadcast, before = _broadcast_rows(workspace=workspace, actor=actor, query=query)
        rows_now = {key: sum(r.counts[key] for r in per_broadcast) for key in COUNTS}
        reasons = _reason_rows(recipient_set(workspace=workspace, actor=actor, query=query))
    rates = _rates(rows_now)
    counts = [CountFigure(key, count_label(key), rows_now[key], before[key], rates.get(key), RATE_OF.get(key))
              for key in COUNTS]
    total = rows_now["recipients"] + rows_now["skipped"]
    return BroadcastSummary(
        period=period, state=STATE_NO_DATA if empty else state_of(total), previous_period=previous,
        counts=counts, funnel=[c for c in counts if c.key in FUNNEL], reasons=reasons, broadcasts=per_broadcast,
    )


def broadcast_headlines(*, workspace, actor: Actor, period: ReportPeriod) -> list[dict]:
    """The Reportes landing page's figures: sent and replied (the cards' numbers); none for agents."""
    if actor.is_agent:
        return []
    summary = broadcast_report_summary(workspace=workspace, actor=actor, query=ReportQuery(period=period))
    figures = {c.key: c.value for c in summary.counts}
    return [{"label": count_label(key), "value": figures[key]} for key in ("sent", "replied")]


# --- time series -----------------------------------------------------------------------------


@dataclass(frozen=True)
class BroadcastBucket:
    start: datetime
    counts: dict[str, int]


@dataclass(frozen=True)
class BroadcastTimeseries:
    period: ReportPeriod
    state: str
    interval: str
    buckets: list[BroadcastBucket]


SERIES = ("recipients", "sent", "delivered", "read", "replied", "failed", "skipped")


def broadcast_report_timeseries(*, workspace, actor: Actor, query: ReportQuery) -> BroadcastTimeseries:
    """Per bucket of the recipient's time, the cards' counts; bucket sums equal the cards."""
    interval = query.interval or default_interval(query.period)
    starts = bucket_starts(query.period, interval)
    if period_before_workspace(workspace=workspace, period=query.period):
        per_bucket, state = [dict.fromkeys(SERIES, 0) for _ in starts], STATE_NO_DATA
    else:
        per_bucket = bucket_index_aggregates(
            recipient_set(workspace=workspace, actor=actor, query=query), field="at", period=query.period,
            interval=interval, starts=starts, aggregates={key: AGGREGATES[key] for key in SERIES})
        state = state_of(sum(b["recipients"] + b["skipped"] for b in per_bucket))
    return BroadcastTimeseries(query.period, state, interval,
                               [BroadcastBucket(start, counts) for start, counts in zip(starts, per_bucket, strict=True)])


# --- the log ---------------------------------------------------------------------------------

STAMPS = ("queued_at", "sent_at", "delivered_at", "read_at", "replied_at", "failed_at")
LOG_FIELDS = ("id", "at", "broadcast_id", "broadcast__name", "broadcast__channel_id", "broadcast__channel__name",
              "contact_id", "contact_name", "status", "reason", "detail", *STAMPS)


def recipient_log_rows(rows: QuerySet) -> QuerySet:
    """Newest first (the recipient's time, then row id)."""
    return rows.order_by("-at", "-id").values(*LOG_FIELDS)


def recipient_row(row: dict, *, tz) -> dict:
    """One log row in the wire shape of the Transmisiones log (also the CSV's source)."""

    def stamp(value):
        return None if value is None else value.astimezone(tz).isoformat(timespec="seconds")

    channel_id = row["broadcast__channel_id"]
    return {
        "id": row["id"],
        "at": stamp(row["at"]),
        "broadcast": {"id": row["broadcast_id"], "name": row["broadcast__name"]},
        "channel": {"id": channel_id, "name": row["broadcast__channel__name"] or f"#{channel_id}"},
        "contact_id": row["contact_id"],
        "contact_name": row["contact_name"] or f"#{row['contact_id']}",
        "status": row["status"],
        "reason": row["reason"] or None,
        "detail": row["detail"],
        **{name: stamp(row[name]) for name in STAMPS},
    }


def broadcast_report_log_page(*, workspace, actor: Actor, query: ReportQuery, page: int = 1,
                              page_size: int = 50) -> LogPage:
    """One page of the recipients of the period, newest first (at most the newest 10,000 reachable)."""
    if period_before_workspace(workspace=workspace, period=query.period):
        return log_page_empty(period=query.period, state=STATE_NO_DATA, page=page, page_size=page_size)
    rows = recipient_set(workspace=workspace, actor=actor, query=query)
    window = log_window(rows, page=page, page_size=page_size)
    tz = query.period.tz
    return log_page(period=query.period, window=window, page=page, page_size=page_size,
                    rows=[recipient_row(r, tz=tz) for r in recipient_log_rows(rows)[window.offset:window.stop]])


# --- export ----------------------------------------------------------------------------------

CSV_COLUMNS = ["recipient_id", "broadcast_id", "broadcast", "channel_id", "channel", "contact_id", "contact_name",
               "status", "reason", "detail", *STAMPS]


def recipient_csv_rows(*, workspace, actor: Actor, query: ReportQuery, batch: int = 2000):
    """Every row of the log (no cap), in its order, as CSV cells (CSV_COLUMNS)."""
    rows = recipient_set(workspace=workspace, actor=actor, query=replace(query, interval=None))
    tz = query.period.tz
    for row in recipient_log_rows(rows).iterator(chunk_size=batch):
        r = recipient_row(row, tz=tz)
        yield [r["id"], r["broadcast"]["id"], r["broadcast"]["name"], r["channel"]["id"], r["channel"]["name"],
               r["contact_id"], r["contact_name"], r["status"], r["reason"] or "", r["detail"],
               *(r[name] or "" for name in STAMPS)]


report_export_register(ReportExport(
    kind="broadcasts", filters=FILTERS, columns=CSV_COLUMNS,
    count=lambda *, workspace, actor, query: recipient_set(workspace=workspace, actor=actor, query=query).count(),
    rows=recipient_csv_rows,
))
