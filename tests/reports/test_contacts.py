"""Reportes → Contactos (docs/reports.md "Contactos"): every number recomputed by hand.

Contacts are created through ``contact_create`` (with their origin) and their messages through
the real write paths with past timestamps, so the report reads what production records.
"""

from bisect import bisect_right
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.context import Actor
from accounts.models import Membership, Workspace
from assignments.services import contact_assign
from contacts.models import Contact, Message, SenderKind
from contacts.services import contact_create, conversation_open, message_create, message_send
from integrations.services import channel_create
from reports.contacts_report import FILTERS, contact_log_page, contact_summary, contact_timeseries
from reports.framework.buckets import bucket_starts, default_interval
from reports.framework.query import report_query_parse
from tests.factories import ContactFactory, member
from tests.reports.api_checks import assert_bad_request_names, assert_unauthenticated

NOW = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)  # 12:00 in Mexico City
SUMMARY = "/api/v1/reports/contacts/summary"
TIMESERIES = "/api/v1/reports/contacts/timeseries"
LOG = "/api/v1/reports/contacts/log"
WEEK = {"start": "2026-11-18", "end": "2026-11-24"}


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def at(day: int, hour: int = 15, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)  # 09:00 in Mexico City


def writes(contact, moment, channel=None):
    conversation, _ = conversation_open(contact=contact, at=moment, channel_id=channel.pk if channel else None)
    message_create(conversation=conversation, direction=Message.Direction.IN, text="Hola",
                   sender_kind=SenderKind.CONTACT, at=moment)


@pytest.fixture
def data(workspace, alice, bob):
    """Contacts around the week Wed 18 – Tue 24 Nov 2026 (Mexico City, UTC−6)."""
    web, _ = channel_create(workspace=workspace, name="Web")
    wa, _ = channel_create(workspace=workspace, name="WhatsApp")
    made = {}
    # A: created by a Web message on Thu 19 Nov: new, active, first seen.
    made["a"] = contact_create(workspace=workspace, origin="channel", channel_id=web.pk, first_name="A", at=at(19))
    writes(made["a"], at(19), web)
    # B: imported Fri 20 Nov, never written: new only.
    made["b"] = contact_create(workspace=workspace, origin="import", first_name="B", at=at(20))
    # C: by the API on 1 Nov, assigned to Alice, sent a message Sat 21 Nov: returning, never seen.
    made["c"] = contact_create(workspace=workspace, origin="api", first_name="C", at=at(1))
    contact_assign(contact=made["c"], assignee=alice, source="api", at=at(1, 16))
    message_send(contact=made["c"], text="Aviso", sender_kind=SenderKind.API, at=at(21))
    # D: by Alice in the app on 5 Nov, wrote 10 Nov (first seen then) and Sun 22 Nov: returning.
    made["d"] = contact_create(workspace=workspace, origin="user", created_by=alice, first_name="D", at=at(5))
    writes(made["d"], at(10))
    writes(made["d"], at(22))
    # E: existed before origins were recorded (unknown), wrote Tue 17 Nov: previous period only.
    made["e"] = ContactFactory(workspace=workspace, first_name="E", created_at=at(1, month=10))
    writes(made["e"], at(17))
    # F: created by a WhatsApp message Tue 17 Nov: previous period's new, active and first seen.
    made["f"] = contact_create(workspace=workspace, origin="channel", channel_id=wa.pk, first_name="F", at=at(17))
    writes(made["f"], at(17), wa)
    # G: by the API Mon 23 Nov, Bob's, wrote 23 and 24 Nov: new, active on two days, first seen.
    made["g"] = contact_create(workspace=workspace, origin="api", first_name="G", at=at(23))
    contact_assign(contact=made["g"], assignee=bob, source="api", at=at(23, 14))
    writes(made["g"], at(23))
    writes(made["g"], at(24, 16))
    return {"web": web, "wa": wa, **made}


def owner(workspace):
    return Actor(workspace=workspace, role=Membership.Role.OWNER)


def q(workspace, **data):
    return report_query_parse(filters=FILTERS, workspace=workspace, data={**WEEK, **data})


def figures(summary):
    return {name: (getattr(summary, name).value, getattr(summary, name).previous)
            for name in ("new", "active", "returning", "first_seen")}


def test_cards_by_origin_and_by_channel_by_hand(workspace, data):
    summary = contact_summary(workspace=workspace, actor=owner(workspace), query=q(workspace))

    assert figures(summary) == {"new": (3, 1), "active": (4, 2), "returning": (2, 1), "first_seen": (2, 2)}
    assert [(r.origin, r.new, r.active, r.returning, r.percent) for r in summary.origins] == [
        ("channel", 1, 1, 0, 33.34), ("import", 1, 0, 0, 33.33), ("api", 1, 2, 1, 33.33), ("user", 0, 1, 1, 0.0)]
    assert [(r.name, r.new, r.active, r.returning) for r in summary.channels] == [("", 2, 3, 2), ("Web", 1, 1, 0)]
    assert summary.state == summary.new.state == "ok"


def test_timeseries_counts_active_contacts_once_per_bucket(workspace, data):
    series = contact_timeseries(workspace=workspace, actor=owner(workspace), query=q(workspace))

    assert series.interval == "day" and len(series.buckets) == 7
    assert {b.start.date().isoformat(): (b.new, b.active, b.first_seen) for b in series.buckets} == {
        "2026-11-18": (0, 0, 0), "2026-11-19": (1, 1, 1), "2026-11-20": (1, 0, 0), "2026-11-21": (0, 1, 0),
        "2026-11-22": (0, 1, 0), "2026-11-23": (1, 1, 1), "2026-11-24": (0, 1, 0)}
    # a week bucket: G wrote on two days and counts once
    weekly = contact_timeseries(workspace=workspace, actor=owner(workspace), query=q(workspace, interval="week"))
    assert [(b.new, b.active) for b in weekly.buckets] == [(2, 3), (1, 1)]


def test_log_lists_new_and_returning_contacts_newest_first(workspace, data, bob):
    log = contact_log_page(workspace=workspace, actor=owner(workspace), query=q(workspace))

    assert log.count == 5
    assert [(r["name"], r["origin"], r["messages"], r["new"], r["returning"]) for r in log.rows] == [
        ("G", "api", 2, True, False), ("B", "import", 0, True, False), ("A", "channel", 1, True, False),
        ("D", "user", 1, False, True), ("C", "api", 1, False, True)]
    g, a, d = log.rows[0], log.rows[2], log.rows[3]
    assert g["assignee"] == {"id": bob.pk, "name": "Bob"} and g["created_at"] == "2026-11-23T09:00:00-06:00"
    assert a["channel"] == {"id": data["web"].pk, "name": "Web"} and a["first_seen_at"] == "2026-11-19T09:00:00-06:00"
    assert d["first_seen_at"] == "2026-11-10T09:00:00-06:00" and log.rows[4]["first_seen_at"] is None


@pytest.mark.parametrize("params, expected", [
    ({"origin": "api"}, {"new": (1, 0), "active": (2, 0), "returning": (1, 0), "first_seen": (1, 0)}),
    ({"origin": ["channel", "unknown"]}, {"new": (1, 1), "active": (1, 2), "returning": (0, 1), "first_seen": (1, 2)}),
    ({"channel": "none"}, {"new": (2, 0), "active": (3, 1), "returning": (2, 1), "first_seen": (1, 1)}),
    ({"assignee": "none"}, {"new": (2, 1), "active": (2, 2), "returning": (1, 1), "first_seen": (1, 2)}),
])
def test_filters_are_facts_of_the_contact(workspace, data, params, expected):
    summary = contact_summary(workspace=workspace, actor=owner(workspace), query=q(workspace, **params))
    assert figures(summary) == expected


def test_the_channel_and_assignee_filters_take_ids(workspace, data, bob):
    web = contact_summary(workspace=workspace, actor=owner(workspace), query=q(workspace, channel=data["web"].pk))
    bobs = contact_summary(workspace=workspace, actor=owner(workspace), query=q(workspace, assignee=bob.pk))
    assert figures(web)["new"] == (1, 0) and figures(web)["active"] == (1, 0)
    assert figures(bobs) == {"new": (1, 0), "active": (1, 0), "returning": (0, 0), "first_seen": (1, 0)}


def test_an_agent_sees_the_contacts_the_visibility_setting_shows(workspace, data, bob, bob_client):
    agent = Actor(workspace=workspace, role=Membership.Role.AGENT, user=bob)

    # default: their contacts and the unassigned ones (not C, which is Alice's)
    summary = contact_summary(workspace=workspace, actor=agent, query=q(workspace))
    assert figures(summary)["active"] == (3, 2) and figures(summary)["returning"] == (1, 1)
    body = bob_client.get(LOG, WEEK).json()
    assert [r["name"] for r in body["results"]] == ["G", "B", "A", "D"]

    Workspace.objects.filter(pk=workspace.pk).update(agent_visibility=Workspace.AgentVisibility.ALL)
    workspace.refresh_from_db()
    everything = contact_summary(workspace=workspace, actor=Actor(workspace=workspace, role="agent", user=bob),
                                 query=q(workspace))
    assert figures(everything)["active"] == (4, 2)


def test_a_dst_day_has_25_hour_buckets(workspace):
    Workspace.objects.filter(pk=workspace.pk).update(timezone="America/New_York")
    workspace.refresh_from_db()
    # 1 Nov 2026: 01:00–02:00 happens twice in New York (05:00 and 06:00 UTC)
    first = contact_create(workspace=workspace, origin="api", first_name="X", at=datetime(2026, 11, 1, 5, 30, tzinfo=UTC))
    second = contact_create(workspace=workspace, origin="api", first_name="Y", at=datetime(2026, 11, 1, 6, 30, tzinfo=UTC))
    writes(first, datetime(2026, 11, 1, 5, 40, tzinfo=UTC))
    writes(second, datetime(2026, 11, 1, 6, 40, tzinfo=UTC))

    query = report_query_parse(filters=FILTERS, workspace=workspace, data={"start": "2026-11-01", "end": "2026-11-01"})
    series = contact_timeseries(workspace=workspace, actor=owner(workspace), query=query)

    assert len(series.buckets) == 25
    assert [(b.start.isoformat(), b.new, b.active) for b in series.buckets if b.new] == [
        ("2026-11-01T01:00:00-04:00", 1, 1), ("2026-11-01T01:00:00-05:00", 1, 1)]


# --- the API -----------------------------------------------------------------------------------


def test_api_answers_the_documented_shapes(alice_client, data):
    summary = alice_client.get(SUMMARY, WEEK).json()
    assert summary["new"] == {"state": "ok", "value": 3, "previous": 1}
    assert summary["first_seen"]["value"] == 2 and summary["previous_period"]["start"] == "2026-11-11"
    assert summary["channels"][1]["channel"] == {"id": data["web"].pk, "name": "Web"}
    assert summary["channels"][0]["channel"] is None
    assert summary["origins"][0] == {"origin": "channel", "label": "Canal", "new": 1, "active": 1, "returning": 0,
                                     "percent": 33.34}
    series = alice_client.get(TIMESERIES, WEEK).json()
    assert series["buckets"][1] == {"start": "2026-11-19T00:00:00-06:00", "new": 1, "active": 1, "first_seen": 1}
    log = alice_client.get(LOG, {**WEEK, "page_size": 2}).json()
    assert log["count"] == 5 and len(log["results"]) == 2 and log["next"]
    assert log["results"][0]["origin_label"] == "Api"


@pytest.mark.parametrize("params, field", [
    ({"origin": "workflow"}, "origin"),
    ({"channel": "abc"}, "channel"),
    ({"channel": "999999"}, "channel"),
    ({"assignee": "999999"}, "assignee"),
    ({"assignee": "-3"}, "assignee"),
    ({"interval": "hour", "start": "2026-01-01", "end": "2026-12-31"}, "interval"),
    ({"page": "0"}, "page"),
    ({"page": "9999"}, "page"),
    ({"page_size": "101"}, "page_size"),
    ({"start": "2026-02-30", "end": "2026-03-01"}, "start"),
    ({"period": "last_century"}, "period"),
])
def test_bad_parameters_are_a_400_naming_the_field(alice_client, data, params, field):
    for url in (LOG,) if "page" in str(params) else (SUMMARY, TIMESERIES, LOG):
        assert_bad_request_names(alice_client.get(url, params), field, url)


def test_another_workspace_ids_are_refused_and_its_data_never_shown(charlie_client, data, alice):
    assert charlie_client.get(SUMMARY, {"channel": data["web"].pk}).json()["errors"].keys() == {"channel"}
    assert charlie_client.get(SUMMARY, {"assignee": alice.pk}).status_code == 400
    body = charlie_client.get(LOG, {"period": "last_30_days"}).json()
    assert body["count"] == 0 and body["results"] == []
    assert charlie_client.get(SUMMARY, WEEK).json()["new"]["value"] == 0


def test_no_credentials_is_a_401(anon_client):
    for url in (SUMMARY, TIMESERIES, LOG):
        assert_unauthenticated(anon_client.get(url))


def test_a_token_reads_the_whole_workspace(token_client, data):
    body = token_client.get(SUMMARY, WEEK).json()
    assert body["new"]["value"] == 3 and body["active"]["value"] == 4


def test_a_period_before_the_workspace_is_no_data(alice_client, data):
    body = alice_client.get(SUMMARY, {"start": "2019-01-01", "end": "2019-01-07"}).json()
    assert body["state"] == body["new"]["state"] == "no_data"


# --- agreement on random filters ---------------------------------------------------------------


@pytest.fixture
def dataset(workspace):
    users = [member(workspace, Membership.Role.AGENT, email=f"a{i}@acme.example", name=f"A{i}") for i in range(2)]
    channels = [channel_create(workspace=workspace, name=f"Canal {i}")[0] for i in range(2)]
    start = datetime(2026, 10, 1, 6, tzinfo=UTC)
    origins = ["channel", "import", "api", "user", "channel"]
    for i in range(24):
        created = start + timedelta(hours=41 * i + 7 * (i % 3))
        origin = origins[i % 5]
        contact = contact_create(workspace=workspace, origin=origin, first_name=f"C{i}", at=created,
                                 channel_id=channels[i % 2].pk if origin == "channel" else None,
                                 created_by=users[0] if origin == "user" else None)
        if i % 4:
            contact_assign(contact=contact, assignee=users[i % 2] if i % 4 != 3 else None, source="api",
                           at=created + timedelta(minutes=1))
        for j in range(i % 4):
            moment = created + timedelta(days=3 * j + i % 5, hours=j)
            if moment >= NOW:
                break
            if (i + j) % 3:
                writes(contact, moment, channels[i % 2] if origin == "channel" else None)
            else:
                message_send(contact=contact, text="Hola", sender_kind=SenderKind.WORKFLOW, at=moment)
    return {"users": users, "channels": channels}


@st.composite
def queries(draw):
    start = date(2026, 10, 1) + timedelta(days=draw(st.integers(0, 50)))
    end = min(start + timedelta(days=draw(st.one_of(st.just(0), st.integers(3, 30)))), date(2026, 11, 24))
    return ({"start": start.isoformat(), "end": end.isoformat()},
            draw(st.lists(st.sampled_from(["channel", "import", "api", "user", "unknown"]), max_size=2, unique=True)),
            draw(st.lists(st.integers(0, 2), max_size=2, unique=True)),
            draw(st.lists(st.integers(0, 2), max_size=1)),
            draw(st.sampled_from(["owner", "owner", "agent"])),
            draw(st.sampled_from([None, "day", "week", "month", "hour"])))


@given(drawn=queries())
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
def test_cards_tables_series_and_log_agree_with_a_count_by_hand(workspace, dataset, drawn):
    data, origins, channel_picks, assignee_picks, viewer, interval = drawn
    users, channels = dataset["users"], dataset["channels"]
    if origins:
        data["origin"] = origins
    if channel_picks:
        data["channel"] = [str(channels[i].pk) if i < 2 else "none" for i in channel_picks]
    if assignee_picks:
        data["assignee"] = [str(users[i].pk) if i < 2 else "none" for i in assignee_picks]
    if interval and not (interval == "hour" and data["start"] != data["end"]):
        data["interval"] = interval
    query = report_query_parse(filters=FILTERS, workspace=workspace, data=data)
    me = users[1]
    actor = owner(workspace) if viewer == "owner" else Actor(workspace=workspace, role=Membership.Role.AGENT, user=me)
    scope = {"workspace": workspace, "actor": actor, "query": query}

    summary = contact_summary(**scope)
    series = contact_timeseries(**scope)
    log = contact_log_page(**scope, page=1, page_size=100)

    # by hand, from the raw contacts and messages
    period = query.period

    def inside(moment, p=period):
        return moment is not None and p.start_utc <= moment < p.end_utc

    def keep(c):
        if actor.is_agent and c.assignee_id not in (None, me.pk):
            return False
        if query.get("origin") and c.origin not in query.get("origin"):
            return False
        if query.has("channel") and not (c.created_channel_id in query.get("channel")
                                         or (c.created_channel_id is None and query.includes_none("channel"))):
            return False
        return not (query.has("assignee") and not (c.assignee_id in query.get("assignee")
                                                   or (c.assignee_id is None and query.includes_none("assignee"))))

    kept = {c.pk: c for c in Contact.objects.filter(workspace=workspace) if keep(c)}
    messages = [(m.conversation.contact_id, m.created_at) for m in
                Message.objects.filter(workspace=workspace).select_related("conversation")
                if m.conversation.contact_id in kept]

    def numbers(p):
        new = {pk for pk, c in kept.items() if inside(c.created_at, p)}
        active = {pk for pk, moment in messages if inside(moment, p)}
        returning = {pk for pk in active if kept[pk].created_at < p.start_utc}
        seen = {pk for pk, c in kept.items() if inside(c.first_seen_at, p)}
        return new, active, returning, seen

    new, active, returning, seen = numbers(period)
    before = numbers(period.previous())
    assert figures(summary) == {"new": (len(new), len(before[0])), "active": (len(active), len(before[1])),
                                "returning": (len(returning), len(before[2])), "first_seen": (len(seen), len(before[3]))}
    for rows in (summary.origins, summary.channels):
        assert (sum(r.new for r in rows), sum(r.active for r in rows), sum(r.returning for r in rows)) == (
            len(new), len(active), len(returning))
    for row in summary.origins:
        assert row.new == len([pk for pk in new if kept[pk].origin == row.origin])
        assert row.active == len([pk for pk in active if kept[pk].origin == row.origin])

    starts = bucket_starts(period, query.interval or default_interval(period))
    assert [b.start for b in series.buckets] == starts

    def bucket(moment):
        return bisect_right(starts, moment) - 1

    assert [b.new for b in series.buckets] == [len([pk for pk in new if bucket(kept[pk].created_at) == i])
                                               for i in range(len(starts))]
    assert [b.first_seen for b in series.buckets] == [
        len([pk for pk in seen if bucket(kept[pk].first_seen_at) == i]) for i in range(len(starts))]
    assert [b.active for b in series.buckets] == [
        len({pk for pk, moment in messages if inside(moment) and bucket(moment) == i}) for i in range(len(starts))]
    assert all(b.active <= len(active) for b in series.buckets)

    assert log.count == len(new) + len(returning) == len(new | returning)
    assert [r["id"] for r in log.rows] == sorted(new | returning, key=lambda pk: (kept[pk].created_at, pk),
                                                 reverse=True)[:100]
    assert all(r["new"] == (r["id"] in new) and r["returning"] == (r["id"] in returning) for r in log.rows)


# --- the page ----------------------------------------------------------------------------------


def test_the_page_renders_the_shell_with_the_report_api(alice_client, data):
    response = alice_client.get("/reports/contacts/", {"period": "last_30_days"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "/api/v1/reports/contacts/summary" in page and "reports/contacts.js" in page
    assert 'id="channels-body"' in page and 'href="/settings/data-export/?kind=contacts"' in page
    assert 'href="/reports/contacts/"' in page  # the menu links the report
    assert "todavía no fusiona contactos" in page  # merges: said, not counted


def test_the_landing_page_shows_the_headline_numbers(alice_client, data):
    page = alice_client.get("/reports/", {"period": "last_7_days"}).content.decode()

    assert page.count('data-headline="contacts"') == 2


def test_an_agent_reads_what_they_see(bob_client, alice_client):
    note = "Ve solo los contactos que puede ver en Contactos y Mensajes"
    assert note in bob_client.get("/reports/contacts/").content.decode()
    assert note not in alice_client.get("/reports/contacts/").content.decode()
