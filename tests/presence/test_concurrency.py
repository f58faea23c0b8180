"""Concurrent status writers on PostgreSQL: the user/member row locks keep one row and one chain."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from accounts.models import Membership, User
from presence.models import AgentStatus, AgentStatusEvent
from presence.services import agent_status_set, member_idle_sweep
from tests.factories import MembershipFactory

THREADS = 8
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_in_threads(target, count=THREADS):
    barrier = threading.Barrier(count)
    errors = []

    def worker(index):
        try:
            barrier.wait()
            target(index)
        except Exception as exc:  # surfaced by the assertion below
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors


def _assert_chain(workspace, user):
    events = list(AgentStatusEvent.objects.filter(workspace=workspace, user=user).order_by("created_at", "id"))
    assert events and events[0].previous_status is None
    for prior, event in zip(events, events[1:], strict=False):
        assert event.previous_status == prior.new_status != event.new_status
    row = AgentStatus.objects.get(workspace=workspace, user=user)
    assert row.status == events[-1].new_status
    return events


def test_concurrent_setters_keep_one_row_and_the_chain(workspace, bob):
    statuses = ["online", "away", "offline"]

    def flip(index):
        for step in range(6):
            agent_status_set(workspace=workspace, user=bob, status=statuses[(index + step) % 3], source="api")

    # when 8 setters race from the first write on (no row yet)
    run_in_threads(flip)

    # then one member row, and an unbroken chain of changes only
    assert connection.vendor == "postgresql"
    assert AgentStatus.objects.filter(user=bob).count() == 1
    events = _assert_chain(workspace, bob)
    assert 1 <= len(events) <= THREADS * 6


def test_concurrent_setters_in_two_workspaces_keep_availability_right(workspace, other_workspace, bob):
    MembershipFactory(workspace=other_workspace, user=bob, role=Membership.Role.AGENT)

    def flip(index):
        target = workspace if index % 2 else other_workspace
        for step in range(5):
            agent_status_set(workspace=target, user=bob, status="online" if (index + step) % 2 else "away",
                             source="user")
        agent_status_set(workspace=target, user=bob, status="away", source="user")

    run_in_threads(flip)
    _assert_chain(workspace, bob)
    _assert_chain(other_workspace, bob)
    # everyone ended on away: the mirror is not left "online" by a lost update
    assert User.objects.get(pk=bob.pk).availability == "away"


def test_concurrent_sweeps_write_one_idle_event(workspace, bob, alice):
    long_ago = timezone.now() - timedelta(hours=1)
    for user in (bob, alice):
        agent_status_set(workspace=workspace, user=user, status="online", source="login", at=long_ago)
    counts = []
    run_in_threads(lambda _: counts.append(member_idle_sweep()), count=4)
    assert sum(counts) == 2
    assert AgentStatusEvent.objects.filter(source="idle").count() == 2
