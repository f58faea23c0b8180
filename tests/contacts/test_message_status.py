"""Delivery status of outgoing messages: contacts.services.message_status_record and its event,
its monotonic rules, its signal after the commit (docs/architecture.md "Delivery status")."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from contacts.models import (
    DeliveryStatus,
    ImmutableMessageStatusEventError,
    Message,
    MessageStatusEvent,
)
from contacts.services import (
    ConversationError,
    message_create,
    message_delivery_queue,
    message_status_record,
)
from contacts.signals import message_status_changed
from tests.factories import ConversationFactory, MessageFactory

T0 = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


@pytest.fixture
def outgoing(ana):
    conversation = ConversationFactory(workspace=ana.workspace, contact=ana, opened_at=T0)
    return MessageFactory(conversation=conversation, direction="out", created_at=T0)


@pytest.fixture
def received(db):
    calls = []

    def receiver(sender, *, message, status, reason, **kwargs):
        calls.append((sender, message.pk, status, reason, message.delivery_status))

    message_status_changed.connect(receiver, dispatch_uid="test-received")
    yield calls
    message_status_changed.disconnect(dispatch_uid="test-received")


def statuses(message):
    return list(MessageStatusEvent.objects.filter(message=message).order_by("created_at", "pk")
                .values_list("status", flat=True))


def test_a_status_is_recorded_with_its_event_and_the_signal_after_commit(outgoing, received,
                                                                         django_capture_on_commit_callbacks):
    # given a queued message; when the channel says sent, with its id, at its time
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        event = message_status_record(message=outgoing, status="sent", at=T0 + timedelta(seconds=3),
                                      external_id="wamid.42")
        # then nothing is announced before the commit
        assert received == []
    assert len(callbacks) == 1
    stored = Message.objects.get(pk=outgoing.pk)
    assert (stored.delivery_status, stored.external_id, stored.delivery_updated_at) == (
        "sent", "wamid.42", T0 + timedelta(seconds=3))
    assert outgoing.delivery_status == "sent"  # the caller's instance follows
    assert (event.status, event.created_at, event.workspace_id) == ("sent", T0 + timedelta(seconds=3),
                                                                    outgoing.workspace_id)
    assert received == [(Message, outgoing.pk, "sent", "", "sent")]


def test_statuses_only_climb_and_repeats_write_nothing(outgoing, received, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert message_status_record(message=outgoing, status="queued") is not None
        assert message_status_record(message=outgoing, status="read") is not None
        # a late "delivered" never downgrades "read"; a repeat is ignored
        assert message_status_record(message=outgoing, status="delivered") is None
        assert message_status_record(message=outgoing, status="read") is None
        assert message_status_record(message=outgoing, status="sent") is None
        # "failed" after the channel delivered it is ignored
        assert message_status_record(message=outgoing, status="failed", reason="late") is None
    stored = Message.objects.get(pk=outgoing.pk)
    assert (stored.delivery_status, stored.delivery_error) == ("read", "")
    assert statuses(outgoing) == ["queued", "read"]
    assert [c[2] for c in received] == ["queued", "read"]


def test_failed_keeps_its_reason_and_a_later_delivered_wins(outgoing):
    message_status_record(message=outgoing, status="sent")
    message_status_record(message=outgoing, status="failed", reason="  HTTP 500 after 5 attempts \x00")
    stored = Message.objects.get(pk=outgoing.pk)
    assert (stored.delivery_status, stored.delivery_error) == ("failed", "HTTP 500 after 5 attempts")
    # a second failure keeps the first reason; a "sent" after "failed" is stale
    assert message_status_record(message=outgoing, status="failed", reason="other") is None
    assert message_status_record(message=outgoing, status="sent") is None
    assert Message.objects.get(pk=outgoing.pk).delivery_error == "HTTP 500 after 5 attempts"
    # the contact got it after all: delivered wins and the error is cleared (the event keeps it)
    message_status_record(message=outgoing, status="delivered")
    stored = Message.objects.get(pk=outgoing.pk)
    assert (stored.delivery_status, stored.delivery_error) == ("delivered", "")
    assert statuses(outgoing) == ["sent", "failed", "delivered"]
    assert MessageStatusEvent.objects.get(message=outgoing, status="failed").reason == "HTTP 500 after 5 attempts"


def test_the_channel_timestamp_is_kept_within_creation_and_now(outgoing):
    message_status_record(message=outgoing, status="sent", at=T0 - timedelta(hours=1))
    assert MessageStatusEvent.objects.get(message=outgoing).created_at == T0
    before = timezone.now()
    message_status_record(message=outgoing, status="read", at=timezone.now() + timedelta(days=3))
    read_at = MessageStatusEvent.objects.get(message=outgoing, status="read").created_at
    assert before <= read_at <= timezone.now()


def test_incoming_messages_have_no_status_and_unknown_statuses_are_refused(ana, outgoing):
    incoming = MessageFactory(conversation=outgoing.conversation, direction="in", created_at=T0)
    with pytest.raises(ConversationError) as error:
        message_status_record(message=incoming, status="delivered")
    assert error.value.field == "message"
    with pytest.raises(ConversationError) as error:
        message_status_record(message=outgoing, status="bounced")
    assert error.value.field == "status"
    assert not MessageStatusEvent.objects.exists()
    # the database refuses it too
    with pytest.raises(IntegrityError), transaction.atomic():
        Message.objects.filter(pk=incoming.pk).update(delivery_status="sent")


def test_external_id_first_one_kept_and_unique_per_channel(outgoing):
    other = MessageFactory(conversation=outgoing.conversation, direction="out", created_at=T0)
    message_delivery_queue(message=outgoing, channel_id=7)
    message_delivery_queue(message=other, channel_id=7)
    message_status_record(message=outgoing, status="sent", external_id="ext-1")
    # an ignored status still records a first external id; a different later one is ignored
    message_status_record(message=outgoing, status="sent", external_id="ext-2")
    assert Message.objects.get(pk=outgoing.pk).external_id == "ext-1"
    with pytest.raises(ConversationError) as error:
        message_status_record(message=other, status="sent", external_id="ext-1")
    assert error.value.field == "external_id"
    assert Message.objects.get(pk=other.pk).delivery_status == "queued"


def test_delivery_queue_sets_the_channel_once(outgoing):
    assert message_delivery_queue(message=outgoing, channel_id=7).status == "queued"
    assert message_delivery_queue(message=outgoing, channel_id=7) is None
    with pytest.raises(ConversationError) as error:
        message_delivery_queue(message=outgoing, channel_id=8)
    assert error.value.field == "channel"
    stored = Message.objects.get(pk=outgoing.pk)
    assert (stored.delivery_channel_id, stored.delivery_status) == (7, "queued")


def test_status_and_event_roll_back_together(outgoing, received, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            message_status_record(message=outgoing, status="sent")
            raise RuntimeError("the caller's transaction fails")
    assert Message.objects.get(pk=outgoing.pk).delivery_status == ""
    assert not MessageStatusEvent.objects.exists()
    assert received == []


def test_events_are_immutable(outgoing):
    event = message_status_record(message=outgoing, status="sent")
    event.reason = "edited"
    with pytest.raises(ImmutableMessageStatusEventError):
        event.save()
    with pytest.raises(ImmutableMessageStatusEventError):
        event.delete()
    assert MessageStatusEvent.objects.get(pk=event.pk).reason == ""


def test_new_messages_have_no_delivery_status(outgoing):
    message = message_create(conversation=outgoing.conversation, direction="out", text="Hola", sender_kind="api")
    assert (message.delivery_status, message.delivery_channel_id) == ("", None)
    assert DeliveryStatus.FAILED == "failed"
