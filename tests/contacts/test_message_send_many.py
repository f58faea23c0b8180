"""message_send_many: message_send's facts for a batch of messages without a person."""

import pytest
from django.db.models import Sum

from contacts.models import Conversation, ConversationDailyCount, ConversationEvent, Message
from contacts.services import (
    ConversationError,
    conversation_open,
    message_create,
    message_send_many,
)
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def test_opens_conversations_through_the_channel_and_writes_each_message(workspace, alice):
    # given: one contact waiting in an open conversation, one with none
    waiting = ContactFactory(workspace=workspace, first_name="Ana")
    conversation, _ = conversation_open(contact=waiting, channel_id=7)
    message_create(conversation=conversation, direction="in", text="¿Hola?", sender_kind="contact")
    new = ContactFactory(workspace=workspace, first_name="Beto", assignee=alice)
    gone_id = ContactFactory(workspace=workspace).pk
    from contacts.models import Contact

    Contact.objects.filter(pk=gone_id).delete()
    # when
    written = message_send_many(contact_ids=[waiting.pk, new.pk, gone_id], text_for=lambda c: f"Hola {c.first_name}",
                                sender_kind="broadcast", channel_id=9)
    # then
    assert set(written) == {waiting.pk, new.pk}
    assert written[waiting.pk].conversation_id == conversation.pk and written[waiting.pk].text == "Hola Ana"
    conversation.refresh_from_db()
    assert conversation.awaiting_reply_since is not None  # a broadcast is no response to the contact
    opened = Conversation.objects.get(contact=new)
    assert (opened.status, opened.opened_source, opened.channel_id) == ("open", "api", 9)
    event = ConversationEvent.objects.get(conversation_id=opened.pk)
    assert (event.kind, event.source, event.assignee_id, event.channel_id) == ("opened", "api", alice.pk, 9)
    assert ConversationDailyCount.objects.filter(kind="opened", channel_id=9).aggregate(n=Sum("count"))["n"] == 1
    assert Message.objects.filter(sender_kind="broadcast", direction="out", author=None).count() == 2
    assert opened.last_message_at == written[new.pk].created_at


def test_refuses_a_person_as_sender(workspace):
    contact = ContactFactory(workspace=workspace)
    with pytest.raises(ConversationError):
        message_send_many(contact_ids=[contact.pk], text_for=lambda c: "x", sender_kind="user")
