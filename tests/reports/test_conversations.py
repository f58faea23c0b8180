"""Reportes → Conversaciones (docs/reports.md "Conversaciones"): every number recomputed by hand.

Conversations are written through the real write paths (``conversation_open`` /
``conversation_close`` with past timestamps), so the report reads what production records.
"""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.context import Actor
from accounts.models import Membership, Team
from assignments.models import AssignmentSource
from assignments.services import contact_assign
from contacts.models import ConversationSource
from contacts.services import conversation_close, conversation_open
from integrations.services import channel_create
from reports.conversations import (
    FILTERS,
    conversation_closed_events,
    conversation_log_page,
    conversation_open_at,
    conversation_opened_events,
    conversation_summary,
    conversation_timeseries,
)
from reports.framework.query import report_query_parse
from reports.periods import ReportPeriod
from tests.factories import ContactFactory, member
from tests.reports.api_checks import assert_bad_request_names, assert_unauthenticated

NOW = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)  # 12:00 in Mexico City
MX = "America/Mexico_City"
SUMMARY = "/api/v1/reports/conversations/summary"
TIMESERIES = "/api/v1/reports/conversations/timeseries"
LOG = "/api/v1/reports/conversations/log"


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def at(day: int, hour: int = 15, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


@pytest.fixture
def data(workspace, alice, bob):
    """Five conversations around the week 18–24 Nov 2026 (Mexico City)."""
    web, _ = channel_create(workspace=workspace, name="Web")
    wa, _ = channel_create(workspace=workspace, name="WhatsApp")
    c = [ContactFactory(workspace=workspace, first_name=f"C{i}") for i in range(5)]
    # 0: opened last week by the contact on Web, closed this week by Bob (owner Bob)
    conv0, _ = conversation_open(contact=c[0], at=at(14), channel_id=web.pk)
    contact_assign(contact=c[0], assignee=bob, source=AssignmentSource.API, at=at(14, 16))
    conversation_close(conversation=conv0, source=ConversationSource.USER, closed_by=bob, note="ok", at=at(19))
    # 1: opened this week on WhatsApp, closed this week by a workflow, unassigned when closed
    conv1, _ = conversation_open(contact=c[1], at=at(20), channel_id=wa.pk)
    conversation_close(conversation=conv1, source=ConversationSource.WORKFLOW, at=at(21))
    # 2: opened this week by Alice (no channel), still open, assigned to Bob now
    conv2, _ = conversation_open(contact=c[2], at=at(22), source=ConversationSource.USER, user=alice)
    contact_assign(contact=c[2], assignee=bob, source=AssignmentSource.USER, assigned_by=alice, at=at(22, 16))
    # 3: opened this week on Web, closed after the period (tomorrow is in the future: use today)
    conv3, _ = conversation_open(contact=c[3], at=at(23), channel_id=web.pk)
    contact_assign(contact=c[3], assignee=alice, source=AssignmentSource.API, at=at(23, 16))
    conversation_close(conversation=conv3, source=ConversationSource.API, at=at(24, 17))
    # 4: opened long before by the API, still open, unassigned
    conv4, _ = conversation_open(contact=c[4], at=at(1, 15, month=10), source=ConversationSource.API)
    return {"web": web, "wa": wa, "contacts": c, "convs": [conv0, conv1, conv2, conv3, conv4]}


def owner(workspace):
    return Actor(workspace=workspace, role=Membership.Role.OWNER)


def q(workspace, **data):
    data.setdefault("start", "2026-11-18")
    data.setdefault("end", "2026-11-24")
    return report_query_parse(filters=FILTERS, workspace=workspace, data=data)


def metrics(summary):
    return {m.key: (m.value, m.previous, m.state) for m in summary.metrics}


def test_cards_count_opened_closed_and_open_at_end_by_hand(workspace, data):
    summary = conversation_summary(workspace=workspace, actor=owner(workspace), query=q(workspace))

    # opened 18–24 Nov: conv1, conv2, conv3; closed: conv0, conv1, conv3; open at the end
    # (25 Nov 00:00 local): conv2, conv4. Previous week 11–17: opened conv0; closed none; open
    # at 18 Nov 00:00: conv0, conv4.
    assert metrics(summary) == {"opened": (3, 1, "ok"), "closed": (3, 0, "ok"), "open_at_end": (2, 2, "ok")}
    assert [(s.source, s.count, s.percent) for s in summary.opened_by_source] == [
        ("contact", 2, 66.67), ("user", 1, 33.33)]
    assert [(s.source, s.count) for s in summary.closed_by_source] == [("user", 1), ("workflow", 1), ("api", 1)]


def test_bars_add_up_to_the_cards_in_local_days(workspace, data):
    series = conversation_timeseries(workspace=workspace, actor=owner(workspace), query=q(workspace))

    assert series.interval == "day" and len(series.buckets) == 7
    by_day = {b.start.date().isoformat(): (b.opened, b.closed) for b in series.buckets}
    assert by_day["2026-11-19"] == (0, 1)
    assert by_day["2026-11-20"] == (1, 0)
    assert by_day["2026-11-24"] == (0, 1)
    assert sum(b.opened for b in series.buckets) == 3 and sum(b.closed for b in series.buckets) == 3


def test_log_lists_the_opened_set_newest_first_with_close_and_owner(workspace, data, bob, alice):
    log = conversation_log_page(workspace=workspace, actor=owner(workspace), query=q(workspace))

    assert log.count == 3
    rows = [(r["conversation_id"], r["opened_by"]["source"], r["closed_by"] and r["closed_by"]["source"],
             r["assignee"] and r["assignee"]["name"], r["channel"] and r["channel"]["name"]) for r in log.rows]
    convs = data["convs"]
    assert rows == [
        (convs[3].pk, "contact", "api", "Alice", "Web"),
        (convs[2].pk, "user", None, "Bob", None),
        (convs[1].pk, "contact", "workflow", None, "WhatsApp"),
    ]
    assert log.rows[1]["opened_by"]["user"]["name"] == "Alice"
    assert log.rows[0]["opened_at"].endswith("-06:00")


def test_filters_channel_owner_team_and_sources(workspace, data, bob, alice):
    scope = {"workspace": workspace, "actor": owner(workspace)}
    web = str(data["web"].pk)

    assert metrics(conversation_summary(**scope, query=q(workspace, channel=web)))["opened"][0] == 1
    # "none" = started outside a channel (conv2)
    assert metrics(conversation_summary(**scope, query=q(workspace, channel="none")))["opened"][0] == 1
    by_bob = conversation_summary(**scope, query=q(workspace, assignee=str(bob.pk)))
    assert metrics(by_bob) == {"opened": (1, 1, "ok"), "closed": (1, 0, "ok"), "open_at_end": (1, 1, "ok")}
    unassigned = conversation_summary(**scope, query=q(workspace, assignee="none"))
    assert metrics(unassigned)["closed"][0] == 1 and metrics(unassigned)["open_at_end"][0] == 1  # conv1; conv4
    team = Team.objects.create(workspace=workspace, name="Ventas")
    team.members.add(alice)
    assert metrics(conversation_summary(**scope, query=q(workspace, team=str(team.pk))))["opened"][0] == 1
    by_api = conversation_summary(**scope, query=q(workspace, closing_source="api"))
    assert metrics(by_api)["open_at_end"][2] == "not_applicable"
    assert metrics(by_api)["opened"][0] == 1 and metrics(by_api)["closed"][0] == 1
    opened_by_user = conversation_summary(**scope, query=q(workspace, opening_source="user"))
    assert metrics(opened_by_user)["closed"][0] == 0 and metrics(opened_by_user)["opened"][0] == 1


def test_an_agent_sees_only_the_conversations_they_own(workspace, data, bob):
    agent = Actor(workspace=workspace, role=Membership.Role.AGENT, user=bob)

    summary = conversation_summary(workspace=workspace, actor=agent, query=q(workspace))
    log = conversation_log_page(workspace=workspace, actor=agent, query=q(workspace))

    assert metrics(summary)["opened"][0] == 1 and metrics(summary)["closed"][0] == 1
    assert [r["conversation_id"] for r in log.rows] == [data["convs"][2].pk]


def test_a_range_before_the_workspace_existed_is_no_data(workspace, data):
    from accounts.models import Workspace

    Workspace.objects.filter(pk=workspace.pk).update(created_at=at(1, month=11))
    workspace.refresh_from_db()
    summary = conversation_summary(workspace=workspace, actor=owner(workspace),
                                   query=q(workspace, start="2026-10-01", end="2026-10-07"))
    assert summary.state == "no_data"


def test_hour_buckets_on_a_fall_back_day_keep_both_one_oclocks(workspace):
    from accounts.models import Workspace

    Workspace.objects.filter(pk=workspace.pk).update(timezone="America/New_York")
    workspace.refresh_from_db()
    first, second = datetime(2026, 11, 1, 5, 30, tzinfo=UTC), datetime(2026, 11, 1, 6, 30, tzinfo=UTC)
    for moment in (first, second):
        conversation_open(contact=ContactFactory(workspace=workspace), at=moment)

    series = conversation_timeseries(workspace=workspace, actor=owner(workspace),
                                     query=q(workspace, start="2026-11-01", end="2026-11-01"))

    assert len(series.buckets) == 25
    ones = [b for b in series.buckets if b.start.hour == 1]
    assert [(b.start.utcoffset(), b.opened) for b in ones] == [(timedelta(hours=-4), 1), (timedelta(hours=-5), 1)]


# --- API -------------------------------------------------------------------------------------


def test_api_answers_the_documented_shapes(alice_client, data):
    summary = alice_client.get(SUMMARY, {"start": "2026-11-18", "end": "2026-11-24"}).json()
    series = alice_client.get(TIMESERIES, {"start": "2026-11-18", "end": "2026-11-24"}).json()
    log = alice_client.get(LOG, {"start": "2026-11-18", "end": "2026-11-24", "page_size": 2}).json()

    assert summary["range"] == {"start": "2026-11-18", "end": "2026-11-24", "timezone": MX}
    assert {m["key"]: m["value"] for m in summary["metrics"]} == {"opened": 3, "closed": 3, "open_at_end": 2}
    assert summary["metrics"][0]["label"] == "Abiertas"
    assert summary["opened_by_source"][0] == {"source": "contact", "label": "Contacto", "count": 2, "percent": 66.67}
    assert series["buckets"][0]["start"] == "2026-11-18T00:00:00-06:00"
    assert sum(b["opened"] for b in series["buckets"]) == 3
    assert log["count"] == 3 and len(log["results"]) == 2 and log["next"].endswith("page=2")


@pytest.mark.parametrize("params, field", [
    ({"channel": "abc"}, "channel"),
    ({"opening_source": "fax"}, "opening_source"),
    ({"closing_source": "contact"}, "closing_source"),
    ({"team": "999999"}, "team"),
    ({"assignee": "999999"}, "assignee"),
    ({"interval": "hour", "start": "2026-01-01", "end": "2026-12-31"}, "interval"),
    ({"page": "0"}, "page"),
    ({"page": "9999"}, "page"),
    ({"page_size": "101"}, "page_size"),
    ({"period": "yesterday", "start": "2026-11-01"}, "period"),
])
def test_bad_parameters_are_a_400_naming_the_field(alice_client, data, params, field):
    response = alice_client.get(LOG if "page" in str(params) else SUMMARY, params)

    assert_bad_request_names(response, field)


def test_another_workspace_ids_are_refused_and_its_data_never_shown(charlie_client, data):
    web = data["web"].pk
    assert charlie_client.get(SUMMARY, {"channel": web}).status_code == 400
    body = charlie_client.get(LOG, {"period": "last_30_days"}).json()
    assert body["count"] == 0 and body["results"] == []


def test_no_credentials_is_a_401(anon_client):
    assert_unauthenticated(anon_client.get(SUMMARY))


def test_a_token_reads_the_whole_workspace(token_client, data):
    body = token_client.get(SUMMARY, {"start": "2026-11-18", "end": "2026-11-24"}).json()
    assert {m["key"]: m["value"] for m in body["metrics"]}["opened"] == 3


# --- agreement on random filters -------------------------------------------------------------


@pytest.fixture
def dataset(workspace):
    users = [member(workspace, Membership.Role.AGENT, email=f"a{i}@acme.example", name=f"A{i}") for i in range(3)]
    channels = [channel_create(workspace=workspace, name=f"Canal {i}")[0] for i in range(2)]
    sources_open = [ConversationSource.CONTACT, ConversationSource.USER, ConversationSource.WORKFLOW,
                    ConversationSource.API]
    sources_close = [ConversationSource.USER, ConversationSource.WORKFLOW, ConversationSource.API,
                     ConversationSource.BOT]
    start = datetime(2026, 10, 20, 6, tzinfo=UTC)
    for i in range(36):
        contact = ContactFactory(workspace=workspace)
        opened = start + timedelta(hours=23 * i)
        source = sources_open[i % 4]
        conv, _ = conversation_open(contact=contact, at=opened, source=source,
                                    user=users[0] if source == "user" else None,
                                    channel_id=channels[i % 2].pk if i % 3 else None)
        if i % 5:
            contact_assign(contact=contact, assignee=users[i % 3], source=AssignmentSource.API,
                           at=opened + timedelta(minutes=5))
        if i % 4 != 3:
            closer = sources_close[i % 4]
            close_at = min(opened + timedelta(hours=7 * (i % 6) + 1), NOW - timedelta(minutes=1))
            conversation_close(conversation=conv, source=closer, closed_by=users[1] if closer == "user" else None,
                               at=close_at)
    return {"users": users, "channels": channels}


@st.composite
def queries(draw):
    start = date(2026, 10, 15) + timedelta(days=draw(st.integers(0, 35)))
    end = min(start + timedelta(days=draw(st.integers(0, 20))), date(2026, 11, 24))
    data = {"start": start.isoformat(), "end": end.isoformat()}
    for param, options in (("opening_source", ["contact", "user", "workflow", "api"]),
                           ("closing_source", ["user", "workflow", "api", "bot"])):
        chosen = draw(st.lists(st.sampled_from(options), max_size=2, unique=True))
        if chosen:
            data[param] = chosen
    return data, draw(st.lists(st.integers(0, 3), max_size=2, unique=True)), draw(st.booleans()), \
        draw(st.sampled_from(["owner", "agent"])), draw(st.sampled_from([None, "day", "week", "hour"]))


@given(drawn=queries())
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
def test_cards_charts_and_log_agree_with_a_count_by_hand(workspace, dataset, drawn):
    data, channel_picks, owner_none, viewer, interval = drawn
    users, channels = dataset["users"], dataset["channels"]
    channel_values = [str(channels[i].pk) if i < 2 else "none" for i in channel_picks if i < 3]
    if channel_values:
        data["channel"] = channel_values
    if owner_none:
        data["assignee"] = ["none", str(users[2].pk)]
    if interval and not (interval == "hour" and data["start"] != data["end"]):
        data["interval"] = interval
    query = report_query_parse(filters=FILTERS, workspace=workspace, data=data)
    actor = owner(workspace) if viewer == "owner" else Actor(workspace=workspace, role=Membership.Role.AGENT,
                                                              user=users[1])
    scope = {"workspace": workspace, "actor": actor, "query": query}

    summary = conversation_summary(**scope)
    series = conversation_timeseries(**scope)
    log = conversation_log_page(**scope, page=1, page_size=100)
    values = {m.key: m.value for m in summary.metrics}

    # by hand, from the raw events and the conversations' recorded facts
    from contacts.models import Contact, ConversationEvent
    period = query.period
    events = list(ConversationEvent.objects.filter(workspace=workspace).order_by("id"))
    opened = {e.conversation_id: e for e in events if e.kind == "opened"}
    closed = {e.conversation_id: e for e in events if e.kind == "closed"}
    current = dict(Contact.objects.filter(workspace=workspace).values_list("pk", "assignee_id"))

    def matches(conv_id):
        o, c = opened[conv_id], closed.get(conv_id)
        owner_id = c.assignee_id if c else current.get(o.contact_id)
        if query.has("channel") and not ((o.channel_id in query.get("channel")) or
                                         (o.channel_id is None and query.includes_none("channel"))):
            return False
        if query.get("opening_source") and o.source not in query.get("opening_source"):
            return False
        if query.get("closing_source") and not (c and c.source in query.get("closing_source")):
            return False
        if query.has("assignee") and not ((owner_id in query.get("assignee")) or
                                          (owner_id is None and query.includes_none("assignee"))):
            return False
        return not (actor.is_agent and owner_id != users[1].pk)

    def inside(moment, p: ReportPeriod):
        return p.start_utc <= moment < p.end_utc

    want_opened = [k for k, o in opened.items() if inside(o.created_at, period) and matches(k)]
    want_closed = [k for k, c in closed.items() if inside(c.created_at, period) and k in opened and matches(k)]
    want_open = [k for k, o in opened.items() if o.created_at < period.end_utc and matches(k)
                 and not (k in closed and closed[k].created_at < period.end_utc)]

    assert values["opened"] == len(want_opened) == sum(b.opened for b in series.buckets) == log.count
    assert values["closed"] == len(want_closed) == sum(b.closed for b in series.buckets)
    assert sum(s.count for s in summary.opened_by_source) == values["opened"]
    assert sum(s.count for s in summary.closed_by_source) == values["closed"]
    if query.get("closing_source"):
        assert next(m for m in summary.metrics if m.key == "open_at_end").state == "not_applicable"
    else:
        assert values["open_at_end"] == len(want_open)
    assert sorted(r["conversation_id"] for r in log.rows) == sorted(want_opened)
    assert conversation_opened_events(**scope).count() == values["opened"]
    assert conversation_closed_events(**scope).count() == values["closed"]
    assert conversation_open_at(**scope, at=period.end_utc).count() >= 0
