"""Resoluciones' facts recorded at the source (contacts/resolutions.py): one row per close, written
in the close's transaction; reopened set by the contact's next opening; business seconds valid for
the schedule they were computed with; the data migration's backfill equal to the definition."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor

from assignments.models import AssignmentSource
from assignments.services import contact_assign
from business_hours.schedule import business_seconds_between
from business_hours.selectors import business_hours_get
from business_hours.services import business_hours_set
from contacts.models import (
    ConversationEvent,
    ConversationResolution,
    ConversationSource,
    ResolutionFactState,
)
from contacts.resolutions import (
    hours_key,
    resolution_business_recompute,
    resolution_facts_current,
    resolution_facts_rebuild,
)
from contacts.services import conversation_close, conversation_open
from tests.factories import ContactFactory, ConversationFactory

T0 = datetime(2026, 11, 2, 15, tzinfo=UTC)  # Monday 09:00 in Mexico City
HOUR = 3600
WEEKDAYS_9_TO_6 = {day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


def fact(conversation) -> ConversationResolution:
    return ConversationResolution.objects.get(conversation_id=conversation.pk)


def test_a_close_records_its_facts_in_its_transaction(workspace, alice, bob):
    contact = ContactFactory(workspace=workspace)
    conv, _ = conversation_open(contact=contact, at=T0)
    contact_assign(contact=contact, assignee=bob, source=AssignmentSource.API, at=T0 + timedelta(minutes=5))
    contact_assign(contact=contact, assignee=alice, source=AssignmentSource.API, at=T0 + timedelta(minutes=9))
    assert not ConversationResolution.objects.exists()

    conversation_close(conversation=conv, source=ConversationSource.USER, closed_by=alice, at=T0 + timedelta(hours=2))

    row = fact(conv)
    event = ConversationEvent.objects.get(conversation_id=conv.pk, kind="closed")
    assert (row.closed_event_id, row.contact_id, row.closed_at, row.source, row.owner_id, row.owner_name) == (
        event.pk, contact.pk, event.created_at, "user", alice.pk, "Alice")
    assert (row.opened_at, row.seconds, row.business_seconds, row.assignments, row.reopened) == (
        T0, 2 * HOUR, 2 * HOUR, 2, False)


def test_a_close_rolled_back_leaves_no_facts(workspace):
    conv, _ = conversation_open(contact=ContactFactory(workspace=workspace), at=T0)
    with pytest.raises(RuntimeError), transaction.atomic():
        conversation_close(conversation=conv, source=ConversationSource.API, at=T0 + timedelta(hours=1))
        assert ConversationResolution.objects.filter(conversation_id=conv.pk).exists()
        raise RuntimeError("the close's transaction fails after the close")
    assert not ConversationResolution.objects.filter(conversation_id=conv.pk).exists()
    assert not ConversationEvent.objects.filter(conversation_id=conv.pk, kind="closed").exists()


def test_a_close_without_an_opened_event_has_no_time(workspace):
    conv = ConversationFactory(contact=ContactFactory(workspace=workspace), opened_at=T0)
    conversation_close(conversation=conv, source=ConversationSource.BOT, at=T0 + timedelta(hours=1))
    row = fact(conv)
    assert (row.opened_at, row.seconds, row.business_seconds, row.assignments) == (None, None, None, 0)


@pytest.mark.parametrize("after, source, reopened", [
    (timedelta(days=3), ConversationSource.CONTACT, True),
    (timedelta(days=7), ConversationSource.CONTACT, True),  # both ends included
    (timedelta(days=7, seconds=1), ConversationSource.CONTACT, False),
    (timedelta(days=1), ConversationSource.USER, False),  # our outreach is no reopening
])
def test_the_contacts_next_opening_marks_the_previous_close_reopened(workspace, alice, after, source, reopened):
    contact = ContactFactory(workspace=workspace)
    first, _ = conversation_open(contact=contact, at=T0)
    conversation_close(conversation=first, source=ConversationSource.API, at=T0 + timedelta(hours=1))
    assert fact(first).reopened is False

    conversation_open(contact=contact, at=T0 + timedelta(hours=1) + after, source=source,
                      user=alice if source == ConversationSource.USER else None)

    assert fact(first).reopened is reopened


def test_business_seconds_follow_the_schedule_in_force(workspace):
    business_hours_set(workspace=workspace, enabled=True, schedule=WEEKDAYS_9_TO_6)
    # Friday 17:00 -> Monday 10:00 Mexico City: one business hour each side
    conv, _ = conversation_open(contact=ContactFactory(workspace=workspace), at=datetime(2026, 11, 6, 23, tzinfo=UTC))
    conversation_close(conversation=conv, source=ConversationSource.API, at=datetime(2026, 11, 9, 16, tzinfo=UTC))
    settings = business_hours_get(workspace=workspace)
    assert fact(conv).business_seconds == 2 * HOUR and resolution_facts_current(workspace=workspace, settings=settings)

    # A new schedule: the recorded column no longer applies until it is recomputed.
    business_hours_set(workspace=workspace, enabled=True, schedule={**WEEKDAYS_9_TO_6, "sat": [["09:00", "11:00"]]})
    settings = business_hours_get(workspace=workspace)
    assert not resolution_facts_current(workspace=workspace, settings=settings)
    assert resolution_business_recompute(workspace=workspace) == 1
    assert fact(conv).business_seconds == 4 * HOUR  # and two on Saturday
    assert resolution_facts_current(workspace=workspace, settings=settings)
    assert resolution_business_recompute(workspace=workspace) == 0  # already under this schedule
    assert ResolutionFactState.objects.get(workspace=workspace).hours_key == hours_key(settings)

    business_hours_set(workspace=workspace, enabled=True, schedule={"mon": [["09:00", "18:00"]]})
    assert resolution_business_recompute(workspace=workspace) == 1
    row = fact(conv)
    assert row.business_seconds == 1 * HOUR == business_seconds_between(
        schedule=business_hours_get(workspace=workspace).effective_schedule, tz=workspace.timezone,
        start=row.opened_at, end=row.closed_at)

    business_hours_set(workspace=workspace, enabled=False, schedule={"mon": [["09:00", "18:00"]]})
    assert resolution_business_recompute(workspace=workspace) == 1
    assert fact(conv).business_seconds == fact(conv).seconds


def test_rebuild_from_the_events_equals_what_the_write_paths_recorded(workspace, alice, bob):
    contacts = [ContactFactory(workspace=workspace) for _ in range(4)]
    t = T0
    for i in range(12):
        contact = contacts[i % 4]
        conv, _ = conversation_open(contact=contact, at=t, source=ConversationSource.CONTACT if i % 3 else "api")
        if i % 2:
            contact_assign(contact=contact, assignee=[alice, bob][i % 4 // 2], source=AssignmentSource.API,
                           at=t + timedelta(minutes=1))
        conversation_close(conversation=conv, source=ConversationSource.BOT, at=t + timedelta(hours=i + 1))
        t += timedelta(hours=i + 1, days=i % 5)
    columns = [f.attname for f in ConversationResolution._meta.concrete_fields if f.attname != "id"]
    recorded = sorted(ConversationResolution.objects.values_list(*columns))
    assert any(row[columns.index("reopened")] for row in recorded)
    assert any(not row[columns.index("reopened")] for row in recorded)

    assert resolution_facts_rebuild(workspace=workspace) == 12
    assert sorted(ConversationResolution.objects.values_list(*columns)) == recorded


# --- the data migration ----------------------------------------------------------------------

BEFORE = [("contacts", "0010_contact_activity_rollup"), ("assignments", "0004_conversation_assignment_backfill")]
AFTER = [("contacts", "0011_conversation_resolution")]


@pytest.fixture
def migrator():
    executor = MigrationExecutor(connection)
    yield executor
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_the_migration_backfills_every_close_by_the_definition(migrator):
    migrator.migrate(BEFORE)
    old = migrator.loader.project_state(BEFORE).apps
    Workspace = old.get_model("accounts", "Workspace")
    Contact, Conversation = old.get_model("contacts", "Contact"), old.get_model("contacts", "Conversation")
    Event, Assignment = old.get_model("contacts", "ConversationEvent"), old.get_model("assignments", "AssignmentEvent")
    ws = Workspace.objects.create(name="Vieja", timezone="America/Mexico_City", language="es")
    other = Workspace.objects.create(name="Otra", timezone="Europe/Madrid", language="es")
    ana, beto = Contact.objects.create(workspace=ws, first_name="Ana"), Contact.objects.create(workspace=ws, first_name="B")

    def conversation(contact, opened, closed, *, source="contact", with_opening=True, workspace=ws):
        conv = Conversation.objects.create(workspace=workspace, contact=contact, status="closed", opened_at=opened,
                                           closed_at=closed, closed_source="api")
        common = {"workspace": workspace, "conversation_id": conv.pk, "contact_id": contact.pk}
        if with_opening:
            Event.objects.create(**common, kind="opened", source=source, created_at=opened)
        Event.objects.create(**common, kind="closed", source="api", created_at=closed,
                             seconds_since_open=int((closed - opened).total_seconds()), channel_id=7)
        return conv

    a = conversation(ana, T0, T0 + timedelta(hours=5))
    b = conversation(ana, T0 + timedelta(days=3), T0 + timedelta(days=3, minutes=30))  # reopens a
    c = conversation(ana, T0 + timedelta(days=20), T0 + timedelta(days=21), source="api")  # no reopening
    d = conversation(beto, T0, T0 + timedelta(hours=1), with_opening=False)  # before recording: no time
    e = conversation(Contact.objects.create(workspace=other, first_name="O"), T0, T0 + timedelta(seconds=90),
                     workspace=other)
    for conv, n in ((a, 2), (b, 1), (e, 1)):
        for i in range(n):
            Assignment.objects.create(workspace=conv.workspace, source="api", contact_id=conv.contact_id,
                                      conversation_id=conv.pk, new_assignee_id=None if i > 1 else 10**6 + i,
                                      created_at=T0)
    Assignment.objects.create(workspace=ws, source="api", contact_id=ana.pk, conversation_id=c.pk,
                              new_assignee_id=None, created_at=T0)  # an unassignment is no assignment

    migrator = MigrationExecutor(connection)
    migrator.migrate(AFTER)
    new = migrator.loader.project_state(AFTER).apps
    Resolution, State = new.get_model("contacts", "ConversationResolution"), new.get_model("contacts",
                                                                                           "ResolutionFactState")
    got = {r.conversation_id: (r.seconds, r.business_seconds, r.assignments, r.reopened, r.channel_id)
           for r in Resolution.objects.all()}
    assert got == {
        a.pk: (5 * HOUR, 5 * HOUR, 2, True, 7),
        b.pk: (30 * 60, 30 * 60, 1, False, 7),
        c.pk: (86400, 86400, 0, False, 7),
        d.pk: (None, None, 0, False, 7),
        e.pk: (90, 90, 1, False, 7),
    }
    assert dict(State.objects.values_list("workspace_id", "hours_key")) == {ws.pk: "off", other.pk: "off"}


def test_a_schedule_change_recomputes_on_commit_and_the_command_rebuilds(workspace, django_capture_on_commit_callbacks):
    from django.core.management import call_command

    conv, _ = conversation_open(contact=ContactFactory(workspace=workspace), at=datetime(2026, 11, 6, 23, tzinfo=UTC))
    conversation_close(conversation=conv, source=ConversationSource.API, at=datetime(2026, 11, 9, 16, tzinfo=UTC))
    assert fact(conv).business_seconds == fact(conv).seconds  # off: calendar time

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        business_hours_set(workspace=workspace, enabled=True, schedule=WEEKDAYS_9_TO_6)
    assert len(callbacks) == 1  # the recompute task, run by the (eager) worker after the commit
    settings = business_hours_get(workspace=workspace)
    assert resolution_facts_current(workspace=workspace, settings=settings) and fact(conv).business_seconds == 2 * HOUR

    ConversationResolution.objects.filter(conversation_id=conv.pk).update(business_seconds=1, reopened=True)
    call_command("rebuild_resolution_facts", "--all", str(workspace.pk), stdout=open("/dev/null", "w"))
    assert (fact(conv).business_seconds, fact(conv).reopened) == (2 * HOUR, False)


def test_the_beat_task_recomputes_after_a_timezone_change(workspace, other_workspace):
    from accounts.models import Workspace
    from contacts.resolutions import resolution_stale_workspace_ids
    from contacts.tasks import resolution_facts_reconcile_task

    business_hours_set(workspace=workspace, enabled=True, schedule=WEEKDAYS_9_TO_6)
    conv, _ = conversation_open(contact=ContactFactory(workspace=workspace), at=datetime(2026, 11, 9, 14, tzinfo=UTC))
    conversation_close(conversation=conv, source=ConversationSource.API, at=datetime(2026, 11, 9, 17, tzinfo=UTC))
    assert fact(conv).business_seconds == 2 * HOUR  # 09:00–11:00 in Mexico City (opens 08:00)
    resolution_facts_reconcile_task()
    assert workspace.pk not in resolution_stale_workspace_ids()

    Workspace.objects.filter(pk=workspace.pk).update(timezone="Europe/Madrid")  # 15:00–18:00 there
    workspace.refresh_from_db()
    assert not resolution_facts_current(workspace=workspace, settings=business_hours_get(workspace=workspace))
    assert workspace.pk in resolution_stale_workspace_ids()
    assert resolution_facts_reconcile_task() >= 1
    assert resolution_facts_current(workspace=workspace, settings=business_hours_get(workspace=workspace))
    assert fact(conv).business_seconds == 3 * HOUR
