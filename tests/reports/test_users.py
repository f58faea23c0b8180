"""Reportes → Usuarios (docs/reports.md "Usuarios"): every number recomputed by hand.

Status changes are written through the real write path (``agent_status_set`` with past
instants), so the report reads exactly what production records: the events and the day rollup
written in the same transaction.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.context import Actor
from accounts.models import Membership, Team, Workspace
from contacts.services import conversation_open
from presence.models import AgentStatusDailyTotal, AgentStatusEvent, AgentStatusRollupState
from presence.rollups import rollup_rebuild
from presence.services import agent_status_set
from reports.framework.query import report_query_parse
from reports.users import (
    FILTERS,
    users_csv_count,
    users_csv_rows,
    users_live,
    users_log_page,
    users_summary,
    users_timeseries,
)
from tests.factories import ContactFactory, member
from tests.reports.api_checks import assert_bad_request_names, assert_unauthenticated

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # Mon 23 Nov 20:00 in Mexico City (UTC−6)
MX = ZoneInfo("America/Mexico_City")
NY = ZoneInfo("America/New_York")
SUMMARY, TIMESERIES, LOG, LIVE = (f"/api/v1/reports/users/{name}" for name in ("summary", "timeseries", "log", "live"))
STATUSES = ("online", "away", "offline")


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def local(day: date, hour: int, minute: int = 0, tz=MX) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)


def query(workspace, **params):
    return report_query_parse(filters=FILTERS, workspace=workspace, data=params)


def owner(workspace):
    return Actor(workspace=workspace, role=Membership.Role.OWNER)


def by_hand(workspace, user_ids, start: datetime, end: datetime, now: datetime = NOW) -> dict[int, dict[str, int]]:
    """Walk each member's events (docs/reports.md "A member's timeline") and clip."""
    stop = min(end, now)
    out = {u: dict.fromkeys(STATUSES, 0) for u in user_ids}
    for user_id in user_ids:
        events = list(AgentStatusEvent.objects.filter(workspace=workspace, user_id=user_id)
                      .order_by("created_at", "id").values_list("new_status", "created_at"))
        for index, (status, at) in enumerate(events):
            until = events[index + 1][1] if index + 1 < len(events) else now
            a, b = max(at, start), min(until, stop)
            if b > a:
                out[user_id][status] += int((b - a).total_seconds())
    return out


# --- by hand ---------------------------------------------------------------------------------

DAY = date(2026, 11, 23)


@pytest.fixture
def day_of_bob(workspace, bob):
    """docs/reports.md's example: Mon 23 Nov 2026, Mexico City, asked at 20:00."""
    for hour, minute, status in ((8, 0, "online"), (12, 30, "away"), (13, 15, "online"), (18, 0, "offline")):
        agent_status_set(workspace=workspace, user=bob, status=status, source="user", at=local(DAY, hour, minute))
    return bob


def test_the_documented_day_by_hand(workspace, day_of_bob):
    summary = users_summary(workspace=workspace, actor=owner(workspace), query=query(workspace, period="today"))
    row = next(r for r in summary.agents if r.user_id == day_of_bob.pk)
    assert (row.online, row.away, row.offline, row.untracked) == (9 * 3600 + 15 * 60, 45 * 60, 2 * 3600, 8 * 3600)
    assert row.status == "offline" and row.status_since == local(DAY, 18).astimezone(UTC)
    assert row.online_share == round(100 * 555 / 720, 2)
    assert [f.value for f in summary.statuses] == [row.online, row.away, row.offline]
    # hour bars: 08:00–12:00 fully online, 12:00 half online half away, 20:00 onwards nothing (now)
    series = users_timeseries(workspace=workspace, actor=owner(workspace), query=query(workspace, period="today"))
    assert series.interval == "hour" and len(series.buckets) == 24
    assert [b.online for b in series.buckets[8:12]] == [3600] * 4
    assert (series.buckets[12].online, series.buckets[12].away) == (1800, 1800)
    assert (series.buckets[13].online, series.buckets[13].away) == (2700, 900)
    assert series.buckets[19].offline == 3600 and sum(sum((b.online, b.away, b.offline)) for b in series.buckets[20:]) == 0
    # the timeline row of the day: its four segments
    log = users_log_page(workspace=workspace, actor=owner(workspace), query=query(workspace, period="today"))
    bob_row = next(r for r in log.rows if r.user_id == day_of_bob.pk)
    assert bob_row.changes == 4
    assert [(s, a.strftime("%H:%M"), b.strftime("%H:%M")) for s, a, b in bob_row.segments] == [
        ("online", "08:00", "12:30"), ("away", "12:30", "13:15"), ("online", "13:15", "18:00"),
        ("offline", "18:00", "20:00")]
    assert (bob_row.online, bob_row.away, bob_row.offline, bob_row.untracked) == (
        row.online, row.away, row.offline, row.untracked)


def test_the_period_is_clipped_at_its_edges_and_the_open_interval_counts_to_now(workspace, bob):
    agent_status_set(workspace=workspace, user=bob, status="online", source="user", at=local(date(2026, 11, 20), 22))
    summary = users_summary(workspace=workspace, actor=owner(workspace),
                            query=query(workspace, start="2026-11-21", end="2026-11-22"))
    row = next(r for r in summary.agents if r.user_id == bob.pk)
    assert (row.online, row.untracked) == (2 * 86400, 0)
    today = users_summary(workspace=workspace, actor=owner(workspace), query=query(workspace, period="last_7_days"))
    row = next(r for r in today.agents if r.user_id == bob.pk)
    # 17 Nov 00:00 – 20 Nov 22:00 untracked; then online up to now (23 Nov 20:00)
    assert row.online == 2 * 3600 + 2 * 86400 + 20 * 3600
    assert row.untracked == 3 * 86400 + 22 * 3600


def test_dst_days_have_23_and_25_hours(workspace, bob):
    Workspace.objects.filter(pk=workspace.pk).update(timezone="America/New_York")
    workspace.refresh_from_db()
    agent_status_set(workspace=workspace, user=bob, status="online", source="user", at=local(date(2026, 3, 6), 9, tz=NY))
    agent_status_set(workspace=workspace, user=bob, status="away", source="user", at=local(date(2026, 10, 30), 9, tz=NY))
    agent_status_set(workspace=workspace, user=bob, status="offline", source="user", at=local(date(2026, 11, 3), 9, tz=NY))
    for day, seconds, status in (("2026-03-08", 23 * 3600, "online"), ("2026-11-01", 25 * 3600, "away")):
        summary = users_summary(workspace=workspace, actor=owner(workspace), query=query(workspace, start=day, end=day))
        row = next(r for r in summary.agents if r.user_id == bob.pk)
        assert getattr(row, status) == seconds and row.untracked == 0
        series = users_timeseries(workspace=workspace, actor=owner(workspace), query=query(workspace, start=day, end=day))
        assert len(series.buckets) == seconds // 3600
        assert all(getattr(b, status) == 3600 for b in series.buckets)
        log = users_log_page(workspace=workspace, actor=owner(workspace), query=query(workspace, start=day, end=day))
        assert [getattr(r, status) for r in log.rows if r.user_id == bob.pk] == [seconds]
    # the rollup holds the same days
    assert AgentStatusDailyTotal.objects.get(user=bob, day=date(2026, 3, 8)).seconds == 23 * 3600
    assert AgentStatusDailyTotal.objects.get(user=bob, day=date(2026, 11, 1)).seconds == 25 * 3600


def test_a_timezone_change_reads_the_events_until_the_rebuild(workspace, day_of_bob,
                                                              django_capture_on_commit_callbacks):
    from accounts.services import workspace_settings_update

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        workspace_settings_update(workspace=workspace, name=workspace.name, timezone="Asia/Kolkata", language="es")
    workspace.refresh_from_db()
    # not rebuilt yet: the rollup is still counted in Mexico City's days, the report reads events
    assert AgentStatusRollupState.objects.get(workspace=workspace).timezone == "America/Mexico_City"
    q = query(workspace, period="last_7_days")
    raw = users_summary(workspace=workspace, actor=owner(workspace), query=q)
    raw_series = users_timeseries(workspace=workspace, actor=owner(workspace), query=q)
    for callback in callbacks:  # the rebuild task (eager), with the other apps' rollups
        callback()
    assert AgentStatusRollupState.objects.get(workspace=workspace).timezone == "Asia/Kolkata"
    assert users_summary(workspace=workspace, actor=owner(workspace), query=q) == raw
    assert users_timeseries(workspace=workspace, actor=owner(workspace), query=q) == raw_series
    hand = by_hand(workspace, [day_of_bob.pk], q.period.start_utc, q.period.end_utc)[day_of_bob.pk]
    row = next(r for r in raw.agents if r.user_id == day_of_bob.pk)
    assert (row.online, row.away, row.offline) == (hand["online"], hand["away"], hand["offline"])


def test_per_team_sums_members_now_and_a_member_counts_in_each_team(workspace, alice, day_of_bob, dave):
    agent_status_set(workspace=workspace, user=dave, status="away", source="user", at=local(DAY, 10))
    ventas = Team.objects.create(workspace=workspace, name="Ventas")
    soporte = Team.objects.create(workspace=workspace, name="Soporte")
    ventas.members.add(day_of_bob, dave)
    soporte.members.add(day_of_bob)
    summary = users_summary(workspace=workspace, actor=owner(workspace), query=query(workspace, period="today"))
    rows = {r.user_id: r for r in summary.agents}
    teams = {t.name: t for t in summary.teams}
    assert [t.name for t in summary.teams] == ["Soporte", "Ventas"]
    assert teams["Ventas"].agents == 2 and teams["Ventas"].away == rows[day_of_bob.pk].away + rows[dave.pk].away
    assert teams["Soporte"].online == rows[day_of_bob.pk].online
    filtered = users_summary(workspace=workspace, actor=owner(workspace),
                             query=query(workspace, period="today", team=[str(soporte.pk)]))
    assert [r.user_id for r in filtered.agents] == [day_of_bob.pk]


def test_an_agent_sees_only_their_own_row(workspace, day_of_bob, dave, bob_client):
    agent_status_set(workspace=workspace, user=dave, status="away", source="user", at=local(DAY, 10))
    body = bob_client.get(SUMMARY, {"period": "today"}).json()
    assert [r["agent"]["id"] for r in body["agents"]] == [day_of_bob.pk]
    assert body["teams_state"] == "not_applicable" and body["teams"] == []
    assert {r["agent"]["id"] for r in bob_client.get(LOG, {"period": "today"}).json()["results"]} == {day_of_bob.pk}
    assert [r["agent"]["id"] for r in bob_client.get(LIVE).json()["agents"]] == [day_of_bob.pk]
    # another agent's id narrows to nothing
    assert bob_client.get(SUMMARY, {"period": "today", "agent": dave.pk}).json()["agents"] == []


def test_live_shows_everyones_status_and_conversations_held_now(workspace, alice, day_of_bob):
    mine = ContactFactory(workspace=workspace, assignee=day_of_bob)
    conversation_open(contact=mine, at=local(DAY, 9))
    ContactFactory(workspace=workspace, assignee=day_of_bob)  # no open conversation
    live = users_live(workspace=workspace, actor=owner(workspace), query=query(workspace))
    rows = {r.user_id: r for r in live.agents}
    assert rows[day_of_bob.pk].status == "offline" and rows[day_of_bob.pk].conversations == 1
    assert live.counts["offline"] >= 1
    agent_status_set(workspace=workspace, user=day_of_bob, status="online", source="api")
    again = {r.user_id: r for r in users_live(workspace=workspace, actor=owner(workspace), query=query(workspace)).agents}
    assert again[day_of_bob.pk].status == "online" and again[day_of_bob.pk].source == "api"


# --- the API ---------------------------------------------------------------------------------


def test_api_answers_the_documented_shapes(alice_client, day_of_bob):
    summary = alice_client.get(SUMMARY, {"period": "today"}).json()
    assert summary["range"] == {"start": "2026-11-23", "end": "2026-11-23", "timezone": "America/Mexico_City"}
    assert [s["status"] for s in summary["statuses"]] == ["online", "away", "offline"]
    bob_row = next(r for r in summary["agents"] if r["agent"]["id"] == day_of_bob.pk)
    assert bob_row["online_seconds"] == 33300 and bob_row["status_since"] == "2026-11-23T18:00:00-06:00"
    series = alice_client.get(TIMESERIES, {"period": "today"}).json()
    assert series["interval"] == "hour" and series["buckets"][0]["start"] == "2026-11-23T00:00:00-06:00"
    log = alice_client.get(LOG, {"period": "today"}).json()
    row = next(r for r in log["results"] if r["agent"]["id"] == day_of_bob.pk)
    assert row["day_start"] == "2026-11-23T00:00:00-06:00" and row["day_end"] == "2026-11-24T00:00:00-06:00"
    assert row["segments"][0] == {"status": "online", "start": "2026-11-23T08:00:00-06:00",
                                  "end": "2026-11-23T12:30:00-06:00"}
    live = alice_client.get(LIVE).json()
    assert live["generated_at"] == "2026-11-23T20:00:00-06:00" and set(live["counts"]) == set(STATUSES)


@pytest.mark.parametrize("params, field", [
    ({"agent": "abc"}, "agent"),
    ({"agent": "999999"}, "agent"),
    ({"agent": "none"}, "agent"),
    ({"team": "999999"}, "team"),
    ({"interval": "minute"}, "interval"),
    ({"period": "forever"}, "period"),
    ({"start": "2026-02-30", "end": "2026-03-01"}, "start"),
    ({"page": "0"}, "page"),
    ({"page": "999"}, "page"),
    ({"page_size": "101"}, "page_size"),
    ({"as_of": "yesterday"}, "as_of"),
    ({"as_of": "2026-11-23T10:00:00"}, "as_of"),
])
def test_bad_parameters_are_a_400_naming_the_field(alice_client, day_of_bob, params, field):
    urls = (LOG,) if "page" in str(params) else (SUMMARY, TIMESERIES, LOG, LIVE)
    for url in urls:
        if url == LIVE and field == "interval":
            continue
        assert_bad_request_names(alice_client.get(url, params), field, url)


def test_as_of_clips_every_component_at_one_instant(alice_client, day_of_bob):
    # 15:00 in Mexico City: Bob online 08:00–12:30 and 13:15–15:00, away 45 min
    params = {"period": "today", "agent": day_of_bob.pk, "as_of": "2026-11-23T15:00:00-06:00"}
    summary = alice_client.get(SUMMARY, params).json()
    row = summary["agents"][0]
    assert (row["online_seconds"], row["away_seconds"], row["offline_seconds"]) == (16200 + 6300, 2700, 0)
    assert row["untracked_seconds"] == 8 * 3600
    series = alice_client.get(TIMESERIES, params).json()
    assert sum(b["online_seconds"] for b in series["buckets"]) == 22500
    log = alice_client.get(LOG, params).json()
    assert log["results"][0]["online_seconds"] == 22500 and log["results"][0]["segments"][-1]["end"].startswith(
        "2026-11-23T15:00:00")
    # an instant after now is now
    later = alice_client.get(SUMMARY, {**params, "as_of": "2030-01-01T00:00:00Z"}).json()
    assert later["agents"][0]["offline_seconds"] == 2 * 3600


def test_another_workspace_ids_are_refused_and_its_data_never_shown(charlie_client, day_of_bob):
    for url in (SUMMARY, TIMESERIES, LOG, LIVE):
        assert_bad_request_names(charlie_client.get(url, {"agent": day_of_bob.pk}), "agent", url)
    body = charlie_client.get(SUMMARY, {"period": "today"}).json()
    assert day_of_bob.pk not in {r["agent"]["id"] for r in body["agents"]}
    assert day_of_bob.pk not in {r["agent"]["id"] for r in charlie_client.get(LIVE).json()["agents"]}


def test_no_credentials_is_a_401(anon_client):
    for url in (SUMMARY, TIMESERIES, LOG, LIVE):
        assert_unauthenticated(anon_client.get(url))


def test_a_token_reads_the_whole_workspace(token_client, day_of_bob):
    body = token_client.get(SUMMARY, {"period": "today"}).json()
    assert day_of_bob.pk in {r["agent"]["id"] for r in body["agents"]}


def test_the_page_and_the_landing_headlines(day_of_bob, alice_client, bob_client):
    page = alice_client.get("/reports/users/")
    assert page.status_code == 200 and b"/api/v1/reports/users/live" in page.content
    assert b'href="/reports/users/"' in page.content
    landing = alice_client.get("/reports/", {"period": "today"}).content.decode()
    assert 'data-headline="users"' in landing
    import re
    found = re.findall(r"data-headline=\"users\">([^<]*)<", landing)
    assert found[:1] == ["9 h 15 min"], found
    agent_page = bob_client.get("/reports/users/")
    assert agent_page.status_code == 200 and b"scope-note" in agent_page.content


def test_charlie_cannot_open_the_page_of_another_workspace(charlie_client):
    # his own workspace's page opens; nothing of Acme is in it
    page = charlie_client.get("/reports/users/")
    assert page.status_code == 200 and b"Bob" not in page.content


# --- agreement on random filters, and the rollup equals the events ---------------------------


@pytest.fixture
def dataset(workspace):
    """Three agents with a month of changes around New York's fall-back day (1 Nov 2026)."""
    Workspace.objects.filter(pk=workspace.pk).update(timezone="America/New_York")
    workspace.refresh_from_db()
    users = [member(workspace, Membership.Role.AGENT, email=f"a{i}@acme.example", name=f"A{i}") for i in range(3)]
    team = Team.objects.create(workspace=workspace, name="Soporte")
    team.members.add(users[0], users[2])
    cycle = ["online", "away", "online", "offline"]
    for i, user in enumerate(users):
        moment = datetime(2026, 10, 24 + i, 13, 7 * i, 30, tzinfo=UTC)
        step = 0
        while moment < NOW:
            agent_status_set(workspace=workspace, user=user, status=cycle[step % 4], source="user", at=moment)
            moment += timedelta(hours=3 + (step * 7 + i) % 11, minutes=(step * 13) % 60, seconds=step % 7)
            step += 1
    return {"users": users, "team": team}


@st.composite
def queries(draw):
    start = date(2026, 10, 20) + timedelta(days=draw(st.integers(0, 33)))
    end = min(start + timedelta(days=draw(st.one_of(st.just(0), st.integers(1, 20)))), date(2026, 11, 23))
    return ({"start": start.isoformat(), "end": end.isoformat()},
            draw(st.lists(st.integers(0, 2), max_size=2, unique=True)),
            draw(st.sampled_from([False, False, True])), draw(st.sampled_from(["owner", "owner", "agent"])),
            draw(st.sampled_from([None, "day", "week", "hour"])))


@given(drawn=queries())
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
def test_cards_tables_bars_timeline_and_export_agree_with_the_events(workspace, dataset, drawn):
    period, agent_picks, use_team, viewer, interval = drawn
    users, team = dataset["users"], dataset["team"]
    params = dict(period)
    if agent_picks:
        params["agent"] = [str(users[i].pk) for i in agent_picks]
    if use_team:
        params["team"] = [str(team.pk)]
    if interval:
        params["interval"] = interval
    q = query(workspace, **params)
    actor = owner(workspace) if viewer == "owner" else Actor(workspace=workspace, role=Membership.Role.AGENT,
                                                             user=users[1])
    # by hand: who is in, and their time
    expected_ids = [u.pk for u in users] if viewer == "owner" else [users[1].pk]
    if agent_picks:
        expected_ids = [u for u in expected_ids if u in {users[i].pk for i in agent_picks}]
    if use_team:
        expected_ids = [u for u in expected_ids if u in {users[0].pk, users[2].pk}]
    if viewer == "owner" and not agent_picks and not use_team:
        expected_ids = list(Membership.objects.filter(workspace=workspace).values_list("user_id", flat=True))
    hand = by_hand(workspace, expected_ids, q.period.start_utc, q.period.end_utc)
    hand_total = {s: sum(h[s] for h in hand.values()) for s in STATUSES}

    def read():
        summary = users_summary(workspace=workspace, actor=actor, query=q)
        series = users_timeseries(workspace=workspace, actor=actor, query=q)
        rows, page = [], 1
        while True:
            log = users_log_page(workspace=workspace, actor=actor, query=q, page=page, page_size=100)
            rows += log.rows
            if not log.has_next:
                break
            page += 1
        return summary, series, rows, log.count

    summary, series, rows, count = read()
    assert sorted(r.user_id for r in summary.agents) == sorted(expected_ids)
    cards = {f.status: f.value for f in summary.statuses}
    assert cards == hand_total
    for r in summary.agents:
        assert (r.online, r.away, r.offline) == tuple(hand[r.user_id][s] for s in STATUSES)
    assert {s: sum(getattr(b, s) for b in series.buckets) for s in STATUSES} == cards
    assert {s: sum(getattr(r, s) for r in rows) for s in STATUSES} == cards
    assert count == len(rows) == len({(r.day, r.user_id) for r in rows})
    assert [(r.day, r.name) for r in rows] == sorted(((r.day, r.name) for r in rows), key=lambda k: (-k[0].toordinal(), k[1]))
    for r in rows:
        # (in UTC: two datetimes of one zone subtract by their wall clocks)
        assert sum(int((b.astimezone(UTC) - a.astimezone(UTC)).total_seconds()) for _, a, b in r.segments) == (
            r.online + r.away + r.offline)
    if viewer == "owner":
        exported = list(users_csv_rows(workspace=workspace, actor=actor, query=q))
        assert users_csv_count(workspace=workspace, actor=actor, query=q) == len(exported) == len(rows)
        assert [(c[0], c[1], c[3], c[4], c[5], c[7]) for c in exported] == [
            (r.day.isoformat(), r.user_id, r.online, r.away, r.offline, r.changes) for r in rows]
    # the events give the same numbers as the rollup
    state = AgentStatusRollupState.objects.get(workspace=workspace)
    AgentStatusRollupState.objects.filter(workspace=workspace).delete()
    try:
        raw_summary, raw_series, raw_rows, _ = read()
    finally:
        AgentStatusRollupState.objects.create(workspace=workspace, timezone=state.timezone)
    assert raw_summary == summary and raw_series == series and raw_rows == rows


def test_a_rebuild_equals_the_write_path(workspace, dataset):
    written = sorted(AgentStatusDailyTotal.objects.filter(workspace=workspace)
                     .values_list("user_id", "day", "status", "seconds"))
    rollup_rebuild(workspace=workspace)
    assert sorted(AgentStatusDailyTotal.objects.filter(workspace=workspace)
                  .values_list("user_id", "day", "status", "seconds")) == written
    assert len(written) > 50
