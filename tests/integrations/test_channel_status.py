"""POST /api/v1/channels/<id>/status: the channel reports sent / delivered / read / failed with its
secret; bad input is a 400 in the error shape, another channel's or workspace's message a 404."""

import pytest

from contacts.models import Message, MessageStatusEvent
from contacts.services import message_delivery_queue, message_status_record
from integrations.services import channel_inbound_receive
from messaging.services import conversation_reply
from tests.integrations.conftest import assert_error


def url(channel):
    return f"/api/v1/channels/{channel.pk}/status"


def post(client, channel, secret, body, **kwargs):
    return client.post(url(channel), body, format="json", HTTP_X_CHANNEL_SECRET=secret, **kwargs)


def queued_reply(channel, author, phone="+5215512345678"):
    conversation = channel_inbound_receive(channel=channel, phone=phone, text="Hola").conversation
    message = conversation_reply(conversation=conversation, author=author, text="Con gusto")
    message_delivery_queue(message=message, channel_id=channel.pk)
    message_status_record(message=message, status="sent", external_id=f"ext-{message.pk}")
    return message


@pytest.fixture
def sent(channel, alice):
    return queued_reply(channel[0], alice)


def test_the_channel_reports_delivered_then_read_by_its_own_id(anon_client, channel, sent):
    ch, secret = channel
    response = post(anon_client, ch, secret, {"external_id": f"ext-{sent.pk}", "status": "delivered",
                                              "timestamp": "2030-01-01T00:00:00Z"})
    assert response.status_code == 200, response.content
    assert response.json() == {"message_id": sent.pk, "external_id": f"ext-{sent.pk}", "status": "delivered",
                               "changed": True}
    response = post(anon_client, ch, secret, {"message_id": sent.pk, "status": "read"})
    assert response.json()["status"] == "read"
    # a late delivered and a failure after delivery change nothing, and say so
    for late in ({"message_id": sent.pk, "status": "delivered"}, {"message_id": sent.pk, "status": "failed"}):
        response = post(anon_client, ch, secret, late)
        assert (response.status_code, response.json()["status"], response.json()["changed"]) == (200, "read", False)
    assert list(MessageStatusEvent.objects.filter(message=sent).order_by("pk").values_list("status", flat=True)) == [
        "queued", "sent", "delivered", "read"]


def test_failed_with_its_reason(anon_client, channel, sent):
    ch, secret = channel
    response = post(anon_client, ch, secret, {"message_id": sent.pk, "status": "failed",
                                              "reason": "number not on WhatsApp"})
    assert response.json()["changed"] is True
    stored = Message.objects.get(pk=sent.pk)
    assert (stored.delivery_status, stored.delivery_error) == ("failed", "number not on WhatsApp")


def test_wrong_secret_is_401_and_changes_nothing(anon_client, channel, globex_channel, sent):
    ch, _ = channel
    for secret in ("", "chs_wrong", globex_channel[1]):
        assert_error(post(anon_client, ch, secret, {"message_id": sent.pk, "status": "read"}), 401)
    assert Message.objects.get(pk=sent.pk).delivery_status == "sent"


def test_another_workspaces_or_channels_message_is_404(anon_client, channel, globex_channel, sent, workspace, alice,
                                                       charlie):
    globex, globex_secret = globex_channel
    # Globex's channel naming Acme's message, by id or by its external id
    assert_error(post(anon_client, globex, globex_secret, {"message_id": sent.pk, "status": "read"}), 404)
    assert_error(post(anon_client, globex, globex_secret, {"external_id": f"ext-{sent.pk}", "status": "read"}), 404)
    # another channel of the same workspace
    from integrations.services import channel_create

    other, other_secret = channel_create(workspace=workspace, name="Tienda")
    assert_error(post(anon_client, other, other_secret, {"message_id": sent.pk, "status": "read"}), 404)
    # an incoming message of the channel is not a delivery
    incoming = Message.objects.filter(conversation=sent.conversation, direction="in").first()
    assert_error(post(anon_client, channel[0], channel[1], {"message_id": incoming.pk, "status": "read"}), 404)
    assert_error(post(anon_client, channel[0], channel[1], {"message_id": 999999999, "status": "read"}), 404)
    assert Message.objects.get(pk=sent.pk).delivery_status == "sent"


@pytest.mark.parametrize(("body", "field"), [
    ({"status": "read"}, "message_id"),
    ({"message_id": "abc", "status": "read"}, "message_id"),
    ({"message_id": 10**30, "status": "read"}, "message_id"),
    ({"external_id": "", "status": "read"}, "external_id"),
    ({"external_id": "a\x00b", "status": "read"}, "external_id"),
    ({"message_id": 1, "status": "queued"}, "status"),
    ({"message_id": 1, "status": "bounced"}, "status"),
    ({"message_id": 1}, "status"),
    ({"message_id": 1, "status": "read", "timestamp": "ayer"}, "timestamp"),
    ({"message_id": 1, "status": "read", "timestamp": "9999-12-31T23:59:59-12:00"}, "timestamp"),
    ({"message_id": 1, "status": "failed", "reason": "x" * 501}, "reason"),
])
def test_bad_input_is_a_400_naming_the_field(anon_client, channel, body, field):
    ch, secret = channel
    assert_error(post(anon_client, ch, secret, body), 400, field)


def test_non_object_and_malformed_bodies_are_400(anon_client, channel):
    ch, secret = channel
    assert_error(post(anon_client, ch, secret, [1, 2]), 400)
    response = anon_client.generic("POST", url(ch), "{nope", content_type="application/json",
                                   HTTP_X_CHANNEL_SECRET=secret)
    assert_error(response, 400)


def test_an_external_id_of_another_message_is_a_400(anon_client, channel, sent, alice):
    ch, secret = channel
    other = queued_reply(ch, alice, phone="+5215500001111")
    Message.objects.filter(pk=other.pk).update(external_id="")
    assert_error(post(anon_client, ch, secret, {"message_id": other.pk, "external_id": f"ext-{sent.pk}",
                                                "status": "delivered"}), 400, "external_id")


def test_unknown_channel_is_404(anon_client, channel):
    _, secret = channel
    for path in ("/api/v1/channels/0/status", "/api/v1/channels/abc/status", "/api/v1/channels/99999999/status"):
        response = anon_client.post(path, {"message_id": 1, "status": "read"}, format="json",
                                    HTTP_X_CHANNEL_SECRET=secret)
        assert_error(response, 404)
