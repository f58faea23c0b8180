"""Time per status from the events, as docs/presence.md computes it by hand."""

from datetime import UTC, datetime, timedelta

from presence.models import AgentStatusValue
from presence.selectors import member_status_durations
from presence.services import agent_status_set

T0 = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)


def test_time_per_status_by_hand(workspace, bob):
    # given: online 14:00, away 14:30, offline (logout) 15:05, online (login) 16:00
    for at, status, source in [(0, "online", "login"), (30, "away", "user"), (65, "offline", "logout"),
                               (120, "online", "login")]:
        agent_status_set(workspace=workspace, user=bob, status=status, source=source, at=T0 + timedelta(minutes=at))
    # when: the period 14:15–16:15 (opens inside the first online interval)
    totals = member_status_durations(workspace=workspace, user=bob, start=T0 + timedelta(minutes=15),
                                     end=T0 + timedelta(minutes=135))
    # then: online 15 + 15 min, away 35 min, offline 55 min — 120 minutes in all
    assert totals == {AgentStatusValue.ONLINE: timedelta(minutes=30), AgentStatusValue.AWAY: timedelta(minutes=35),
                      AgentStatusValue.OFFLINE: timedelta(minutes=55)}


def test_nothing_is_counted_before_the_first_event(workspace, bob):
    agent_status_set(workspace=workspace, user=bob, status="away", source="user", at=T0)
    totals = member_status_durations(workspace=workspace, user=bob, start=T0 - timedelta(hours=1),
                                     end=T0 + timedelta(minutes=10))
    assert totals["away"] == timedelta(minutes=10) and totals["online"] == totals["offline"] == timedelta(0)
