"""The Conversaciones day rollup answers exactly what the raw event sets answer, for every
filter combination it serves (docs/performance.md "Conversaciones")."""

import random
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.context import Actor
from accounts.models import Membership, User, Workspace
from assignments.models import AssignmentSource
from assignments.services import contact_assign
from contacts.models import Conversation
from contacts.rollups import (
    rollup_open_snapshot,
    rollup_owner_snapshot,
    rollup_rebuild,
    rollup_snapshot,
    rollup_state_start,
)
from contacts.services import conversation_close, conversation_open
from reports.conversations import (
    FILTERS,
    _owned_rollup,
    _rollup_rows,
    conversation_summary,
    conversation_timeseries,
)
from reports.framework.query import report_query_parse
from tests.factories import ContactFactory, ConversationFactory, WorkspaceFactory, member
from tests.snapshots import session_snapshot

NOW = datetime(2026, 11, 25, 3, tzinfo=UTC)  # 22:00 on 24 Nov in New York
OPENING = ["contact", "user", "workflow", "api"]
CLOSING = ["user", "workflow", "api", "bot"]
CHANNELS = [101, 102]


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _history():
    """~240 conversations over a year in America/New_York (both DST changes), written through
    ``conversation_open`` / ``conversation_close``; some opened before lifecycle recording (no
    opened event, a recorded close), some closed at the instant they opened, ~15 % still open.
    Built once per test process (tests/snapshots.py): the workspace's and agents' ids."""
    with time_machine.travel(NOW, tick=False):
        workspace = WorkspaceFactory(timezone="America/New_York", created_at=datetime(2025, 1, 1, tzinfo=UTC))
        rollup_state_start(workspace=workspace)
        agents = [member(workspace, Membership.Role.AGENT) for _ in range(3)]
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
                    channel_id=rng.choice([*CHANNELS, None]))
            if rng.random() < 0.7:
                contact_assign(contact=contact, assignee=rng.choice(agents), source=AssignmentSource.API,
                               at=at + timedelta(minutes=1))
            if rng.random() < 0.3:  # reassigned (or unassigned) mid-conversation
                contact_assign(contact=contact, assignee=rng.choice([*agents, None]), source=AssignmentSource.API,
                               at=at + timedelta(minutes=2))
            if rng.random() < 0.85:
                closer = rng.choice(CLOSING)
                close_at = min(at + timedelta(minutes=rng.choice([0, 30, 600, 3000, 20000])),
                               NOW - timedelta(minutes=1))
                conversation_close(conversation=conversation, source=closer,
                                   closed_by=agents[1] if closer == "user" else None, at=close_at)
        return workspace.pk, [agent.pk for agent in agents]


history_rows = session_snapshot("conversation_history", _history)


@pytest.fixture
def history(db, history_rows):
    workspace_id, agent_ids = history_rows.load()
    agents = sorted(User.objects.filter(pk__in=agent_ids), key=lambda user: agent_ids.index(user.pk))
    return Workspace.objects.get(pk=workspace_id), agents, CHANNELS


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
    open_now = rollup_open_snapshot(workspace=workspace)
    rollup_rebuild(workspace=workspace)
    assert rollup_snapshot(workspace=workspace) == maintained
    assert rollup_open_snapshot(workspace=workspace) == open_now
    # Open now, per opening source and channel, is the conversations with an opened event and no close.
    from collections import Counter

    from contacts.models import ConversationEvent

    closed = ConversationEvent.objects.filter(workspace=workspace, kind="closed").values("conversation_id")
    by_hand = Counter((source, channel or 0) for source, channel in ConversationEvent.objects.filter(
        workspace=workspace, kind="opened").exclude(conversation_id__in=closed).values_list("source", "channel_id"))
    assert open_now == dict(by_hand) and sum(open_now.values()) > 10
    owners = rollup_owner_snapshot(workspace=workspace)
    rollup_rebuild(workspace=workspace)
    assert rollup_owner_snapshot(workspace=workspace) == owners
    # Every closed event once under its recorded assignee (0 = none), several owners among them.
    assert sum(n for (_, _, kind, *_), n in owners.items() if kind == "closed") == closed.count()
    assert len({owner for (owner, *_) in owners}) >= 3
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


# --- the owner as index-driven sets == the owner computed per row ---------------------------


def _owner_per_row(workspace, events, *, actor, query):
    """The owner rule as it was first written: a CASE per opened event (the reference)."""
    from django.db.models import Case, Exists, OuterRef, Subquery, When

    from contacts.models import Contact, ConversationEvent
    from reports.framework.conversation_filters import owner_condition

    closed = ConversationEvent.objects.filter(workspace=workspace, kind="closed", conversation_id=OuterRef("conversation_id"))
    owner = Case(When(Exists(closed), then=Subquery(closed.values("assignee_id")[:1])),
                 default=Subquery(Contact.objects.filter(pk=OuterRef("contact_id")).values("assignee_id")[:1]))
    return events.annotate(owner_id=owner).filter(owner_condition(actor=actor, query=query, field="owner_id"))


@given(owners=st.lists(st.sampled_from(["0", "1", "2", "none"]), max_size=3, unique=True),
       team=st.booleans(), viewer=st.sampled_from(["owner", "agent0", "agent1"]),
       start=st.integers(0, 300), days=st.integers(0, 200))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
def test_owner_sets_equal_the_owner_computed_per_row(history, owners, team, viewer, start, days):
    from accounts.models import Team
    from contacts.models import Contact, ConversationEvent
    from reports.conversations import conversation_open_at, conversation_opened_events

    workspace, agents, _ = history
    if not Team.objects.filter(workspace=workspace).exists():  # the first example sets these up:
        # a deleted contact with an open conversation (its owner is empty), and a team
        open_one = ConversationEvent.objects.filter(workspace=workspace, kind="opened").exclude(
            conversation_id__in=ConversationEvent.objects.filter(kind="closed").values("conversation_id")).first()
        Contact.objects.filter(pk=open_one.contact_id).delete()
        Team.objects.create(workspace=workspace, name="Ventas").members.add(agents[0], agents[2])
    first = date(2025, 11, 1) + timedelta(days=start)
    data = {"start": first.isoformat(), "end": min(first + timedelta(days=days), date(2026, 11, 24)).isoformat()}
    if owners:
        data["assignee"] = [o if o == "none" else str(agents[int(o)].pk) for o in owners]
    if team:
        data["team"] = [str(Team.objects.get(workspace=workspace).pk)]
    query = report_query_parse(filters=FILTERS, workspace=workspace, data=data)
    actor = owner(workspace) if viewer == "owner" else Actor(workspace=workspace, role=Membership.Role.AGENT,
                                                              user=agents[int(viewer[-1])])
    scope = {"workspace": workspace, "actor": actor, "query": query}
    plain = replace_query_without_owner(query)
    reference = _owner_per_row(workspace, conversation_opened_events(
        workspace=workspace, actor=owner(workspace), query=plain), actor=actor, query=query)
    assert set(conversation_opened_events(**scope).values_list("pk", flat=True)) == set(
        reference.values_list("pk", flat=True))
    at = query.period.end_utc
    reference_open = _owner_per_row(workspace, conversation_open_at(
        workspace=workspace, actor=owner(workspace), query=plain, at=at), actor=actor, query=query)
    assert conversation_open_at(**scope, at=at).count() == reference_open.count()


def replace_query_without_owner(query):
    from dataclasses import replace

    return replace(query, values={k: v for k, v in query.values.items() if k not in ("assignee", "team")},
                   none=frozenset(p for p in query.none if p != "assignee"))


def test_an_open_conversation_of_a_deleted_contact_has_no_owner(history):
    from contacts.models import Contact, ConversationEvent
    from reports.conversations import conversation_open_at, conversation_opened_events

    workspace, _, _ = history
    open_one = ConversationEvent.objects.filter(workspace=workspace, kind="opened").exclude(
        conversation_id__in=ConversationEvent.objects.filter(kind="closed").values("conversation_id")).first()
    Contact.objects.filter(pk=open_one.contact_id).delete()
    day = open_one.created_at.astimezone(workspace.tzinfo).date()
    query = report_query_parse(filters=FILTERS, workspace=workspace,
                               data={"start": day.isoformat(), "end": day.isoformat(), "assignee": ["none"]})
    scope = {"workspace": workspace, "actor": owner(workspace), "query": query}
    assert open_one.pk in set(conversation_opened_events(**scope).values_list("pk", flat=True))
    reference = _owner_per_row(workspace, conversation_open_at(
        workspace=workspace, actor=owner(workspace), query=replace_query_without_owner(query),
        at=query.period.end_utc), actor=owner(workspace), query=query)
    assert conversation_open_at(**scope, at=query.period.end_utc).count() == reference.count()


# --- the owner dimension: owner rows (closed) + the conversations open now == the raw sets ----


@given(owners=st.lists(st.sampled_from([0, 1, 2]), max_size=2, unique=True), team=st.booleans(),
       viewer=st.sampled_from(["owner", "agent0", "agent2"]), data=queries())
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
def test_owner_scoped_rollup_equals_raw(history, settings, owners, team, viewer, data):
    from accounts.models import Team

    workspace, agents, _ = history
    if not Team.objects.filter(workspace=workspace).exists():
        Team.objects.create(workspace=workspace, name="Ventas").members.add(agents[0], agents[1])
    if owners:
        data = {**data, "assignee": [str(agents[i].pk) for i in owners]}
    if team:
        data = {**data, "team": [str(Team.objects.get(workspace=workspace).pk)]}
    actor = owner(workspace) if viewer == "owner" else Actor(workspace=workspace, role=Membership.Role.AGENT,
                                                              user=agents[int(viewer[-1])])
    query = report_query_parse(filters=FILTERS, workspace=workspace, data=data)
    scoped = owners or team or viewer != "owner"
    assert (_owned_rollup(workspace=workspace, actor=actor, query=query) is not None) == bool(scoped)
    fast, raw = _both_ways(settings, workspace, actor, query)
    assert fast == raw, data


def test_reassigning_an_open_conversation_moves_it_between_owners_at_once(history, settings):
    workspace, agents, _ = history
    contact = ContactFactory(workspace=workspace)
    contact_assign(contact=contact, assignee=agents[0], source=AssignmentSource.API, at=NOW - timedelta(hours=5))
    conversation, _ = conversation_open(contact=contact, at=NOW - timedelta(hours=4), source="contact")
    query = report_query_parse(filters=FILTERS, workspace=workspace, data={"period": "last_7_days"})

    def opened(agent):
        actor = Actor(workspace=workspace, role=Membership.Role.AGENT, user=agent)
        fast, raw = _both_ways(settings, workspace, actor, query)
        assert fast == raw
        return {m.key: m.value for m in fast[0].metrics}

    before = opened(agents[0]), opened(agents[1])
    contact_assign(contact=contact, assignee=agents[1], source=AssignmentSource.API, at=NOW - timedelta(hours=3))
    after = opened(agents[0]), opened(agents[1])
    assert after[0]["opened"] == before[0]["opened"] - 1 and after[1]["opened"] == before[1]["opened"] + 1
    assert after[1]["open_at_end"] == before[1]["open_at_end"] + 1
    # closed by agent 1's watch: it stays theirs whatever happens to the contact afterwards
    conversation_close(conversation=conversation, source="bot", at=NOW - timedelta(hours=2))
    contact_assign(contact=contact, assignee=agents[0], source=AssignmentSource.API, at=NOW - timedelta(hours=1))
    closed = opened(agents[0]), opened(agents[1])
    assert closed[1]["closed"] == after[1]["closed"] + 1 and closed[1]["opened"] == after[1]["opened"]
    assert closed[0]["opened"] == after[0]["opened"]


def test_owner_scoped_reads_raw_after_a_timezone_change_until_rebuilt(history, settings):
    workspace, agents, _ = history
    workspace.timezone = "Asia/Kolkata"
    workspace.save(update_fields=["timezone"])
    query = report_query_parse(filters=FILTERS, workspace=workspace,
                               data={"start": "2026-03-01", "end": "2026-03-31", "interval": "day"})
    agent = Actor(workspace=workspace, role=Membership.Role.AGENT, user=agents[1])
    assert _owned_rollup(workspace=workspace, actor=agent, query=query) is None
    fast, raw = _both_ways(settings, workspace, agent, query)
    assert fast == raw
    rollup_rebuild(workspace=workspace)
    assert _owned_rollup(workspace=workspace, actor=agent, query=query) is not None
    fast_after, raw_after = _both_ways(settings, workspace, agent, query)
    assert fast_after == raw_after == raw
