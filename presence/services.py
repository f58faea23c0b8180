"""The one write path of Estado de Actividad, the heartbeat and the idle sweep (docs/presence.md)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone as dj_timezone

from accounts.models import User, Workspace

from .models import AgentStatus, AgentStatusEvent, AgentStatusSource, AgentStatusValue
from .rollups import rollup_interval_add, rollup_state_start, rollup_timezone, whole_second

# The heartbeat writes ``last_seen_at`` at most this often per member (a cache key, and the
# UPDATE's own WHERE when the cache is down), so the idle limit is exact to this much.
HEARTBEAT_INTERVAL = timedelta(minutes=1)
SWEEP_BATCH = 500

# Sources that come from the member's own request: the event is stamped when it happens.
_PRESENT_SOURCES = {AgentStatusSource.USER, AgentStatusSource.API, AgentStatusSource.LOGIN, AgentStatusSource.ACTIVITY}


def idle_limit() -> timedelta:
    return timedelta(minutes=settings.AGENT_IDLE_MINUTES)


def _idle_deadline(row: AgentStatus) -> datetime:
    """When ``row``'s member stops counting as present: their last request (or the last change,
    if later or never seen) plus the idle limit."""
    seen = row.changed_at if row.last_seen_at is None else max(row.last_seen_at, row.changed_at)
    return seen + idle_limit()


def _availability_sync(user: User) -> None:
    """``User.availability`` mirrors the member statuses: online when online in any workspace.

    It is a per-user field with two values (online / away), read by code that predates
    presence (the admin, ``GET /api/v1/users``). Round robin reads the member status of its own
    workspace (``presence.selectors.member_online_q``) AND this field, so a user online only in
    another workspace is not picked (docs/presence.md "Several workspaces").
    """
    value = (
        User.Availability.ONLINE
        if AgentStatus.objects.filter(user=user, status=AgentStatusValue.ONLINE).exists()
        else User.Availability.AWAY
    )
    User.objects.filter(pk=user.pk).exclude(availability=value).update(availability=value)
    user.availability = value


@transaction.atomic
def agent_status_set(
    *, workspace: Workspace, user: User, status: str, source: str, at: datetime | None = None
) -> AgentStatusEvent | None:
    """Set a member's status; the event of the change, or ``None`` when nothing changed.

    Locks the user's row, then the member's row (``SELECT … FOR UPDATE``): every status write of
    one person queues there, so the member row is created once, each event's previous status is
    the prior event's new status, and ``User.availability`` (which spans workspaces) is computed
    after the previous writer committed. No event is written when the status does not change.
    A change also adds the interval it closes to the day rollup (``presence.rollups``), last.

    ``at`` is when the change happens (default now). For source ``idle`` it is the time of the
    check instead: the member must still be idle then (a request may have come in since the
    sweep read them), and the event is stamped at the idle deadline — the last request plus
    ``AGENT_IDLE_MINUTES`` — however late the sweep runs.
    """
    if status not in AgentStatusValue.values:
        raise ValueError(f"unknown status {status!r}")
    if source not in AgentStatusSource.values:
        raise ValueError(f"unknown source {source!r}")
    at = at or dj_timezone.now()
    # Lock order: user, then member row (the only locks this app takes).
    User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True).first()
    row = AgentStatus.objects.select_for_update().filter(workspace=workspace, user=user).first()
    if source == AgentStatusSource.IDLE:
        if row is None or row.status == AgentStatusValue.OFFLINE or status != AgentStatusValue.OFFLINE:
            return None
        deadline = _idle_deadline(row)
        if deadline >= at:
            return None
        at = deadline
    # Instants are stored to the whole second (docs/reports.md "Usuarios").
    at = whole_second(at)
    if row is None:
        rollup_state_start(workspace=workspace)
        row = AgentStatus(workspace=workspace, user=user, status=status, source=source, changed_at=at,
                          last_seen_at=at if source in _PRESENT_SOURCES else None)
        previous = None
        row.save()
    elif row.status == status:
        return None
    else:
        previous = row.status
        # The chain stays in time order even if a caller passes an earlier ``at``.
        at = max(at, row.changed_at)
        # The day rollup of the Usuarios report: the interval this change closes, in the
        # timezone the rollup is counted in (none kept: nothing to add; a rebuild counts it).
        tz_name = rollup_timezone(workspace.pk)
        if tz_name is not None:
            rollup_interval_add(workspace_id=workspace.pk, user_id=user.pk, status=previous, start=row.changed_at,
                                end=at, tz=ZoneInfo(tz_name))
        row.status, row.source, row.changed_at = status, source, at
        row.save(update_fields=["status", "source", "changed_at"])
    event = AgentStatusEvent.objects.create(
        workspace=workspace, user=user, previous_status=previous, new_status=status, source=source, created_at=at
    )
    _availability_sync(user)
    return event


def member_login(*, workspace: Workspace, user: User) -> AgentStatusEvent | None:
    """Logging in puts an offline member (or one without a status yet) online; away stays away."""
    current = AgentStatus.objects.filter(workspace=workspace, user=user).values_list("status", flat=True).first()
    if current not in (None, AgentStatusValue.OFFLINE):
        return None
    return agent_status_set(workspace=workspace, user=user, status=AgentStatusValue.ONLINE,
                            source=AgentStatusSource.LOGIN)


def member_logout(*, workspace: Workspace, user: User) -> AgentStatusEvent | None:
    """Logging out puts the member of the session's workspace offline."""
    return agent_status_set(workspace=workspace, user=user, status=AgentStatusValue.OFFLINE,
                            source=AgentStatusSource.LOGOUT)


def _heartbeat_key(workspace_id: int, user_id: int) -> str:
    return f"presence:seen:{workspace_id}:{user_id}"


def member_seen(*, workspace: Workspace, user: User, at: datetime | None = None) -> bool:
    """The heartbeat of a member's request: ``last_seen_at`` is written at most once a minute.

    The cache key answers most requests without touching the database; the UPDATE's WHERE
    (``last_seen_at`` at least a minute old) keeps the limit when the cache is down or cold.
    A member back after an idle offline returns to the status they had before it, and a member
    without a status yet starts at their availability (source ``activity``). True if written.
    """
    at = at or dj_timezone.now()
    key = _heartbeat_key(workspace.pk, user.pk)
    if cache.get(key):
        return False
    cache.set(key, 1, timeout=int(HEARTBEAT_INTERVAL.total_seconds()))
    member = AgentStatus.objects.filter(workspace=workspace, user=user)
    written = (
        member.filter(Q(last_seen_at__isnull=True) | Q(last_seen_at__lte=at - HEARTBEAT_INTERVAL))
        .exclude(status=AgentStatusValue.OFFLINE, source=AgentStatusSource.IDLE)
        .update(last_seen_at=at)
    )
    if written:
        return True
    row = member.values("status", "source").first()
    idle_offline = row is not None and row["status"] == AgentStatusValue.OFFLINE and row["source"] == AgentStatusSource.IDLE
    if row is not None and not idle_offline:
        return False  # seen less than a minute ago
    if idle_offline:
        last = AgentStatusEvent.objects.filter(workspace=workspace, user=user).order_by("-created_at", "-id").first()
        status = (last.previous_status if last is not None else None) or AgentStatusValue.ONLINE
    else:
        status = user.availability if user.availability in AgentStatusValue.values else AgentStatusValue.ONLINE
    with transaction.atomic():
        agent_status_set(workspace=workspace, user=user, status=status, source=AgentStatusSource.ACTIVITY, at=at)
        member.update(last_seen_at=at)
    return True


def member_idle_sweep(*, at: datetime | None = None) -> int:
    """Set offline (source ``idle``) every online or away member not seen for the idle limit.

    Each member is re-checked under its lock by ``agent_status_set``, so a retried or
    overlapping sweep writes no second event and a member seen meanwhile stays. Batches by
    primary key. Returns the number of members set offline.
    """
    at = at or dj_timezone.now()
    cutoff = at - idle_limit()
    stale = (
        AgentStatus.objects.filter(status__in=[AgentStatusValue.ONLINE, AgentStatusValue.AWAY], changed_at__lt=cutoff)
        .filter(Q(last_seen_at__isnull=True) | Q(last_seen_at__lt=cutoff))
        .select_related("workspace", "user")
        .order_by("pk")
    )
    done, after = 0, 0
    while True:
        batch = list(stale.filter(pk__gt=after)[:SWEEP_BATCH])
        if not batch:
            return done
        for row in batch:
            if agent_status_set(workspace=row.workspace, user=row.user, status=AgentStatusValue.OFFLINE,
                                source=AgentStatusSource.IDLE, at=at):
                done += 1
        after = batch[-1].pk
