"""Reportes → Contactos, declared on the reports framework (docs/reports.md "Contactos").

One set of contacts (``contact_set``: the workspace's contacts the viewer may see, matching the
filters, all of which are facts of the contact) and, from it, four sets for a period: new
(``created_at`` in it), active (a message of theirs in it), returning (active, created before
it) and first seen (``first_seen_at`` in it). Every component (cards, by origin, by channel,
time series, log, export) counts only these sets, so the numbers agree
(``tests/reports/test_contacts.py`` pins them to a count by hand).
"""

from bisect import bisect_right
from dataclasses import dataclass, replace
from datetime import date, datetime

from django.conf import settings
from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy, pgettext_lazy

from accounts.context import Actor
from accounts.models import Membership
from contacts.models import Contact, ContactActiveDay, ContactDailyCount, ContactOrigin, Message
from contacts.rollups import rollup_is_ready
from contacts.selectors import contact_visibility
from integrations.models import Channel

from .framework.buckets import bucket_index_counts, bucket_starts, default_interval
from .framework.conversation_filters import channel_condition, channel_options
from .framework.exports import ReportExport, report_export_register
from .framework.logs import LogPage, log_page, log_page_empty, log_window
from .framework.numbers import percents_largest_remainder
from .framework.query import CHOICE, ID, FilterSpec, ReportQuery, missing_ids
from .framework.states import STATE_NO_DATA, period_before_workspace, state_of
from .periods import ReportPeriod

# The origins in the order the report lists them (most contacts come in through a channel).
ORIGINS = (ContactOrigin.CHANNEL, ContactOrigin.IMPORT, ContactOrigin.API, ContactOrigin.USER,
           ContactOrigin.UNKNOWN)


def origin_label(origin: str) -> str:
    return str(ContactOrigin(origin).label) if origin in ContactOrigin.values else origin


def creation_channels_known(workspace, ids):
    found = set(Channel.objects.filter(workspace=workspace, pk__in=ids).values_list("pk", flat=True))
    rest = missing_ids(ids, found)
    if rest:  # a deleted channel's contacts keep its id
        found |= set(Contact.objects.filter(workspace=workspace, created_channel_id__in=rest)
                     .values_list("created_channel_id", flat=True).distinct())
    return found


def members_known(workspace, ids):
    # A deleted user's contacts lose their assignee (SET_NULL): only members can be picked.
    return Membership.objects.filter(workspace=workspace, user_id__in=ids).values_list("user_id", flat=True)


FILTERS = (
    FilterSpec("origin", gettext_lazy("Created through"), CHOICE, "choice",
               "Creado por: how the contact was created (`channel` an inbound message, `import` Data Import, `api` "
               "the Developer API, `user` a person in the app, `unknown` created before this was recorded).",
               choices=lambda: list(ORIGINS), options=lambda workspace: [(o, origin_label(o)) for o in ORIGINS],
               dots=True),
    FilterSpec("channel", gettext_lazy("Channel"), ID, "options",
               "Canal: the channel whose inbound message created the contact (a channel id), or `none` for contacts "
               "not created through a channel.",
               exists=creation_channels_known, allow_none=True,
               no_such=gettext_lazy("No channel with id %(ids)s in this workspace."), options=channel_options,
               none_label=gettext_lazy("No channel")),
    FilterSpec("assignee", gettext_lazy("Assigned to"), ID, "member",
               "Asignado a: the contact's assignee now (a user id), or `none` for unassigned contacts.",
               exists=members_known, allow_none=True,
               no_such=gettext_lazy("No user with id %(ids)s in this workspace.")),
)


# --- the sets ----------------------------------------------------------------------------------


def contact_conditions(*, workspace, actor: Actor, query: ReportQuery, path: str = "") -> Q:
    """The contact set's conditions on ``Contact`` (or, with ``path="conversation__contact__"``,
    on messages): what the viewer may see (``contact_visibility``) and the filters."""
    conditions = contact_visibility(workspace=workspace, user=actor.user, is_admin=actor.is_admin, path=path)
    if query.get("origin"):
        conditions &= Q(**{f"{path}origin__in": query.get("origin")})
    conditions &= channel_condition(query, field=f"{path}created_channel_id")
    if query.has("assignee"):
        owner = Q(**{f"{path}assignee_id__in": query.get("assignee")}) if query.get("assignee") else Q(pk__in=[])
        if query.includes_none("assignee"):
            owner |= Q(**{f"{path}assignee__isnull": True})
        conditions &= owner
    return conditions


def contact_set(*, workspace, actor: Actor, query: ReportQuery) -> QuerySet[Contact]:
    """The workspace's contacts the viewer may see, matching the filters (no period)."""
    if actor.workspace.pk != workspace.pk:
        return Contact.objects.none()
    return Contact.objects.filter(workspace=workspace).filter(
        contact_conditions(workspace=workspace, actor=actor, query=query))


def _in(period: ReportPeriod, field: str) -> Q:
    return Q(**{f"{field}__gte": period.start_utc, f"{field}__lt": period.end_utc})


def period_messages(*, workspace, period: ReportPeriod) -> QuerySet[Message]:
    # message_ws_created_idx: (workspace, created_at).
    return Message.objects.filter(workspace=workspace).filter(_in(period, "created_at"))


def new_contacts(contacts: QuerySet, period: ReportPeriod) -> QuerySet[Contact]:
    # contact_ws_created_idx: (workspace, created_at).
    return contacts.filter(_in(period, "created_at"))


def active_contacts(contacts: QuerySet, *, workspace, period: ReportPeriod) -> QuerySet[Contact]:
    """Contacts with a message (either direction, any sender) in the period."""
    return contacts.filter(pk__in=period_messages(workspace=workspace, period=period)
                           .values("conversation__contact_id"))


def first_seen_contacts(contacts: QuerySet, period: ReportPeriod) -> QuerySet[Contact]:
    # contact_ws_first_seen_idx: (workspace, first_seen_at).
    return contacts.filter(_in(period, "first_seen_at"))


def log_contacts(contacts: QuerySet, *, workspace, period: ReportPeriod) -> QuerySet[Contact]:
    """The log's rows: new contacts and returning ones (disjoint by ``created_at``)."""
    returning = Q(created_at__lt=period.start_utc, pk__in=period_messages(workspace=workspace, period=period)
                  .values("conversation__contact_id"))
    return contacts.filter(_in(period, "created_at") | returning)


# --- summary -----------------------------------------------------------------------------------



@dataclass(frozen=True)
class CountFigure:
    state: str
    value: int
    previous: int


@dataclass(frozen=True)
class OriginRow:
    origin: str
    label: str
    new: int
    active: int
    returning: int
    percent: float  # of Nuevos (the pie)


@dataclass(frozen=True)
class ChannelRow:
    channel_id: int | None
    name: str
    new: int
    active: int
    returning: int


@dataclass(frozen=True)
class ContactSummary:
    period: ReportPeriod
    state: str
    previous_period: ReportPeriod
    new: CountFigure
    active: CountFigure
    returning: CountFigure
    first_seen: CountFigure
    origins: list[OriginRow]
    channels: list[ChannelRow]


@dataclass(frozen=True)
class _Counts:
    """new / active / returning per (origin, creation channel), and first seen."""

    cells: dict[tuple[str, int | None], list[int]]
    first_seen: int

    def total(self, index: int) -> int:
        return sum(cell[index] for cell in self.cells.values())


def _counts(contacts: QuerySet, *, workspace, period: ReportPeriod) -> _Counts:
    cells: dict[tuple[str, int | None], list[int]] = {}
    keys = ("origin", "created_channel_id")
    for origin, channel_id, n in (new_contacts(contacts, period).order_by().values(*keys)
                                  .annotate(n=Count("pk")).values_list(*keys, "n")):
        cells.setdefault((origin, channel_id), [0, 0, 0])[0] += n
    for origin, channel_id, n, returning in (
            active_contacts(contacts, workspace=workspace, period=period).order_by().values(*keys)
            .annotate(n=Count("pk"), r=Count("pk", filter=Q(created_at__lt=period.start_utc)))
            .values_list(*keys, "n", "r")):
        cell = cells.setdefault((origin, channel_id), [0, 0, 0])
        cell[1] += n
        cell[2] += returning
    return _Counts(cells, first_seen_contacts(contacts, period).count())


# --- the rollup (contacts/activity.py) ------------------------------------------------------------
#
# New and first seen are sums of ``ContactDailyCount`` over the period's local days; active and
# returning are distinct contacts of ``ContactActiveDay`` rows in those days (returning: created
# before the period's first instant, copied on the row). Exactly the raw sets whenever the
# contact set is "every contact of the workspace matching origin and channel": the origin and
# the creation channel are on the rollup rows, the current assignee (the "Asignado a" filter and
# an agent's visibility) is not, so those read the raw contacts and messages.

_COUNTS = ContactDailyCount._meta.db_table
_ACTIVE = ContactActiveDay._meta.db_table


def contact_rollup_applies(*, workspace, actor: Actor, query: ReportQuery) -> bool:
    """True when the rollup answers this query exactly (see above) and is ready in the period's
    timezone (the contacts app's rollup state: after a timezone change, until its rebuild, no)."""
    if connection.vendor != "postgresql" or not getattr(settings, "REPORTS_USE_ROLLUP", True):
        return False
    if actor.workspace.pk != workspace.pk or query.has("assignee"):
        return False
    if contact_visibility(workspace=workspace, user=actor.user, is_admin=actor.is_admin) != Q():
        return False
    return query.period.timezone == workspace.timezone and rollup_is_ready(workspace=workspace)


def _rollup_where(query: ReportQuery) -> tuple[str, list]:
    """The origin and channel filters on rollup rows (channel 0 = none)."""
    sql, params = "", []
    if query.get("origin"):
        sql += " AND origin = ANY(%s)"
        params.append(list(query.get("origin")))
    if query.has("channel"):
        sql += " AND (channel_id = ANY(%s)" + (" OR channel_id = 0)" if query.includes_none("channel") else ")")
        params.append([int(c) for c in query.get("channel")])
    return sql, params


def _rollup_counts(*, workspace, query: ReportQuery, periods: list[ReportPeriod]) -> list[_Counts]:
    """``_counts`` of each period from the rollup: two statements whatever the periods."""
    where, where_params = _rollup_where(query)
    results = [_Counts({}, 0) for _ in periods]
    sums = " UNION ALL ".join(
        f"SELECT {i}, origin, channel_id, sum(new), sum(first_seen) FROM {_COUNTS} "
        f"WHERE workspace_id = %s AND day BETWEEN %s AND %s{where} GROUP BY origin, channel_id"
        for i in range(len(periods)))
    active = " UNION ALL ".join(
        f"SELECT {i}, origin, channel_id, count(DISTINCT contact_id), "
        f"count(DISTINCT contact_id) FILTER (WHERE created_at < %s) FROM {_ACTIVE} "
        f"WHERE workspace_id = %s AND day BETWEEN %s AND %s{where} GROUP BY origin, channel_id"
        for i in range(len(periods)))
    with connection.cursor() as cursor:
        cursor.execute(sums, [v for p in periods for v in (workspace.pk, p.start, p.end, *where_params)])
        for i, origin, channel_id, new, first_seen in cursor.fetchall():
            results[i] = _Counts(results[i].cells, results[i].first_seen + int(first_seen))
            if new:
                results[i].cells.setdefault((origin, channel_id or None), [0, 0, 0])[0] += int(new)
        cursor.execute(active, [v for p in periods
                                for v in (p.start_utc, workspace.pk, p.start, p.end, *where_params)])
        for i, origin, channel_id, n, returning in cursor.fetchall():
            cell = results[i].cells.setdefault((origin, channel_id or None), [0, 0, 0])
            cell[1] += n
            cell[2] += returning
    return results


_TRUNC_SQL = {"day": "day", "week": "date_trunc('week', day)::date", "month": "date_trunc('month', day)::date"}


def _rollup_buckets(*, workspace, query: ReportQuery, interval: str, starts: list[datetime]) -> list[list[int]]:
    """``[new, active, first seen]`` per bucket of ``starts`` (day / week / month) from the rollup."""
    period = query.period
    where, where_params = _rollup_where(query)
    days: list[date] = [start.date() for start in starts]
    per_bucket = [[0, 0, 0] for _ in starts]

    def index(day: date) -> int:
        return bisect_right(days, day) - 1

    bucket = _TRUNC_SQL[interval]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT day, sum(new), sum(first_seen) FROM {_COUNTS} WHERE workspace_id = %s "
                       f"AND day BETWEEN %s AND %s{where} GROUP BY day",
                       [workspace.pk, period.start, period.end, *where_params])
        for day, new, first_seen in cursor.fetchall():
            per_bucket[index(day)][0] += int(new)
            per_bucket[index(day)][2] += int(first_seen)
        cursor.execute(f"SELECT {bucket} AS bucket, count(DISTINCT contact_id) FROM {_ACTIVE} WHERE workspace_id = %s "
                       f"AND day BETWEEN %s AND %s{where} GROUP BY 1",
                       [workspace.pk, period.start, period.end, *where_params])
        for day, n in cursor.fetchall():
            per_bucket[index(day)][1] += n
    return per_bucket


def _channel_names(workspace, ids) -> dict[int, str]:
    return dict(Channel.objects.filter(workspace=workspace, pk__in=[i for i in ids if i]).values_list("pk", "name"))


def contact_summary(*, workspace, actor: Actor, query: ReportQuery) -> ContactSummary:
    period, previous = query.period, query.period.previous()
    empty = period_before_workspace(workspace=workspace, period=period)
    if empty:
        now = before = _Counts({}, 0)
    elif contact_rollup_applies(workspace=workspace, actor=actor, query=query):
        now, before = _rollup_counts(workspace=workspace, query=query, periods=[period, previous])
    else:
        contacts = contact_set(workspace=workspace, actor=actor, query=query)
        now = _counts(contacts, workspace=workspace, period=period)
        before = _counts(contacts, workspace=workspace, period=previous)

    def figure(index: int | None) -> CountFigure:
        value = now.first_seen if index is None else now.total(index)
        prior = before.first_seen if index is None else before.total(index)
        return CountFigure(STATE_NO_DATA if empty else state_of(value), value, prior)

    by_origin = {origin: [0, 0, 0] for origin in ORIGINS}
    by_channel: dict[int | None, list[int]] = {}
    for (origin, channel_id), cell in now.cells.items():
        for index in range(3):
            by_origin.setdefault(origin, [0, 0, 0])[index] += cell[index]
            by_channel.setdefault(channel_id, [0, 0, 0])[index] += cell[index]
    origins = [o for o in by_origin if any(by_origin[o])]
    percents = percents_largest_remainder([by_origin[o][0] for o in origins]) if origins else []
    origin_rows = [OriginRow(o, origin_label(o), *by_origin[o], percent) for o, percent in
                   zip(origins, percents, strict=True)]
    names = _channel_names(workspace, by_channel)
    channel_rows = [ChannelRow(c, "" if c is None else names.get(c) or f"#{c}", *v) for c, v in by_channel.items()]
    channel_rows.sort(key=lambda r: (-r.new, -r.active, r.channel_id is None, r.name.casefold(), r.channel_id or 0))
    new, active = figure(0), figure(1)
    return ContactSummary(
        period=period, state=STATE_NO_DATA if empty else state_of(new.value + active.value),
        previous_period=previous, new=new, active=active, returning=figure(2), first_seen=figure(None),
        origins=origin_rows, channels=channel_rows,
    )


def contact_headlines(*, workspace, actor: Actor, period: ReportPeriod) -> list[dict]:
    """The Reportes landing page's figures: new and active contacts (the cards' numbers)."""
    summary = contact_summary(workspace=workspace, actor=actor, query=ReportQuery(period=period))
    return [
        {"label": str(pgettext_lazy("contacts report", "New")), "value": summary.new.value},
        {"label": str(pgettext_lazy("contacts report", "Active")), "value": summary.active.value},
    ]


# --- time series -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ContactBucket:
    start: datetime
    new: int
    active: int
    first_seen: int


@dataclass(frozen=True)
class ContactTimeseries:
    period: ReportPeriod
    state: str
    interval: str
    buckets: list[ContactBucket]


def contact_timeseries(*, workspace, actor: Actor, query: ReportQuery) -> ContactTimeseries:
    """Per bucket: new contacts, active contacts (distinct, in that bucket) and first seen."""
    period = query.period
    interval = query.interval or default_interval(period)
    starts = bucket_starts(period, interval)
    if period_before_workspace(workspace=workspace, period=period):
        return ContactTimeseries(period, STATE_NO_DATA, interval, [ContactBucket(s, 0, 0, 0) for s in starts])
    if interval != "hour" and contact_rollup_applies(workspace=workspace, actor=actor, query=query):
        buckets = [ContactBucket(start, *counts) for start, counts in
                   zip(starts, _rollup_buckets(workspace=workspace, query=query, interval=interval, starts=starts),
                       strict=True)]
        return ContactTimeseries(period, state_of(sum(b.new + b.active + b.first_seen for b in buckets)), interval,
                                 buckets)
    contacts = contact_set(workspace=workspace, actor=actor, query=query)
    common = {"group": None, "period": period, "interval": interval, "starts": starts}
    new = bucket_index_counts(new_contacts(contacts, period), field="created_at", **common)
    seen = bucket_index_counts(first_seen_contacts(contacts, period), field="first_seen_at", **common)
    messages = period_messages(workspace=workspace, period=period).filter(
        contact_conditions(workspace=workspace, actor=actor, query=query, path="conversation__contact__"))
    active = bucket_index_counts(messages, field="created_at", distinct="conversation__contact_id", **common)
    buckets = [ContactBucket(start, n.get(None, 0), a.get(None, 0), f.get(None, 0))
               for start, n, a, f in zip(starts, new, active, seen, strict=True)]
    return ContactTimeseries(period, state_of(sum(b.new + b.active + b.first_seen for b in buckets)), interval,
                             buckets)


# --- the log -----------------------------------------------------------------------------------

LOG_FIELDS = ("id", "first_name", "last_name", "created_at", "first_seen_at", "origin", "created_channel_id",
              "assignee_id", "assignee__name", "assignee__email")


def contact_log_rows(contacts: QuerySet) -> QuerySet:
    """Newest contact first (``created_at``, then id)."""
    return contacts.order_by("-created_at", "-id").values(*LOG_FIELDS)


def _message_counts(*, workspace, period: ReportPeriod, ids: list[int]) -> dict[int, int]:
    return dict(period_messages(workspace=workspace, period=period).filter(conversation__contact_id__in=ids)
                .order_by().values("conversation__contact_id").annotate(n=Count("pk"))
                .values_list("conversation__contact_id", "n"))


def contact_row(row: dict, *, period: ReportPeriod, channels: dict, messages: dict) -> dict:
    """One log row in the wire shape of the Contactos log (also the CSV's source)."""
    tz, channel_id = period.tz, row["created_channel_id"]
    name = f"{row['first_name']} {row['last_name']}".strip()
    assignee = None
    if row["assignee_id"] is not None:
        assignee = {"id": row["assignee_id"],
                    "name": row["assignee__name"] or row["assignee__email"] or f"#{row['assignee_id']}"}
    is_new = row["created_at"] >= period.start_utc
    return {
        "id": row["id"],
        "name": name or f"#{row['id']}",
        "created_at": row["created_at"].astimezone(tz).isoformat(timespec="seconds"),
        "first_seen_at": (row["first_seen_at"].astimezone(tz).isoformat(timespec="seconds")
                          if row["first_seen_at"] else None),
        "origin": row["origin"],
        "origin_label": origin_label(row["origin"]),
        "channel": None if channel_id is None else {"id": channel_id, "name": channels.get(channel_id) or f"#{channel_id}"},
        "assignee": assignee,
        "messages": messages.get(row["id"], 0),
        "new": is_new,
        "returning": not is_new,
    }


def _rows(workspace, period: ReportPeriod, rows: list[dict]) -> list[dict]:
    channels = _channel_names(workspace, {r["created_channel_id"] for r in rows})
    messages = _message_counts(workspace=workspace, period=period, ids=[r["id"] for r in rows])
    return [contact_row(r, period=period, channels=channels, messages=messages) for r in rows]


def contact_log_page(*, workspace, actor: Actor, query: ReportQuery, page: int = 1, page_size: int = 50) -> LogPage:
    """One page of the period's new and returning contacts, newest first (the newest 10,000 reachable)."""
    period = query.period
    if period_before_workspace(workspace=workspace, period=period):
        return log_page_empty(period=period, state=STATE_NO_DATA, page=page, page_size=page_size)
    contacts = log_contacts(contact_set(workspace=workspace, actor=actor, query=query), workspace=workspace,
                            period=period)
    window = log_window(contacts, page=page, page_size=page_size)
    rows = list(contact_log_rows(contacts)[window.offset:window.stop])
    return log_page(period=period, window=window, page=page, page_size=page_size, rows=_rows(workspace, period, rows))


# --- export ------------------------------------------------------------------------------------

CSV_COLUMNS = ["contact_id", "contact_name", "created_at", "first_seen_at", "origin", "channel_id", "channel",
               "assignee_id", "assignee", "messages", "new", "returning"]


def _export_set(*, workspace, actor: Actor, query: ReportQuery) -> QuerySet[Contact]:
    return log_contacts(contact_set(workspace=workspace, actor=actor, query=query), workspace=workspace,
                        period=query.period)


def contact_csv_rows(*, workspace, actor: Actor, query: ReportQuery, batch: int = 2000):
    """Every row of the log (no cap), newest contact first, as CSV cells (CSV_COLUMNS)."""
    query = replace(query, interval=None)
    buffer: list[dict] = []
    for row in contact_log_rows(_export_set(workspace=workspace, actor=actor, query=query)).iterator(chunk_size=batch):
        buffer.append(row)
        if len(buffer) >= batch:
            yield from _csv_cells(workspace, query.period, buffer)
            buffer = []
    if buffer:
        yield from _csv_cells(workspace, query.period, buffer)


def _csv_cells(workspace, period: ReportPeriod, rows: list[dict]):
    for r in _rows(workspace, period, rows):
        yield [
            r["id"], r["name"], r["created_at"], r["first_seen_at"] or "", r["origin"],
            r["channel"]["id"] if r["channel"] else "", r["channel"]["name"] if r["channel"] else "",
            r["assignee"]["id"] if r["assignee"] else "", r["assignee"]["name"] if r["assignee"] else "",
            r["messages"], "yes" if r["new"] else "no", "yes" if r["returning"] else "no",
        ]


report_export_register(ReportExport(
    kind="contacts", filters=FILTERS, columns=CSV_COLUMNS,
    count=lambda *, workspace, actor, query: _export_set(workspace=workspace, actor=actor, query=query).count(),
    rows=contact_csv_rows,
))
