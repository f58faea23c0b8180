"""presence.idle_sweep: members not seen for AGENT_IDLE_MINUTES go offline (source idle), exactly."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings

from presence.models import AgentStatus, AgentStatusEvent, AgentStatusValue
from presence.services import agent_status_set, member_idle_sweep, member_seen
from presence.tasks import idle_sweep

T0 = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
LIMIT = timedelta(minutes=15)


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def _status(workspace, user):
    return AgentStatus.objects.get(workspace=workspace, user=user)


def test_default_idle_limit_and_beat_schedule():
    assert settings.AGENT_IDLE_MINUTES == 15
    entry = settings.CELERY_BEAT_SCHEDULE["presence-idle-sweep"]
    assert entry == {"task": "presence.idle_sweep", "schedule": 60.0}
    assert idle_sweep.name == "presence.idle_sweep"


def test_exact_boundary(clock, workspace, bob):
    # given: Bob online, last seen at T0
    agent_status_set(workspace=workspace, user=bob, status="online", source="login")
    assert member_seen(workspace=workspace, user=bob) is False  # just created: seen at T0 already
    # when the sweep runs exactly at the limit, he is still online ("older than" the limit)
    clock.move_to(T0 + LIMIT)
    assert idle_sweep.delay().get() == 0
    assert _status(workspace, bob).status == AgentStatusValue.ONLINE
    # one microsecond later he is offline, stamped at the limit itself
    clock.move_to(T0 + LIMIT + timedelta(microseconds=1))
    assert idle_sweep.delay().get() == 1
    row = _status(workspace, bob)
    assert (row.status, row.source, row.changed_at) == ("offline", "idle", T0 + LIMIT)
    event = AgentStatusEvent.objects.filter(user=bob).latest("created_at")
    assert (event.previous_status, event.new_status, event.source, event.created_at) == (
        "online", "offline", "idle", T0 + LIMIT)


def test_a_late_sweep_stamps_the_deadline_not_its_own_time(clock, workspace, bob):
    agent_status_set(workspace=workspace, user=bob, status="away", source="user")
    clock.move_to(T0 + timedelta(hours=3))
    member_idle_sweep()
    assert _status(workspace, bob).changed_at == T0 + LIMIT


def test_a_retried_sweep_writes_no_second_event(clock, workspace, bob, alice):
    agent_status_set(workspace=workspace, user=bob, status="online", source="login")
    agent_status_set(workspace=workspace, user=alice, status="away", source="user")
    clock.move_to(T0 + timedelta(minutes=30))
    assert member_idle_sweep() == 2
    assert member_idle_sweep() == 0
    assert idle_sweep.delay().get() == 0
    assert AgentStatusEvent.objects.filter(source="idle").count() == 2


def test_the_heartbeat_keeps_a_member_online(clock, workspace, bob):
    agent_status_set(workspace=workspace, user=bob, status="online", source="login")
    for minute in range(1, 60, 5):  # a request every 5 minutes for an hour
        clock.move_to(T0 + timedelta(minutes=minute))
        member_seen(workspace=workspace, user=bob)
        assert member_idle_sweep() == 0
    assert _status(workspace, bob).status == "online"


def test_a_member_seen_after_the_sweep_read_stays(clock, workspace, bob):
    """The sweep's candidate list is re-checked under the lock: a request in between wins."""
    agent_status_set(workspace=workspace, user=bob, status="online", source="login")
    clock.move_to(T0 + timedelta(minutes=20))
    member_seen(workspace=workspace, user=bob)
    # the sweep had read Bob as stale before the heartbeat; the service decides under the lock
    assert agent_status_set(workspace=workspace, user=bob, status="offline", source="idle") is None
    assert _status(workspace, bob).status == "online"


def test_offline_members_are_not_swept_and_the_limit_is_a_setting(clock, settings, workspace, bob, alice):
    settings.AGENT_IDLE_MINUTES = 5
    agent_status_set(workspace=workspace, user=bob, status="offline", source="user")
    agent_status_set(workspace=workspace, user=alice, status="online", source="login")
    clock.move_to(T0 + timedelta(minutes=5, seconds=1))
    assert member_idle_sweep() == 1
    assert _status(workspace, alice).status == "offline"
    assert AgentStatusEvent.objects.filter(user=bob).count() == 1


def test_back_after_idle_returns_to_the_status_before(clock, workspace, bob):
    agent_status_set(workspace=workspace, user=bob, status="away", source="user")
    clock.move_to(T0 + timedelta(minutes=40))
    member_idle_sweep()
    # when Bob makes a request again
    clock.move_to(T0 + timedelta(minutes=50))
    assert member_seen(workspace=workspace, user=bob) is True
    # then he is away again (source activity), seen now
    row = _status(workspace, bob)
    back = T0 + timedelta(minutes=50)
    assert (row.status, row.source, row.changed_at, row.last_seen_at) == ("away", "activity", back, back)
    assert [(e.new_status, e.source) for e in AgentStatusEvent.objects.filter(user=bob).order_by("created_at")] == [
        ("away", "user"), ("offline", "idle"), ("away", "activity")]


def test_chosen_offline_is_not_undone_by_activity(clock, workspace, bob):
    agent_status_set(workspace=workspace, user=bob, status="offline", source="user")
    clock.move_to(T0 + timedelta(minutes=2))
    member_seen(workspace=workspace, user=bob)
    assert _status(workspace, bob).status == "offline"
