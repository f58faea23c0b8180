"""report.md "Components": all three are computed from the same filtered event set, so for any
combination of filters and viewer, bucket totals = summary total = log count (under the cap);
the distinct contacts and conversations (docs/reports.md) are those of that set, and the
filters mean the same given as repeated parameters or comma lists."""

import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from django.http import QueryDict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.context import Actor
from accounts.models import Membership, Workspace
from assignments.models import AssignmentEvent, AssignmentSource
from reports.params import ReportParams, report_params_parse
from reports.periods import ReportPeriod
from reports.selectors import (
    DistinctCounts,
    assignment_event_list,
    assignment_log_page,
    assignment_summary,
    assignment_timeseries,
)
from tests.factories import ContactFactory, ConversationFactory, member
from tests.reports.conftest import build_event

TZ = "America/New_York"
# Around the 2026 spring-forward (March 8) and fall-back (November 1) changes.
WINDOW_START = datetime(2026, 2, 20, tzinfo=UTC)
WINDOW_DAYS = 270


@pytest.fixture
def dataset(workspace, alice, bob, dave):
    """~600 events in a New York workspace: random sources, users, contacts and conversations."""
    Workspace.objects.filter(pk=workspace.pk).update(timezone=TZ)
    workspace.refresh_from_db()
    rng = random.Random(20261124)
    carol = member(workspace, Membership.Role.AGENT, email="carol@acme.example", name="Carol")
    users = [alice, bob, dave, carol]
    contacts = [ContactFactory(workspace=workspace) for _ in range(6)]
    conversations = [ConversationFactory(contact=c) for c in contacts[:3]]
    events = []
    for _ in range(600):
        source = rng.choice(AssignmentSource.values)
        contact = rng.choice(contacts)
        conversation = next((c for c in conversations if c.contact_id == contact.pk), None)
        at = WINDOW_START + timedelta(seconds=rng.randrange(WINDOW_DAYS * 86400))
        events.append(build_event(
            workspace, at, source=source, contact=contact, conversation=conversation,
            new=rng.choice(users + [None]), previous=rng.choice(users + [None]),
            by=rng.choice(users) if source == AssignmentSource.USER else None,
        ))
    AssignmentEvent.objects.bulk_create(events)
    return {"workspace": workspace, "users": users, "contacts": contacts, "conversations": conversations}


@st.composite
def report_queries(draw):
    start = date(2026, 2, 20) + timedelta(days=draw(st.integers(0, WINDOW_DAYS)))
    length = draw(st.sampled_from([1, 1, 2, 7, 30, 92, 93, 200, 366]))
    return {
        "start": start,
        "end": start + timedelta(days=length - 1),
        "sources": draw(st.lists(st.sampled_from(AssignmentSource.values), max_size=3, unique=True)),
        "assignees": draw(st.lists(st.integers(0, 3), max_size=2, unique=True)),
        "assignee_none": draw(st.booleans()),
        "assigned_by": draw(st.lists(st.integers(0, 3), max_size=2, unique=True)),
        "contacts": draw(st.lists(st.integers(0, 5), max_size=3, unique=True)),
        "conversations": draw(st.lists(st.integers(0, 2), max_size=2, unique=True)),
        "interval": draw(st.sampled_from([None, None, "day", "week", "month"])),
        "viewer": draw(st.sampled_from(["owner", "agent"])),
        # How a URL gives several values: repeated, a comma list, or both.
        "style": draw(st.sampled_from(["repeat", "commas", "mixed"])),
    }


@given(query=report_queries())
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
def test_summary_timeseries_and_log_always_agree(dataset, query):
    workspace, users = dataset["workspace"], dataset["users"]
    params = ReportParams(
        period=ReportPeriod(query["start"], query["end"], TZ),
        sources=tuple(query["sources"]),
        assignee_ids=tuple(users[i].pk for i in query["assignees"]),
        assignee_none=query["assignee_none"],
        assigned_by_ids=tuple(users[i].pk for i in query["assigned_by"]),
        contact_ids=tuple(dataset["contacts"][i].pk for i in query["contacts"]),
        conversation_ids=tuple(dataset["conversations"][i].pk for i in query["conversations"]),
        interval=query["interval"],
        include_distinct=True,
    )
    # The same parameters written in a URL with repeated values or comma lists parse to these.
    assert replace(report_params_parse(workspace=workspace, data=_url(params, query["style"])), preset=None) == params
    if query["viewer"] == "owner":
        actor = Actor(workspace=workspace, role=Membership.Role.OWNER, user=users[0])
    else:
        actor = Actor(workspace=workspace, role=Membership.Role.AGENT, user=users[1])

    summary = assignment_summary(workspace=workspace, actor=actor, params=params)
    series = assignment_timeseries(workspace=workspace, actor=actor, params=params)
    log = assignment_log_page(workspace=workspace, actor=actor, params=params, page=1, page_size=100)
    expected = _expected(dataset, params, actor)

    assert summary.total == sum(b.total for b in series.buckets) == log.count == len(expected)
    assert summary.state == series.state == log.state
    assert {s.source: s.count for s in summary.by_source} == {
        source: sum(b.counts.get(source, 0) for b in series.buckets) for source in series.sources}
    assert [s.source for s in summary.by_source] == series.sources
    if summary.by_source:
        assert abs(sum(s.percent for s in summary.by_source) - 100) <= 0.01
    assert [e.pk for e in log.rows] == [e.pk for e in expected[:100]]
    assert set(assignment_event_list(workspace=workspace, actor=actor, params=params)) == set(expected)
    # Distinct counts read the same filtered events.
    assert summary.distinct == DistinctCounts(
        contacts=len({e.contact_id for e in expected}),
        conversations=len({e.conversation_id for e in expected if e.conversation_id is not None}))
    assert summary.distinct.contacts <= summary.total and summary.distinct.conversations <= summary.total
    assert (summary.distinct.contacts >= 1) == (summary.total >= 1)


def _url(params: ReportParams, style: str) -> QueryDict:
    """``params`` as a query string: each filter's values repeated, comma-separated, or both."""
    parts = [f"start={params.period.start}", f"end={params.period.end}", "include=distinct"]
    if params.interval:
        parts.append(f"interval={params.interval}")
    for key, values in params.as_query().items():
        if key in ("start", "end", "interval") or not values:
            continue
        if style == "repeat" or len(values) == 1:
            parts += [f"{key}={v}" for v in values]
        elif style == "commas":
            parts.append(f"{key}={','.join(values)}")
        else:
            parts += [f"{key}={','.join(values[:-1])}", f"{key}={values[-1]}"]
    return QueryDict("&".join(parts))


def _expected(dataset, params: ReportParams, actor: Actor) -> list[AssignmentEvent]:
    """The same filters, evaluated in Python over every event (newest first)."""
    start, end = params.period.start_utc, params.period.end_utc
    if params.assigned_by_ids and params.sources and "user" not in params.sources:
        return []
    rows = []
    for e in AssignmentEvent.objects.filter(workspace=dataset["workspace"]):
        if not start <= e.created_at < end:
            continue
        if actor.is_agent and actor.user.pk not in (e.new_assignee_id, e.previous_assignee_id):
            continue
        if params.sources and e.source not in params.sources:
            continue
        if params.has_assignee_filter and not (
            e.new_assignee_id in params.assignee_ids or (params.assignee_none and e.new_assignee_id is None)
        ):
            continue
        if params.assigned_by_ids and e.assigned_by_id not in params.assigned_by_ids:
            continue
        if params.contact_ids and e.contact_id not in params.contact_ids:
            continue
        if params.conversation_ids and e.conversation_id not in params.conversation_ids:
            continue
        rows.append(e)
    return sorted(rows, key=lambda e: (e.created_at, e.pk), reverse=True)


def test_the_unfiltered_year_agrees_too(dataset):
    workspace = dataset["workspace"]
    actor = Actor(workspace=workspace, role=Membership.Role.OWNER)
    params = ReportParams(period=ReportPeriod(date(2026, 2, 1), date(2027, 1, 31), TZ))

    summary = assignment_summary(workspace=workspace, actor=actor, params=params)
    for interval in ("day", "week", "month"):
        series = assignment_timeseries(workspace=workspace, actor=actor, params=ReportParams(
            period=params.period, interval=interval))
        assert sum(b.total for b in series.buckets) == summary.total == 600
    log = assignment_log_page(workspace=workspace, actor=actor, params=params)
    assert log.count == 600
