"""The heartbeat: a member's requests write last_seen_at at most once a minute."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from presence.models import AgentStatus, AgentStatusEvent
from presence.services import agent_status_set, member_seen

T0 = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


def _presence_writes(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries
            if "presence_agentstatus" in q["sql"] and q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))]


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def test_page_views_and_api_calls_write_at_most_once_a_minute(clock, bob_client, workspace, bob):
    # bob_client logged in at T0 (source login): seen then
    assert AgentStatus.objects.get(user=bob).last_seen_at == T0
    clock.move_to(T0 + timedelta(seconds=61))
    with CaptureQueriesContext(connection) as queries:
        for _ in range(5):
            assert bob_client.get("/messages/").status_code == 200
            assert bob_client.get("/api/v1/users").status_code == 200
    assert len(_presence_writes(queries)) == 1
    assert AgentStatus.objects.get(user=bob).last_seen_at == T0 + timedelta(seconds=61)

    # within the minute: no write; a minute later: one more
    clock.move_to(T0 + timedelta(seconds=100))
    with CaptureQueriesContext(connection) as queries:
        bob_client.get("/api/v1/users")
    assert _presence_writes(queries) == []
    clock.move_to(T0 + timedelta(seconds=122))
    with CaptureQueriesContext(connection) as queries:
        bob_client.get("/api/v1/users")
    assert len(_presence_writes(queries)) == 1
    assert AgentStatusEvent.objects.filter(user=bob).count() == 1  # the login; seeing is no event


def test_without_the_cache_the_database_still_throttles(clock, workspace, bob):
    agent_status_set(workspace=workspace, user=bob, status="online", source="login")
    clock.move_to(T0 + timedelta(seconds=70))
    assert member_seen(workspace=workspace, user=bob) is True
    for seconds in (75, 90, 129):
        cache.clear()  # as if Redis were down: every request reaches the UPDATE
        clock.move_to(T0 + timedelta(seconds=seconds))
        assert member_seen(workspace=workspace, user=bob) is False
    assert AgentStatus.objects.get(user=bob).last_seen_at == T0 + timedelta(seconds=70)
    cache.clear()
    clock.move_to(T0 + timedelta(seconds=130))
    assert member_seen(workspace=workspace, user=bob) is True


def test_api_token_calls_are_no_heartbeat(clock, workspace, bob, token_client):
    agent_status_set(workspace=workspace, user=bob, status="online", source="login")
    clock.move_to(T0 + timedelta(minutes=5))
    assert token_client.get("/api/v1/users").status_code == 200
    assert not AgentStatus.objects.filter(last_seen_at__gt=T0).exists()


def test_first_request_of_a_member_without_status_starts_at_their_availability(clock, workspace, bob):
    bob.availability = "away"
    bob.save(update_fields=["availability"])
    assert member_seen(workspace=workspace, user=bob) is True
    row = AgentStatus.objects.get(user=bob)
    assert (row.status, row.source, row.last_seen_at) == ("away", "activity", T0)
