"""Conversation lifecycle recorded at the source (issue 12): the services of contacts.services.

Every fact — opened, closed, first response, each reply's response time — is written by one
service in the same transaction as the change; these tests pin what each writes.
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, transaction

from assignments.models import AssignmentSource
from assignments.services import contact_assign
from contacts.models import (
    Contact,
    Conversation,
    ConversationEvent,
    ConversationSource,
    ImmutableConversationEventError,
    Message,
)
from contacts.services import (
    ConversationError,
    conversation_close,
    conversation_open,
    message_create,
    message_send,
)
from tests.factories import ConversationFactory, MessageFactory

T0 = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
OPENED, CLOSED, FIRST = (ConversationEvent.Kind.OPENED, ConversationEvent.Kind.CLOSED,
                         ConversationEvent.Kind.FIRST_RESPONSE)


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def inbound(conversation, at, text="Hola"):
    return message_create(conversation=conversation, direction="in", text=text, sender_kind="contact", at=at)


def reply(conversation, user, at, text="Con gusto"):
    return message_create(conversation=conversation, direction="out", text=text, sender_kind="user", author=user,
                          at=at)


def contact_writes_in(contact, at=T0, channel_id=None):
    conversation, opened = conversation_open(contact=contact, at=at, channel_id=channel_id)
    assert opened
    inbound(conversation, at)
    return conversation


# --- opened ---------------------------------------------------------------------------------


def test_open_by_the_contact_writes_one_opened_event_with_the_assignee_and_channel(ana, bob):
    contact_assign(contact=ana, assignee=bob, source=AssignmentSource.API, at=T0 - minutes(60))

    conversation, opened = conversation_open(contact=ana, at=T0, channel_id=77)

    assert opened
    assert (conversation.opened_source, conversation.opened_by_id, conversation.channel_id) == ("contact", None, 77)
    event = ConversationEvent.objects.get()
    assert (event.kind, event.source, event.created_at) == (OPENED, "contact", T0)
    assert (event.conversation_id, event.contact_id, event.contact_name) == (conversation.pk, ana.pk, "Ana López")
    assert (event.assignee_id, event.assignee_name) == (bob.pk, "Bob")
    assert (event.user_id, event.user_name, event.channel_id) == (None, "", 77)
    assert event.seconds_since_open is None and event.note == ""
    assert event.workspace_id == ana.workspace_id


def test_an_open_conversation_is_returned_and_nothing_is_written(ana, bob):
    first, _ = conversation_open(contact=ana, at=T0, channel_id=1)

    again, opened = conversation_open(contact=ana, at=T0 + minutes(5), source="user", user=bob, channel_id=2)

    assert not opened and again.pk == first.pk
    assert (again.opened_source, again.channel_id) == ("contact", 1)
    assert ConversationEvent.objects.count() == 1


def test_open_by_a_user_records_the_user(ana, bob):
    conversation, _ = conversation_open(contact=ana, at=T0, source=ConversationSource.USER, user=bob)

    assert (conversation.opened_source, conversation.opened_by_id) == ("user", bob.pk)
    event = ConversationEvent.objects.get()
    assert (event.source, event.user_id, event.user_name, event.assignee_id) == ("user", bob.pk, "Bob", None)


def test_source_user_needs_the_user_and_other_sources_record_none(ana, bob):
    with pytest.raises(ConversationError):
        conversation_open(contact=ana, source="user")
    with pytest.raises(ConversationError):
        conversation_open(contact=ana, source="zapier")
    assert not Conversation.objects.exists()

    conversation, _ = conversation_open(contact=ana, source="workflow", user=bob)

    assert conversation.opened_by_id is None and ConversationEvent.objects.get().user_id is None


# --- closed ---------------------------------------------------------------------------------


def test_close_by_a_user_writes_closed_with_seconds_since_open_note_and_assignee(ana, bob, alice):
    conversation = contact_writes_in(ana)
    contact_assign(contact=ana, assignee=bob, source=AssignmentSource.WORKFLOW, at=T0 + minutes(1))

    closed = conversation_close(conversation=conversation, note="Resuelto", closed_by=alice, source="user",
                                at=T0 + timedelta(hours=2, seconds=5.7))

    assert (closed.status, closed.closed_source, closed.closed_by_id) == ("closed", "user", alice.pk)
    event = ConversationEvent.objects.get(kind=CLOSED)
    assert (event.source, event.user_id, event.user_name) == ("user", alice.pk, "Alice")
    assert (event.assignee_id, event.assignee_name, event.note) == (bob.pk, "Bob", "Resuelto")
    # whole seconds (floored) from opened_at
    assert event.seconds_since_open == 2 * 3600 + 5
    assert event.created_at == T0 + timedelta(hours=2, seconds=5.7)


@pytest.mark.parametrize("source", ["workflow", "api", "bot"])
def test_close_by_an_automatic_source_records_no_user(ana, bob, source):
    conversation = contact_writes_in(ana)

    conversation_close(conversation=conversation, source=source, closed_by=bob, at=T0 + minutes(3))

    conversation.refresh_from_db()
    assert (conversation.closed_source, conversation.closed_by_id) == (source, None)
    event = ConversationEvent.objects.get(kind=CLOSED)
    assert (event.source, event.user_id, event.seconds_since_open) == (source, None, 180)


def test_closing_a_closed_conversation_writes_nothing(ana, bob):
    conversation = contact_writes_in(ana)
    conversation_close(conversation=conversation, source="api", at=T0 + minutes(1))

    again = conversation_close(conversation=conversation, note="otra vez", closed_by=bob, source="user")

    assert (again.closed_source, again.closing_note) == ("api", "")
    assert ConversationEvent.objects.filter(kind=CLOSED).count() == 1


def test_close_needs_a_source(ana):
    conversation = contact_writes_in(ana)
    with pytest.raises(TypeError):
        conversation_close(conversation=conversation)  # type: ignore[call-arg]
    with pytest.raises(ConversationError):
        conversation_close(conversation=conversation, source="user")  # the user is missing
    with pytest.raises(ConversationError):
        conversation_close(conversation=conversation, source="contact_import")
    with pytest.raises(ConversationError):
        conversation_close(conversation=conversation, source="api", at=T0 - minutes(1))
    assert not ConversationEvent.objects.filter(kind=CLOSED).exists()


# --- first response and response times ------------------------------------------------------


def test_a_persons_reply_is_the_first_response_once(ana, bob, alice):
    conversation = contact_writes_in(ana, channel_id=5)
    contact_assign(contact=ana, assignee=bob, source=AssignmentSource.WORKFLOW, at=T0)

    first = reply(conversation, bob, T0 + minutes(7))
    second = reply(conversation, alice, T0 + minutes(9))

    conversation.refresh_from_db()
    assert (conversation.first_response_at, conversation.first_response_by_id) == (T0 + minutes(7), bob.pk)
    event = ConversationEvent.objects.get(kind=FIRST)
    assert (event.source, event.user_id, event.user_name, event.assignee_id) == ("user", bob.pk, "Bob", bob.pk)
    assert (event.seconds_since_open, event.channel_id, event.created_at) == (420, 5, T0 + minutes(7))
    assert (first.sender_kind, first.response_seconds) == ("user", 420)
    assert second.response_seconds is None  # nothing was waiting any more
    assert ConversationEvent.objects.filter(conversation=conversation).count() == 2  # opened + first response


def test_response_seconds_pair_each_reply_with_the_first_unanswered_contact_message(ana, bob):
    conversation = contact_writes_in(ana)  # T0: waiting since T0
    inbound(conversation, T0 + minutes(1))  # still waiting since T0
    r1 = reply(conversation, bob, T0 + minutes(10))  # answers T0: 600 s
    r2 = reply(conversation, bob, T0 + minutes(11))  # nothing waiting
    inbound(conversation, T0 + minutes(30))  # waiting since +30
    inbound(conversation, T0 + minutes(31))
    r3 = reply(conversation, bob, T0 + minutes(30) + timedelta(seconds=90.9))  # 90 s

    assert [r1.response_seconds, r2.response_seconds, r3.response_seconds] == [600, None, 90]
    conversation.refresh_from_db()
    assert conversation.awaiting_reply_since is None
    inbound(conversation, T0 + minutes(40))
    conversation.refresh_from_db()
    assert conversation.awaiting_reply_since == T0 + minutes(40)
    incoming = Message.objects.filter(direction="in")
    assert set(incoming.values_list("sender_kind", flat=True)) == {"contact"}
    assert not incoming.filter(response_seconds__isnull=False).exists()
    assert ConversationEvent.objects.filter(kind=FIRST).count() == 1


@pytest.mark.parametrize("kind", ["workflow", "bot", "api", "broadcast"])
def test_automatic_messages_never_count_as_a_response(ana, bob, kind):
    conversation = contact_writes_in(ana)

    automatic = message_create(conversation=conversation, direction="out", text="Gracias por escribir",
                               sender_kind=kind, at=T0 + minutes(1))

    conversation.refresh_from_db()
    assert automatic.response_seconds is None
    assert conversation.awaiting_reply_since == T0 and conversation.first_response_at is None
    assert not ConversationEvent.objects.filter(kind=FIRST).exists()
    # the person who answers later answers the wait from the contact's message
    answer = reply(conversation, bob, T0 + minutes(20))
    assert answer.response_seconds == 1200
    assert ConversationEvent.objects.get(kind=FIRST).seconds_since_open == 1200


def test_a_conversation_the_crm_opened_has_no_first_response_but_replies_have_response_times(ana, bob):
    message_send(contact=ana, text="¡Hola! Tu pedido salió hoy", sender_kind="user", author=bob, at=T0)
    conversation = Conversation.objects.get()
    inbound(conversation, T0 + minutes(5))

    answer = reply(conversation, bob, T0 + minutes(8))

    assert answer.response_seconds == 180
    conversation.refresh_from_db()
    assert conversation.first_response_at is None
    assert list(ConversationEvent.objects.values_list("kind", "source", "user_id")) == [(OPENED, "user", bob.pk)]


def test_conversations_opened_before_lifecycle_recording_get_no_first_response(ana, bob):
    # given a conversation stored before this shipped: no opened event, default opened source
    conversation = ConversationFactory(contact=ana, opened_at=T0)
    inbound(conversation, T0 + minutes(1))

    answer = reply(conversation, bob, T0 + minutes(3))

    assert answer.response_seconds == 120
    conversation.refresh_from_db()
    assert conversation.first_response_at is None and not ConversationEvent.objects.exists()


def test_the_passed_conversation_gets_the_new_lifecycle_fields(ana, bob):
    conversation = contact_writes_in(ana)
    assert conversation.awaiting_reply_since == T0

    reply(conversation, bob, T0 + minutes(2))

    assert conversation.awaiting_reply_since is None
    assert (conversation.first_response_at, conversation.first_response_by_id) == (T0 + minutes(2), bob.pk)
    assert conversation.last_message_at == T0 + minutes(2)


def test_message_senders_are_checked(ana, bob):
    conversation = contact_writes_in(ana)
    bad = [
        {"direction": "in", "sender_kind": "user", "author": bob},
        {"direction": "out", "sender_kind": "contact"},
        {"direction": "out", "sender_kind": "user"},  # a person's message without its author
        {"direction": "out", "sender_kind": "workflow", "author": bob},
        {"direction": "out", "sender_kind": "zapier"},
        {"direction": "sideways", "sender_kind": "api"},
    ]
    for kwargs in bad:
        with pytest.raises(ConversationError):
            message_create(conversation=conversation, text="x", at=T0 + minutes(1), **kwargs)
    with pytest.raises(ConversationError):  # before the conversation opened
        inbound(conversation, T0 - minutes(1))
    with pytest.raises(ConversationError):
        message_send(contact=ana, text="x", sender_kind="contact")
    assert Message.objects.count() == 1


def test_the_database_refuses_a_sender_that_contradicts_the_direction(ana):
    conversation = ConversationFactory(contact=ana)
    with pytest.raises(IntegrityError), transaction.atomic():
        MessageFactory(conversation=conversation, direction="in", sender_kind="user")
    with pytest.raises(IntegrityError), transaction.atomic():
        MessageFactory(conversation=conversation, direction="out", sender_kind="contact")
    with pytest.raises(IntegrityError), transaction.atomic():
        MessageFactory(conversation=conversation, direction="in", response_seconds=3)


# --- message_send: the opening source follows the sender ---------------------------------------


@pytest.mark.parametrize(("kind", "source"), [
    ("user", "user"), ("workflow", "workflow"), ("api", "api"), ("bot", "bot"), ("broadcast", "api"),
])
def test_message_send_opens_with_the_senders_source(ana, bob, kind, source):
    author = bob if kind == "user" else None

    message = message_send(contact=ana, text="Hola", sender_kind=kind, author=author, at=T0)

    conversation = message.conversation
    assert (conversation.opened_source, conversation.opened_by_id) == (source, author.pk if author else None)
    assert (message.direction, message.sender_kind, message.response_seconds) == ("out", kind, None)
    event = ConversationEvent.objects.get()
    assert (event.kind, event.source, event.user_id) == (OPENED, source, author.pk if author else None)


def test_a_users_first_message_to_an_unassigned_contact_opens_then_assigns(ana, bob):
    message_send(contact=ana, text="Hola", sender_kind="user", author=bob, at=T0)

    ana.refresh_from_db()
    assert ana.assignee_id == bob.pk
    # the opening was recorded before the assignment: nobody was assigned at that moment
    assert ConversationEvent.objects.get().assignee_id is None


# --- one transaction, immutable -------------------------------------------------------------


class Boom(Exception):
    pass


def test_a_rollback_after_the_services_leaves_no_event(ana, bob):
    with pytest.raises(Boom), transaction.atomic():
        conversation = contact_writes_in(ana)
        reply(conversation, bob, T0 + minutes(1))
        conversation_close(conversation=conversation, source="api", at=T0 + minutes(2))
        assert ConversationEvent.objects.count() == 3
        raise Boom

    assert not ConversationEvent.objects.exists()
    assert not Conversation.objects.exists() and not Message.objects.exists()


def test_a_failed_close_leaves_the_conversation_open(ana, monkeypatch):
    conversation = contact_writes_in(ana)
    from contacts import services

    def broken(**kwargs):
        raise Boom

    monkeypatch.setattr(services, "_event_write", broken)
    with pytest.raises(Boom):
        conversation_close(conversation=conversation, source="api", at=T0 + minutes(1))

    conversation.refresh_from_db()
    assert (conversation.status, conversation.closed_source) == ("open", "")


def test_events_are_immutable(ana):
    contact_writes_in(ana)
    event = ConversationEvent.objects.get()

    event.note = "editado"
    with pytest.raises(ImmutableConversationEventError):
        event.save()
    with pytest.raises(ImmutableConversationEventError):
        event.delete()
    assert ConversationEvent.objects.get().note == ""


def test_the_database_allows_one_event_of_each_kind_per_conversation(ana):
    contact_writes_in(ana)
    event = ConversationEvent.objects.get()
    event.pk = None
    event._state.adding = True
    with pytest.raises(IntegrityError), transaction.atomic():
        event.save()


def test_events_outlive_the_contact_and_go_with_the_workspace(ana, bob, workspace):
    conversation = contact_writes_in(ana)
    reply(conversation, bob, T0 + minutes(1))

    Contact.objects.filter(pk=ana.pk).delete()

    assert list(ConversationEvent.objects.values_list("contact_name", flat=True)) == ["Ana López"] * 2
    workspace.delete()
    assert not ConversationEvent.objects.exists()
