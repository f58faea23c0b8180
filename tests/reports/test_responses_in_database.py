"""Respuestas with business hours off: the figures computed in the database (histograms, sums,
per-responder and per-bucket medians) equal the per-row computation in Python, number for
number, on random data (docs/performance.md "Respuestas y Resoluciones")."""

import random
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from accounts.context import Actor
from accounts.models import Membership, Team
from contacts.models import Message, SenderKind
from contacts.services import conversation_open, message_create
from integrations.services import channel_create
from reports.framework.query import report_query_parse
from reports.responses import FILTERS, response_summary, response_timeseries
from tests.factories import ContactFactory, member

NOW = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def history(workspace):
    """~70 conversations over 100 days: contacts write, agents answer after random waits (equal
    waits on purpose, so medians of even counts and ties occur), some twice; one agent deleted."""
    rng = random.Random(11)
    agents = [member(workspace, Membership.Role.AGENT) for _ in range(4)]
    web, _ = channel_create(workspace=workspace, name="Web")
    at = NOW - timedelta(days=100)
    while at < NOW - timedelta(hours=6):
        at += timedelta(minutes=rng.randrange(600, 3000))
        conversation, _ = conversation_open(contact=ContactFactory(workspace=workspace), at=at,
                                            channel_id=rng.choice([web.pk, None]))
        moment = at
        for _ in range(rng.choice([1, 1, 2, 3])):
            message_create(conversation=conversation, direction=Message.Direction.IN, text="Hola",
                           sender_kind=SenderKind.CONTACT, at=moment)
            moment += timedelta(seconds=rng.choice([30, 60, 60, 90, 400, 4000, 20000]))
            message_create(conversation=conversation, direction=Message.Direction.OUT, text="Buenas",
                           sender_kind=SenderKind.USER, author=rng.choice(agents), at=moment)
            moment += timedelta(minutes=5)
    agents[3].delete()  # a deleted responder keeps their rows (no user, the name recorded)
    return workspace, agents[:3], web


def _both(settings, fn, **scope):
    settings.REPORTS_RESPONSES_IN_DATABASE = True
    fast = fn(**scope)
    settings.REPORTS_RESPONSES_IN_DATABASE = False
    slow = fn(**scope)
    return fast, slow


@pytest.mark.parametrize("data", [
    {"period": "last_30_days"},
    {"start": "2026-08-01", "end": "2026-11-24", "interval": "week"},
    {"start": "2026-09-01", "end": "2026-11-24", "interval": "month"},
    {"start": "2026-10-01", "end": "2026-10-31", "channel": ["none"]},
    {"period": "last_7_days", "interval": "day"},
])
def test_database_figures_equal_the_per_row_ones(history, settings, data):
    workspace, agents, _ = history
    query = report_query_parse(filters=FILTERS, workspace=workspace, data=data)
    owner = Actor(workspace=workspace, role=Membership.Role.OWNER)
    fast, slow = _both(settings, response_summary, workspace=workspace, actor=owner, query=query)
    assert fast == slow
    assert fast.first_responses.value > 0 and len(fast.agents) >= 2
    fast, slow = _both(settings, response_timeseries, workspace=workspace, actor=owner, query=query)
    assert fast == slow


def test_database_figures_for_an_agent_a_team_and_a_channel(history, settings):
    workspace, agents, web = history
    team = Team.objects.create(workspace=workspace, name="Ventas")
    team.members.add(agents[0], agents[1])
    cases = [(Actor(workspace=workspace, role=Membership.Role.AGENT, user=agents[1]), {}),
             (Actor(workspace=workspace, role=Membership.Role.OWNER), {"team": [str(team.pk)]}),
             (Actor(workspace=workspace, role=Membership.Role.OWNER), {"channel": [str(web.pk)],
                                                                        "agent": [str(agents[2].pk)]})]
    for actor, extra in cases:
        query = report_query_parse(filters=FILTERS, workspace=workspace,
                                   data={"start": "2026-08-16", "end": "2026-11-24", **extra})
        for fn in (response_summary, response_timeseries):
            fast, slow = _both(settings, fn, workspace=workspace, actor=actor, query=query)
            assert fast == slow, (extra, fn.__name__)
