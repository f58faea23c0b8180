"""Reads of Estado de Actividad. Every selector takes the workspace first."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.db.models import Exists, OuterRef, Q, Subquery

from accounts.models import User, Workspace

from .models import AgentStatus, AgentStatusDailyTotal, AgentStatusEvent, AgentStatusValue
from .rollups import local_midnight, rollup_is_ready, seconds_between, split_by_day

# (``TextChoices.values`` builds a new list on every call.)
STATUS_VALUES = tuple(AgentStatusValue.values)


@dataclass(frozen=True)
class MemberStatus:
    status: str
    source: str | None
    changed_at: datetime | None
    last_seen_at: datetime | None


def member_status_get(*, workspace: Workspace, user: User) -> MemberStatus:
    """The member's current status. A member without one yet shows what round robin assumes of
    them (``member_online_q``): their availability if presence never saw the user, else offline."""
    row = AgentStatus.objects.filter(workspace=workspace, user=user).first()
    if row is not None:
        return MemberStatus(row.status, row.source, row.changed_at, row.last_seen_at)
    if AgentStatus.objects.filter(user=user).exists():
        return MemberStatus(AgentStatusValue.OFFLINE, None, None, None)
    legacy = user.availability if user.availability in STATUS_VALUES else AgentStatusValue.ONLINE
    return MemberStatus(legacy, None, None, None)


def member_online_q(workspace: Workspace, user_ref: str = "pk") -> Q:
    """For a ``User`` queryset: online in ``workspace`` (round robin "only online").

    A user presence has never seen (no status in any workspace: rows that predate the app, users
    who never logged in) falls back to ``User.availability`` alone, which the caller filters too.
    """
    here_online = AgentStatus.objects.filter(
        workspace=workspace, user=OuterRef(user_ref), status=AgentStatusValue.ONLINE
    )
    anywhere = AgentStatus.objects.filter(user=OuterRef(user_ref))
    return Q(Exists(here_online)) | ~Q(Exists(anywhere))


def member_status_events(
    *, workspace: Workspace, user: User, start: datetime, end: datetime
) -> list[AgentStatusEvent]:
    """The member's events with ``start <= created_at < end``, oldest first (the chain's order)."""
    # agent_event_ws_user_time_idx
    return list(
        AgentStatusEvent.objects.filter(workspace=workspace, user=user, created_at__gte=start, created_at__lt=end)
        .order_by("created_at", "id")
    )


def member_status_durations(
    *, workspace: Workspace, user: User, start: datetime, end: datetime
) -> dict[str, timedelta]:
    """Time spent in each status within ``[start, end)`` (docs/presence.md "Time per status").

    The period opens with the new status of the last event before ``start`` (nothing is counted
    before the member's first event); each event closes the running interval and opens the next;
    the last interval runs to ``end``. Callers pass ``end`` no later than now.
    """
    totals = {value: timedelta(0) for value in STATUS_VALUES}
    # agent_event_ws_user_time_idx, backwards from start: one row.
    before = (
        AgentStatusEvent.objects.filter(workspace=workspace, user=user, created_at__lt=start)
        .order_by("-created_at", "-id").first()
    )
    status, since = (before.new_status, start) if before is not None else (None, start)
    for event in member_status_events(workspace=workspace, user=user, start=start, end=end):
        if status is not None:
            totals[status] += event.created_at - since
        status, since = event.new_status, event.created_at
    if status is not None:
        totals[status] += end - since
    return totals


# --- the Usuarios report (docs/reports.md "Usuarios") ------------------------------------------
# Whole seconds throughout: ``agent_status_set`` stores instants to the second.


@dataclass(frozen=True)
class StatusSegment:
    """One interval of a member's timeline: ``status`` during ``[start, end)``."""

    user_id: int
    status: str
    start: datetime
    end: datetime


def member_current_statuses(*, workspace: Workspace, user_ids: list[int]) -> dict[int, AgentStatus]:
    """The ``AgentStatus`` row of each member that has one."""
    return {row.user_id: row for row in AgentStatus.objects.filter(workspace=workspace, user_id__in=user_ids)}


def member_first_event_at(*, workspace: Workspace, user_ids: list[int]) -> dict[int, datetime]:
    """When each member's first event of the workspace happened (members without one are left out)."""
    # One index probe per member on agent_event_ws_user_time_idx (a GROUP BY would read every event).
    first = AgentStatusEvent.objects.filter(workspace=workspace, user_id=OuterRef("pk")).order_by("created_at", "id")
    rows = (User.objects.filter(pk__in=user_ids).annotate(_first=Subquery(first.values("created_at")[:1]))
            .exclude(_first=None).values_list("pk", "_first"))
    return dict(rows)


def member_status_segments(*, workspace: Workspace, user_ids: list[int], start: datetime, end: datetime,
                           now: datetime) -> dict[int, list[StatusSegment]]:
    """Each member's timeline inside ``[start, min(end, now))`` from the events, in time order.

    The window opens with the new status of the member's last event before ``start`` (none: the
    member's time before their first event is untracked and has no segment); each event inside
    closes the running segment; the last runs to ``min(end, now)``. Zero-length segments (two
    events in one second) are dropped.
    """
    stop = min(end, now)
    out: dict[int, list[StatusSegment]] = {user_id: [] for user_id in user_ids}
    if stop <= start or not user_ids:
        return out
    before = AgentStatusEvent.objects.filter(workspace=workspace, user_id=OuterRef("pk"), created_at__lt=start)
    opening = dict(User.objects.filter(pk__in=user_ids)
                   .annotate(_status=Subquery(before.order_by("-created_at", "-id").values("new_status")[:1]))
                   .exclude(_status=None).values_list("pk", "_status"))
    running: dict[int, tuple[str, datetime]] = {u: (s, start) for u, s in opening.items()}
    # agent_event_ws_time_idx (or per member agent_event_ws_user_time_idx)
    events = (AgentStatusEvent.objects.filter(workspace=workspace, user_id__in=user_ids, created_at__gte=start,
                                              created_at__lt=stop)
              .order_by("created_at", "id").values_list("user_id", "new_status", "created_at"))
    for user_id, status, at in events:
        current = running.get(user_id)
        if current is not None and at > current[1]:
            out[user_id].append(StatusSegment(user_id, current[0], current[1], at))
        running[user_id] = (status, at)
    for user_id, (status, since) in running.items():
        if stop > since:
            out[user_id].append(StatusSegment(user_id, status, since, stop))
    return out


def member_status_day_seconds(*, workspace: Workspace, user_ids: list[int], first_day: date, last_day: date,
                              now: datetime) -> dict[tuple[int, date], dict[str, int]]:
    """Seconds per status of each member and local day of ``[first_day, last_day]``, clipped at now.

    From the day rollup (``AgentStatusDailyTotal``, closed intervals) plus each member's open
    interval (their current status since ``changed_at``), when the rollup is counted in the
    workspace's timezone; otherwise from the events (the same numbers). Only (member, day) pairs
    with some time are present.
    """
    tz = workspace.tzinfo
    start = local_midnight(first_day, tz).astimezone(UTC)
    end = local_midnight(last_day + timedelta(days=1), tz).astimezone(UTC)
    out: dict[tuple[int, date], dict[str, int]] = {}
    if not user_ids or min(end, now) <= start:
        return out

    def add(user_id, day, status, seconds):
        if seconds > 0:
            cell = out.setdefault((user_id, day), {})
            cell[status] = cell.get(status, 0) + seconds

    if not rollup_is_ready(workspace=workspace):
        for segments in member_status_segments(workspace=workspace, user_ids=user_ids, start=start, end=end,
                                               now=now).values():
            for segment in segments:
                for day, a, b in split_by_day(segment.start, segment.end, tz):
                    add(segment.user_id, day, segment.status, seconds_between(a, b))
        return out
    # Days before now's local day from the rollup (their pieces lie before now, whenever the
    # interval closed) plus the open intervals up to that day; now's day from the events, so a
    # ``now`` in the past (a report's ``as_of``) is exact too.
    cut_day, cut = _cut(now, tz)
    # The rollup and the current statuses are two reads; a change committing between them would
    # count its interval twice or not at all, so both are read again until the statuses held still.
    for _attempt in range(5):
        current = _status_marks(workspace, user_ids)
        totals = list(AgentStatusDailyTotal.objects.filter(workspace=workspace, user_id__in=user_ids,
                                                           day__gte=first_day, day__lte=last_day, day__lt=cut_day)
                      .values_list("user_id", "day", "status", "seconds"))
        if _status_marks(workspace, user_ids) == current:
            break
    for user_id, day, status, seconds in totals:
        add(user_id, day, status, seconds)
    for user_id, (status, changed_at) in current.items():
        for day, a, b in split_by_day(max(changed_at, start), min(end, cut), tz):
            add(user_id, day, status, seconds_between(a, b))
    if end > cut:
        for segments in member_status_segments(workspace=workspace, user_ids=user_ids, start=max(start, cut),
                                               end=end, now=now).values():
            for segment in segments:
                for day, a, b in split_by_day(segment.start, segment.end, tz):
                    add(segment.user_id, day, segment.status, seconds_between(a, b))
    return out


def _cut(now: datetime, tz) -> tuple[date, datetime]:
    """Now's local day and its 00:00 (UTC)."""
    day = now.astimezone(tz).date()
    return day, local_midnight(day, tz).astimezone(UTC)


def _status_marks(workspace, user_ids) -> dict[int, tuple[str, datetime]]:
    return {u: (s, c) for u, s, c in AgentStatus.objects.filter(workspace=workspace, user_id__in=user_ids)
            .values_list("user_id", "status", "changed_at")}


def member_status_changes_per_day(*, workspace: Workspace, user_ids: list[int], first_day: date,
                                  last_day: date) -> dict[tuple[int, date], int]:
    """How many events of each member fall in each local day of ``[first_day, last_day]``."""
    tz = workspace.tzinfo
    start = local_midnight(first_day, tz).astimezone(UTC)
    end = local_midnight(last_day + timedelta(days=1), tz).astimezone(UTC)
    counts: dict[tuple[int, date], int] = {}
    rows = (AgentStatusEvent.objects.filter(workspace=workspace, user_id__in=user_ids, created_at__gte=start,
                                            created_at__lt=end)
            .values_list("user_id", "created_at"))
    for user_id, at in rows:
        key = (user_id, at.astimezone(tz).date())
        counts[key] = counts.get(key, 0) + 1
    return counts


def member_status_seconds(*, workspace: Workspace, user_ids: list[int], first_day: date, last_day: date,
                          now: datetime) -> dict[int, dict[str, int]]:
    """Seconds per status of each member over the local days ``[first_day, last_day]``, clipped at now.

    From the rollup's running totals when it is counted in the workspace's timezone — per member
    and status, the ``cumulative`` of the last row on or before ``last_day`` minus that of the
    last row before ``first_day`` (two index lookups, whatever the period's length) — plus the
    open interval; otherwise summed from the events (the same numbers).
    """
    return member_status_seconds_of_periods(workspace=workspace, user_ids=user_ids, periods=[(first_day, last_day)],
                                            now=now)[0]


def member_status_seconds_of_periods(*, workspace: Workspace, user_ids: list[int], periods: list[tuple[date, date]],
                                     now: datetime) -> list[dict[int, dict[str, int]]]:
    """``member_status_seconds`` of several periods (e.g. a period and the previous one) in one read."""
    outs = [{user_id: dict.fromkeys(STATUS_VALUES, 0) for user_id in user_ids} for _ in periods]
    if not user_ids:
        return outs
    if not rollup_is_ready(workspace=workspace):
        for out, (first_day, last_day) in zip(outs, periods, strict=True):
            for (user_id, _day), cell in member_status_day_seconds(workspace=workspace, user_ids=user_ids,
                                                                   first_day=first_day, last_day=last_day,
                                                                   now=now).items():
                for status, seconds in cell.items():
                    out[user_id][status] += seconds
        return outs
    tz = workspace.tzinfo

    def last_total(status: str, **day):
        # agent_day_total_unique (workspace, user, status, day), backwards: one row
        rows = AgentStatusDailyTotal.objects.filter(workspace=workspace, user_id=OuterRef("pk"), status=status, **day)
        return Subquery(rows.order_by("-day").values("cumulative")[:1])

    # As in member_status_day_seconds: days before now's local day from the running totals and
    # the open intervals, now's day from its events (exact for a ``now`` in the past too).
    cut_day, cut = _cut(now, tz)
    annotations = {}
    for index, (first_day, last_day) in enumerate(periods):
        for status in STATUS_VALUES:
            annotations[f"p{index}_{status}_end"] = last_total(status, day__lte=min(last_day, cut_day - timedelta(days=1)))
            annotations[f"p{index}_{status}_before"] = last_total(status, day__lt=first_day)
    # The running totals and the current statuses are two reads; read again until the statuses
    # held still, so a change committing in between is counted once.
    for _attempt in range(5):
        current = _status_marks(workspace, user_ids)
        rows = list(User.objects.filter(pk__in=user_ids).annotate(**annotations).values("pk", *annotations))
        if _status_marks(workspace, user_ids) == current:
            break
    spans = []
    for first_day, last_day in periods:
        start = local_midnight(first_day, tz).astimezone(UTC)
        spans.append((start, min(local_midnight(last_day + timedelta(days=1), tz).astimezone(UTC), now)))
    today = []
    if any(stop > max(start, cut) for start, stop in spans):
        today = [s for segments in member_status_segments(workspace=workspace, user_ids=user_ids, start=cut,
                                                          end=max(stop for _, stop in spans), now=now).values()
                 for s in segments]
    for index, ((first_day, last_day), (start, stop)) in enumerate(zip(periods, spans, strict=True)):
        out = outs[index]
        if stop <= start:
            continue
        if last_day >= first_day and first_day < cut_day:
            for row in rows:
                for status in STATUS_VALUES:
                    out[row["pk"]][status] += ((row[f"p{index}_{status}_end"] or 0)
                                               - (row[f"p{index}_{status}_before"] or 0))
            for user_id, (status, changed_at) in current.items():
                seconds = seconds_between(max(changed_at, start), min(stop, cut))
                if seconds > 0:
                    out[user_id][status] += seconds
        for segment in today:
            seconds = seconds_between(max(segment.start, start), min(segment.end, stop))
            if seconds > 0:
                out[segment.user_id][segment.status] += seconds
    return outs
