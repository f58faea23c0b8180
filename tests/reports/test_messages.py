"""Reportes → Mensajes (docs/reports.md "Mensajes"): every number recomputed by hand.

Messages are written through the real write paths (``conversation_open``, ``message_create``,
``message_send`` with past timestamps), so the report reads exactly what production records.
"""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.context import Actor
from accounts.models import Membership, Team, Workspace
from contacts.models import Message, SenderKind
from contacts.services import (
    conversation_open,
    message_create,
    message_delivery_queue,
    message_send,
    message_status_record,
)
from integrations.services import channel_create
from reports.framework.query import report_query_parse
from reports.messages import (
    FILTERS,
    SENT_KINDS,
    message_log_page,
    message_set,
    message_summary,
    message_timeseries,
)
from tests.factories import ContactFactory, member
from tests.reports.api_checks import assert_bad_request_names, assert_unauthenticated

NOW = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)  # 12:00 in Mexico City
SUMMARY = "/api/v1/reports/messages/summary"
TIMESERIES = "/api/v1/reports/messages/timeseries"
LOG = "/api/v1/reports/messages/log"
IN, OUT = Message.Direction.IN, Message.Direction.OUT


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def at(day: int, hour: int = 15, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def contact_writes(workspace, moment, *, channel=None, conversation=None):
    if conversation is None:
        contact = ContactFactory(workspace=workspace)
        conversation, _ = conversation_open(contact=contact, at=moment, channel_id=channel.pk if channel else None)
    message_create(conversation=conversation, direction=IN, text="Hola", sender_kind=SenderKind.CONTACT, at=moment)
    return conversation


def sent(conversation, moment, kind=SenderKind.USER, author=None):
    return message_create(conversation=conversation, direction=OUT, text="Buenas", sender_kind=kind, author=author,
                          at=moment)


@pytest.fixture
def data(workspace, alice, bob):
    """Messages around the week Wed 18 – Tue 24 Nov 2026 (Mexico City, UTC−6)."""
    web, _ = channel_create(workspace=workspace, name="Web")
    wa, _ = channel_create(workspace=workspace, name="WhatsApp")
    # A (Web): the contact writes Thu 19 Nov 09:00 local; Bob answers; a workflow follows.
    a = contact_writes(workspace, at(19), channel=web)
    sent(a, at(19, 15, 2), author=bob)
    sent(a, at(19, 16), SenderKind.WORKFLOW)
    # B (WhatsApp): Fri 20 Nov 03:00 UTC = Thu 19 Nov 21:00 local; Alice, then the bot.
    b = contact_writes(workspace, at(20, 3), channel=wa)
    sent(b, at(20, 4), author=alice)
    sent(b, at(20, 5), SenderKind.BOT)
    # C (no channel): Bob writes first Sat 21 Nov 09:00 local (the contact becomes his); the
    # contact answers at 10:00; the API at 11:00; a broadcast Sun 22 Nov 09:00.
    c_contact = ContactFactory(workspace=workspace)
    message_send(contact=c_contact, text="¿Le ayudo?", sender_kind=SenderKind.USER, author=bob, at=at(21))
    c = c_contact.conversations.get()
    contact_writes(workspace, at(21, 16), conversation=c)
    sent(c, at(21, 17), SenderKind.API)
    sent(c, at(22), SenderKind.BROADCAST)
    # E: the previous period (Tue 17 Nov).
    e = contact_writes(workspace, at(17))
    sent(e, at(17, 16), author=alice)
    return {"web": web, "wa": wa, "convs": {"a": a, "b": b, "c": c, "e": e}}


def owner(workspace):
    return Actor(workspace=workspace, role=Membership.Role.OWNER)


def q(workspace, **data):
    data.setdefault("start", "2026-11-18")
    data.setdefault("end", "2026-11-24")
    return report_query_parse(filters=FILTERS, workspace=workspace, data=data)


def kinds(summary):
    return {k.kind: (k.value, k.previous) for k in summary.sent_by_kind}


def test_cards_channels_and_heat_map_by_hand(workspace, data):
    summary = message_summary(workspace=workspace, actor=owner(workspace), query=q(workspace))

    assert (summary.received.value, summary.received.previous) == (3, 1)
    assert (summary.sent.value, summary.sent.previous) == (7, 1)
    assert kinds(summary) == {"user": (3, 1), "workflow": (1, 0), "bot": (1, 0), "api": (1, 0), "broadcast": (1, 0)}
    assert [(r.name, r.received, r.sent) for r in summary.channels] == [("", 1, 3), ("Web", 1, 2), ("WhatsApp", 1, 2)]
    # Heat map in Mexico City time: Thu 09:00, Thu 21:00 (Fri 03:00 in UTC), Sat 10:00.
    cells = summary.heatmap.cells
    assert summary.heatmap.total == 3 and sum(map(sum, cells)) == 3
    assert {(d + 1, h): n for d, row in enumerate(cells) for h, n in enumerate(row) if n} == {
        (4, 9): 1, (4, 21): 1, (6, 10): 1}
    assert summary.heatmap.timezone == "America/Mexico_City"


def deliver(message, *statuses, channel_id=1, reason="HTTP 422: número inválido"):
    message_delivery_queue(message=message, channel_id=channel_id)
    for status in statuses:
        message_status_record(message=message, status=status, reason=reason if status == "failed" else "")


def test_failed_messages_by_hand_card_channels_and_log(workspace, data, alice_client):
    convs = data["convs"]
    bob_web = convs["a"].messages.get(sender_kind=SenderKind.USER)
    workflow_web = convs["a"].messages.get(sender_kind=SenderKind.WORKFLOW)
    alice_wa = convs["b"].messages.get(sender_kind=SenderKind.USER)
    api_none = convs["c"].messages.get(sender_kind=SenderKind.API)
    previous = convs["e"].messages.get(direction=OUT)
    # given: failed (Web, WhatsApp-then-delivered does not count), read, a failure in the previous period
    deliver(bob_web, "sent", "failed", channel_id=data["web"].pk)
    deliver(workflow_web, "sent", "read", "failed", channel_id=data["web"].pk)  # failed after read: ignored
    deliver(alice_wa, "failed", "delivered", channel_id=data["wa"].pk)
    deliver(api_none, "failed", channel_id=data["web"].pk)
    deliver(previous, "failed")

    summary = message_summary(workspace=workspace, actor=owner(workspace), query=q(workspace))

    assert (summary.failed.state, summary.failed.value, summary.failed.previous) == ("ok", 2, 1)
    assert [(r.name, r.failed) for r in summary.channels] == [("", 1), ("Web", 1), ("WhatsApp", 0)]
    body = alice_client.get(SUMMARY, {"start": "2026-11-18", "end": "2026-11-24"}).json()
    assert body["failed"] == {"state": "ok", "value": 2, "previous": 1}
    rows = {r["id"]: r for r in alice_client.get(LOG, {"start": "2026-11-18", "end": "2026-11-24"}).json()["results"]}
    assert (rows[bob_web.pk]["delivery_status"], rows[bob_web.pk]["delivery_error"]) == (
        "failed", "HTTP 422: número inválido")
    assert rows[workflow_web.pk]["delivery_status"] == "read" and rows[alice_wa.pk]["delivery_status"] == "delivered"
    received = convs["a"].messages.get(direction=IN)
    assert rows[received.pk]["delivery_status"] is None and rows[received.pk]["delivery_error"] == ""
    # only received messages: no sent, no failed
    only_in = message_summary(workspace=workspace, actor=owner(workspace), query=q(workspace, direction="in"))
    assert (only_in.failed.state, only_in.failed.value) == ("no_data", 0)


def test_timeseries_stacks_received_and_sent_by_kind(workspace, data):
    series = message_timeseries(workspace=workspace, actor=owner(workspace), query=q(workspace))

    assert series.interval == "day" and len(series.buckets) == 7
    by_day = {b.start.date().isoformat(): (b.received, {k: n for k, n in b.sent_by_kind.items() if n})
              for b in series.buckets if b.received or b.sent}
    assert by_day == {"2026-11-19": (2, {"user": 2, "workflow": 1, "bot": 1}),
                      "2026-11-21": (1, {"user": 1, "api": 1}), "2026-11-22": (0, {"broadcast": 1})}
    assert all(b.sent == sum(b.sent_by_kind.values()) for b in series.buckets)


def test_a_dst_day_has_25_hour_buckets_and_the_heat_map_reads_the_wall_clock(workspace):
    Workspace.objects.filter(pk=workspace.pk).update(timezone="America/New_York")
    workspace.refresh_from_db()
    # Sun 1 Nov 2026, clocks fall back at 02:00 EDT: 00:30 EDT (04:30Z), 01:30 EDT (05:30Z),
    # 01:30 EST (06:30Z), 23:30 EST (Mon 2 Nov 04:30Z: still Sunday on the wall); and Mon 2 Nov
    # 23:30 EST (Tue 3 Nov 04:30Z).
    conv = contact_writes(workspace, datetime(2026, 11, 1, 4, 30, tzinfo=UTC))
    for moment in (datetime(2026, 11, 1, 5, 30, tzinfo=UTC), datetime(2026, 11, 1, 6, 30, tzinfo=UTC),
                   datetime(2026, 11, 2, 4, 30, tzinfo=UTC), datetime(2026, 11, 3, 4, 30, tzinfo=UTC)):
        contact_writes(workspace, moment, conversation=conv)

    day = q(workspace, start="2026-11-01", end="2026-11-01")
    series = message_timeseries(workspace=workspace, actor=owner(workspace), query=day)
    summary = message_summary(workspace=workspace, actor=owner(workspace), query=day)

    assert len(series.buckets) == 25
    assert [(b.start.isoformat(), b.received) for b in series.buckets if b.received] == [
        ("2026-11-01T00:00:00-04:00", 1), ("2026-11-01T01:00:00-04:00", 1), ("2026-11-01T01:00:00-05:00", 1),
        ("2026-11-01T23:00:00-05:00", 1)]
    assert summary.received.value == 4
    sunday = summary.heatmap.cells[6]
    # Both 01:30s are hour 1 on the wall clock.
    assert (sunday[0], sunday[1], sunday[23]) == (1, 2, 1) and sum(map(sum, summary.heatmap.cells)) == 4
    week = message_summary(workspace=workspace, actor=owner(workspace),
                           query=q(workspace, start="2026-11-01", end="2026-11-02"))
    assert week.heatmap.cells[0][23] == 1 and week.heatmap.total == 5  # Monday 23:30 EST, not Tuesday 04:30 UTC


def test_log_lists_messages_newest_first(workspace, data, bob):
    log = message_log_page(workspace=workspace, actor=owner(workspace), query=q(workspace))

    assert log.count == 10
    first = log.rows[0]
    assert first["sender_kind"] == "broadcast" and first["direction"] == "out" and first["author"] is None
    assert first["created_at"] == "2026-11-22T09:00:00-06:00" and first["channel"] is None
    assert [r["created_at"] for r in log.rows] == sorted((r["created_at"] for r in log.rows), reverse=True)
    bobs = [r for r in log.rows if r["author"]]
    assert {r["author"]["name"] for r in bobs} == {"Bob", "Alice"}


def test_filters_channel_kind_direction_agent_team(workspace, data, alice, bob):
    scope = {"workspace": workspace, "actor": owner(workspace)}

    def counts(**params):
        s = message_summary(**scope, query=q(workspace, **params))
        return s.received.value, s.sent.value

    assert counts(channel=str(data["web"].pk)) == (1, 2)
    assert counts(channel=["none", str(data["wa"].pk)]) == (2, 5)
    assert counts(sender_kind="bot") == (0, 1)
    assert counts(sender_kind=["contact", "api"]) == (3, 1)
    assert counts(direction="in") == (3, 0)
    assert counts(direction="out", sender_kind="user") == (0, 3)
    assert counts(agent=str(alice.pk)) == (0, 1)
    team = Team.objects.create(workspace=workspace, name="Ventas")
    team.members.add(bob)
    with_team = message_summary(**scope, query=q(workspace, team=str(team.pk)))
    assert with_team.sent.value == 2 and with_team.received.state == "not_applicable"
    assert with_team.heatmap.state == "not_applicable"


def test_an_agent_sees_what_they_wrote_and_their_contacts_conversations(workspace, data, bob, bob_client):
    agent = Actor(workspace=workspace, role=Membership.Role.AGENT, user=bob)

    summary = message_summary(workspace=workspace, actor=agent, query=q(workspace))

    # Bob's reply in A, and the whole of C (its contact is his): send, contact, API, broadcast.
    assert (summary.received.value, summary.sent.value) == (1, 4)
    assert kinds(summary)["user"] == (2, 0)
    body = bob_client.get(LOG, {"start": "2026-11-18", "end": "2026-11-24"}).json()
    assert body["count"] == 5
    assert {r["conversation_id"] for r in body["results"]} == {data["convs"]["a"].pk, data["convs"]["c"].pk}


def test_api_answers_the_documented_shapes(alice_client, data):
    params = {"start": "2026-11-18", "end": "2026-11-24"}
    summary = alice_client.get(SUMMARY, params).json()
    assert summary["received"] == {"state": "ok", "value": 3, "previous": 1}
    assert [k["kind"] for k in summary["sent_by_kind"]] == [str(k) for k in SENT_KINDS]
    assert len(summary["heatmap"]["cells"]) == 7 and all(len(r) == 24 for r in summary["heatmap"]["cells"])
    series = alice_client.get(TIMESERIES, params).json()
    assert series["buckets"][1]["start"] == "2026-11-19T00:00:00-06:00"
    assert series["buckets"][1]["sent_by_kind"] == {"user": 2, "workflow": 1, "bot": 1, "api": 0, "broadcast": 0}
    log = alice_client.get(LOG, {**params, "page_size": 3}).json()
    assert log["count"] == 10 and len(log["results"]) == 3 and log["next"]


@pytest.mark.parametrize("params, field", [
    ({"channel": "abc"}, "channel"),
    ({"channel": "999999"}, "channel"),
    ({"sender_kind": "robot"}, "sender_kind"),
    ({"direction": "sideways"}, "direction"),
    ({"agent": "999999"}, "agent"),
    ({"agent": "none"}, "agent"),
    ({"team": "999999"}, "team"),
    ({"team": "-1"}, "team"),
    ({"interval": "hour", "start": "2026-01-01", "end": "2026-12-31"}, "interval"),
    ({"page": "0"}, "page"),
    ({"page": "9999"}, "page"),
    ({"page_size": "101"}, "page_size"),
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
    assert body["received"]["value"] == 3 and body["sent"]["value"] == 7


# --- agreement on random filters -------------------------------------------------------------


@pytest.fixture
def dataset(workspace):
    users = [member(workspace, Membership.Role.AGENT, email=f"a{i}@acme.example", name=f"A{i}") for i in range(3)]
    channels = [channel_create(workspace=workspace, name=f"Canal {i}")[0] for i in range(2)]
    team = Team.objects.create(workspace=workspace, name="Soporte")
    team.members.add(users[0], users[2])
    start = datetime(2026, 10, 20, 6, tzinfo=UTC)
    kinds_cycle = [SenderKind.USER, SenderKind.WORKFLOW, SenderKind.BOT, SenderKind.API, SenderKind.BROADCAST]
    for i in range(30):
        opened = start + timedelta(hours=23 * i, minutes=11 * i)
        if i % 5 == 4:  # the CRM writes first: the sender's contact is assigned to them
            contact = ContactFactory(workspace=workspace)
            message_send(contact=contact, text="Hola", sender_kind=SenderKind.USER, author=users[i % 3], at=opened)
            conv = contact.conversations.get()
        else:
            conv = contact_writes(workspace, opened, channel=channels[i % 2] if i % 3 else None)
        for j in range(i % 4):
            moment = opened + timedelta(minutes=37 * (j + 1) + i)
            kind = kinds_cycle[(i + j) % 5]
            message = sent(conv, moment, kind, author=users[(i + j) % 3] if kind == SenderKind.USER else None)
            # delivery as channels report it: failed, delivered, failed then read, none
            fate = (i + 2 * j) % 4
            if fate < 3:
                deliver(message, *(("failed",), ("sent", "delivered"), ("failed", "read"))[fate],
                        channel_id=channels[0].pk)
            if j % 2:
                contact_writes(workspace, moment + timedelta(minutes=5), conversation=conv)
    return {"users": users, "channels": channels, "team": team}


@st.composite
def queries(draw):
    start = date(2026, 10, 15) + timedelta(days=draw(st.integers(0, 35)))
    end = min(start + timedelta(days=draw(st.one_of(st.just(0), st.integers(4, 25)))), date(2026, 11, 24))
    return ({"start": start.isoformat(), "end": end.isoformat()},
            draw(st.lists(st.integers(0, 2), max_size=2, unique=True)),
            draw(st.lists(st.sampled_from(["contact", "user", "workflow", "bot", "api", "broadcast"]), max_size=2,
                          unique=True)),
            draw(st.lists(st.sampled_from(["in", "out"]), max_size=1)),
            draw(st.lists(st.integers(0, 2), max_size=1)),
            draw(st.sampled_from([False, False, True])), draw(st.sampled_from(["owner", "owner", "agent"])),
            draw(st.sampled_from([None, "day", "week", "hour"])))


@given(drawn=queries())
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
def test_cards_bars_heat_map_and_log_agree_with_a_count_by_hand(workspace, dataset, drawn):
    data, channel_picks, sender_kinds, directions, agent_picks, use_team, viewer, interval = drawn
    users, channels, team = dataset["users"], dataset["channels"], dataset["team"]
    if channel_picks:
        data["channel"] = [str(channels[i].pk) if i < 2 else "none" for i in channel_picks]
    if sender_kinds:
        data["sender_kind"] = sender_kinds
    if directions:
        data["direction"] = directions
    if agent_picks:
        data["agent"] = [str(users[i].pk) for i in agent_picks]
    if use_team:
        data["team"] = str(team.pk)
    if interval and not (interval == "hour" and data["start"] != data["end"]):
        data["interval"] = interval
    query = report_query_parse(filters=FILTERS, workspace=workspace, data=data)
    me = users[1]
    actor = owner(workspace) if viewer == "owner" else Actor(workspace=workspace, role=Membership.Role.AGENT, user=me)
    scope = {"workspace": workspace, "actor": actor, "query": query}

    summary = message_summary(**scope)
    series = message_timeseries(**scope)
    log = message_log_page(**scope, page=1, page_size=100)

    # by hand, from the raw messages
    period, tz = query.period, query.period.tz
    team_members = {users[0].pk, users[2].pk}

    def keep(m):
        channel_id = m.conversation.channel_id
        if not (period.start_utc <= m.created_at < period.end_utc):
            return False
        if query.has("channel") and not (channel_id in query.get("channel") or
                                         (channel_id is None and query.includes_none("channel"))):
            return False
        if query.get("sender_kind") and m.sender_kind not in query.get("sender_kind"):
            return False
        if query.get("direction") and m.direction not in query.get("direction"):
            return False
        if query.get("agent") and m.author_id not in query.get("agent"):
            return False
        if query.get("team") and m.author_id not in team_members:
            return False
        return not (actor.is_agent and m.author_id != me.pk and m.conversation.contact.assignee_id != me.pk)

    kept = [m for m in Message.objects.filter(workspace=workspace).select_related("conversation__contact") if keep(m)]
    received = [m for m in kept if m.direction == IN]
    sent_out = [m for m in kept if m.direction == OUT]
    heat = [[0] * 24 for _ in range(7)]
    for m in received:
        local = m.created_at.astimezone(tz)
        heat[local.isoweekday() - 1][local.hour] += 1

    assert summary.received.value == len(received) == sum(b.received for b in series.buckets)
    assert summary.sent.value == len(sent_out) == sum(b.sent for b in series.buckets)
    assert summary.heatmap.total == sum(map(sum, summary.heatmap.cells)) == len(received)
    assert summary.heatmap.cells == heat
    for k in summary.sent_by_kind:
        assert k.value == len([m for m in sent_out if m.sender_kind == k.kind]) == sum(
            b.sent_by_kind[k.kind] for b in series.buckets)
    assert sum(r.received for r in summary.channels) == len(received)
    assert sum(r.sent for r in summary.channels) == len(sent_out)
    failed = [m for m in sent_out if m.delivery_status == "failed"]
    assert summary.failed.value == len(failed) == sum(r.failed for r in summary.channels)
    by_channel = {r.channel_id: r.failed for r in summary.channels}
    assert by_channel == {c: len([m for m in failed if m.conversation.channel_id == c]) for c in by_channel}
    statuses = {m.pk: m.delivery_status or None for m in kept}
    assert all(r["delivery_status"] == statuses[r["id"]] for r in log.rows)
    assert log.count == len(kept) == message_set(**scope).count()
    assert sorted(r["id"] for r in log.rows) == sorted(m.pk for m in kept)[:100] or log.count > 100
    assert len([r for r in log.rows if r["direction"] == "in"]) == len(received) or log.count > 100
    if query.get("agent") or query.get("team"):
        assert summary.received.state == summary.heatmap.state == "not_applicable"


# --- the page --------------------------------------------------------------------------------


def test_the_page_renders_the_shell_with_the_report_api(alice_client, data):
    response = alice_client.get("/reports/messages/", {"period": "last_30_days"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "/api/v1/reports/messages/summary" in page and "reports/messages.js" in page
    assert 'id="heatmap-body"' in page and 'href="/settings/data-export/?kind=messages"' in page
    assert 'href="/reports/messages/"' in page  # the menu links the report
    assert "Estado de entrega" in page and "Fallidos" in page  # the log's column, the failed card


def test_the_landing_page_shows_the_headline_numbers(alice_client, data):
    page = alice_client.get("/reports/", {"period": "last_7_days"}).content.decode()

    assert page.count('data-headline="messages"') == 2


def test_an_agent_reads_what_they_see(bob_client, alice_client):
    assert "Ve los mensajes que envió" in bob_client.get("/reports/messages/").content.decode()
    assert "Ve los mensajes que envió" not in alice_client.get("/reports/messages/").content.decode()
