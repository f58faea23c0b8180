"""The Conversaciones day rollup answers exactly what the raw event sets answer, for every
filter combination it serves (docs/performance.md "Conversaciones")."""

import random
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.context import Actor
from accounts.models import Membership
from assignments.models import AssignmentSource
from assignments.services import contact_assign
from contacts.models import Conversation
from contacts.rollups import rollup_rebuild, rollup_snapshot, rollup_state_start
from contacts.services import conversation_close, conversation_open
from reports.conversations import (
    FILTERS,
    _rollup_rows,
    conversation_summary,
    conversation_timeseries,
)
from reports.framework.query import report_query_parse
from tests.factories import ContactFactory, ConversationFactory, WorkspaceFactory, member

NOW = datetime(2026, 11, 25, 3, tzinfo=UTC)  # 22:00 on 24 Nov in New York
OPENING = ["contact", "user", "workflow", "api"]
CLOSING = ["user", "workflow", "api", "bot"]


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def history(db):
    """~240 conversations over a year in America/New_York (both DST changes), written through
    ``conversation_open`` / ``conversation_close``; some opened before lifecycle recording (no
    opened event, a recorded close), some closed at the instant they opened, ~15 % still open."""
    workspace = WorkspaceFactory(timezone="America/New_York", created_at=datetime(2025, 1, 1, tzinfo=UTC))
    rollup_state_start(workspace=workspace)
    agents = [member(workspace, Membership.Role.AGENT) for _ in range(3)]
    channels = [101, 102]
    rng = random.Random(7)
    at = datetime(2025, 11, 1, tzinfo=UTC)
    while at < NOW - timedelta(days=1):
        at += timedelta(minutes=rng.randrange(300, 3600))
        contact = ContactFactory(workspace=workspace)
        if rng.random() < 0.08:  # opened before lifecycle recording: a row, no opened event
            conversation = ConversationFactory(contact=contact, opened_at=at - timedelta(days=400))
        else:
            source = rng.choice(OPENING)
            conversation, _ = conversation_open(
                contact=contact, at=at, source=source, user=agents[0] if source == "user" else None,
                channel_id=rng.choice([*channels, None]))
        if rng.random() < 0.7:
            contact_assign(contact=contact, assignee=rng.choice(agents), source=AssignmentSource.API,
                           at=at + timedelta(minutes=1))
        if rng.random() < 0.85:
            closer = rng.choice(CLOSING)
            close_at = min(at + timedelta(minutes=rng.choice([0, 30, 600, 3000, 20000])), NOW - timedelta(minutes=1))
            conversation_close(conversation=conversation, source=closer,
                               closed_by=agents[1] if closer == "user" else None, at=close_at)
    return workspace, agents, channels


def _both_ways(settings, workspace, actor, query):
    settings.REPORTS_USE_ROLLUP = True
    fast = (conversation_summary(workspace=workspace, actor=actor, query=query),
            conversation_timeseries(workspace=workspace, actor=actor, query=query))
    settings.REPORTS_USE_ROLLUP = False
    raw = (conversation_summary(workspace=workspace, actor=actor, query=query),
           conversation_timeseries(workspace=workspace, actor=actor, query=query))
    settings.REPORTS_USE_ROLLUP = True
    return fast, raw


def owner(workspace):
    return Actor(workspace=workspace, role=Membership.Role.OWNER)


def test_the_write_path_keeps_the_rollup_equal_to_a_rebuild(history):
    workspace, _, _ = history
    assert Conversation.objects.filter(workspace=workspace).count() > 200
    maintained = rollup_snapshot(workspace=workspace)
    rollup_rebuild(workspace=workspace)
    assert rollup_snapshot(workspace=workspace) == maintained
    # Closes of conversations opened before lifecycle recording carry no opening source.
    assert any(kind == "closed" and opening == "" for (_, kind, opening, _, _) in maintained)


@st.composite
def queries(draw):
    start = date(2025, 11, 1) + timedelta(days=draw(st.integers(0, 380)))
    end = min(start + timedelta(days=draw(st.integers(0, 200))), date(2026, 11, 24))
    data = {"start": start.isoformat(), "end": end.isoformat()}
    for param, options in (("opening_source", OPENING), ("closing_source", CLOSING),
                           ("channel", ["101", "102", "none"])):
        chosen = draw(st.lists(st.sampled_from(options), max_size=2, unique=True))
        if chosen:
            data[param] = chosen
    interval = draw(st.sampled_from([None, "day", "week", "month"]))
    if interval and not (interval == "day" and (end - start).days > 200):
        data["interval"] = interval
    return data


@given(data=queries())
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
def test_rollup_equals_raw_on_random_filters(history, settings, data):
    workspace, _, _ = history
    query = report_query_parse(filters=FILTERS, workspace=workspace, data=data)
    actor = owner(workspace)
    assert _rollup_rows(workspace=workspace, actor=actor, query=query) is not None
    fast, raw = _both_ways(settings, workspace, actor, query)
    assert fast == raw, data
    summary, series = fast
    metric = {m.key: m.value for m in summary.metrics}
    assert metric["opened"] == sum(b.opened for b in series.buckets)
    assert metric["closed"] == sum(b.closed for b in series.buckets)


@pytest.mark.parametrize("period", [{"start": "2026-03-08", "end": "2026-03-08"},  # spring forward
                                    {"start": "2025-11-02", "end": "2025-11-02"},  # fall back
                                    {"start": "2025-11-25", "end": "2026-11-24", "interval": "month"},
                                    {"start": "2026-10-25", "end": "2026-11-24"}])
def test_rollup_equals_raw_around_dst_and_for_a_year(history, settings, period):
    workspace, _, _ = history
    query = report_query_parse(filters=FILTERS, workspace=workspace, data=period)
    fast, raw = _both_ways(settings, workspace, owner(workspace), query)
    assert fast == raw


def test_owner_team_contact_filters_and_agents_read_the_raw_events(history, settings):
    workspace, agents, _ = history
    contact_id = Conversation.objects.filter(workspace=workspace).values_list("contact_id", flat=True).first()
    agent = Actor(workspace=workspace, role=Membership.Role.AGENT, user=agents[0])
    cases = [(owner(workspace), {"assignee": [str(agents[1].pk), "none"]}),
             (owner(workspace), {"contact": [str(contact_id)]}),
             (agent, {}), (agent, {"channel": ["101"]})]
    for actor, extra in cases:
        query = report_query_parse(filters=FILTERS, workspace=workspace,
                                   data={"start": "2026-01-01", "end": "2026-06-30", **extra})
        assert _rollup_rows(workspace=workspace, actor=actor, query=query) is None
        fast, raw = _both_ways(settings, workspace, actor, query)
        assert fast == raw


def test_a_timezone_change_reads_raw_until_rebuilt_then_the_rollup_again(history, settings):
    workspace, _, _ = history
    query_data = {"start": "2026-03-01", "end": "2026-03-31", "interval": "day"}
    workspace.timezone = "Asia/Kolkata"
    workspace.save(update_fields=["timezone"])
    query = report_query_parse(filters=FILTERS, workspace=workspace, data=query_data)
    # when the rollup still counts New York days
    assert _rollup_rows(workspace=workspace, actor=owner(workspace), query=query) is None
    fast, raw = _both_ways(settings, workspace, owner(workspace), query)
    assert fast == raw
    # then, rebuilt in Kolkata days, the rollup answers again, still the same numbers
    rollup_rebuild(workspace=workspace)
    assert _rollup_rows(workspace=workspace, actor=owner(workspace), query=query) is not None
    fast_after, raw_after = _both_ways(settings, workspace, owner(workspace), query)
    assert fast_after == raw_after == raw
