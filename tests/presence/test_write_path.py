"""agent_status_set: the one write path (events only on a change, the chain, the availability mirror)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from accounts.models import Membership, User
from presence.models import (
    AgentStatus,
    AgentStatusEvent,
    AgentStatusSource,
    AgentStatusValue,
    ImmutableEventError,
)
from presence.services import agent_status_set
from tests.factories import MembershipFactory

ONLINE, AWAY, OFFLINE = AgentStatusValue.ONLINE, AgentStatusValue.AWAY, AgentStatusValue.OFFLINE
T0 = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


def _set(workspace, user, status, source=AgentStatusSource.USER, at=None):
    return agent_status_set(workspace=workspace, user=user, status=status, source=source, at=at)


def _events(workspace, user):
    return list(AgentStatusEvent.objects.filter(workspace=workspace, user=user).order_by("created_at", "id"))


def test_no_event_without_a_change(workspace, bob):
    first = _set(workspace, bob, ONLINE)
    assert first is not None and first.previous_status is None and first.new_status == ONLINE

    assert _set(workspace, bob, ONLINE) is None
    assert _set(workspace, bob, ONLINE, source=AgentStatusSource.API) is None
    assert len(_events(workspace, bob)) == 1


def test_each_events_previous_is_the_prior_events_new(workspace, bob):
    # given a day of changes from every source
    plan = [(ONLINE, "login"), (AWAY, "user"), (AWAY, "api"), (ONLINE, "api"), (OFFLINE, "logout"),
            (OFFLINE, "user"), (ONLINE, "login"), (AWAY, "user"), (OFFLINE, "user")]
    for minute, (status, source) in enumerate(plan):
        _set(workspace, bob, status, source, at=T0 + timedelta(minutes=minute))
    # then only the changes are events, chained, in time order
    events = _events(workspace, bob)
    assert [(e.previous_status, e.new_status) for e in events] == [
        (None, ONLINE), (ONLINE, AWAY), (AWAY, ONLINE), (ONLINE, OFFLINE), (OFFLINE, ONLINE), (ONLINE, AWAY),
        (AWAY, OFFLINE),
    ]
    for prior, event in zip(events, events[1:], strict=False):
        assert event.previous_status == prior.new_status
        assert event.created_at >= prior.created_at
    row = AgentStatus.objects.get(workspace=workspace, user=bob)
    assert (row.status, row.source, row.changed_at) == (OFFLINE, "user", events[-1].created_at)


def test_an_earlier_at_does_not_break_the_time_order(workspace, bob):
    _set(workspace, bob, ONLINE, at=T0)
    event = _set(workspace, bob, AWAY, at=T0 - timedelta(hours=1))
    assert event.created_at == T0


def test_events_are_immutable(workspace, bob):
    event = _set(workspace, bob, AWAY)
    event.new_status = ONLINE
    with pytest.raises(ImmutableEventError):
        event.save()
    with pytest.raises(ImmutableEventError):
        event.delete()


def test_unknown_status_or_source_is_refused(workspace, bob):
    with pytest.raises(ValueError):
        _set(workspace, bob, "busy")
    with pytest.raises(ValueError):
        _set(workspace, bob, ONLINE, source="zapier")
    assert not AgentStatusEvent.objects.exists()


def test_availability_follows_in_the_same_transaction(workspace, bob):
    _set(workspace, bob, AWAY)
    bob.refresh_from_db()
    assert bob.availability == User.Availability.AWAY
    _set(workspace, bob, ONLINE)
    bob.refresh_from_db()
    assert bob.availability == User.Availability.ONLINE
    # offline has no value of its own in the per-user mirror: not online
    _set(workspace, bob, OFFLINE)
    bob.refresh_from_db()
    assert bob.availability == User.Availability.AWAY


def test_status_is_per_membership(workspace, other_workspace, bob):
    """A user of two workspaces has a status in each; availability says "online somewhere"."""
    MembershipFactory(workspace=other_workspace, user=bob, role=Membership.Role.AGENT)
    _set(workspace, bob, ONLINE)
    _set(other_workspace, bob, OFFLINE)
    assert dict(AgentStatus.objects.filter(user=bob).values_list("workspace_id", "status")) == {
        workspace.pk: ONLINE, other_workspace.pk: OFFLINE}
    bob.refresh_from_db()
    assert bob.availability == User.Availability.ONLINE
    _set(workspace, bob, AWAY)
    bob.refresh_from_db()
    assert bob.availability == User.Availability.AWAY
    # each workspace's events are its own chain
    assert [e.new_status for e in _events(other_workspace, bob)] == [OFFLINE]


@time_machine.travel(T0, tick=False)
def test_event_is_stamped_now_by_default(workspace, bob):
    assert _set(workspace, bob, AWAY).created_at == T0
