"""The Contactos rollup (contacts/activity.py) answers exactly what the raw contacts and messages
answer, for every filter it serves; the triggers write it in the writer's transaction; a
timezone change makes the reports read raw until the rebuild (docs/performance.md "Contactos")."""

import random
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.context import Actor
from accounts.models import Membership, Workspace
from contacts.models import Contact, ContactActiveDay, ContactDailyCount, Message, SenderKind
from contacts.rollups import rollup_rebuild, rollup_state_start
from contacts.services import contact_create, conversation_open, message_create, message_send
from reports.contacts_report import (
    FILTERS,
    contact_rollup_applies,
    contact_summary,
    contact_timeseries,
)
from reports.framework.query import report_query_parse
from tests.factories import ConversationFactory, WorkspaceFactory, member

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the rollup's triggers are PostgreSQL's")

NOW = datetime(2026, 11, 25, 3, tzinfo=UTC)  # 22:00 on 24 Nov in New York
ORIGINS = ["channel", "import", "api", "user"]
CHANNELS = [101, 102]


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def owner(workspace):
    return Actor(workspace=workspace, role=Membership.Role.OWNER)


def snapshot(workspace) -> tuple[dict, set]:
    counts = {(r.day, r.origin, r.channel_id): (r.new, r.first_seen)
              for r in ContactDailyCount.objects.filter(workspace=workspace) if r.new or r.first_seen}
    active = set(ContactActiveDay.objects.filter(workspace=workspace).values_list(
        "contact_id", "day", "origin", "channel_id", "created_at"))
    return counts, active


@pytest.fixture
def history(db):
    """~300 contacts over 14 months in America/New_York (both DST changes) through the services,
    with inbound and outbound messages at random later times, some back-dated (first seen moves
    earlier), a few deleted contacts, and contacts that never wrote."""
    workspace = WorkspaceFactory(timezone="America/New_York", created_at=datetime(2025, 9, 1, tzinfo=UTC))
    rollup_state_start(workspace=workspace)
    creator = member(workspace, Membership.Role.MANAGER)
    rng = random.Random(13)
    at = datetime(2025, 10, 1, tzinfo=UTC)
    contacts = []
    while at < NOW - timedelta(days=2):
        at += timedelta(minutes=rng.randrange(600, 3000))
        origin = rng.choice(ORIGINS)
        contact = contact_create(workspace=workspace, origin=origin, first_name=f"C{len(contacts)}", at=at,
                                 channel_id=rng.choice(CHANNELS) if origin == "channel" else None,
                                 created_by=creator if origin == "user" else None)
        contacts.append(contact)
        moments = sorted(min(at + timedelta(minutes=rng.randrange(1, 90 * 24 * 60)), NOW - timedelta(minutes=1))
                         for _ in range(rng.choice([0, 1, 1, 2, 3])))
        for moment in moments:
            if rng.random() < 0.6:
                conversation, _ = conversation_open(contact=contact, at=moment)
                message_create(conversation=conversation, direction=Message.Direction.IN, text="Hola",
                               sender_kind=SenderKind.CONTACT, at=moment)
            else:
                message_send(contact=contact, text="Hola", sender_kind=SenderKind.WORKFLOW, at=moment)
    # A back-dated inbound message moves first seen earlier (the contact update moves its count).
    early = next(c for c in contacts if Contact.objects.get(pk=c.pk).first_seen_at is not None)
    conversation = ConversationFactory(contact=early, opened_at=early.created_at, status="closed",
                                       closed_at=early.created_at + timedelta(minutes=2))
    message_create(conversation=conversation, direction=Message.Direction.IN, text="Antes",
                   sender_kind=SenderKind.CONTACT, at=early.created_at + timedelta(minutes=1))
    for contact in rng.sample(contacts, 6):
        contact.delete()
    return workspace


def test_the_triggers_keep_the_rollup_equal_to_a_rebuild(history):
    workspace = history
    maintained = snapshot(history)
    assert len(maintained[1]) > 200 and sum(n for n, _ in maintained[0].values()) > 250
    rollup_rebuild(workspace=workspace)
    assert snapshot(workspace) == maintained
    # By hand: one active day per contact and New York day with a message, a deleted contact's gone.
    tz = workspace.tzinfo
    by_hand = {(m.conversation.contact_id, m.created_at.astimezone(tz).date())
               for m in Message.objects.filter(workspace=workspace).select_related("conversation")}
    assert {(c, d) for c, d, *_ in maintained[1]} == by_hand


def test_the_facts_are_written_in_the_writers_transaction(history):
    workspace = history
    before = snapshot(workspace)
    with pytest.raises(RuntimeError), transaction.atomic():
        contact = contact_create(workspace=workspace, origin="api", first_name="Gone", at=NOW - timedelta(hours=1))
        message_send(contact=contact, text="Hola", sender_kind=SenderKind.API, at=NOW - timedelta(minutes=30))
        # Inside the transaction, the rows are there…
        assert ContactActiveDay.objects.filter(contact_id=contact.pk).count() == 1
        assert ContactDailyCount.objects.get(workspace=workspace, day=date(2026, 11, 24), origin="api",
                                             channel_id=0).new >= 1
        raise RuntimeError
    # …and they rolled back with the contact and the message.
    assert snapshot(workspace) == before


def _both_ways(settings, workspace, actor, query):
    settings.REPORTS_USE_ROLLUP = True
    applies = contact_rollup_applies(workspace=workspace, actor=actor, query=query)
    fast = (contact_summary(workspace=workspace, actor=actor, query=query),
            contact_timeseries(workspace=workspace, actor=actor, query=query))
    settings.REPORTS_USE_ROLLUP = False
    raw = (contact_summary(workspace=workspace, actor=actor, query=query),
           contact_timeseries(workspace=workspace, actor=actor, query=query))
    settings.REPORTS_USE_ROLLUP = True
    return applies, fast, raw


@st.composite
def queries(draw):
    start = date(2025, 10, 1) + timedelta(days=draw(st.integers(0, 419)))
    end = min(start + timedelta(days=draw(st.integers(0, 200))), date(2026, 11, 24))
    data = {"start": start.isoformat(), "end": end.isoformat()}
    origins = draw(st.lists(st.sampled_from(ORIGINS), max_size=2, unique=True))
    if origins:
        data["origin"] = origins
    channels = draw(st.lists(st.sampled_from(["101", "102", "none"]), max_size=2, unique=True))
    if channels:
        data["channel"] = channels
    interval = draw(st.sampled_from([None, "day", "week", "month"]))
    if interval and not (interval == "day" and (end - start).days > 200):
        data["interval"] = interval
    return data


@given(data=queries())
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
def test_rollup_reads_equal_raw_reads_on_random_filters(history, settings, data):
    workspace = history
    query = report_query_parse(filters=FILTERS, workspace=workspace, data=data)
    applies, fast, raw = _both_ways(settings, workspace, owner(workspace), query)
    assert applies
    assert fast == raw


def test_filters_the_rollup_does_not_hold_read_raw(history, settings):
    workspace = history
    agent = member(workspace, Membership.Role.AGENT)
    query = report_query_parse(filters=FILTERS, workspace=workspace, data={"period": "last_30_days"})
    # An agent who sees only their own and unassigned contacts: the assignee is not on the rollup.
    actor = Actor(workspace=workspace, role=Membership.Role.AGENT, user=agent)
    assert not contact_rollup_applies(workspace=workspace, actor=actor, query=query)
    Workspace.objects.filter(pk=workspace.pk).update(agent_visibility=Workspace.AgentVisibility.ALL)
    workspace.refresh_from_db()
    assert contact_rollup_applies(workspace=workspace, actor=actor, query=query)
    assignee = report_query_parse(filters=FILTERS, workspace=workspace,
                                  data={"period": "last_30_days", "assignee": ["none"]})
    assert not contact_rollup_applies(workspace=workspace, actor=owner(workspace), query=assignee)


def test_a_timezone_change_reads_raw_until_the_rebuild(history, settings):
    workspace = history
    data = {"start": "2026-03-01", "end": "2026-11-24", "interval": "week"}
    Workspace.objects.filter(pk=workspace.pk).update(timezone="Asia/Tokyo")
    workspace.refresh_from_db()
    query = report_query_parse(filters=FILTERS, workspace=workspace, data=data)
    # Counted in New York days: not read in Tokyo's.
    assert not contact_rollup_applies(workspace=workspace, actor=owner(workspace), query=query)
    stale = snapshot(workspace)
    rollup_rebuild(workspace=workspace)
    assert contact_rollup_applies(workspace=workspace, actor=owner(workspace), query=query)
    rebuilt = snapshot(workspace)
    assert rebuilt != stale and len(rebuilt[1]) == len({(c, d) for c, d, *_ in rebuilt[1]})
    # The rebuilt rows are Tokyo's days, and the triggers go on writing Tokyo's days.
    contact = Contact.objects.filter(workspace=workspace).order_by("pk").first()
    message_send(contact=contact, text="Hola", sender_kind=SenderKind.API, at=datetime(2026, 11, 24, 16, tzinfo=UTC))
    assert ContactActiveDay.objects.filter(contact_id=contact.pk, day=date(2026, 11, 25)).exists()
    rollup_rebuild(workspace=workspace)
    applies, fast, raw = _both_ways(settings, workspace, owner(workspace), query)
    assert applies and fast == raw
