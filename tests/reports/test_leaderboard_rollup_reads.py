"""Tabla de Clasificación's per-member day counts (``AgentDailyCount``, contacts/activity.py):
Cerradas and Mensajes enviados from them equal the raw closes and messages on random periods,
the triggers keep them equal to a rebuild, and they are read only while the contacts app's
rollup state is ready in the workspace's timezone (docs/performance.md "Tabla de Clasificación")."""

import random
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Membership, Workspace
from contacts.models import AgentDailyCount, ConversationSource, Message, SenderKind
from contacts.rollups import rollup_rebuild, rollup_state_start
from contacts.services import conversation_close, conversation_open, message_create
from reports.leaderboard import agent_daily_counts_ready, board_members, period_figures
from reports.periods import ReportPeriod
from tests.factories import ContactFactory, WorkspaceFactory, member

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the rollup's triggers are PostgreSQL's")

NOW = datetime(2026, 11, 25, 3, tzinfo=UTC)  # 22:00 on 24 Nov in New York
COUNTED = ("closed", "messages_sent")


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def snapshot(workspace) -> dict:
    return {(r.user_id, r.day): (r.messages_sent, r.closed)
            for r in AgentDailyCount.objects.filter(workspace=workspace) if r.messages_sent or r.closed}


@pytest.fixture
def board(db):
    """~200 conversations over a year in America/New_York: replies by three agents (and
    workflows), closes by agents, workflows and the API; a few contacts deleted with theirs."""
    workspace = WorkspaceFactory(timezone="America/New_York", created_at=datetime(2025, 9, 1, tzinfo=UTC))
    rollup_state_start(workspace=workspace)
    agents = [member(workspace, Membership.Role.AGENT) for _ in range(3)]
    rng = random.Random(5)
    at = datetime(2025, 10, 1, tzinfo=UTC)
    contacts = []
    while at < NOW - timedelta(days=1):
        at += timedelta(minutes=rng.randrange(1000, 4000))
        if at > NOW - timedelta(days=1):
            break
        contact = ContactFactory(workspace=workspace)
        contacts.append(contact)
        conversation, _ = conversation_open(contact=contact, at=at)
        message_create(conversation=conversation, direction=Message.Direction.IN, text="Hola",
                       sender_kind=SenderKind.CONTACT, at=at)
        moment = at
        for _ in range(rng.choice([0, 1, 2, 3])):
            moment += timedelta(minutes=rng.choice([1, 30, 300, 1500]))
            if rng.random() < 0.8:
                message_create(conversation=conversation, direction=Message.Direction.OUT, text="Buenas",
                               sender_kind=SenderKind.USER, author=rng.choice(agents), at=min(moment, NOW))
            else:
                message_create(conversation=conversation, direction=Message.Direction.OUT, text="Auto",
                               sender_kind=SenderKind.WORKFLOW, at=min(moment, NOW))
        if rng.random() < 0.85:
            source = rng.choice([ConversationSource.USER, ConversationSource.USER, ConversationSource.WORKFLOW,
                                 ConversationSource.API])
            conversation_close(conversation=conversation, source=source,
                               closed_by=rng.choice(agents) if source == ConversationSource.USER else None,
                               at=min(moment + timedelta(minutes=5), NOW))
    for contact in rng.sample(contacts, 4):
        contact.delete()
    return workspace


def test_the_triggers_keep_the_counts_equal_to_a_rebuild(board):
    maintained = snapshot(board)
    assert sum(m for m, _ in maintained.values()) > 150 and sum(c for _, c in maintained.values()) > 50
    rollup_rebuild(workspace=board)
    assert snapshot(board) == maintained


@given(start=st.integers(0, 419), days=st.integers(0, 200))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
def test_counts_from_the_rollup_equal_the_raw_counts(board, settings, start, days):
    first = date(2025, 10, 1) + timedelta(days=start)
    period = ReportPeriod(start=first, end=min(first + timedelta(days=days), date(2026, 11, 24)),
                          timezone=board.timezone)
    from reports.framework.query import ReportQuery

    members = board_members(workspace=board, query=ReportQuery(period=period))
    settings.REPORTS_USE_ROLLUP = True
    assert agent_daily_counts_ready(workspace=board, period=period)
    fast = period_figures(workspace=board, members=members, period=period, metrics=COUNTED)
    settings.REPORTS_USE_ROLLUP = False
    raw = period_figures(workspace=board, members=members, period=period, metrics=COUNTED)
    settings.REPORTS_USE_ROLLUP = True
    assert fast == raw


def test_a_timezone_change_reads_raw_until_the_rebuild(board, settings):
    Workspace.objects.filter(pk=board.pk).update(timezone="Asia/Tokyo")
    board.refresh_from_db()
    period = ReportPeriod(start=date(2026, 1, 1), end=date(2026, 11, 24), timezone="Asia/Tokyo")
    assert not agent_daily_counts_ready(workspace=board, period=period)
    rollup_rebuild(workspace=board)
    assert agent_daily_counts_ready(workspace=board, period=period)
    from reports.framework.query import ReportQuery

    members = board_members(workspace=board, query=ReportQuery(period=period))
    fast = period_figures(workspace=board, members=members, period=period, metrics=COUNTED)
    settings.REPORTS_USE_ROLLUP = False
    assert fast == period_figures(workspace=board, members=members, period=period, metrics=COUNTED)
