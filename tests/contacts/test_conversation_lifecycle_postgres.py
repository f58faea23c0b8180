"""Concurrent lifecycle writes (PostgreSQL: real row locks): each fact is recorded once."""

import threading

import pytest
from django.db import connection

from contacts.models import Conversation, ConversationEvent, Message
from contacts.services import conversation_close, conversation_open, message_create
from integrations.services import channel_create, channel_inbound_receive
from tests.factories import ContactFactory, member


def run_at_once(target, count):
    barrier = threading.Barrier(count)
    errors = []

    def worker(index):
        try:
            barrier.wait(timeout=10)
            target(index)
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_replies_record_one_first_response(workspace):
    agents = [member(workspace, email=f"agent{i}@acme.example", name=f"Agent {i}") for i in range(6)]
    contact = ContactFactory(workspace=workspace)
    conversation, _ = conversation_open(contact=contact)
    message_create(conversation=conversation, direction="in", text="Hola", sender_kind="contact")

    run_at_once(lambda i: message_create(conversation=conversation, direction="out", text=f"respuesta {i}",
                                         sender_kind="user", author=agents[i]), 6)

    first = ConversationEvent.objects.get(kind="first_response")
    replies = Message.objects.filter(direction="out")
    assert replies.count() == 6
    # exactly one reply answered the wait, and it is the first response
    answered = replies.get(response_seconds__isnull=False)
    conversation.refresh_from_db()
    assert first.user_id == answered.author_id == conversation.first_response_by_id
    assert conversation.first_response_at == answered.created_at == first.created_at
    assert conversation.awaiting_reply_since is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_closes_record_one_close(workspace, bob):
    contact = ContactFactory(workspace=workspace)
    conversation, _ = conversation_open(contact=contact)
    sources = ["user", "workflow", "api", "bot", "api", "workflow"]

    run_at_once(lambda i: conversation_close(conversation=conversation, source=sources[i], closed_by=bob,
                                             note=f"nota {i}"), 6)

    event = ConversationEvent.objects.get(kind="closed")
    conversation.refresh_from_db()
    assert (conversation.closed_source, conversation.closing_note) == (event.source, event.note)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_first_messages_open_once(workspace):
    channel, _ = channel_create(workspace=workspace, name="Chat")

    run_at_once(lambda i: channel_inbound_receive(channel=channel, phone="+5215512340000", text=f"hola {i}"), 6)

    conversation = Conversation.objects.get()
    event = ConversationEvent.objects.get()
    assert (event.kind, event.source, event.channel_id, event.conversation_id) == (
        "opened", "contact", channel.pk, conversation.pk)
    assert conversation.awaiting_reply_since == Message.objects.order_by("created_at").first().created_at
