"""Reportes → Respuestas (docs/reports.md "Respuestas"): every number recomputed by hand.

Conversations and messages are written through the real write paths (``conversation_open``,
``message_create``, ``message_send`` with past timestamps), so the report reads exactly what
production records: first response events and the messages' ``response_seconds``.
"""

import math
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.context import Actor
from accounts.models import Membership, Team, Workspace
from business_hours.schedule import business_seconds_between
from business_hours.selectors import business_hours_get
from business_hours.services import business_hours_set
from contacts.models import ConversationEvent, Message, SenderKind
from contacts.services import conversation_open, message_create, message_send
from integrations.services import channel_create
from reports.framework.query import report_query_parse
from reports.responses import (
    FILTERS,
    first_response_events,
    response_log_page,
    response_messages,
    response_summary,
    response_timeseries,
)
from tests.factories import ContactFactory, member
from tests.reports.api_checks import assert_bad_request_names, assert_unauthenticated

NOW = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)  # 12:00 in Mexico City
MX = "America/Mexico_City"
SUMMARY = "/api/v1/reports/responses/summary"
TIMESERIES = "/api/v1/reports/responses/timeseries"
LOG = "/api/v1/reports/responses/log"
WEEKDAYS_9_TO_6 = {day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def at(day: int, hour: int = 15, month: int = 11, seconds: int = 0) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC) + timedelta(seconds=seconds)


def contact_writes(workspace, moment, *, channel=None, conversation=None):
    """The contact writes in (opening a conversation through the channel when none is given)."""
    if conversation is None:
        contact = ContactFactory(workspace=workspace)
        conversation, _ = conversation_open(contact=contact, at=moment, channel_id=channel.pk if channel else None)
    message_create(conversation=conversation, direction=Message.Direction.IN, text="Hola", sender_kind=SenderKind.CONTACT,
                   at=moment)
    return conversation


def person_replies(conversation, user, moment):
    return message_create(conversation=conversation, direction=Message.Direction.OUT, text="Buenas",
                          sender_kind=SenderKind.USER, author=user, at=moment)


@pytest.fixture
def data(workspace, alice, bob):
    """First responses and responses around the week 18–24 Nov 2026 (Mexico City, UTC−6)."""
    web, _ = channel_create(workspace=workspace, name="Web")
    wa, _ = channel_create(workspace=workspace, name="WhatsApp")
    # A (Web): Thu 19 Nov 09:00 local; Bob answers after 90 s; the contact writes again an hour
    # later and Bob answers after 10 min (a second response, not a first one).
    a = contact_writes(workspace, at(19), channel=web)
    person_replies(a, bob, at(19, seconds=90))
    contact_writes(workspace, at(19, 16), conversation=a)
    person_replies(a, bob, at(19, 16, seconds=600))
    person_replies(a, bob, at(19, 16, seconds=700))  # a second message in a row answers nothing
    # B (WhatsApp): Fri 20 Nov 09:00 local; Alice answers after 400 s.
    b = contact_writes(workspace, at(20), channel=wa)
    person_replies(b, alice, at(20, seconds=400))
    # C (no channel): Sat 21 Nov 09:00; a workflow acknowledges (not a response); Bob after 2 h.
    c = contact_writes(workspace, at(21))
    message_create(conversation=c, direction=Message.Direction.OUT, text="Recibido", sender_kind=SenderKind.WORKFLOW,
                   at=at(21, seconds=10))
    person_replies(c, bob, at(21, 17))
    # D: Sun 22 Nov, still waiting: in no number.
    contact_writes(workspace, at(22))
    # E: previous week (Tue 17 Nov 09:00); Alice after 30 s.
    e = contact_writes(workspace, at(17))
    person_replies(e, alice, at(17, seconds=30))
    # F: the contact writes Tue 17 Nov 23:00 local (previous period), Bob answers Wed 18 Nov
    # 01:00 local: the response's own timestamp puts it in this period.
    f = contact_writes(workspace, at(18, 5))
    person_replies(f, bob, at(18, 7))
    # G: Alice starts the conversation (no first response); the contact answers, Alice replies
    # after 50 s: a response.
    g_contact = ContactFactory(workspace=workspace)
    message_send(contact=g_contact, text="¿Le ayudo?", sender_kind=SenderKind.USER, author=alice, at=at(23))
    g = g_contact.conversations.get()
    contact_writes(workspace, at(23, 16), conversation=g)
    person_replies(g, alice, at(23, 16, seconds=50))
    return {"web": web, "wa": wa, "convs": {"a": a, "b": b, "c": c, "e": e, "f": f, "g": g}}


def owner(workspace):
    return Actor(workspace=workspace, role=Membership.Role.OWNER)


def q(workspace, **data):
    data.setdefault("start", "2026-11-18")
    data.setdefault("end", "2026-11-24")
    return report_query_parse(filters=FILTERS, workspace=workspace, data=data)


def times(duration):
    return duration.calendar, duration.business


def test_cards_by_hand_in_calendar_time(workspace, data, alice, bob):
    summary = response_summary(workspace=workspace, actor=owner(workspace), query=q(workspace))

    # First responses in 18–24 Nov: A 90, B 400, C 7200, F 7200 (E is last week, D waits, G was
    # started by Alice). Sorted [90, 400, 7200, 7200]: median (400 + 7200) // 2 = 3800; p90 =
    # 4th (ceil 3.6); average 14890 / 4 = 3722.5 → 3723. Business hours are off: business = calendar.
    assert summary.business_hours is False
    assert (summary.first_responses.value, summary.first_responses.previous) == (4, 1)
    t = summary.first_response_time
    assert times(t.median) == (3800, 3800) and times(t.p90) == (7200, 7200) and times(t.average) == (3723, 3723)
    assert times(t.previous.median) == (30, 30)
    # Responses: A 90, A 600, B 400, C 7200, F 7200, G 50 → 15540 / 6 = 2590; previous: E 30.
    assert (summary.responses.value, summary.responses.previous) == (6, 1)
    assert times(summary.response_time.average) == (2590, 2590)
    assert times(summary.response_time.previous_average) == (30, 30)
    assert [(b.key, b.calendar) for b in summary.distribution] == [
        ("lt_1m", 0), ("1m_5m", 1), ("5m_15m", 1), ("15m_60m", 0), ("1h_4h", 2), ("gt_4h", 0)]
    # Bob: responses 90, 600, 7200, 7200 (avg 3772.5 → 3773), first 90, 7200, 7200 (median
    # 7200, avg 4830); Alice: responses 400, 50 (avg 225), first 400.
    rows = [(r.name, r.responses, r.first_responses, r.first_response_median.calendar,
             r.first_response_average.calendar, r.response_average.calendar) for r in summary.agents]
    assert rows == [("Bob", 4, 3, 7200, 4830, 3773), ("Alice", 2, 1, 400, 400, 225)]


def test_business_hours_count_only_the_open_time(workspace, data):
    business_hours_set(workspace=workspace, enabled=True, schedule=WEEKDAYS_9_TO_6)

    summary = response_summary(workspace=workspace, actor=owner(workspace), query=q(workspace))

    # Mon–Fri 09:00–18:00 Mexico City: A 90 (Thu 09:00), B 400 (Fri 09:00), C 0 (Saturday),
    # F 0 (Tue 23:00 → Wed 01:00). Sorted [0, 0, 90, 400]: median 45, p90 400, average 122.5 → 123.
    t = summary.first_response_time
    assert summary.business_hours is True
    assert times(t.median) == (3800, 45) and times(t.p90) == (7200, 400) and times(t.average) == (3723, 123)
    # Responses: A 90, A2 (Thu 10:00 + 600 s) 600, B 400, C 0, F 0, G (Mon 23 Nov 10:00) 50 → 1140 / 6 = 190.
    assert times(summary.response_time.average) == (2590, 190)
    assert [b.business for b in summary.distribution] == [2, 1, 1, 0, 0, 0]
    log = response_log_page(workspace=workspace, actor=owner(workspace), query=q(workspace))
    assert [(r["first_response_seconds"], r["first_response_business_seconds"]) for r in log.rows] == [
        (7200, 0), (400, 400), (90, 90), (7200, 0)]


def test_a_dst_day_counts_real_time_and_business_hours_exactly(workspace, alice):
    Workspace.objects.filter(pk=workspace.pk).update(timezone="America/New_York")
    workspace.refresh_from_db()
    business_hours_set(workspace=workspace, enabled=True,
                       schedule={d: [["08:00", "20:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")})
    # The contact writes Sat 31 Oct 19:00 EDT (23:00Z); Alice answers Sun 1 Nov 09:00 EST
    # (14:00Z): the clocks fell back overnight, so 14 h on the wall are 15 real hours = 54000 s;
    # business hours: Sat 19:00–20:00 + Sun 08:00–09:00 = 7200 s.
    conv = contact_writes(workspace, datetime(2026, 10, 31, 23, tzinfo=UTC))
    person_replies(conv, alice, datetime(2026, 11, 1, 14, tzinfo=UTC))
    # And one answered inside the repeated hour: 01:30 EDT (05:30Z) → 01:10 EST (06:10Z) = 40 min.
    other = contact_writes(workspace, datetime(2026, 11, 1, 5, 30, tzinfo=UTC))
    person_replies(other, alice, datetime(2026, 11, 1, 6, 10, tzinfo=UTC))

    day = q(workspace, start="2026-11-01", end="2026-11-01")
    summary = response_summary(workspace=workspace, actor=owner(workspace), query=day)
    series = response_timeseries(workspace=workspace, actor=owner(workspace), query=day)

    # [2400, 54000]: median (2400 + 54000) // 2 = 28200; business [0, 7200] (01:30–01:10 is closed).
    assert times(summary.first_response_time.median) == (28200, 3600)
    assert times(summary.first_response_time.p90) == (54000, 7200)
    assert len(series.buckets) == 25  # a 25-hour day
    answered = [(b.start.isoformat(), b.first_responses, b.median.calendar) for b in series.buckets if b.first_responses]
    assert answered == [("2026-11-01T01:00:00-05:00", 1, 2400), ("2026-11-01T09:00:00-05:00", 1, 54000)]


def test_timeseries_buckets_add_up_and_carry_the_median(workspace, data):
    series = response_timeseries(workspace=workspace, actor=owner(workspace), query=q(workspace))

    assert series.interval == "day" and len(series.buckets) == 7
    by_day = {b.start.date().isoformat(): (b.first_responses, b.median.calendar) for b in series.buckets}
    assert by_day == {"2026-11-18": (1, 7200), "2026-11-19": (1, 90), "2026-11-20": (1, 400),
                      "2026-11-21": (1, 7200), "2026-11-22": (0, None), "2026-11-23": (0, None),
                      "2026-11-24": (0, None)}


def test_log_lists_first_responses_newest_first(workspace, data, bob):
    log = response_log_page(workspace=workspace, actor=owner(workspace), query=q(workspace))

    convs = data["convs"]
    assert log.count == 4
    assert [(r["conversation_id"], r["responder"]["name"], r["channel"] and r["channel"]["name"])
            for r in log.rows] == [(convs["c"].pk, "Bob", None), (convs["b"].pk, "Alice", "WhatsApp"),
                                   (convs["a"].pk, "Bob", "Web"), (convs["f"].pk, "Bob", None)]
    first = log.rows[0]
    assert first["opened_at"] == "2026-11-21T09:00:00-06:00" and first["first_response_at"] == "2026-11-21T11:00:00-06:00"


def test_filters_channel_agent_and_team(workspace, data, alice, bob):
    scope = {"workspace": workspace, "actor": owner(workspace)}

    def counts(**params):
        s = response_summary(**scope, query=q(workspace, **params))
        return s.first_responses.value, s.responses.value

    assert counts(channel=str(data["web"].pk)) == (1, 2)
    assert counts(channel="none") == (2, 3)  # C, F; responses C, F, G
    assert counts(channel=["none", str(data["wa"].pk)]) == (3, 4)
    assert counts(agent=str(alice.pk)) == (1, 2)
    team = Team.objects.create(workspace=workspace, name="Ventas")
    team.members.add(bob)
    assert counts(team=str(team.pk)) == (3, 4)
    assert counts(team=str(team.pk), agent=str(alice.pk)) == (0, 0)
    empty = response_summary(**scope, query=q(workspace, team=str(team.pk), agent=str(alice.pk)))
    assert empty.state == "no_data" and empty.first_response_time.median.calendar is None


def test_an_agent_sees_only_their_own_responses(workspace, data, bob, bob_client):
    agent = Actor(workspace=workspace, role=Membership.Role.AGENT, user=bob)

    summary = response_summary(workspace=workspace, actor=agent, query=q(workspace))
    log = response_log_page(workspace=workspace, actor=agent, query=q(workspace))

    assert (summary.first_responses.value, summary.responses.value) == (3, 4)
    assert [r.name for r in summary.agents] == ["Bob"]
    assert {r["responder"]["name"] for r in log.rows} == {"Bob"}
    body = bob_client.get(SUMMARY, {"start": "2026-11-18", "end": "2026-11-24"}).json()
    assert body["first_responses"]["value"] == 3 and [a["user"]["name"] for a in body["agents"]] == ["Bob"]


def test_a_deleted_agent_keeps_their_name_on_first_responses(workspace, data, bob):
    bob_id = bob.pk
    bob.delete()

    summary = response_summary(workspace=workspace, actor=owner(workspace), query=q(workspace))

    # The first responses keep Bob's id and name; his messages lost their author: they count in
    # the totals and in the row of a deleted user.
    assert summary.first_responses.value == 4 and summary.responses.value == 6
    rows = {(r.user_id, r.name): (r.responses, r.first_responses) for r in summary.agents}
    assert rows[(bob_id, "Bob")] == (0, 3) and rows[(None, "")] == (4, 0)
    # His id is still a valid filter value (the events carry it).
    by_bob = response_summary(workspace=workspace, actor=owner(workspace), query=q(workspace, agent=str(bob_id)))
    assert by_bob.first_responses.value == 3


# --- API -------------------------------------------------------------------------------------


def test_api_answers_the_documented_shapes(alice_client, data):
    week = {"start": "2026-11-18", "end": "2026-11-24"}
    summary = alice_client.get(SUMMARY, week).json()
    series = alice_client.get(TIMESERIES, week).json()
    log = alice_client.get(LOG, {**week, "page_size": 3}).json()

    assert summary["range"] == {"start": "2026-11-18", "end": "2026-11-24", "timezone": MX}
    assert summary["first_responses"] == {"state": "ok", "value": 4, "previous": 1}
    assert summary["first_response_time"]["median"] == {"calendar": 3800, "business": 3800}
    assert summary["response_time"]["average"] == {"calendar": 2590, "business": 2590}
    assert summary["distribution"][1] == {"key": "1m_5m", "label": "1–5 min", "from_seconds": 60, "to_seconds": 300,
                                          "calendar": 1, "business": 1}
    assert summary["agents"][0]["user"]["name"] == "Bob" and summary["agents"][0]["responses"] == 4
    assert series["buckets"][0] == {"start": "2026-11-18T00:00:00-06:00", "first_responses": 1,
                                    "median": {"calendar": 7200, "business": 7200}}
    assert log["count"] == 4 and len(log["results"]) == 3 and log["next"].endswith("page=2")
    assert log["results"][0]["first_response_seconds"] == 7200


@pytest.mark.parametrize("params, field", [
    ({"channel": "abc"}, "channel"),
    ({"channel": "999999"}, "channel"),
    ({"agent": "999999"}, "agent"),
    ({"agent": "none"}, "agent"),
    ({"team": "999999"}, "team"),
    ({"team": "-1"}, "team"),
    ({"interval": "hour", "start": "2026-01-01", "end": "2026-12-31"}, "interval"),
    ({"interval": "fortnight"}, "interval"),
    ({"page": "0"}, "page"),
    ({"page": "9999"}, "page"),
    ({"page": "x"}, "page"),
    ({"page_size": "101"}, "page_size"),
    ({"period": "yesterday", "start": "2026-11-01"}, "period"),
    ({"start": "2026-02-30", "end": "2026-03-01"}, "start"),
])
def test_bad_parameters_are_a_400_naming_the_field(alice_client, data, params, field):
    for url in (LOG,) if "page" in str(params) else (SUMMARY, TIMESERIES, LOG):
        assert_bad_request_names(alice_client.get(url, params), field, url)


def test_another_workspace_ids_are_refused_and_its_data_never_shown(charlie_client, data, alice):
    assert charlie_client.get(SUMMARY, {"channel": data["web"].pk}).json()["errors"].keys() == {"channel"}
    assert charlie_client.get(SUMMARY, {"agent": alice.pk}).status_code == 400
    body = charlie_client.get(LOG, {"period": "last_30_days"}).json()
    assert body["count"] == 0 and body["results"] == []


def test_no_credentials_is_a_401(anon_client):
    for url in (SUMMARY, TIMESERIES, LOG):
        assert_unauthenticated(anon_client.get(url))


def test_a_token_reads_the_whole_workspace(token_client, data):
    body = token_client.get(SUMMARY, {"start": "2026-11-18", "end": "2026-11-24"}).json()
    assert body["first_responses"]["value"] == 4 and body["responses"]["value"] == 6


# --- agreement on random filters -------------------------------------------------------------


@pytest.fixture
def dataset(workspace):
    business_hours_set(workspace=workspace, enabled=True, schedule=WEEKDAYS_9_TO_6)
    users = [member(workspace, Membership.Role.AGENT, email=f"a{i}@acme.example", name=f"A{i}") for i in range(3)]
    channels = [channel_create(workspace=workspace, name=f"Canal {i}")[0] for i in range(2)]
    team = Team.objects.create(workspace=workspace, name="Soporte")
    team.members.add(users[0], users[2])
    start = datetime(2026, 10, 20, 6, tzinfo=UTC)
    for i in range(40):
        opened = start + timedelta(hours=21 * i, minutes=7 * i)
        conv = contact_writes(workspace, opened, channel=channels[i % 2] if i % 3 else None)
        if i % 7 == 6:
            continue  # still waiting
        reply = opened + timedelta(seconds=(37 * i * i) % 20000 + 5)
        if reply >= NOW:
            continue
        person_replies(conv, users[i % 3], reply)
        if i % 2:
            again = reply + timedelta(hours=1 + i % 4)
            if again < NOW - timedelta(hours=6):
                contact_writes(workspace, again, conversation=conv)
                person_replies(conv, users[(i + 1) % 3], again + timedelta(seconds=61 * i))
    return {"users": users, "channels": channels, "team": team}


@st.composite
def queries(draw):
    start = date(2026, 10, 15) + timedelta(days=draw(st.integers(0, 35)))
    end = min(start + timedelta(days=draw(st.one_of(st.just(0), st.integers(4, 25)))), date(2026, 11, 24))
    return ({"start": start.isoformat(), "end": end.isoformat()},
            draw(st.lists(st.integers(0, 2), max_size=2, unique=True)),
            draw(st.lists(st.integers(0, 2), max_size=1)),
            draw(st.sampled_from([False, False, True])), draw(st.sampled_from(["owner", "owner", "agent"])),
            draw(st.sampled_from([None, "day", "week", "hour"])))


def by_hand_median(values):
    ordered = sorted(values)
    n = len(ordered)
    if not n:
        return None
    return math.floor(Fraction(ordered[(n - 1) // 2] + ordered[n // 2], 2))


def by_hand_p90(values):
    return sorted(values)[math.ceil(Fraction(9, 10) * len(values)) - 1] if values else None


def by_hand_average(values):
    return math.floor(Fraction(sum(values), len(values)) + Fraction(1, 2)) if values else None


@given(drawn=queries())
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
def test_cards_chart_table_and_log_agree_with_a_computation_by_hand(workspace, dataset, drawn):
    data, channel_picks, agent_picks, use_team, viewer, interval = drawn
    users, channels, team = dataset["users"], dataset["channels"], dataset["team"]
    channel_values = [str(channels[i].pk) if i < 2 else "none" for i in channel_picks]
    if channel_values:
        data["channel"] = channel_values
    if agent_picks:
        data["agent"] = [str(users[i].pk) for i in agent_picks]
    if use_team:
        data["team"] = str(team.pk)
    if interval and not (interval == "hour" and data["start"] != data["end"]):
        data["interval"] = interval
    query = report_query_parse(filters=FILTERS, workspace=workspace, data=data)
    actor = owner(workspace) if viewer == "owner" else Actor(workspace=workspace, role=Membership.Role.AGENT,
                                                              user=users[1])
    scope = {"workspace": workspace, "actor": actor, "query": query}

    summary = response_summary(**scope)
    series = response_timeseries(**scope)
    log = response_log_page(**scope, page=1, page_size=100)

    # by hand, from the raw events and messages
    period = query.period
    hours = business_hours_get(workspace=workspace)
    team_members = {users[0].pk, users[2].pk}
    opened = {e.conversation_id: e.created_at for e in ConversationEvent.objects.filter(workspace=workspace, kind="opened")}

    def keep(moment, channel_id, responder):
        if not (period.start_utc <= moment < period.end_utc):
            return False
        if query.has("channel") and not (channel_id in query.get("channel") or
                                         (channel_id is None and query.includes_none("channel"))):
            return False
        if query.get("agent") and responder not in query.get("agent"):
            return False
        if query.get("team") and responder not in team_members:
            return False
        return not (actor.is_agent and responder != users[1].pk)

    def business(start, end):
        return business_seconds_between(schedule=hours.effective_schedule, tz=hours.timezone, start=start, end=end)

    firsts = [(e.conversation_id, e.seconds_since_open, business(opened[e.conversation_id], e.created_at), e.user_id)
              for e in ConversationEvent.objects.filter(workspace=workspace, kind="first_response")
              if keep(e.created_at, e.channel_id, e.user_id)]
    answers = [(m.response_seconds, business(m.created_at - timedelta(seconds=m.response_seconds), m.created_at),
                m.author_id) for m in Message.objects.filter(workspace=workspace, response_seconds__isnull=False)
               .select_related("conversation") if keep(m.created_at, m.conversation.channel_id, m.author_id)]
    calendar, in_hours = [f[1] for f in firsts], [f[2] for f in firsts]

    # cards
    assert summary.first_responses.value == len(firsts) == first_response_events(**scope).count()
    assert summary.responses.value == len(answers) == response_messages(**scope).count()
    t = summary.first_response_time
    assert times(t.median) == (by_hand_median(calendar), by_hand_median(in_hours))
    assert times(t.p90) == (by_hand_p90(calendar), by_hand_p90(in_hours))
    assert times(t.average) == (by_hand_average(calendar), by_hand_average(in_hours))
    assert times(summary.response_time.average) == (by_hand_average([a[0] for a in answers]),
                                                    by_hand_average([a[1] for a in answers]))
    # histogram and chart
    assert sum(b.calendar for b in summary.distribution) == sum(b.business for b in summary.distribution) == len(firsts)
    assert sum(b.first_responses for b in series.buckets) == len(firsts)
    if len([b for b in series.buckets if b.first_responses]) == 1:
        assert next(b for b in series.buckets if b.first_responses).median == t.median
    # table
    assert sum(r.first_responses for r in summary.agents) == len(firsts)
    assert sum(r.responses for r in summary.agents) == len(answers)
    for row in summary.agents:
        mine = [f for f in firsts if f[3] == row.user_id]
        assert times(row.first_response_median) == (by_hand_median([f[1] for f in mine]),
                                                    by_hand_median([f[2] for f in mine]))
        assert row.response_average.calendar == by_hand_average([a[0] for a in answers if a[2] == row.user_id])
    # log
    assert log.count == len(firsts)
    assert sorted((r["conversation_id"], r["first_response_seconds"], r["first_response_business_seconds"])
                  for r in log.rows) == sorted(f[:3] for f in firsts)


# --- the page --------------------------------------------------------------------------------


def test_the_page_renders_the_shell_with_the_report_api(alice_client, data):
    response = alice_client.get("/reports/responses/", {"period": "last_30_days", "agent": "1"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "/api/v1/reports/responses/summary" in page and "reports/responses.js" in page
    assert 'id="agents-body"' in page and 'href="/settings/data-export/?kind=responses"' in page
    assert 'href="/reports/responses/"' in page  # the menu links the report


def test_the_landing_page_shows_the_headline_numbers(alice_client, data):
    page = alice_client.get("/reports/", {"period": "last_7_days"}).content.decode()

    # 18–24 Nov: four first responses, median 3800 s = 1 h 03 min.
    assert page.count('data-headline="responses"') == 2 and "1 h 03 min" in page


def test_an_agent_reads_what_they_see(bob_client, alice_client):
    assert "Solo ve sus propias respuestas" in bob_client.get("/reports/responses/").content.decode()
    assert "Solo ve sus propias respuestas" not in alice_client.get("/reports/responses/").content.decode()
