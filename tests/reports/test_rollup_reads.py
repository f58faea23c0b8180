"""The day rollup answers exactly what the raw events answer, for every filter it serves."""

import itertools
import random
from datetime import UTC, date, datetime, timedelta

import pytest

from accounts.context import Actor
from accounts.models import Membership
from assignments.models import AssignmentEvent, AssignmentSource
from assignments.rollups import rollup_rebuild
from reports.params import report_params_parse
from reports.rollup_reads import assignment_daily_source_counts
from reports.selectors import assignment_summary, assignment_timeseries
from tests.factories import ContactFactory, WorkspaceFactory, member

TODAY = date(2026, 11, 24)


@pytest.fixture
def history(db):
    """~600 events over a year in America/New_York (both DST changes), through the rollup rebuild."""
    workspace = WorkspaceFactory(timezone="America/New_York", created_at=datetime(2025, 1, 1, tzinfo=UTC))
    owner = member(workspace, Membership.Role.OWNER)
    agents = [member(workspace, Membership.Role.AGENT) for _ in range(4)]
    contacts = [ContactFactory(workspace=workspace) for _ in range(10)]
    rng = random.Random(11)
    events, at = [], datetime(2025, 11, 20, tzinfo=UTC)
    while at < datetime(2026, 11, 25, 4, tzinfo=UTC):
        at += timedelta(minutes=rng.randrange(200, 1500))
        source = rng.choice(AssignmentSource.values)
        new = rng.choice(agents + [None])
        previous = rng.choice([a for a in agents + [None] if a != new])
        by = rng.choice(agents + [owner]) if source == AssignmentSource.USER else None
        contact = rng.choice(contacts)
        events.append(AssignmentEvent(
            workspace=workspace, created_at=at, source=source, contact_id=contact.pk, contact_name=contact.name,
            new_assignee=new, previous_assignee=previous, assigned_by=by,
        ))
    AssignmentEvent.objects.bulk_create(events)
    rollup_rebuild(workspace=workspace)
    return workspace, owner, agents


def _params(workspace, **query):
    return report_params_parse(workspace=workspace, data={k: v for k, v in query.items() if v})


def _both_ways(settings, workspace, actor, params):
    settings.REPORTS_USE_ROLLUP = True
    fast = (assignment_summary(workspace=workspace, actor=actor, params=params),
            assignment_timeseries(workspace=workspace, actor=actor, params=params))
    settings.REPORTS_USE_ROLLUP = False
    raw = (assignment_summary(workspace=workspace, actor=actor, params=params),
           assignment_timeseries(workspace=workspace, actor=actor, params=params))
    settings.REPORTS_USE_ROLLUP = True
    return fast, raw


RANGES = [{"start": "2025-11-25", "end": "2026-11-24"}, {"start": "2026-03-01", "end": "2026-03-31"},
          {"start": "2026-10-26", "end": "2026-11-08", "interval": "day"}, {"start": "2026-01-01", "end": "2026-06-30",
                                                                              "interval": "month"}]


def test_rollup_equals_raw_for_admin_filters(history, settings):
    workspace, owner, agents = history
    actor = Actor.for_membership(Membership.objects.get(user=owner))
    filters = [{}, {"source": ["user", "api"]}, {"assignee": [str(agents[0].pk), "none"]},
               {"assignee": ["none"], "source": ["bot"]}, {"assigned_by": [str(agents[1].pk)]},
               {"assigned_by": [str(agents[1].pk)], "source": ["user"]}]
    for period, extra in itertools.product(RANGES, filters):
        params = _params(workspace, **period, **extra)
        assert assignment_daily_source_counts(workspace=workspace, actor=actor, params=params) is not None
        fast, raw = _both_ways(settings, workspace, actor, params)
        assert fast == raw, (period, extra)
        assert fast[0].total == sum(b.total for b in fast[1].buckets)


def test_rollup_equals_raw_for_agents(history, settings):
    workspace, _, agents = history
    agent = agents[2]
    actor = Actor.for_membership(Membership.objects.get(user=agent))
    for period, extra in itertools.product(RANGES, [{}, {"source": ["workflow"]}, {"assignee": [str(agent.pk)]}]):
        params = _params(workspace, **period, **extra)
        assert assignment_daily_source_counts(workspace=workspace, actor=actor, params=params) is not None
        fast, raw = _both_ways(settings, workspace, actor, params)
        assert fast == raw and fast[0].total > 0, (period, extra)


def test_filters_the_rollup_cannot_serve_read_the_events(history, settings):
    workspace, owner, agents = history
    owner_actor = Actor.for_membership(Membership.objects.get(user=owner))
    agent_actor = Actor.for_membership(Membership.objects.get(user=agents[0]))
    contact_id = AssignmentEvent.objects.filter(workspace=workspace).values_list("contact_id", flat=True).first()
    cases = [(owner_actor, {"contact": [str(contact_id)]}),
             (owner_actor, {"assignee": [str(agents[0].pk)], "assigned_by": [str(agents[1].pk)]}),
             (agent_actor, {"assignee": [str(agents[1].pk)]})]
    for actor, extra in cases:
        params = _params(workspace, **RANGES[0], **extra)
        assert assignment_daily_source_counts(workspace=workspace, actor=actor, params=params) is None
        fast, raw = _both_ways(settings, workspace, actor, params)
        assert fast == raw


def test_timezone_change_falls_back_to_events_until_rebuilt(history, settings):
    workspace, owner, _ = history
    actor = Actor.for_membership(Membership.objects.get(user=owner))
    workspace.timezone = "Asia/Kolkata"  # +05:30: days shift by a non-whole hour
    workspace.save()
    params = _params(workspace, **RANGES[1])
    assert assignment_daily_source_counts(workspace=workspace, actor=actor, params=params) is None

    rollup_rebuild(workspace=workspace)

    assert assignment_daily_source_counts(workspace=workspace, actor=actor, params=params) is not None
    fast, raw = _both_ways(settings, workspace, actor, params)
    assert fast == raw
