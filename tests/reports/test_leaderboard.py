"""Reportes → Tabla de Clasificación (docs/reports.md "Tabla de Clasificación"): every number
recomputed by hand from the raw records, on PostgreSQL (SQL aggregates) and SQLite (Python).

The facts are written through the real write paths (``contact_assign``, ``conversation_open`` /
``_close``, ``message_create``, ``agent_status_set`` with past timestamps), so the report reads
exactly what production records.
"""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.context import Actor
from accounts.models import Membership, Workspace
from assignments.models import AssignmentEvent, AssignmentSource
from assignments.services import contact_assign
from contacts.models import ConversationEvent, ConversationSource, Message, SenderKind
from contacts.services import conversation_close, conversation_open, message_create
from presence.models import AgentStatusEvent, AgentStatusSource, AgentStatusValue
from presence.selectors import member_status_durations
from presence.services import agent_status_set
from reports.framework.numbers import median_whole
from reports.framework.query import report_query_parse
from reports.leaderboard import (
    COLUMNS,
    FILTERS,
    METRICS,
    board_members,
    leaderboard_board,
    leaderboard_csv_rows,
    leaderboard_log_page,
    leaderboard_summary,
    online_seconds,
)
from tests.factories import ContactFactory, ConversationFactory, TeamFactory, member
from tests.reports.api_checks import assert_bad_request_names, assert_unauthenticated

NOW = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)  # 12:00 in Mexico City
SUMMARY = "/api/v1/reports/leaderboard/summary"
LOG = "/api/v1/reports/leaderboard/log"
OUT, IN = Message.Direction.OUT, Message.Direction.IN
ONLINE, AWAY, OFFLINE = AgentStatusValue.ONLINE, AgentStatusValue.AWAY, AgentStatusValue.OFFLINE


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def at(day: int, hour: int = 15, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, second, tzinfo=UTC)


def owner(workspace):
    return Actor(workspace=workspace, role=Membership.Role.OWNER)


def agent_actor(workspace, user):
    return Actor(workspace=workspace, role=Membership.Role.AGENT, user=user)


def query(workspace, **data):
    return report_query_parse(filters=FILTERS, workspace=workspace, data=data, sorts=COLUMNS, default_sort="-closed")


def conversation(workspace, opened, *, responder=None, answer=None, closer=None, closed=None, source=None):
    contact = ContactFactory(workspace=workspace)
    conv, _ = conversation_open(contact=contact, at=opened)
    message_create(conversation=conv, direction=IN, text="Hola", sender_kind=SenderKind.CONTACT, at=opened)
    if responder:
        message_create(conversation=conv, direction=OUT, text="Buenas", sender_kind=SenderKind.USER, author=responder,
                       at=answer)
    if closed:
        conversation_close(conversation=conv, closed_by=closer, source=source or ConversationSource.USER, at=closed)
    return conv


@pytest.fixture
def people(workspace, alice, bob):
    carol = member(workspace, Membership.Role.AGENT, email="carol@acme.example", name="Carol")
    erin = member(workspace, Membership.Role.MANAGER, email="erin@acme.example", name="Erin")
    zoe = member(workspace, Membership.Role.AGENT, email="zoe@acme.example", name="Zoe")
    return {"alice": alice, "bob": bob, "carol": carol, "erin": erin, "zoe": zoe}


@pytest.fixture
def data(workspace, people):
    """The week Wed 18 – Tue 24 Nov 2026 (Mexico City, UTC−6: [18 Nov 06:00, 25 Nov 06:00) UTC)
    and the week before it."""
    bob, carol, zoe = people["bob"], people["carol"], people["zoe"]
    k1, k2, k3, k4 = (ContactFactory(workspace=workspace) for _ in range(4))
    contact_assign(contact=k1, assignee=bob, source=AssignmentSource.API, at=at(19))
    contact_assign(contact=k1, assignee=carol, source=AssignmentSource.WORKFLOW, at=at(20))
    contact_assign(contact=k2, assignee=bob, source=AssignmentSource.USER, assigned_by=bob, at=at(21))
    contact_assign(contact=k2, assignee=None, source=AssignmentSource.API, at=at(22))  # counts for nobody
    contact_assign(contact=k3, assignee=bob, source=AssignmentSource.API, at=at(12))  # previous week
    contact_assign(contact=k4, assignee=bob, source=AssignmentSource.API, at=at(17, 7))  # 17 Nov 01:00 local
    # Bob: first responses 300 s and 600 s, resolutions 7200 s and 10800 s.
    conversation(workspace, at(19, 14), responder=bob, answer=at(19, 14, 5), closer=bob, closed=at(19, 16))
    conversation(workspace, at(21, 10), responder=bob, answer=at(21, 10, 10), closer=bob, closed=at(21, 13))
    # Carol: 60 s, 3600 s.
    conversation(workspace, at(20, 10), responder=carol, answer=at(20, 10, 1), closer=carol, closed=at(20, 11))
    # A workflow closes: nobody's close. Zoe answers it in 30 s, then leaves the workspace.
    conversation(workspace, at(22, 10), responder=zoe, answer=at(22, 10, 0, 30), closed=at(22, 11),
                 source=ConversationSource.WORKFLOW)
    # The week before: Carol 120 s, 7200 s.
    conversation(workspace, at(15, 10), responder=carol, answer=at(15, 10, 2), closer=carol, closed=at(15, 12))
    # A conversation without an opened event (it predates lifecycle recording): Bob's close
    # counts, with no resolution time.
    legacy = ConversationFactory(contact=ContactFactory(workspace=workspace), opened_at=at(1))
    conversation_close(conversation=legacy, closed_by=bob, source=ConversationSource.USER, at=at(23, 12))
    # Bob writes first (no first response: the CRM started it); an API message is nobody's.
    extra, _ = conversation_open(contact=ContactFactory(workspace=workspace), at=at(23, 9),
                                 source=ConversationSource.USER, user=bob)
    message_create(conversation=extra, direction=OUT, text="…", sender_kind=SenderKind.USER, author=bob,
                   at=at(23, 9, 1))
    message_create(conversation=extra, direction=OUT, text="…", sender_kind=SenderKind.USER, author=bob,
                   at=at(23, 9, 2))
    message_create(conversation=extra, direction=OUT, text="…", sender_kind=SenderKind.API, at=at(23, 9, 3))
    # Presence: Bob online from 17 Nov 12:00 UTC, away 18 Nov 12:00, online again 24 Nov 12:00 (to now).
    agent_status_set(workspace=workspace, user=bob, status=ONLINE, source=AgentStatusSource.USER, at=at(17, 12))
    agent_status_set(workspace=workspace, user=bob, status=AWAY, source=AgentStatusSource.USER, at=at(18, 12))
    agent_status_set(workspace=workspace, user=bob, status=ONLINE, source=AgentStatusSource.USER, at=at(24, 12))
    # Carol online 08:00–10:00 UTC on 18 Nov.
    agent_status_set(workspace=workspace, user=carol, status=ONLINE, source=AgentStatusSource.USER, at=at(18, 8))
    agent_status_set(workspace=workspace, user=carol, status=OFFLINE, source=AgentStatusSource.USER, at=at(18, 10))
    Membership.objects.filter(workspace=workspace, user=zoe).delete()
    return people


def rows_by_name(rows):
    return {r.name: r for r in rows}


def test_board_numbers_by_hand(workspace, data):
    board = leaderboard_board(workspace=workspace, actor=owner(workspace), query=query(workspace, period="last_7_days"))
    rows = rows_by_name(board.rows)
    assert [r.name for r in board.rows] == ["Bob", "Carol", "Alice", "Erin"]  # -closed, then name; no Zoe
    bob, carol, alice = rows["Bob"], rows["Carol"], rows["Alice"]
    assert (bob.assigned, bob.closed, bob.messages_sent) == (2, 3, 4)
    assert (bob.first_response_median, bob.resolution_median) == (450, 9000)  # (300+600)/2, (7200+10800)/2
    assert bob.online_seconds == 6 * 3600 + 6 * 3600  # 06:00–12:00 on the 18th, 12:00–18:00 (now) on the 24th
    assert (carol.assigned, carol.closed, carol.messages_sent) == (1, 1, 1)
    assert (carol.first_response_median, carol.resolution_median, carol.online_seconds) == (60, 3600, 7200)
    assert (alice.assigned, alice.closed, alice.first_response_median, alice.online_seconds) == (0, 0, None, 0)
    # Ranks on Cerradas: 1, 2, then Alice and Erin tie at 3. The week before: Carol 1, the rest tie at 2.
    assert [(r.rank, r.previous_rank, r.rank_change) for r in board.rows] == [(1, 2, 1), (2, 1, -1), (3, 2, -1),
                                                                              (3, 2, -1)]


def test_summary_cards_add_up_the_rows_and_medians_are_over_every_time(workspace, data):
    summary = leaderboard_summary(workspace=workspace, actor=owner(workspace),
                                  query=query(workspace, period="last_7_days"))
    cards = {m.key: m for m in summary.metrics}
    assert (cards["assigned"].value, cards["assigned"].previous) == (3, 2)
    assert (cards["closed"].value, cards["closed"].previous) == (4, 1)
    assert cards["messages_sent"].value == 5
    # median of 300, 600, 60 (Zoe's 30 s is not on the board); of 7200, 10800, 3600
    assert cards["first_response_median"].value == 300 and cards["first_response_median"].previous == 120
    assert cards["resolution_median"].value == 7200 and cards["resolution_median"].previous == 7200
    assert cards["online_seconds"].value == 43200 + 7200
    assert cards["online_seconds"].previous == 18 * 3600  # Bob, 17 Nov 12:00 → 18 Nov 06:00 UTC
    assert [(c.name, c.rank, c.value) for c in summary.chart] == [("Bob", 1, 3), ("Carol", 2, 1), ("Alice", 3, 0),
                                                                  ("Erin", 3, 0)]


def test_sort_by_a_time_ranks_the_quickest_first_and_nulls_last(workspace, data):
    board = leaderboard_board(workspace=workspace, actor=owner(workspace),
                              query=query(workspace, period="last_7_days", sort="first_response_median"))
    assert [(r.name, r.rank) for r in board.rows] == [("Carol", 1), ("Bob", 2), ("Alice", 3), ("Erin", 3)]
    descending = leaderboard_board(workspace=workspace, actor=owner(workspace),
                                   query=query(workspace, period="last_7_days", sort="-first_response_median"))
    assert [r.name for r in descending.rows] == ["Bob", "Carol", "Alice", "Erin"]  # nulls last either way
    by_name = leaderboard_board(workspace=workspace, actor=owner(workspace),
                                query=query(workspace, period="last_7_days", sort="-name"))
    assert [r.name for r in by_name.rows] == ["Erin", "Carol", "Bob", "Alice"] and by_name.rank_column == "closed"


def test_team_filter_ranks_among_the_team(workspace, data):
    team = TeamFactory(workspace=workspace, name="Soporte")
    team.members.add(data["carol"], data["alice"])
    board = leaderboard_board(workspace=workspace, actor=owner(workspace),
                              query=query(workspace, period="last_7_days", team=str(team.pk)))
    assert [(r.name, r.rank) for r in board.rows] == [("Carol", 1), ("Alice", 2)]


def test_agent_sees_only_their_row_unless_the_workspace_allows_the_whole_board(workspace, data):
    bob = data["bob"]
    board = leaderboard_board(workspace=workspace, actor=agent_actor(workspace, bob),
                              query=query(workspace, period="last_7_days"))
    assert [(r.name, r.rank) for r in board.rows] == [("Bob", 1)] and not board.all_rows
    summary = leaderboard_summary(workspace=workspace, actor=agent_actor(workspace, bob),
                                  query=query(workspace, period="last_7_days"))
    cards = {m.key: m.value for m in summary.metrics}
    assert cards["closed"] == 3 and cards["first_response_median"] == 450 and summary.agents == 1
    Workspace.objects.filter(pk=workspace.pk).update(agents_see_leaderboard=True)
    workspace.refresh_from_db()
    board = leaderboard_board(workspace=workspace, actor=agent_actor(workspace, bob),
                              query=query(workspace, period="last_7_days"))
    assert [r.name for r in board.rows] == ["Bob", "Carol", "Alice", "Erin"] and board.all_rows


def test_online_time_equals_presence_selector_for_every_member(workspace, data):
    period = query(workspace, period="last_7_days").period
    members = board_members(workspace=workspace, query=query(workspace))
    got = online_seconds(workspace=workspace, members=members, period=period)
    for m in members:
        spent = member_status_durations(workspace=workspace, user=m.user, start=period.start_utc, end=NOW)
        assert got.get(m.user_id, 0) == int(spent[ONLINE].total_seconds()), m.name


def test_log_pages_through_the_board_and_a_page_past_it_is_a_400(workspace, data, alice_client):
    log = leaderboard_log_page(workspace=workspace, actor=owner(workspace), query=query(workspace), page=2,
                               page_size=3)
    assert log.count == 4 and [r["user"]["name"] for r in log.rows] == ["Erin"] and not log.has_next
    response = alice_client.get(LOG, {"page": 3, "page_size": 3})
    assert_bad_request_names(response, "page")


def test_api_shapes(workspace, data, alice_client):
    response = alice_client.get(SUMMARY, {"period": "last_7_days"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["range"] == {"start": "2026-11-18", "end": "2026-11-24", "timezone": "America/Mexico_City"}
    assert body["sort"] == "-closed" and body["rank_column"] == "closed" and body["all_rows"] is True
    assert {m["key"]: m["value"] for m in body["metrics"]}["resolution_median"] == 7200
    response = alice_client.get(LOG, {"period": "last_7_days", "sort": "messages_sent"})
    rows = response.json()["results"]
    assert [r["user"]["name"] for r in rows] == ["Alice", "Erin", "Carol", "Bob"]
    assert rows[-1] == {"rank": 1, "previous_rank": 2, "rank_change": 1,
                        "user": {"id": data["bob"].pk, "name": "Bob"}, "assigned": 2, "closed": 3,
                        "messages_sent": 4, "first_response_median": 450, "resolution_median": 9000,
                        "online_seconds": 43200}


@pytest.mark.parametrize("params, field", [
    ({"sort": "rank"}, "sort"), ({"sort": "--closed"}, "sort"), ({"sort": ["closed", "name"]}, "sort"),
    ({"team": "abc"}, "team"), ({"team": "999999"}, "team"), ({"period": "last_year"}, "period"),
])
def test_bad_input_is_a_400_naming_the_field(workspace, alice_client, params, field):
    for url in (SUMMARY, LOG):
        assert_bad_request_names(alice_client.get(url, params), field, (url, params))


def test_tenancy_and_roles(workspace, data, other_workspace, charlie_client, bob_client, client):
    other_team = TeamFactory(workspace=other_workspace)
    # A team of another workspace does not exist here (the same 400 as an id that exists nowhere).
    assert_bad_request_names(bob_client.get(LOG, {"team": other_team.pk}), "team")
    # Charlie's board is Globex's: one member (Charlie), nothing of Acme's.
    body = charlie_client.get(SUMMARY, {"period": "last_7_days"}).json()
    assert body["agents"] == 1 and body["state"] == "no_data"
    assert charlie_client.get(LOG).json()["count"] == 0
    # An agent's own row only (the setting is off), ranked among the whole board.
    rows = bob_client.get(LOG, {"period": "last_7_days"}).json()["results"]
    assert [(r["user"]["name"], r["rank"]) for r in rows] == [("Bob", 1)]
    assert_unauthenticated(client.get(SUMMARY))


def test_token_sees_the_whole_board(workspace, data, token_client):
    rows = token_client.get(LOG, {"period": "last_7_days"}).json()["results"]
    assert [r["user"]["name"] for r in rows] == ["Bob", "Carol", "Alice", "Erin"]


def test_period_before_the_workspace_is_no_data(workspace, data):
    Workspace.objects.filter(pk=workspace.pk).update(created_at=at(24))
    workspace.refresh_from_db()
    summary = leaderboard_summary(workspace=workspace, actor=owner(workspace),
                                  query=query(workspace, start="2026-11-01", end="2026-11-07"))
    assert summary.state == "no_data" and summary.chart == []


def test_export_rows_are_the_board(workspace, data):
    q = query(workspace, period="last_7_days")
    rows = list(leaderboard_csv_rows(workspace=workspace, actor=owner(workspace), query=q))
    board = leaderboard_board(workspace=workspace, actor=owner(workspace), query=q)
    assert [r[3] for r in rows] == [r.user_id for r in board.rows]
    assert rows[0][:3] == [1, 2, 1] and rows[0][9:] == [450, 9000, 43200]
    assert rows[2][9] == ""  # Alice has no first response


# --- cards = chart = table = export = a count by hand, on random filters --------------------


def by_hand(workspace, user_ids, start, end):
    """Every column from the raw tables, in Python."""
    def within(moment):
        return start <= moment < end

    out = {uid: dict.fromkeys(METRICS, 0) for uid in user_ids}
    for e in AssignmentEvent.objects.filter(workspace=workspace):
        if within(e.created_at) and e.new_assignee_id in out:
            out[e.new_assignee_id]["assigned"] += 1
    opened = set(ConversationEvent.objects.filter(workspace=workspace, kind="opened")
                 .values_list("conversation_id", flat=True))
    firsts, resolutions = {uid: [] for uid in user_ids}, {uid: [] for uid in user_ids}
    for e in ConversationEvent.objects.filter(workspace=workspace):
        if not within(e.created_at) or e.user_id not in out:
            continue
        if e.kind == "closed" and e.source == "user":
            out[e.user_id]["closed"] += 1
            if e.conversation_id in opened:
                resolutions[e.user_id].append(e.seconds_since_open)
        if e.kind == "first_response":
            firsts[e.user_id].append(e.seconds_since_open)
    for m in Message.objects.filter(workspace=workspace):
        if within(m.created_at) and m.direction == OUT and m.sender_kind == "user" and m.author_id in out:
            out[m.author_id]["messages_sent"] += 1
    events = list(AgentStatusEvent.objects.filter(workspace=workspace).order_by("created_at", "id"))
    stop = min(end, NOW)
    for uid in user_ids:
        mine = [e for e in events if e.user_id == uid]
        before = [e for e in mine if e.created_at < start]
        status, since, total = (before[-1].new_status if before else None), start, timedelta(0)
        for e in (e for e in mine if start <= e.created_at < stop):
            if status == ONLINE:
                total += e.created_at - since
            status, since = e.new_status, e.created_at
        if status == ONLINE and stop > since:
            total += stop - since
        out[uid]["online_seconds"] = int(total.total_seconds())
        out[uid]["first_response_median"] = median_whole(firsts[uid])
        out[uid]["resolution_median"] = median_whole(resolutions[uid])
    return out, firsts, resolutions


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    period=st.sampled_from(["today", "yesterday", "last_7_days", "last_14_days", "this_month", "last_30_days"]),
    sort=st.sampled_from([*COLUMNS, *(f"-{c}" for c in COLUMNS)]),
    team_members=st.sets(st.sampled_from(["alice", "bob", "carol", "erin"]), max_size=3),
    viewer=st.sampled_from(["owner", "bob", "bob_all"]),
)
def test_cards_chart_table_and_export_agree_with_a_count_by_hand(workspace, data, period, sort, team_members, viewer):
    Workspace.objects.filter(pk=workspace.pk).update(agents_see_leaderboard=viewer == "bob_all")
    workspace.refresh_from_db()
    params = {"period": period, "sort": sort}
    team_ids = []
    if team_members:
        team = TeamFactory(workspace=workspace)
        team.members.add(*(data[name] for name in team_members))
        params["team"] = str(team.pk)
        team_ids = [data[name].pk for name in team_members]
    q = query(workspace, **params)
    actor = owner(workspace) if viewer == "owner" else agent_actor(workspace, data["bob"])
    board = leaderboard_board(workspace=workspace, actor=actor, query=q)
    summary = leaderboard_summary(workspace=workspace, actor=actor, query=q)
    log = leaderboard_log_page(workspace=workspace, actor=actor, query=q, page=1, page_size=100)

    ids = team_ids or [data[n].pk for n in ("alice", "bob", "carol", "erin")]
    hand, firsts, resolutions = by_hand(workspace, ids, q.period.start_utc, q.period.end_utc)
    visible = ids if viewer != "bob" else [i for i in ids if i == data["bob"].pk]
    assert sorted(r.user_id for r in board.rows) == sorted(visible)
    for row in board.rows:
        assert {m: getattr(row, m) for m in METRICS} == hand[row.user_id], (row.name, sort)
    # ranks: 1 + the rows strictly better on the rank column (among every row of the board)
    column = board.rank_column
    for row in board.rows:
        mine = hand[row.user_id][column]
        if column in ("first_response_median", "resolution_median"):
            better = sum(1 for v in hand.values() if v[column] is not None and (mine is None or v[column] < mine))
        else:
            better = sum(1 for v in hand.values() if v[column] > mine)
        assert row.rank == 1 + better
    cards = {m.key: m.value for m in summary.metrics}
    if board.state == "ok":
        for metric in ("assigned", "closed", "messages_sent", "online_seconds"):
            assert cards[metric] == sum(hand[i][metric] for i in visible)
        assert cards["first_response_median"] == median_whole([s for i in visible for s in firsts[i]])
        assert cards["resolution_median"] == median_whole([s for i in visible for s in resolutions[i]])
        assert [(c.user_id, c.value) for c in summary.chart] == [
            (r.user_id, getattr(r, column)) for r in sorted(board.rows, key=lambda r: (r.rank, r.name.casefold()))][:10]
        assert [r["user"]["id"] for r in log.rows] == [r.user_id for r in board.rows]
    else:
        assert log.count == 0 and summary.chart == []
    if viewer == "owner":
        exported = list(leaderboard_csv_rows(workspace=workspace, actor=actor, query=q))
        assert sorted(r[3] for r in exported) == sorted(visible)
        assert all(r[7] == hand[r[3]]["closed"] for r in exported)


def test_the_landing_page_shows_the_first_place_or_the_agents_own_rank(workspace, data, alice_client, bob_client):
    page = alice_client.get("/reports/").content.decode()
    assert page.count('data-headline="leaderboard"') == 2 and ">Bob<" in page
    page = bob_client.get("/reports/").content.decode()
    assert page.count('data-headline="leaderboard"') == 1 and ">#1<" in page


def test_the_page_tells_an_agent_what_they_see(workspace, data, bob_client, alice_client):
    assert "Solo ve su propia fila" in bob_client.get("/reports/leaderboard/").content.decode()
    Workspace.objects.filter(pk=workspace.pk).update(agents_see_leaderboard=True)
    assert "Ve la tabla de clasificación completa" in bob_client.get("/reports/leaderboard/").content.decode()
    page = alice_client.get("/reports/leaderboard/?sort=-online_seconds").content.decode()
    assert "scope-note" not in page and '"sort": "-online_seconds"' in page
