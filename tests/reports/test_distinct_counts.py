"""docs/reports.md "Asignaciones: additions": distinct contacts and conversations of the filtered
event set, in the summary on request (``include=distinct``)."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Workspace
from assignments.models import AssignmentSource
from contacts.models import Conversation
from tests.factories import ContactFactory, ConversationFactory
from tests.reports.api_checks import assert_bad_request_names

SUMMARY = "/api/v1/reports/assignments/summary"
NOW = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def touched(workspace, alice, bob, add_event):
    """Seven events of the last 7 days: José four times (two conversations, one event outside any),
    Rosa twice in one conversation, a deleted contact once; one event of José last week."""
    jose = ContactFactory(workspace=workspace, first_name="José")
    rosa = ContactFactory(workspace=workspace, first_name="Rosa")
    gone = ContactFactory(workspace=workspace, first_name="Gone")
    first = ConversationFactory(contact=jose, status=Conversation.Status.CLOSED, closed_at=NOW)
    second = ConversationFactory(contact=jose)
    rosas = ConversationFactory(contact=rosa)
    at = lambda day, hour=15: datetime(2026, 11, day, hour, tzinfo=UTC)  # noqa: E731
    add_event(at(18), source=AssignmentSource.API, contact=jose, conversation=first, new=bob)
    add_event(at(19), source=AssignmentSource.USER, contact=jose, conversation=first, previous=bob, new=alice, by=alice)
    add_event(at(20), source=AssignmentSource.WORKFLOW, contact=jose, conversation=second, previous=alice, new=None)
    add_event(at(21), source=AssignmentSource.CONTACT_IMPORT, contact=jose, conversation=None, new=bob)
    add_event(at(22), source=AssignmentSource.WORKFLOW, contact=rosa, conversation=rosas, new=bob)
    add_event(at(23), source=AssignmentSource.USER, contact=rosa, conversation=rosas, previous=bob, new=alice, by=bob)
    add_event(at(24, 12), source=AssignmentSource.BOT, contact=gone, conversation=None, new=bob)
    add_event(at(15), source=AssignmentSource.API, contact=jose, conversation=first, new=bob)  # last week
    gone.delete()
    return {"jose": jose, "rosa": rosa, "first": first, "second": second, "rosas": rosas}


def _distinct(client, query=""):
    response = client.get(f"{SUMMARY}?include=distinct&{query}")
    assert response.status_code == 200, response.content
    return response.json()


def test_each_contact_and_conversation_counts_once(alice_client, touched):
    body = _distinct(alice_client)
    assert body["total"] == 7
    # José, Rosa and the deleted contact; José's two conversations and Rosa's one (the import and
    # the deleted contact's bot event happened outside any conversation)
    assert body["distinct"] == {"contacts": 3, "conversations": 3}


def test_without_include_the_summary_is_unchanged(alice_client, touched):
    plain = alice_client.get(SUMMARY).json()
    assert "distinct" not in plain
    with_distinct = _distinct(alice_client)
    assert {k: v for k, v in with_distinct.items() if k != "distinct"} == plain


def test_the_same_filters_narrow_the_distinct_counts(alice_client, bob_client, touched, bob):
    assert _distinct(alice_client, "source=user")["distinct"] == {"contacts": 2, "conversations": 2}
    assert _distinct(alice_client, "source=workflow,api")["distinct"] == {"contacts": 2, "conversations": 3}
    assert _distinct(alice_client, f"assignee={bob.pk}")["distinct"] == {"contacts": 3, "conversations": 2}
    both = _distinct(alice_client, f"contact={touched['jose'].pk},{touched['rosa'].pk}&source=user&source=workflow")
    assert both["total"] == 4 and both["distinct"] == {"contacts": 2, "conversations": 3}
    assert _distinct(alice_client, f"conversation={touched['first'].pk}")["distinct"] == {
        "contacts": 1, "conversations": 1}
    # an agent counts only the events they take part in (new or previous assignee: all but the
    # unassignment in José's second conversation, so that conversation is not theirs)
    agent = _distinct(bob_client)
    assert agent["total"] == 6 and agent["distinct"] == {"contacts": 3, "conversations": 2}


def test_states_without_events_count_zero(alice_client, touched, alice):
    not_applicable = _distinct(alice_client, f"source=api&assigned_by={alice.pk}")
    assert not_applicable["state"] == "not_applicable"
    assert not_applicable["distinct"] == {"contacts": 0, "conversations": 0}
    none = _distinct(alice_client, "period=today&source=zapier")
    assert none["state"] == "no_data" and none["distinct"] == {"contacts": 0, "conversations": 0}


def test_the_distinct_counts_are_one_query(alice_client, touched):
    alice_client.get(SUMMARY)  # warm the session and membership caches
    with CaptureQueriesContext(connection) as plain:
        alice_client.get(SUMMARY)
    with CaptureQueriesContext(connection) as counted:
        alice_client.get(f"{SUMMARY}?include=distinct")
    assert len(counted) == len(plain) + 1
    assert sum("COUNT(DISTINCT" in q["sql"].upper() for q in counted.captured_queries) == 1


@pytest.mark.parametrize("query", ["include=everything", "include=distinct,totals", "include=distinct&include=x",
                                   "include=%00"])
def test_a_bad_include_is_a_400_naming_it(alice_client, touched, query):
    assert_bad_request_names(alice_client.get(f"{SUMMARY}?{query}"), "include", query)


def test_a_bad_include_is_reported_with_the_other_bad_fields(alice_client, touched):
    response = alice_client.get(f"{SUMMARY}?include=x&source=fax")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"include", "source"}


def test_charlie_and_a_token(charlie_client, token_client, touched, workspace):
    assert charlie_client.get(f"{SUMMARY}?include=distinct&contact={touched['jose'].pk}").status_code == 400
    assert token_client.get(f"{SUMMARY}?include=distinct").json()["distinct"] == {"contacts": 3, "conversations": 3}


def test_a_dst_day_in_a_new_york_workspace(alice_client, workspace, add_event):
    # given events on both sides of local midnight of the fall-back day (01:00 happens twice)
    Workspace.objects.filter(pk=workspace.pk).update(timezone="America/New_York")
    a, b = ContactFactory(workspace=workspace), ContactFactory(workspace=workspace)
    add_event(datetime(2026, 11, 1, 3, 59, tzinfo=UTC), source=AssignmentSource.API, contact=a)  # Oct 31, 23:59
    add_event(datetime(2026, 11, 1, 5, 30, tzinfo=UTC), source=AssignmentSource.API, contact=b)  # 01:30 EDT
    add_event(datetime(2026, 11, 1, 6, 30, tzinfo=UTC), source=AssignmentSource.API, contact=b)  # 01:30 EST
    add_event(datetime(2026, 11, 2, 4, 59, tzinfo=UTC), source=AssignmentSource.API, contact=a)  # Nov 1, 23:59
    body = _distinct(alice_client, "start=2026-11-01&end=2026-11-01")
    assert body["total"] == 3 and body["distinct"]["contacts"] == 2
