"""The day rollup of time per status (``AgentStatusDailyTotal``), docs/reports.md "Usuarios".

``agent_status_set`` calls ``rollup_interval_add`` in its transaction, under the member's row
lock; ``rollup_rebuild`` recounts a workspace from its events (after a timezone change). Both
split intervals at the local midnights of the timezone in ``AgentStatusRollupState``, the same
days as the reports' periods (``reports.periods.local_midnight``: ``datetime.combine`` with
``fold=0``).
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.utils import timezone as dj_timezone

from accounts.models import Workspace

from .models import AgentStatus, AgentStatusDailyTotal, AgentStatusEvent, AgentStatusRollupState


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """00:00 of ``day`` in ``tz`` (where a DST gap swallows midnight, fold=0 maps it forward)."""
    return datetime.combine(day, time.min, tzinfo=tz)


def split_by_day(start: datetime, end: datetime, tz: ZoneInfo) -> Iterator[tuple[date, datetime, datetime]]:
    """``[start, end)`` cut at the local midnights of ``tz``: ``(local day, piece start, piece end)``."""
    # Arithmetic and comparisons in UTC: Python compares and subtracts two datetimes of the same
    # tzinfo by their wall clocks, which is wrong across a DST change.
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if end <= start:
        return
    day = start.astimezone(tz).date()
    # The local date of an instant just after a midnight that a gap moved forward can be the day
    # before; walk from there and skip empty pieces.
    while True:
        day_start = local_midnight(day, tz).astimezone(UTC)
        day_end = local_midnight(day + timedelta(days=1), tz).astimezone(UTC)
        piece_start, piece_end = max(start, day_start), min(end, day_end)
        if piece_end > piece_start:
            yield day, piece_start, piece_end
        if day_end >= end:
            return
        day += timedelta(days=1)


def seconds_between(start: datetime, end: datetime) -> int:
    """Real seconds from ``start`` to ``end`` (in UTC: never the wall-clock difference)."""
    return int((end.astimezone(UTC) - start.astimezone(UTC)).total_seconds())


_TABLE = AgentStatusDailyTotal._meta.db_table


def rollup_interval_add(*, workspace_id: int, user_id: int, status: str, start: datetime, end: datetime,
                        tz: ZoneInfo) -> None:
    """Add the closed interval ``[start, end)`` in ``status`` to the member's day totals (UPSERT)."""
    # One statement per day, in day order: each day's running total starts from the row before
    # it, which may be the previous statement's. The member's row lock (agent_status_set) orders
    # every write of this member, and a change closes an interval that ends at or after every
    # earlier one, so no later day has a row yet when a day is written.
    sql = (
        f"INSERT INTO {_TABLE} (workspace_id, user_id, status, day, seconds, cumulative) VALUES (%s, %s, %s, %s, %s, "
        f"%s + COALESCE((SELECT p.cumulative FROM {_TABLE} p WHERE p.workspace_id = %s AND p.user_id = %s "
        f"AND p.status = %s AND p.day < %s ORDER BY p.day DESC LIMIT 1), 0)) "
        f"ON CONFLICT (workspace_id, user_id, status, day) DO UPDATE SET seconds = {_TABLE}.seconds + EXCLUDED.seconds, "
        f"cumulative = {_TABLE}.cumulative + EXCLUDED.seconds"
    )
    with connection.cursor() as cursor:
        for day, a, b in split_by_day(start, end, tz):
            seconds = seconds_between(a, b)
            if seconds > 0:
                cursor.execute(sql, [workspace_id, user_id, status, day, seconds, seconds,
                                     workspace_id, user_id, status, day])


def rollup_timezone(workspace_id: int) -> str | None:
    """The timezone the workspace's rollup is counted in; None when it is not kept."""
    return AgentStatusRollupState.objects.filter(workspace_id=workspace_id).values_list("timezone", flat=True).first()


def rollup_state_start(*, workspace: Workspace) -> None:
    """Start counting a workspace that has no status event yet (its first event is being written):
    an empty rollup is exact. A workspace with older events keeps no state until a rebuild."""
    if AgentStatusRollupState.objects.filter(workspace=workspace).exists():
        return
    if AgentStatusEvent.objects.filter(workspace=workspace).exists():
        return
    # Two first events of one new workspace at once: get_or_create's savepoint lets the second
    # find the first's row; neither closes an interval, so neither has anything to count.
    AgentStatusRollupState.objects.get_or_create(workspace=workspace, defaults={"timezone": workspace.timezone})


def rollup_is_ready(*, workspace: Workspace) -> bool:
    return rollup_timezone(workspace.pk) == workspace.timezone


def timeline_intervals(events: Iterable[tuple[int, str, datetime]]) -> Iterator[tuple[int, str, datetime, datetime]]:
    """Closed intervals ``(user_id, status, start, end)`` of events ordered by user, time, id:
    each event's new status runs to the next event of the same member."""
    previous = None
    for user_id, new_status, created_at in events:
        if previous is not None and previous[0] == user_id:
            yield user_id, previous[1], previous[2], created_at
        previous = (user_id, new_status, created_at)


@transaction.atomic
def rollup_rebuild(*, workspace: Workspace) -> int:
    """Recount the workspace's rollup from its events in its current timezone; the rows written.

    Locks every member row of the workspace first (``SELECT … FOR UPDATE``, the lock every status
    write of a known member takes), so no change commits between the snapshot of the events and
    the new rows; a member's first event closes no interval and needs no lock here.
    """
    workspace = Workspace.objects.select_for_update().get(pk=workspace.pk)
    list(AgentStatus.objects.select_for_update().filter(workspace=workspace).order_by("pk").values_list("pk", flat=True))
    tz = workspace.tzinfo
    AgentStatusDailyTotal.objects.filter(workspace=workspace).delete()
    totals: dict[tuple[int, date, str], int] = defaultdict(int)
    events = (AgentStatusEvent.objects.filter(workspace=workspace).order_by("user_id", "created_at", "id")
              .values_list("user_id", "new_status", "created_at").iterator(chunk_size=5000))
    for user_id, status, start, end in timeline_intervals(events):
        for day, a, b in split_by_day(start, end, tz):
            totals[(user_id, day, status)] += seconds_between(a, b)
    rows, running, key = [], 0, None
    for (u, d, s), n in sorted(totals.items(), key=lambda item: (item[0][0], item[0][2], item[0][1])):
        if n <= 0:
            continue
        running = (running if key == (u, s) else 0) + n
        key = (u, s)
        rows.append(AgentStatusDailyTotal(workspace=workspace, user_id=u, day=d, status=s, seconds=n,
                                          cumulative=running))
    AgentStatusDailyTotal.objects.bulk_create(rows, batch_size=5000)
    AgentStatusRollupState.objects.update_or_create(
        workspace=workspace, defaults={"timezone": workspace.timezone, "rebuilt_at": dj_timezone.now()})
    return len(rows)


def whole_second(at: datetime) -> datetime:
    """Instants of status changes are stored to the whole second (rounded down), so every duration
    of the report is a whole number of seconds."""
    return at.astimezone(UTC).replace(microsecond=0) if at.tzinfo else at.replace(microsecond=0)
