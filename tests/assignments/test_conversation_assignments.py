"""The conversation facts ``contact_assign`` records with each event: its position among the
conversation's assignments to a person, and the first assignment's wait since the opening
(docs/reports.md "Asignaciones: time to first assignment, reassignments, assignment to close")."""

import importlib
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.db import connection, transaction
from django.utils import timezone

from assignments import services
from assignments.models import AssignmentEvent, AssignmentSource
from assignments.services import contact_assign
from contacts.services import conversation_close, conversation_open
from tests.factories import ContactFactory

backfill = importlib.import_module("assignments.migrations.0004_conversation_assignment_backfill").backfill


def orm_assign(**kwargs):
    with transaction.atomic():
        return services._contact_assign_orm(at=None, assigned_by=None, **kwargs)


def _story(workspace, alice, bob, assign):
    """Open unassigned → Bob (first) → Alice (reassigned) → unassigned → Bob; close; the contact
    comes back to Bob (no event) and is moved to Alice; a contact with no conversation."""
    contact = ContactFactory(workspace=workspace)
    opened_at = timezone.now() - timedelta(minutes=10, seconds=30)
    conversation, _ = conversation_open(contact=contact, at=opened_at)
    events = [assign(contact=contact, assignee=bob, source=AssignmentSource.WORKFLOW),
              assign(contact=contact, assignee=alice, source=AssignmentSource.API),
              assign(contact=contact, assignee=None, source=AssignmentSource.BOT),
              assign(contact=contact, assignee=bob, source=AssignmentSource.API)]
    conversation_close(conversation=conversation, source="api")
    returning, _ = conversation_open(contact=contact)
    events.append(assign(contact=contact, assignee=alice, source=AssignmentSource.API))
    loose = ContactFactory(workspace=workspace)
    events.append(assign(contact=loose, assignee=bob, source=AssignmentSource.API))
    return conversation, returning, events


@pytest.mark.parametrize("path", ["contact_assign", "orm"])
def test_positions_and_the_first_wait_are_recorded_with_the_event(workspace, alice, bob, path):
    assign = contact_assign if path == "contact_assign" else orm_assign
    conversation, returning, events = _story(workspace, alice, bob, assign)
    stored = [AssignmentEvent.objects.get(pk=e.pk) for e in events]

    assert [e.conversation_id for e in stored] == [conversation.pk] * 4 + [returning.pk, None]
    assert [e.conversation_assignment for e in stored] == [1, 2, None, 3, 1, None]
    # the returned event is the stored row
    assert [e.conversation_assignment for e in events] == [1, 2, None, 3, 1, None]
    waits = [e.first_assignment_seconds for e in stored]
    # only the first event of a conversation that waited unassigned; the returning contact's
    # conversation opened with Bob already assigned
    assert waits[1:] == [None] * 5
    assert waits[0] == (stored[0].created_at - conversation.opened_at) // timedelta(seconds=1)
    assert 630 <= waits[0] < 640


def test_reassigning_to_the_same_person_after_an_unassignment_takes_the_next_position(workspace, bob):
    contact = ContactFactory(workspace=workspace)
    conversation_open(contact=contact)
    first = contact_assign(contact=contact, assignee=bob, source=AssignmentSource.API)
    contact_assign(contact=contact, assignee=None, source=AssignmentSource.API)
    again = contact_assign(contact=contact, assignee=bob, source=AssignmentSource.API)

    assert (first.conversation_assignment, again.conversation_assignment) == (1, 2)
    assert first.first_assignment_seconds is not None and again.first_assignment_seconds is None


def test_a_back_dated_first_assignment_before_the_opening_waits_zero(workspace, bob):
    contact = ContactFactory(workspace=workspace)
    at = timezone.now() - timedelta(days=1)
    conversation_open(contact=contact, at=at)
    event = contact_assign(contact=contact, assignee=bob, source=AssignmentSource.API, at=at - timedelta(seconds=5))
    assert event.first_assignment_seconds == 0


def test_backfill_recomputes_exactly_what_the_write_path_records(workspace, alice, bob):
    _story(workspace, alice, bob, contact_assign)
    _story(workspace, bob, alice, contact_assign)
    recorded = list(AssignmentEvent.objects.order_by("id").values_list(
        "id", "conversation_assignment", "first_assignment_seconds"))
    # as before the columns existed (update() bypasses the model's immutability guard)
    AssignmentEvent.objects.update(conversation_assignment=None, first_assignment_seconds=None)

    editor = SimpleNamespace(connection=connection)  # the migration reads only its connection
    backfill(django_apps, editor)
    backfill(django_apps, editor)  # a rerun changes nothing

    assert list(AssignmentEvent.objects.order_by("id").values_list(
        "id", "conversation_assignment", "first_assignment_seconds")) == recorded


def test_facts_backfill_recomputes_what_the_write_path_keeps(workspace, alice, bob):
    from assignments.models import ConversationAssignments
    from assignments.rollups import fact_snapshot, rollup_is_ready, rollup_rebuild

    conversation, returning, _ = _story(workspace, alice, bob, contact_assign)
    tallies = {t.conversation_id: (t.assignments, t.reassigned_at, t.last_assigned_at)
               for t in ConversationAssignments.objects.all()}
    events = {e.conversation_id: e for e in AssignmentEvent.objects.filter(conversation_assignment=2)}
    assert tallies[conversation.pk] == (3, events[conversation.pk].created_at, tallies[conversation.pk][2])
    assert tallies[returning.pk][:2] == (1, None)
    facts = fact_snapshot(workspace=workspace)
    assert sorted({(fact, seconds > 0) for fact, dimension, *_, seconds in facts if dimension == "all"}) == [
        ("first", True), ("first_bin", True), ("reassigned", False)]

    fill = importlib.import_module("assignments.migrations.0006_assignment_facts_backfill").backfill
    ConversationAssignments.objects.all().delete()
    fill(django_apps, SimpleNamespace(connection=connection))

    assert {t.conversation_id: (t.assignments, t.reassigned_at, t.last_assigned_at)
            for t in ConversationAssignments.objects.all()} == tallies
    assert not rollup_is_ready(workspace=workspace)  # the facts are counted by the rebuild
    rollup_rebuild(workspace=workspace)
    assert fact_snapshot(workspace=workspace) == facts


@pytest.mark.parametrize("seconds", [0, 1, 99, 100, 101, 999, 1000, 1099, 1100, 12_345, 99_999, 100_000,
                                     86_399, 86_400, 10**12 + 7])
def test_wait_bins_hold_their_waits_and_match_in_sql(db, seconds):
    from assignments.rollups import WAIT_BIN_SQL, wait_bin, wait_bin_end

    lower = wait_bin(seconds)
    assert lower <= seconds < wait_bin_end(lower) and wait_bin(wait_bin_end(lower) - 1) == lower
    assert wait_bin(wait_bin_end(lower)) == wait_bin_end(lower)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {WAIT_BIN_SQL.format(s='x')} FROM (SELECT %s::bigint AS x) v", [seconds])
            assert cursor.fetchone()[0] == lower
