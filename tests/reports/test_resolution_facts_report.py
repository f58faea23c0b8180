"""Resoluciones from the recorded facts (reports/resolution_facts.py) equals the definition: the
per-close path over the events (``REPORTS_RESOLUTIONS_FROM_FACTS = False``), on random data and
random filters, with business hours on, off, and changed after the closes were recorded."""

import random
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from accounts.context import Actor
from accounts.models import Membership
from business_hours.selectors import business_hours_get
from business_hours.services import business_hours_set
from contacts.models import ConversationEvent, ConversationResolution, ConversationSource
from contacts.resolutions import resolution_business_recompute
from contacts.services import conversation_close, conversation_open
from reports.framework.query import report_query_parse
from reports.resolution_facts import recorded_facts_apply
from reports.resolutions import (
    FILTERS,
    resolution_headlines,
    resolution_summary,
    resolution_timeseries,
)
from tests.factories import ContactFactory, ConversationFactory
from tests.reports.test_resolutions import NOW, dataset  # noqa: F401 (the fixture)

pytestmark = pytest.mark.postgres


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _queries(workspace, users, channels, team, seed: int, n: int):
    rng = random.Random(seed)
    for _ in range(n):
        start = date(2026, 10, 18) + timedelta(days=rng.randint(0, 37))
        end = min(start + timedelta(days=rng.randint(0, 25)), date(2026, 11, 24))
        data = {"start": start.isoformat(), "end": end.isoformat()}
        if rng.random() < 0.4:
            data["closing_source"] = rng.sample(["user", "workflow", "api", "bot"], rng.randint(1, 2))
        if rng.random() < 0.4:
            data["channel"] = rng.sample([str(channels[0].pk), str(channels[1].pk), "none"], rng.randint(1, 2))
        if rng.random() < 0.3:
            data["assignee"] = rng.choice(["none", *[str(u.pk) for u in users]])
        if rng.random() < 0.2:
            data["team"] = str(team.pk)
        data["interval"] = rng.choice(["day", "week", "month", *(["hour"] if start == end else [])])
        actor = (Actor(workspace=workspace, role=Membership.Role.OWNER) if rng.random() < 0.7
                 else Actor(workspace=workspace, role=Membership.Role.AGENT, user=rng.choice(users)))
        yield actor, report_query_parse(filters=FILTERS, workspace=workspace, data=data)


def _figures(workspace, actor, query):
    scope = {"workspace": workspace, "actor": actor, "query": query}
    return (resolution_summary(**scope), resolution_timeseries(**scope),
            resolution_headlines(workspace=workspace, actor=actor, period=query.period))


def _assert_both_paths_agree(settings, workspace, dataset, seed):  # noqa: F811
    checked = 0
    for actor, query in _queries(workspace, dataset["users"], dataset["channels"], dataset["team"], seed, 30):
        settings.REPORTS_RESOLUTIONS_FROM_FACTS = True
        recorded = _figures(workspace, actor, query)
        settings.REPORTS_RESOLUTIONS_FROM_FACTS = False
        by_close = _figures(workspace, actor, query)
        settings.REPORTS_RESOLUTIONS_FROM_FACTS = True
        assert recorded == by_close, query.period
        checked += recorded[0].metrics[0].value or 0
    assert checked > 0  # the draws found resolutions


def test_recorded_facts_equal_the_definition_with_business_hours(settings, workspace, dataset):  # noqa: F811
    assert recorded_facts_apply(workspace=workspace, hours=business_hours_get(workspace=workspace))
    _assert_both_paths_agree(settings, workspace, dataset, seed=1)


def test_after_a_schedule_change_the_report_reads_the_events_until_recomputed(settings, workspace,
                                                                              dataset):  # noqa: F811
    business_hours_set(workspace=workspace, enabled=True, schedule={
        day: [["10:00", "12:30"]] for day in ("mon", "wed", "fri", "sun")})
    hours = business_hours_get(workspace=workspace)
    assert not recorded_facts_apply(workspace=workspace, hours=hours)  # the column is of the old schedule
    _assert_both_paths_agree(settings, workspace, dataset, seed=2)  # both the per-close path

    assert resolution_business_recompute(workspace=workspace) > 0
    assert recorded_facts_apply(workspace=workspace, hours=hours)
    _assert_both_paths_agree(settings, workspace, dataset, seed=3)

    business_hours_set(workspace=workspace, enabled=False, schedule={"mon": [["10:00", "12:30"]]})
    resolution_business_recompute(workspace=workspace)
    assert recorded_facts_apply(workspace=workspace, hours=business_hours_get(workspace=workspace))
    _assert_both_paths_agree(settings, workspace, dataset, seed=4)


def test_a_contacts_reopening_after_the_period_shows_in_its_numbers(settings, workspace, dataset):  # noqa: F811
    """Reopened is read as of now: an opening recorded after the close (and after a first read)
    changes the close's numbers on both paths alike."""
    contact = ContactFactory(workspace=workspace)
    conv, _ = conversation_open(contact=contact, at=datetime(2026, 11, 20, 15, tzinfo=UTC))
    conversation_close(conversation=conv, source=ConversationSource.BOT, at=datetime(2026, 11, 20, 16, tzinfo=UTC))
    query = report_query_parse(filters=FILTERS, workspace=workspace, data={"start": "2026-11-20", "end": "2026-11-20"})
    actor = Actor(workspace=workspace, role=Membership.Role.OWNER)
    before = {m.key: m.value for m in resolution_summary(workspace=workspace, actor=actor, query=query).metrics}
    conversation_open(contact=contact, at=datetime(2026, 11, 23, 15, tzinfo=UTC))
    after = {m.key: m.value for m in resolution_summary(workspace=workspace, actor=actor, query=query).metrics}

    assert ConversationResolution.objects.get(conversation_id=conv.pk).reopened is True
    assert after["reopened"] == before["reopened"] + 1 and after["resolved"] == before["resolved"]
    settings.REPORTS_RESOLUTIONS_FROM_FACTS = False
    assert after == {m.key: m.value for m in resolution_summary(workspace=workspace, actor=actor, query=query).metrics}


def test_a_negative_time_keeps_business_hours_off_exact(settings, workspace):
    """Business hours off: business time = calendar time floored at 0. A hand-made opening after
    its close (a negative calendar time) makes the two differ; the recorded path then aggregates
    both columns and still equals the per-close path."""
    rows = []
    for i, (opened, closed) in enumerate(((15, 17), (16, 15), (15, 20))):
        contact = ContactFactory(workspace=workspace)
        conv = ConversationFactory(contact=contact, opened_at=datetime(2026, 11, 20, 14, tzinfo=UTC))
        ConversationEvent.objects.create(workspace=workspace, kind="opened", source="api", conversation_id=conv.pk,
                                         contact_id=contact.pk, created_at=datetime(2026, 11, 20, opened, tzinfo=UTC))
        conversation_close(conversation=conv, source=ConversationSource.BOT,
                           at=datetime(2026, 11, 20, closed, i, tzinfo=UTC))
        rows.append(ConversationResolution.objects.get(conversation_id=conv.pk))
    assert [(r.seconds, r.business_seconds) for r in rows] == [(7200, 7200), (-3540, 0), (18120, 18120)]
    query = report_query_parse(filters=FILTERS, workspace=workspace, data={"start": "2026-11-20", "end": "2026-11-20"})
    actor = Actor(workspace=workspace, role=Membership.Role.OWNER)
    assert recorded_facts_apply(workspace=workspace, hours=business_hours_get(workspace=workspace))
    recorded = _figures(workspace, actor, query)
    settings.REPORTS_RESOLUTIONS_FROM_FACTS = False
    assert recorded == _figures(workspace, actor, query)
    values = {m.key: m.value for m in recorded[0].metrics}
    assert (values["median"], values["business_median"]) == (7200, 7200)
    assert (values["average"], values["business_average"]) == (7260, 8440)
