import random
import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from accounts.models import Membership
from assignments.models import AssignmentEvent, AssignmentSource, ImmutableEventError
from assignments.services import AssignmentError, contact_assign
from contacts.models import Contact, Conversation
from contacts.services import conversation_close, conversation_open
from tests.factories import ContactFactory, ConversationFactory, WorkspaceFactory, member


@pytest.fixture
def contact(workspace):
    return ContactFactory(workspace=workspace, first_name="José", last_name="Pérez")


def test_assign_writes_event_with_previous_and_new_assignee(contact, alice, bob):
    first = contact_assign(contact=contact, assignee=bob, source=AssignmentSource.API)
    second = contact_assign(contact=contact, assignee=alice, source=AssignmentSource.USER, assigned_by=alice)

    assert first.previous_assignee_id is None and first.new_assignee_id == bob.pk
    assert second.previous_assignee_id == bob.pk and second.new_assignee_id == alice.pk
    assert second.assigned_by_id == alice.pk and second.assigned_by_name == "Alice"
    assert second.contact_name == "José Pérez"
    contact.refresh_from_db()
    assert contact.assignee_id == alice.pk


def test_same_assignee_writes_nothing(contact, bob):
    contact_assign(contact=contact, assignee=bob, source=AssignmentSource.API)

    again = contact_assign(contact=contact, assignee=bob, source=AssignmentSource.WORKFLOW)

    assert again is None
    assert AssignmentEvent.objects.count() == 1


def test_unassigning_an_unassigned_contact_writes_nothing(contact):
    assert contact_assign(contact=contact, assignee=None, source=AssignmentSource.API) is None
    assert AssignmentEvent.objects.count() == 0


def test_unassign_writes_event_with_empty_new_assignee(contact, bob):
    contact_assign(contact=contact, assignee=bob, source=AssignmentSource.API)

    event = contact_assign(contact=contact, assignee=None, source=AssignmentSource.BOT)

    assert event.new_assignee_id is None and event.new_assignee_name == ""
    assert event.previous_assignee_id == bob.pk
    contact.refresh_from_db()
    assert contact.assignee_id is None


def test_open_conversation_is_recorded(contact, bob):
    conversation, opened = conversation_open(contact=contact)

    event = contact_assign(contact=contact, assignee=bob, source=AssignmentSource.WORKFLOW)

    assert opened and event.conversation_id == conversation.pk


def test_no_open_conversation_records_none(contact, bob):
    conversation, _ = conversation_open(contact=contact)
    conversation_close(conversation=conversation, source="api")

    event = contact_assign(contact=contact, assignee=bob, source=AssignmentSource.ZAPIER)

    assert event.conversation_id is None


def test_returning_contact_with_assignee_opens_conversation_without_event(contact, bob):
    # given José's closed conversation, still assigned to Bob
    first, _ = conversation_open(contact=contact)
    contact_assign(contact=contact, assignee=bob, source=AssignmentSource.USER, assigned_by=bob)
    conversation_close(conversation=first, source="user", closed_by=bob)
    # when José comes back
    second, opened = conversation_open(contact=contact)
    # then a new conversation lands with Bob and no assignment is recorded
    assert opened and second.pk != first.pk
    contact.refresh_from_db()
    assert contact.assignee_id == bob.pk
    assert AssignmentEvent.objects.count() == 1


def test_at_most_one_open_conversation_per_contact(contact):
    first, opened_first = conversation_open(contact=contact)
    second, opened_second = conversation_open(contact=contact)
    assert opened_first and not opened_second and first.pk == second.pk
    assert Conversation.objects.filter(contact=contact, status="open").count() == 1


def test_database_rejects_second_open_conversation(contact):
    from django.db import IntegrityError, transaction

    ConversationFactory(contact=contact)
    with pytest.raises(IntegrityError), transaction.atomic():
        ConversationFactory(contact=contact)


def test_assigned_by_is_kept_only_for_user_source(contact, alice, bob):
    event = contact_assign(contact=contact, assignee=bob, source=AssignmentSource.API, assigned_by=alice)
    assert event.assigned_by_id is None and event.assigned_by_name == ""


def test_user_source_needs_assigning_user(contact, bob):
    with pytest.raises(AssignmentError):
        contact_assign(contact=contact, assignee=bob, source=AssignmentSource.USER)


def test_assignee_of_another_workspace_is_refused(contact, charlie):
    with pytest.raises(AssignmentError):
        contact_assign(contact=contact, assignee=charlie, source=AssignmentSource.API)
    assert AssignmentEvent.objects.count() == 0


def test_deleted_user_name_is_kept(contact, workspace):
    luis = member(workspace, Membership.Role.AGENT, name="Luis")
    event = contact_assign(contact=contact, assignee=luis, source=AssignmentSource.API)
    luis_id = luis.pk
    luis.delete()

    event = AssignmentEvent.objects.get(pk=event.pk)
    assert event.new_assignee_id == luis_id and event.new_assignee_name == "Luis"
    assert AssignmentEvent.user_label(luis_id, "") == f"#{luis_id}"


def test_events_are_immutable(contact, bob):
    event = contact_assign(contact=contact, assignee=bob, source=AssignmentSource.API)
    event.source = AssignmentSource.USER
    with pytest.raises(ImmutableEventError):
        event.save()
    with pytest.raises(ImmutableEventError):
        event.delete()


def test_past_timestamp_cannot_break_the_chain(contact, alice, bob):
    now = timezone.now()
    contact_assign(contact=contact, assignee=bob, source=AssignmentSource.API, at=now - timedelta(days=1))
    with pytest.raises(AssignmentError):
        contact_assign(contact=contact, assignee=alice, source=AssignmentSource.API, at=now - timedelta(days=2))


def test_workspace_deletion_deletes_its_events(contact, bob, workspace):
    contact_assign(contact=contact, assignee=bob, source=AssignmentSource.API)
    workspace.delete()
    assert AssignmentEvent.objects.count() == 0


def assert_chain_holds(contact_id: int) -> int:
    events = list(AssignmentEvent.objects.filter(contact_id=contact_id).order_by("created_at", "id"))
    previous = None
    for event in events:
        assert event.previous_assignee_id == previous, f"chain broken at event {event.pk}"
        assert event.previous_assignee_id != event.new_assignee_id
        previous = event.new_assignee_id
    assert Contact.objects.get(pk=contact_id).assignee_id == previous
    return len(events)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_chain_holds_under_concurrent_writers():
    # given one contact and eight agents
    workspace = WorkspaceFactory()
    agents = [member(workspace, Membership.Role.AGENT) for _ in range(8)]
    contact = ContactFactory(workspace=workspace)
    errors: list[BaseException] = []
    barrier = threading.Barrier(10)

    def writer(seed: int):
        rng = random.Random(seed)
        try:
            barrier.wait()
            for _ in range(25):
                target = rng.choice(agents + [None])
                contact_assign(contact=Contact.objects.get(pk=contact.pk), assignee=target,
                               source=rng.choice(AssignmentSource.values[:4]))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    # when ten threads assign the same contact at once
    threads = [threading.Thread(target=writer, args=(seed,)) for seed in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then every event's previous assignee is the prior event's new assignee
    assert not errors, errors
    assert connection.vendor == "postgresql"
    assert assert_chain_holds(contact.pk) > 50


def test_outgoing_message_to_unassigned_contact_assigns_sender(contact, bob):
    from contacts.services import message_send

    message = message_send(contact=contact, text="Hola", sender_kind="user", author=bob)

    event = AssignmentEvent.objects.get()
    assert event.source == "user" and event.new_assignee_id == bob.pk and event.assigned_by_id == bob.pk
    assert event.conversation_id == message.conversation_id


def test_outgoing_message_to_assigned_contact_keeps_assignee(contact, alice, bob):
    from contacts.services import message_send

    contact_assign(contact=contact, assignee=alice, source=AssignmentSource.API)
    message_send(contact=contact, text="Hola", sender_kind="user", author=bob)
    message_send(contact=contact, text="Sin usuario", sender_kind="api")

    contact.refresh_from_db()
    assert contact.assignee_id == alice.pk and AssignmentEvent.objects.count() == 1
