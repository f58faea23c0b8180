"""Reads of Estado de Actividad. Every selector takes the workspace first."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef, Q

from accounts.models import User, Workspace

from .models import AgentStatus, AgentStatusEvent, AgentStatusValue


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
    legacy = user.availability if user.availability in AgentStatusValue.values else AgentStatusValue.ONLINE
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
    totals = {value: timedelta(0) for value in AgentStatusValue.values}
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
