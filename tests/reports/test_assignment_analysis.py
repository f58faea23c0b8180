"""Asignaciones beyond the log (docs/reports.md "Asignaciones: time to first assignment,
reassignments, assignment to close"): every number recomputed by hand.

Conversations and assignments are written through the real write paths (``conversation_open``,
``contact_assign``, ``conversation_close`` with past timestamps), so the report reads exactly
what production records.
"""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.context import Actor
from accounts.models import Membership
from assignments.models import AssignmentSource
from assignments.rollups import rollup_rebuild
from assignments.services import contact_assign
from business_hours.schedule import business_seconds_between
from business_hours.selectors import business_hours_get
from business_hours.services import business_hours_set
from contacts.services import conversation_close, conversation_open
from reports.assignment_analysis import (
    assignment_to_close_report,
    first_assignment_report,
    reassignment_csv_rows,
    reassignment_report,
)
from reports.params import report_params_parse
from reports.rollup_reads import ALL_EVENTS, rollup_dimension
from tests.factories import ContactFactory
from tests.reports.api_checks import assert_bad_request_names, assert_unauthenticated

NOW = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)  # 12:00 in Mexico City
BASE = "/api/v1/reports/assignments/"
FIRST, REASSIGNED, CSV, TO_CLOSE = (BASE + p for p in ("first-assignment", "reassignments", "reassignments.csv",
                                                        "assignment-to-close"))
WEEKDAYS_9_TO_6 = {day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def at(day: int, hour: int = 15, seconds: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC) + timedelta(seconds=seconds)


def owner(workspace):
    return Actor(workspace=workspace, role=Membership.Role.OWNER)


def p(workspace, **data):
    data.setdefault("start", "2026-11-18")
    data.setdefault("end", "2026-11-24")
    return report_params_parse(workspace=workspace, data=data)


def assign(contact, user, moment, source=AssignmentSource.API):
    return contact_assign(contact=contact, assignee=user, source=source, at=moment)


@pytest.fixture
def story(workspace, alice, bob):
    """Four conversations around the week 18–24 Nov 2026 (Mexico City, UTC−6)."""
    # A: opens Thu 19 09:00 local, a workflow gives it to Bob after 90 s, the API moves it to
    # Alice an hour later (reassigned in the period), back to Bob at 17:00; closed at 18:00.
    a_contact = ContactFactory(workspace=workspace, first_name="Ana", last_name="")
    a, _ = conversation_open(contact=a_contact, at=at(19))
    assign(a_contact, bob, at(19, seconds=90), AssignmentSource.WORKFLOW)
    assign(a_contact, alice, at(19, 16))
    assign(a_contact, bob, at(19, 23))
    conversation_close(conversation=a, source="api", at=at(20, 0))
    # B: opens Mon 16 (before the period), first assigned Fri 20 (in it) to Alice by the API
    # after 4 days; unassigned and never closed.
    b_contact = ContactFactory(workspace=workspace, first_name="Beto", last_name="")
    b, _ = conversation_open(contact=b_contact, at=at(16))
    assign(b_contact, alice, at(20))
    assign(b_contact, None, at(21))
    # C: a returning contact still assigned to Bob (no first assignment) reassigned to Alice on
    # Sat 21 and closed Sun 22: assignment to close for Alice, one assignment only.
    c_contact = ContactFactory(workspace=workspace, first_name="Carla", last_name="")
    old, _ = conversation_open(contact=c_contact, at=at(10))
    assign(c_contact, bob, at(10, seconds=30))
    conversation_close(conversation=old, source="api", at=at(11))
    c, _ = conversation_open(contact=c_contact, at=at(21))
    assign(c_contact, alice, at(21, 16))
    conversation_close(conversation=c, source="api", at=at(22))
    # D: a first assignment before the period (Nov 10 conversation "old" above) is outside it.
    return {"a": a, "b": b, "c": c, "old": old}


def test_first_assignment_numbers_by_hand(workspace, story):
    report = first_assignment_report(workspace=workspace, actor=owner(workspace), params=p(workspace))

    # A waited 90 s (Thu 19), B 4 days (opened Mon 16, first assigned Fri 20); C opened
    # assigned; "old"'s first assignment (Nov 10) is before the period.
    assert report.state == "ok" and report.count == 2
    waits = [90, 4 * 86_400]
    assert report.median.calendar == sum(waits) // 2
    assert report.p90.calendar == 4 * 86_400
    assert report.average.calendar == (90 + 4 * 86_400 + 1) // 2  # half up: .5 rounds up
    assert report.business_hours is False and report.median.business == report.median.calendar
    assert [(s.source, s.count, s.median.calendar) for s in report.by_source] == [("api", 1, 4 * 86_400),
                                                                                 ("workflow", 1, 90)]
    by_day = {b.start.date().isoformat(): (b.count, b.median.calendar) for b in report.buckets}
    assert by_day["2026-11-19"] == (1, 90) and by_day["2026-11-20"] == (1, 4 * 86_400)
    assert sum(b.count for b in report.buckets) == 2 and by_day["2026-11-18"] == (0, None)


def test_first_assignment_in_business_hours(workspace, story):
    business_hours_set(workspace=workspace, enabled=True, schedule=WEEKDAYS_9_TO_6)
    report = first_assignment_report(workspace=workspace, actor=owner(workspace), params=p(workspace))

    schedule = business_hours_get(workspace=workspace).effective_schedule
    tz = "America/Mexico_City"
    expected = sorted([business_seconds_between(schedule=schedule, tz=tz, start=at(19), end=at(19, seconds=90)),
                       business_seconds_between(schedule=schedule, tz=tz, start=at(16), end=at(20))])
    assert report.business_hours is True
    assert report.median.business == sum(expected) // 2 and report.p90.business == expected[-1]
    # Mon 16 09:00 local → Fri 20 09:00 local: four 9-hour days
    assert expected[-1] == 4 * 9 * 3600


def test_reassignments_numbers_by_hand(workspace, story, alice, bob):
    report = reassignment_report(workspace=workspace, actor=owner(workspace), params=p(workspace))

    assert report.state == "ok" and report.count == 1
    (row,) = report.results
    assert row.conversation_id == story["a"].pk and row.contact_name == "Ana" and row.assignments == 3
    assert [s.assignee["id"] for s in row.spells] == [bob.pk, alice.pk, bob.pk]
    # Bob 15:01:30 → 16:00, Alice 16:00 → 23:00, Bob 23:00 → the close at 00:00
    assert [s.seconds for s in row.spells] == [3600 - 90, 7 * 3600, 3600]
    assert row.log_query == {"start": "2026-11-19", "end": "2026-11-19", "conversation": str(story["a"].pk)}

    from reports.assignment_analysis_api import ReassignedConversationSerializer

    serializer = ReassignedConversationSerializer(context={"tz": p(workspace).period.tz})
    assert serializer.to_representation(row) == serializer.drf_representation(row)
    assert list(serializer.to_representation(row)) == list(serializer.drf_representation(row))

    rows, capped = reassignment_csv_rows(workspace=workspace, actor=owner(workspace), params=p(workspace))
    assert not capped and rows == [[story["a"].pk, row.contact_id, "Ana", 3, "Bob → Alice → Bob",
                                    "2026-11-19T09:01:30-06:00", "2026-11-19T17:00:00-06:00", "3510 25200 3600"]]


def test_assignment_to_close_numbers_by_hand(workspace, story, alice, bob):
    report = assignment_to_close_report(workspace=workspace, actor=owner(workspace), params=p(workspace))

    # A closed Fri 20 00:00 UTC, last assigned to Bob at 23:00 (1 h); C closed Sun 22, last
    # assigned to Alice Sat 21 16:00 (23 h). B is open; "old" closed before the period.
    assert report.count == 2 and report.median == (3600 + 23 * 3600) // 2
    assert [(r.assignee["id"], r.count, r.median, r.average) for r in report.results] == [
        (alice.pk, 1, 23 * 3600, 23 * 3600), (bob.pk, 1, 3600, 3600)]


def test_assignment_to_close_in_business_hours(workspace, story, alice, bob):
    off = assignment_to_close_report(workspace=workspace, actor=owner(workspace), params=p(workspace))
    assert off.business_hours is False and off.median_business == off.median and off.average_business == off.average

    business_hours_set(workspace=workspace, enabled=True, schedule=WEEKDAYS_9_TO_6)
    report = assignment_to_close_report(workspace=workspace, actor=owner(workspace), params=p(workspace))
    # A: Bob from Thu 19 17:00 to 18:00 Mexico City, inside Thursday's hours (1 h of 1 h).
    # C: Alice from Sat 21 10:00 to Sun 22 09:00, a weekend: 23 h of calendar time, none of business.
    assert report.business_hours is True and report.count == 2
    assert [(r.assignee["id"], r.median, r.median_business, r.average_business) for r in report.results] == [
        (alice.pk, 23 * 3600, 0, 0), (bob.pk, 3600, 3600, 3600)]
    assert (report.median, report.median_business, report.average_business) == (12 * 3600, 1800, 1800)


def test_filters_match_the_counted_event(workspace, story, alice, bob):
    first = first_assignment_report(workspace=workspace, actor=owner(workspace), params=p(workspace, source="workflow"))
    assert first.count == 1 and first.median.calendar == 90
    close = assignment_to_close_report(workspace=workspace, actor=owner(workspace),
                                       params=p(workspace, assignee=str(bob.pk)))
    assert [r.assignee["id"] for r in close.results] == [bob.pk]
    only_none = p(workspace, assignee="none")
    assert first_assignment_report(workspace=workspace, actor=owner(workspace), params=only_none).state == "not_applicable"
    assert reassignment_report(workspace=workspace, actor=owner(workspace), params=only_none).state == "not_applicable"
    by_user = p(workspace, assigned_by=str(alice.pk), source="api")
    assert assignment_to_close_report(workspace=workspace, actor=owner(workspace),
                                      params=by_user).state == "not_applicable"


def test_agents_see_rows_where_they_are_new_or_previous_assignee(workspace, story, bob, dave):
    bob_actor = Actor(workspace=workspace, role=Membership.Role.AGENT, user=bob)
    first = first_assignment_report(workspace=workspace, actor=bob_actor, params=p(workspace))
    assert first.count == 1 and first.median.calendar == 90  # A's first assignment to him, not B's to Alice
    # C's last assignment moved it from Bob to Alice: Bob was the previous assignee
    close = assignment_to_close_report(workspace=workspace, actor=bob_actor, params=p(workspace))
    assert close.count == 2
    dave_actor = Actor(workspace=workspace, role=Membership.Role.AGENT, user=dave)
    assert reassignment_report(workspace=workspace, actor=dave_actor, params=p(workspace)).state == "no_data"


# --- the API ---------------------------------------------------------------------------------


def test_api_shapes_and_the_csv(workspace, story, alice_client):
    first = alice_client.get(FIRST, {"start": "2026-11-18", "end": "2026-11-24"}).json()
    assert first["count"] == 2 and first["median"] == {"calendar": 172_845, "business": 172_845}
    assert first["buckets"][1]["start"] == "2026-11-19T00:00:00-06:00"
    reassigned = alice_client.get(REASSIGNED, {"start": "2026-11-18", "end": "2026-11-24", "limit": "1"}).json()
    assert reassigned["count"] == 1 and reassigned["results"][0]["assignees"][0]["assigned_at"] == (
        "2026-11-19T09:01:30-06:00")
    to_close = alice_client.get(TO_CLOSE, {"start": "2026-11-18", "end": "2026-11-24"}).json()
    assert to_close["count"] == 2

    response = alice_client.get(CSV, {"start": "2026-11-18", "end": "2026-11-24"})
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"] and response["X-Rows-Capped"] == "false"
    text = response.content.decode("utf-8")
    assert "\r\n" in text
    parsed = list(csv.reader(io.StringIO(text)))
    assert parsed[0][:4] == ["conversation_id", "contact_id", "contact_name", "assignments"]
    assert parsed[1][2:5] == ["Ana", "3", "Bob → Alice → Bob"]


def test_csv_cells_that_look_like_formulas_are_quoted(workspace, alice, bob, alice_client):
    contact = ContactFactory(workspace=workspace, first_name="=HYPERLINK(1)", last_name="")
    conversation_open(contact=contact, at=at(19))
    assign(contact, bob, at(19, 16))
    assign(contact, alice, at(19, 17))
    text = alice_client.get(CSV, {"start": "2026-11-18", "end": "2026-11-24"}).content.decode()
    assert "'=HYPERLINK(1)" in text


@pytest.mark.parametrize("url", [FIRST, REASSIGNED, CSV, TO_CLOSE])
def test_bad_input_is_a_400_naming_the_field(url, workspace, story, alice_client, charlie_client):
    for params, field in [({"period": "someday"}, "period"), ({"start": "2026-13-01", "end": "2026-11-24"}, "start"),
                          ({"source": "fax"}, "source"), ({"conversation": "abc"}, "conversation"),
                          ({"conversation": str(10**30)}, "conversation"), ({"interval": "year"}, "interval")]:
        if field == "interval" and url != FIRST:
            continue
        assert_bad_request_names(alice_client.get(url, params), field, (url, params))
    # Another workspace's conversation does not exist for Charlie (a 400 naming it, never its data)
    assert_bad_request_names(charlie_client.get(url, {"conversation": str(story["a"].pk)}), "conversation")


@pytest.mark.parametrize("limit", ["0", "101", "x", "99999999999"])
def test_bad_limit_is_a_400(limit, workspace, alice_client):
    assert_bad_request_names(alice_client.get(REASSIGNED, {"limit": limit}), "limit")


def test_anonymous_is_401(client, db):
    for url in (FIRST, REASSIGNED, CSV, TO_CLOSE):
        assert_unauthenticated(client.get(url))


# --- cards = table = series, on random data --------------------------------------------------

steps = st.lists(st.tuples(st.integers(0, 3), st.sampled_from(["bob", "alice", "none", "close"]),
                           # equal waits too: the distribution's counts above 1
                           st.one_of(st.sampled_from([60, 120, 3600]), st.integers(60, 40 * 3600)),
                           st.sampled_from(AssignmentSource.values)),
                 min_size=1, max_size=25)


def _write(workspace, alice, bob, steps):
    people = {"bob": bob, "alice": alice, "none": None}
    contacts = [ContactFactory(workspace=workspace) for _ in range(4)]
    moment = datetime(2026, 11, 10, tzinfo=UTC)
    for index, person, gap, source in steps:
        moment += timedelta(seconds=gap)
        if moment >= NOW:
            break
        contact = contacts[index]
        conversation, _ = conversation_open(contact=contact, at=moment)
        if person == "close":
            conversation_close(conversation=conversation, source="api", at=moment)
            continue
        contact_assign(contact=contact, assignee=people[person], source=source, at=moment,
                       assigned_by=alice if source == "user" else None)


def _analyses(workspace, actor, params):
    return (first_assignment_report(workspace=workspace, actor=actor, params=params),
            reassignment_report(workspace=workspace, actor=actor, params=params, limit=3),
            reassignment_report(workspace=workspace, actor=actor, params=params, limit=100),
            reassignment_csv_rows(workspace=workspace, actor=actor, params=params))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps, tz=st.sampled_from(["America/Mexico_City", "America/New_York", "Asia/Kolkata"]),
       query=st.sampled_from([{}, {"source": "api,workflow"}, {"assignee": "bob"}, {"assigned_by": "alice"},
                              {"agent": "bob"}, {"agent": "alice", "source": "user"}, {"assignee": "bob,none"}]),
       interval=st.sampled_from([None, "day", "week", "month"]), start=st.sampled_from(["2026-11-09", "2026-11-12"]))
def test_rollups_answer_exactly_what_the_events_answer(workspace, alice, bob, steps, tz, query, interval, start):
    """The first assignments' distribution, the reassignment counts and ConversationAssignments
    (kept by contact_assign) give the numbers and the rows of the raw events, per filter."""
    workspace.timezone = tz
    workspace.save(update_fields=["timezone"])
    rollup_rebuild(workspace=workspace)  # counted in the new timezone, then kept by each write
    _write(workspace, alice, bob, steps)

    people = {"bob": str(bob.pk), "alice": str(alice.pk), "none": "none"}
    data = {"start": start, "end": "2026-11-24", **({"interval": interval} if interval else {})}
    for name in ("assignee", "assigned_by"):
        if name in query:
            data[name] = ",".join(people[p] for p in query[name].split(","))
    if "source" in query:
        data["source"] = query["source"]
    params = p(workspace, **data)
    agent = query.get("agent")
    actor = (Actor(workspace=workspace, role=Membership.Role.AGENT, user={"bob": bob, "alice": alice}[agent])
             if agent else owner(workspace))
    assert rollup_dimension(workspace=workspace, actor=actor, params=params) is not None
    if not query:
        assert rollup_dimension(workspace=workspace, actor=actor, params=params) == ALL_EVENTS

    fast = _analyses(workspace, actor, params)
    with override_settings(REPORTS_USE_ROLLUP=False):
        raw = _analyses(workspace, actor, params)
    assert fast == raw


def test_filters_the_rollups_cannot_serve_and_a_timezone_change_read_the_events(workspace, story, alice):
    contact = p(workspace, conversation=str(story["a"].pk))
    assert rollup_dimension(workspace=workspace, actor=owner(workspace), params=contact) is None
    assert first_assignment_report(workspace=workspace, actor=owner(workspace), params=contact).count == 1
    workspace.timezone = "Asia/Kolkata"
    workspace.save(update_fields=["timezone"])
    params = p(workspace)
    assert rollup_dimension(workspace=workspace, actor=owner(workspace), params=params) is None
    before = _analyses(workspace, owner(workspace), params)
    rollup_rebuild(workspace=workspace)
    assert rollup_dimension(workspace=workspace, actor=owner(workspace), params=params) == ALL_EVENTS
    assert _analyses(workspace, owner(workspace), params) == before


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps, tz=st.sampled_from(["America/Mexico_City", "America/New_York", "Asia/Kolkata"]),
       source_filter=st.sampled_from([None, "api", "workflow"]))
def test_cards_table_and_series_agree(workspace, alice, bob, steps, tz, source_filter):
    workspace.timezone = tz
    workspace.save(update_fields=["timezone"])
    _write(workspace, alice, bob, steps)

    params = p(workspace, start="2026-11-09", end="2026-11-24", **({"source": source_filter} if source_filter else {}))
    actor = owner(workspace)
    first = first_assignment_report(workspace=workspace, actor=actor, params=params)
    assert sum(s.count for s in first.by_source) == first.count == sum(b.count for b in first.buckets)
    if first.count:
        assert first.p90.calendar >= first.median.calendar and first.median.business is not None
    reassigned = reassignment_report(workspace=workspace, actor=actor, params=params, limit=100)
    rows, _ = reassignment_csv_rows(workspace=workspace, actor=actor, params=params)
    assert reassigned.count == len(reassigned.results) == len(rows)
    assert all(r.assignments >= 2 for r in reassigned.results)
    assert [r.conversation_id for r in reassigned.results] == [row[0] for row in rows]
    close = assignment_to_close_report(workspace=workspace, actor=actor, params=params)
    assert sum(r.count for r in close.results) == close.count
