"""Delivery tracking: the channel's statuses (contacts.services.message_status_record and its
signal) move the recipients on; a contact's message through the channel after the send is the
reply, recorded in the message's own transaction; STOP opts out."""

from datetime import timedelta

import pytest
from django.utils import timezone

from broadcasts.models import BroadcastOptOut, BroadcastRecipient
from broadcasts.services import broadcast_create, segment_create
from contacts.models import Message
from contacts.services import message_status_record
from integrations.services import channel_create, channel_inbound_receive

pytestmark = pytest.mark.django_db(transaction=True)  # the status signal is sent after the commit


@pytest.fixture
def sent(workspace, alice, channel, audience):
    segment = segment_create(workspace=workspace, name="VIP", filters={"tags": ["vip"]})
    broadcast = broadcast_create(workspace=workspace, name="Promo", channel_id=channel.pk, segment_id=segment.pk,
                                 text="Hola {{contact.first_name}}", created_by=alice)
    return broadcast


def _recipient(broadcast, contact):
    return BroadcastRecipient.objects.get(broadcast=broadcast, contact=contact)


def _message(broadcast, contact):
    return Message.objects.get(pk=_recipient(broadcast, contact).message_id)


def test_delivered_and_read_move_the_recipient_forward_only(sent, audience):
    ana = audience[0]
    message = _message(sent, ana)
    message_status_record(message=message, status="delivered")
    row = _recipient(sent, ana)
    assert row.status == "delivered" and row.delivered_at is not None and row.sent_at is not None
    message_status_record(message=message, status="read")
    message_status_record(message=message, status="delivered")  # late: ignored
    row = _recipient(sent, ana)
    assert row.status == "read" and row.read_at >= row.delivered_at


def test_a_failure_reported_by_the_channel_lists_with_its_reason(sent, audience):
    beto = audience[1]
    message_status_record(message=_message(sent, beto), status="failed", reason="número inválido")
    row = _recipient(sent, beto)
    assert (row.status, row.reason, row.detail) == ("failed", "delivery_failed", "número inválido")
    assert row.failed_at is not None


def test_the_contacts_answer_through_the_channel_is_the_reply(sent, audience, channel):
    ana = audience[0]
    # when Ana writes through the channel
    result = channel_inbound_receive(channel=channel, text="¿Cuánto cuesta?", email=ana.email)
    assert result.contact.pk == ana.pk
    row = _recipient(sent, ana)
    assert row.status == "replied" and row.replied_at == result.message.created_at
    # a second message is not a second reply; another contact's rows are untouched
    channel_inbound_receive(channel=channel, text="¿Hola?", email=ana.email)
    assert _recipient(sent, ana).replied_at == row.replied_at
    assert _recipient(sent, audience[1]).status == "sent"


def test_a_message_through_another_channel_or_too_late_is_no_reply(sent, audience, workspace):
    other, _ = channel_create(workspace=workspace, name="Otro")
    from contacts.models import Conversation

    Conversation.objects.filter(contact=audience[0]).update(status="closed", closed_at=timezone.now())
    channel_inbound_receive(channel=other, text="Hola", email=audience[0].email)
    assert _recipient(sent, audience[0]).status == "sent"
    BroadcastRecipient.objects.filter(contact=audience[1]).update(sent_at=timezone.now() - timedelta(days=5))
    from contacts.services import message_create

    conversation = Conversation.objects.get(contact=audience[1], status="open")
    message_create(conversation=conversation, direction="in", text="tarde", sender_kind="contact")
    assert _recipient(sent, audience[1]).status == "sent"


def test_stop_opts_the_contact_out(sent, audience, channel):
    channel_inbound_receive(channel=channel, text="BAJA", email=audience[2].email)
    assert BroadcastOptOut.objects.filter(contact=audience[2], source="keyword").exists()
