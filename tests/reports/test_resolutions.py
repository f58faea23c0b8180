"""Reportes → Resoluciones (docs/reports.md "Resoluciones"): every number recomputed by hand.

Conversations and assignments are written through the real write paths (``conversation_open``,
``conversation_close``, ``contact_assign`` with past timestamps, in order per contact), so the
report reads what production records.
"""

import math
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.context import Actor
from accounts.models import Membership, Team, Workspace
from assignments.models import AssignmentEvent, AssignmentSource
from assignments.services import contact_assign
from business_hours.services import business_hours_set
from contacts.models import ConversationEvent, ConversationSource
from contacts.services import conversation_close, conversation_open
from integrations.services import channel_create
from reports.framework.numbers import average_half_up, median_whole, percentile_nearest_rank
from reports.framework.query import report_query_parse
from reports.resolutions import (
    FILTERS,
    REOPEN_WINDOW,
    resolution_events,
    resolution_log_page,
    resolution_summary,
    resolution_timeseries,
)
from tests.factories import ContactFactory, ConversationFactory, member
from tests.reports.api_checks import assert_bad_request_names, assert_unauthenticated

NOW = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)  # 12:00 in Mexico City
MX = "America/Mexico_City"
SUMMARY = "/api/v1/reports/resolutions/summary"
TIMESERIES = "/api/v1/reports/resolutions/timeseries"
LOG = "/api/v1/reports/resolutions/log"
HOUR = 3600
DAY = 86400


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def at(day: int, hour: int = 15, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def owner(workspace):
    return Actor(workspace=workspace, role=Membership.Role.OWNER)


def q(workspace, **data):
    data.setdefault("start", "2026-11-18")
    data.setdefault("end", "2026-11-24")
    return report_query_parse(filters=FILTERS, workspace=workspace, data=data)


def metrics(summary):
    return {m.key: m.value for m in summary.metrics}


@pytest.fixture
def data(workspace, alice, bob):
    """Six resolutions around the week 18–24 Nov 2026 (Mexico City, UTC−6: 15:00 UTC = 09:00)."""
    web, _ = channel_create(workspace=workspace, name="Web")
    wa, _ = channel_create(workspace=workspace, name="WhatsApp")
    c = [ContactFactory(workspace=workspace, first_name=f"C{i}") for i in range(6)]
    # A: opened last week on Web, one assignment (Bob), closed by Bob on the 19th after 5 days;
    # the contact writes in again 3 days later -> reopened, so not FCR.
    a, _ = conversation_open(contact=c[0], at=at(14), channel_id=web.pk)
    contact_assign(contact=c[0], assignee=bob, source=AssignmentSource.API, at=at(14, 16))
    conversation_close(conversation=a, source=ConversationSource.USER, closed_by=bob, note="ok", at=at(19))
    a2, _ = conversation_open(contact=c[0], at=at(22), channel_id=web.pk)
    # B: WhatsApp, one assignment (Alice), closed by a workflow after 1 h -> FCR.
    b, _ = conversation_open(contact=c[1], at=at(20), channel_id=wa.pk)
    contact_assign(contact=c[1], assignee=alice, source=AssignmentSource.API, at=at(20, 15, 10))
    conversation_close(conversation=b, source=ConversationSource.WORKFLOW, at=at(20, 16))
    # C: no channel, Bob then Alice (two assignments), closed by the API after 2 h -> not FCR.
    cc, _ = conversation_open(contact=c[2], at=at(21), source=ConversationSource.USER, user=alice)
    contact_assign(contact=c[2], assignee=bob, source=AssignmentSource.API, at=at(21, 15, 5))
    contact_assign(contact=c[2], assignee=alice, source=AssignmentSource.USER, assigned_by=alice, at=at(21, 15, 30))
    conversation_close(conversation=cc, source=ConversationSource.API, at=at(21, 17))
    # D: Web, never assigned, closed by the bot after 30 min -> not FCR, owner Sin asignar.
    d, _ = conversation_open(contact=c[3], at=at(22), channel_id=web.pk)
    conversation_close(conversation=d, source=ConversationSource.BOT, at=at(22, 15, 30))
    # E: the previous week: one assignment, closed after 1 h -> FCR in the previous period.
    e, _ = conversation_open(contact=c[4], at=at(12), channel_id=web.pk)
    contact_assign(contact=c[4], assignee=bob, source=AssignmentSource.API, at=at(12, 15, 30))
    conversation_close(conversation=e, source=ConversationSource.USER, closed_by=bob, at=at(12, 16))
    # F: opened before lifecycle recording (no opened event), closed by Alice on the 23rd.
    f = ConversationFactory(contact=c[5], opened_at=at(1))
    conversation_close(conversation=f, source=ConversationSource.USER, closed_by=alice, at=at(23))
    return {"web": web, "wa": wa, "contacts": c, "convs": {"A": a, "A2": a2, "B": b, "C": cc, "D": d, "E": e, "F": f}}


def test_cards_by_hand(workspace, data):
    summary = resolution_summary(workspace=workspace, actor=owner(workspace), query=q(workspace))

    # Resolved 18–24 Nov: A, B, C, D, F. Times (F has none): 1800, 3600, 7200, 432000 ->
    # median (3600 + 7200) // 2, p90 = rank ceil(3.6) = 4th, average 444600 / 4.
    assert metrics(summary) == {
        "resolved": 5, "fcr": 1, "fcr_rate": 20.0, "reopened": 1, "reopened_rate": 20.0,
        "median": 5400, "p90": 432000, "average": 111150,
        # business hours off: business time is calendar time
        "business_median": 5400, "business_p90": 432000, "business_average": 111150,
    }
    assert summary.business_hours is False
    previous = {m.key: m.previous for m in summary.metrics}
    assert previous["resolved"] == 1 and previous["median"] == HOUR and previous["fcr_rate"] == 100.0
    assert [(s.source, s.count, s.percent) for s in summary.by_closing_source] == [
        ("user", 2, 40.0), ("workflow", 1, 20.0), ("api", 1, 20.0), ("bot", 1, 20.0)]


def test_per_agent_table_by_hand(workspace, data, alice, bob):
    summary = resolution_summary(workspace=workspace, actor=owner(workspace), query=q(workspace))

    rows = [((r.assignee or {}).get("name"), r.resolved, r.median_seconds, r.average_seconds, r.fcr, r.fcr_rate,
             r.reopened) for r in summary.agents]
    # Alice owned B and C at close; Sin asignar: D and F (F has no time); Bob: A.
    assert rows == [("Alice", 2, 5400, 5400, 1, 50.0, 0), (None, 2, 1800, 1800, 0, 0.0, 0),
                    ("Bob", 1, 432000, 432000, 0, 0.0, 1)]
    assert sum(r.resolved for r in summary.agents) == metrics(summary)["resolved"]


def test_bars_count_closes_per_local_day_with_their_median(workspace, data):
    series = resolution_timeseries(workspace=workspace, actor=owner(workspace), query=q(workspace))

    by_day = {b.start.date().isoformat(): (b.resolved, b.median_seconds) for b in series.buckets}
    assert series.interval == "day" and len(series.buckets) == 7
    assert by_day == {"2026-11-18": (0, None), "2026-11-19": (1, 5 * DAY), "2026-11-20": (1, HOUR),
                      "2026-11-21": (1, 2 * HOUR), "2026-11-22": (1, 1800), "2026-11-23": (1, None),
                      "2026-11-24": (0, None)}


def test_log_lists_resolutions_newest_close_first(workspace, data, alice):
    log = resolution_log_page(workspace=workspace, actor=owner(workspace), query=q(workspace))

    convs = data["convs"]
    rows = [(r["conversation_id"], r["resolution_seconds"], r["assignments"], r["fcr"], r["reopened"],
             r["assignee"] and r["assignee"]["name"]) for r in log.rows]
    assert log.count == 5
    assert rows == [
        (convs["F"].pk, None, 0, False, False, None),
        (convs["D"].pk, 1800, 0, False, False, None),
        (convs["C"].pk, 7200, 2, False, False, "Alice"),
        (convs["B"].pk, 3600, 1, True, False, "Alice"),
        (convs["A"].pk, 432000, 1, False, True, "Bob"),
    ]
    first, last = log.rows[0], log.rows[-1]
    assert first["opened_at"] is None and first["closed_by"]["user"]["name"] == "Alice"
    assert last["opened_at"] == "2026-11-14T09:00:00-06:00" and last["closed_at"] == "2026-11-19T09:00:00-06:00"
    assert last["closing_note"] == "ok" and last["channel"]["name"] == "Web"


def test_filters_channel_owner_team_and_closing_source(workspace, data, alice, bob):
    scope = {"workspace": workspace, "actor": owner(workspace)}

    def resolved(**params):
        return metrics(resolution_summary(**scope, query=q(workspace, **params)))["resolved"]

    assert resolved(channel=str(data["web"].pk)) == 2  # A, D
    assert resolved(channel="none") == 2  # C, F
    assert resolved(assignee=str(alice.pk)) == 2
    assert resolved(assignee="none") == 2
    assert resolved(assignee=["none", str(bob.pk)]) == 3
    assert resolved(closing_source="user") == 2
    assert resolved(closing_source=["bot", "api"]) == 2
    team = Team.objects.create(workspace=workspace, name="Soporte")
    team.members.add(bob)
    assert resolved(team=str(team.pk)) == 1


def test_an_agent_sees_only_what_they_owned_at_close(workspace, data, bob):
    agent = Actor(workspace=workspace, role=Membership.Role.AGENT, user=bob)

    summary = resolution_summary(workspace=workspace, actor=agent, query=q(workspace))
    log = resolution_log_page(workspace=workspace, actor=agent, query=q(workspace))

    assert metrics(summary)["resolved"] == 1 and [r["conversation_id"] for r in log.rows] == [data["convs"]["A"].pk]
    assert [r.assignee["name"] for r in summary.agents] == ["Bob"]


def test_deleted_agent_keeps_the_name_recorded_at_close(workspace, data, bob):
    bob_id = bob.pk
    Membership.objects.filter(user=bob).delete()
    bob.delete()

    summary = resolution_summary(workspace=workspace, actor=owner(workspace), query=q(workspace, assignee=str(bob_id)))
    assert [(r.assignee, r.resolved) for r in summary.agents] == [({"id": bob_id, "name": "Bob"}, 1)]


def test_reopen_window_edges(workspace, alice):
    # given four conversations closed at T (10 Nov 15:00 UTC), and what their contacts do next
    close = at(10)
    k = [ContactFactory(workspace=workspace) for _ in range(5)]
    convs = []
    for contact in k:
        conv, _ = conversation_open(contact=contact, at=close - timedelta(hours=1))
        conversation_close(conversation=conv, source=ConversationSource.API, at=close)
        convs.append(conv)
    conversation_open(contact=k[0], at=close + REOPEN_WINDOW)  # exactly 7 days later: reopened
    conversation_open(contact=k[1], at=close + REOPEN_WINDOW + timedelta(seconds=1))  # 1 s too late
    conversation_open(contact=k[2], at=close + timedelta(hours=1), source=ConversationSource.USER, user=alice)
    conversation_open(contact=k[3], at=close)  # the same instant as the close: reopened
    # k[4] never comes back

    # when the report reads the day of the close (the reopenings are after the period: they count)
    log = resolution_log_page(workspace=workspace, actor=owner(workspace),
                              query=q(workspace, start="2026-11-10", end="2026-11-10"))

    # then
    reopened = {r["conversation_id"]: r["reopened"] for r in log.rows}
    assert reopened == {convs[0].pk: True, convs[1].pk: False, convs[2].pk: False, convs[3].pk: True,
                        convs[4].pk: False}
    assert REOPEN_WINDOW == timedelta(days=7)


def _new_york(workspace, schedule):
    Workspace.objects.filter(pk=workspace.pk).update(timezone="America/New_York")
    workspace.refresh_from_db()
    business_hours_set(workspace=workspace, enabled=True, schedule=schedule)


@pytest.mark.parametrize("opened, closed, calendar, business", [
    # fall back, Sunday 1 Nov 2026: 00:00 EDT -> 05:00 EST is 6 real hours; 01:00 EDT -> 04:00 EST is 4
    (datetime(2026, 11, 1, 4, tzinfo=UTC), datetime(2026, 11, 1, 10, tzinfo=UTC), 6 * HOUR, 4 * HOUR),
    # spring forward, Sunday 8 Mar 2026: 00:00 EST -> 08:00 EDT is 7 real hours; 01:00 EST -> 04:00 EDT is 2
    (datetime(2026, 3, 8, 5, tzinfo=UTC), datetime(2026, 3, 8, 12, tzinfo=UTC), 7 * HOUR, 2 * HOUR),
])
def test_business_hours_on_a_dst_day(workspace, opened, closed, calendar, business):
    _new_york(workspace, {"sun": [["01:00", "04:00"]]})
    conv, _ = conversation_open(contact=ContactFactory(workspace=workspace), at=opened)
    conversation_close(conversation=conv, source=ConversationSource.API, at=closed)
    day = opened.astimezone(workspace.tzinfo).date().isoformat()

    summary = resolution_summary(workspace=workspace, actor=owner(workspace), query=q(workspace, start=day, end=day))
    log = resolution_log_page(workspace=workspace, actor=owner(workspace), query=q(workspace, start=day, end=day))

    assert summary.business_hours is True
    assert metrics(summary)["median"] == calendar and metrics(summary)["business_median"] == business
    assert (log.rows[0]["resolution_seconds"], log.rows[0]["business_seconds"]) == (calendar, business)


def test_business_hours_skip_the_weekend(workspace):
    business_hours_set(workspace=workspace, enabled=True, schedule={
        day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")})
    # Friday 20 Nov 17:00 Mexico City -> Monday 23 Nov 10:00: one hour on Friday, one on Monday
    conv, _ = conversation_open(contact=ContactFactory(workspace=workspace), at=at(20, 23))
    conversation_close(conversation=conv, source=ConversationSource.API, at=at(23, 16))

    summary = resolution_summary(workspace=workspace, actor=owner(workspace), query=q(workspace))

    assert metrics(summary)["business_median"] == 2 * HOUR and metrics(summary)["median"] == 2 * DAY + 17 * HOUR


def test_a_range_before_the_workspace_existed_is_no_data(workspace, data):
    Workspace.objects.filter(pk=workspace.pk).update(created_at=at(1))
    workspace.refresh_from_db()
    summary = resolution_summary(workspace=workspace, actor=owner(workspace),
                                 query=q(workspace, start="2026-10-01", end="2026-10-07"))
    assert summary.state == "no_data" and {m.state for m in summary.metrics} == {"no_data"}


def test_time_metrics_are_no_data_when_no_resolution_has_a_time(workspace, data):
    summary = resolution_summary(workspace=workspace, actor=owner(workspace),
                                 query=q(workspace, start="2026-11-23", end="2026-11-23"))
    states = {m.key: (m.state, m.value) for m in summary.metrics}
    assert states["resolved"] == ("ok", 1) and states["median"] == ("no_data", None)


def test_percentile_rules():
    assert median_whole([]) is None and median_whole([5]) == 5 and median_whole([1, 2]) == 1
    assert median_whole([3, 1, 2]) == 2 and median_whole([10, 21]) == 15
    assert percentile_nearest_rank([7], 90) == 7
    assert percentile_nearest_rank(list(range(1, 11)), 90) == 9
    assert percentile_nearest_rank(list(range(1, 12)), 90) == 10
    assert average_half_up([1, 2]) == 2 and average_half_up([1, 1, 2]) == 1


# --- API -------------------------------------------------------------------------------------

WEEK = {"start": "2026-11-18", "end": "2026-11-24"}


def test_api_answers_the_documented_shapes(alice_client, data):
    summary = alice_client.get(SUMMARY, WEEK).json()
    series = alice_client.get(TIMESERIES, WEEK).json()
    log = alice_client.get(LOG, {**WEEK, "page_size": 2}).json()

    assert summary["range"] == {"start": "2026-11-18", "end": "2026-11-24", "timezone": MX}
    values = {m["key"]: m["value"] for m in summary["metrics"]}
    assert values["resolved"] == 5 and values["median"] == 5400 and values["fcr_rate"] == 20.0
    assert summary["metrics"][0]["label"] == "Resueltas" and summary["business_hours"] is False
    assert summary["agents"][0]["assignee"]["name"] == "Alice"
    assert series["buckets"][0]["start"] == "2026-11-18T00:00:00-06:00"
    assert sum(b["resolved"] for b in series["buckets"]) == 5
    assert log["count"] == 5 and len(log["results"]) == 2 and log["next"].endswith("page=2")
    assert log["results"][0]["fcr"] is False and log["results"][0]["resolution_seconds"] is None


@pytest.mark.parametrize("params, field", [
    ({"channel": "abc"}, "channel"),
    ({"closing_source": "contact"}, "closing_source"),
    ({"team": "999999"}, "team"),
    ({"assignee": "999999"}, "assignee"),
    ({"assignee": "-1"}, "assignee"),
    ({"channel": "99999999999999999999999"}, "channel"),
    ({"interval": "hour", "start": "2026-01-01", "end": "2026-12-31"}, "interval"),
    ({"interval": "fortnight"}, "interval"),
    ({"start": "2026-02-30", "end": "2026-03-01"}, "start"),
    ({"page": "0"}, "page"),
    ({"page": "9999"}, "page"),
    ({"page_size": "101"}, "page_size"),
    ({"period": "yesterday", "start": "2026-11-01"}, "period"),
    ({"period": "forever"}, "period"),
])
def test_bad_parameters_are_a_400_naming_the_field(alice_client, data, params, field):
    response = alice_client.get(LOG if "page" in str(params) else SUMMARY, params)

    assert_bad_request_names(response, field)


def test_another_workspace_ids_are_a_400_and_its_data_never_shown(charlie_client, data, alice):
    for params in ({"channel": data["web"].pk}, {"assignee": alice.pk}):
        response = charlie_client.get(SUMMARY, params)
        assert response.status_code == 400 and list(response.json()["errors"]) == list(params)
    body = charlie_client.get(LOG, {"period": "last_30_days"}).json()
    assert body["count"] == 0 and body["results"] == []


def test_no_credentials_is_a_401(anon_client):
    for url in (SUMMARY, TIMESERIES, LOG):
        assert_unauthenticated(anon_client.get(url))


def test_a_token_reads_the_whole_workspace(token_client, data):
    body = token_client.get(SUMMARY, WEEK).json()
    assert {m["key"]: m["value"] for m in body["metrics"]}["resolved"] == 5


def test_an_agent_reads_only_their_resolutions_through_the_api(bob_client, data):
    body = bob_client.get(LOG, WEEK).json()
    assert [r["conversation_id"] for r in body["results"]] == [data["convs"]["A"].pk]


# --- agreement on random filters -------------------------------------------------------------


@pytest.fixture
def dataset(workspace):
    users = [member(workspace, Membership.Role.AGENT, email=f"a{i}@acme.example", name=f"A{i}") for i in range(3)]
    channels = [channel_create(workspace=workspace, name=f"Canal {i}")[0] for i in range(2)]
    team = Team.objects.create(workspace=workspace, name="Equipo")
    team.members.add(users[0], users[2])
    business_hours_set(workspace=workspace, enabled=True, schedule={
        day: [["08:00", "13:00"], ["14:00", "19:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat")})
    closers = [ConversationSource.USER, ConversationSource.WORKFLOW, ConversationSource.API, ConversationSource.BOT]
    start = datetime(2026, 10, 20, 6, tzinfo=UTC)
    contacts = [ContactFactory(workspace=workspace) for _ in range(12)]
    moment = {c.pk: start for c in contacts}
    for i in range(48):
        contact = contacts[i % 12]
        opened = max(moment[contact.pk], start + timedelta(hours=17 * i)) + timedelta(minutes=i % 7)
        if i % 11 == 5:  # a conversation from before lifecycle recording: no opened event
            conv = ConversationFactory(contact=contact, opened_at=opened)
        else:
            conv, _ = conversation_open(contact=contact, at=opened, channel_id=channels[i % 2].pk if i % 3 else None,
                                        source=ConversationSource.CONTACT if i % 4 else ConversationSource.API)
        t = opened
        for step in range(i % 4):  # 0..3 assignment changes, unassignments included
            t += timedelta(minutes=9 + step)
            contact_assign(contact=contact, assignee=None if step == 2 else users[(i + step) % 3],
                           source=AssignmentSource.API, at=t)
        if i % 6 != 5:
            close_at = min(t + timedelta(hours=(i * 5) % 53 + 1), NOW - timedelta(minutes=1))
            closer = closers[i % 4]
            conversation_close(conversation=conv, source=closer, closed_by=users[1] if closer == "user" else None,
                               at=close_at)
            t = close_at
        moment[contact.pk] = t + timedelta(hours=(i * 13) % 200)
    return {"users": users, "channels": channels, "team": team}


@st.composite
def queries(draw):
    start = date(2026, 10, 18) + timedelta(days=draw(st.integers(0, 37)))
    end = min(start + timedelta(days=draw(st.integers(0, 25))), date(2026, 11, 24))
    data = {"start": start.isoformat(), "end": end.isoformat()}
    chosen = draw(st.lists(st.sampled_from(["user", "workflow", "api", "bot"]), max_size=2, unique=True))
    if chosen:
        data["closing_source"] = chosen
    return (data, draw(st.lists(st.integers(0, 2), max_size=2, unique=True)), draw(st.sampled_from([None, 0, 1, 2, 3])),
            draw(st.booleans()), draw(st.sampled_from(["owner", "agent"])),
            draw(st.sampled_from([None, "day", "week", "hour", "month"])))


def _by_hand_median(values):
    values = sorted(values)
    if not values:
        return None
    n = len(values)
    return values[n // 2] if n % 2 else math.floor((values[n // 2 - 1] + values[n // 2]) / 2)


@given(drawn=queries())
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
def test_cards_chart_table_and_log_agree_with_a_computation_by_hand(workspace, dataset, drawn):
    from business_hours.schedule import business_seconds_between
    from business_hours.selectors import business_hours_get

    data, channel_picks, owner_pick, with_team, viewer, interval = drawn
    users, channels = dataset["users"], dataset["channels"]
    channel_values = [str(channels[i].pk) if i < 2 else "none" for i in channel_picks]
    if channel_values:
        data["channel"] = channel_values
    if owner_pick is not None:
        data["assignee"] = "none" if owner_pick == 3 else str(users[owner_pick].pk)
    if with_team:
        data["team"] = str(dataset["team"].pk)
    if interval and not (interval == "hour" and data["start"] != data["end"]):
        data["interval"] = interval
    query = report_query_parse(filters=FILTERS, workspace=workspace, data=data)
    actor = owner(workspace) if viewer == "owner" else Actor(workspace=workspace, role=Membership.Role.AGENT,
                                                              user=users[0])
    scope = {"workspace": workspace, "actor": actor, "query": query}

    summary = resolution_summary(**scope)
    series = resolution_timeseries(**scope)
    log = resolution_log_page(**scope, page=1, page_size=100)
    values = metrics(summary)

    # by hand, from the raw events
    period = query.period
    hours = business_hours_get(workspace=workspace)
    events = list(ConversationEvent.objects.filter(workspace=workspace).order_by("id"))
    opened = {e.conversation_id: e for e in events if e.kind == "opened"}
    assignments = list(AssignmentEvent.objects.filter(workspace=workspace))
    team_members = set(dataset["team"].members.values_list("pk", flat=True))

    def matches(c):
        if not (period.start_utc <= c.created_at < period.end_utc):
            return False
        if query.has("channel") and not (c.channel_id in query.get("channel")
                                         or (c.channel_id is None and query.includes_none("channel"))):
            return False
        if query.get("closing_source") and c.source not in query.get("closing_source"):
            return False
        if query.has("assignee") and not (c.assignee_id in query.get("assignee")
                                          or (c.assignee_id is None and query.includes_none("assignee"))):
            return False
        if query.get("team") and c.assignee_id not in team_members:
            return False
        return not (actor.is_agent and c.assignee_id != users[0].pk)

    want = [c for c in events if c.kind == "closed" and matches(c)]
    facts = {}
    for c in want:
        o = opened.get(c.conversation_id)
        n_assign = sum(1 for a in assignments if a.conversation_id == c.conversation_id and a.new_assignee_id)
        reopened = any(e.kind == "opened" and e.source == "contact" and e.contact_id == c.contact_id
                       and e.conversation_id != c.conversation_id
                       and c.created_at <= e.created_at <= c.created_at + timedelta(days=7) for e in events)
        seconds = None if o is None else int((c.created_at - o.created_at).total_seconds() // 1)
        business = None if o is None else business_seconds_between(
            schedule=hours.effective_schedule, tz=hours.timezone, start=o.created_at, end=c.created_at)
        facts[c.conversation_id] = (seconds, business, n_assign, reopened, n_assign == 1 and not reopened)
    times = [f[0] for f in facts.values() if f[0] is not None]
    business_times = [f[1] for f in facts.values() if f[1] is not None]

    assert values["resolved"] == len(want) == sum(b.resolved for b in series.buckets) == log.count
    assert sum(r.resolved for r in summary.agents) == len(want)
    assert sum(s.count for s in summary.by_closing_source) == len(want)
    assert values["median"] == _by_hand_median(times)
    assert values["business_median"] == _by_hand_median(business_times)
    assert values["p90"] == (sorted(times)[math.ceil(90 * len(times) / 100) - 1] if times else None)
    assert values["average"] == (math.floor(sum(times) / len(times) + 0.5) if times else None)
    assert values["fcr"] == sum(1 for f in facts.values() if f[4]) == sum(r.fcr for r in summary.agents)
    assert values["reopened"] == sum(1 for f in facts.values() if f[3]) == sum(r.reopened for r in summary.agents)
    assert {r["conversation_id"]: (r["resolution_seconds"], r["business_seconds"], r["assignments"], r["reopened"],
                                   r["fcr"]) for r in log.rows} == facts
    assert resolution_events(**scope).count() == len(want)
    # each bucket: the closes at or after its start and before the next one's, and their median
    starts = [b.start for b in series.buckets] + [period.end_utc]
    for index, bucket in enumerate(series.buckets):
        inside = [c for c in want if starts[index] <= c.created_at < starts[index + 1]]
        assert bucket.resolved == len(inside)
        assert bucket.median_seconds == _by_hand_median(
            [facts[c.conversation_id][0] for c in inside if facts[c.conversation_id][0] is not None])
