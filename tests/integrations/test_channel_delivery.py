"""Outbound delivery through the custom channel, against a real HTTP server on 127.0.0.1 (a thread
running http.server), not a mock: the queue in the message's transaction, the signed POST, sent
with the channel's id, 4xx → failed, retries with backoff on 5xx / timeouts, the keep-alive
connection of a batch, the address check (integrations/delivery.py)."""

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from contacts.models import Message, MessageStatusEvent
from contacts.services import message_create
from integrations.delivery import channel_connections_close, channel_message_post
from integrations.services import channel_inbound_receive, channel_outbound_set
from integrations.tasks import channel_message_deliver_task
from messaging.services import conversation_reply


class ChannelEndpoint:
    """The channel's side: records each request (headers, body, client port) and answers from a
    script of (status, body, delay) — the last entry repeats."""

    def __init__(self):
        self.requests: list[dict] = []
        self.script = [(200, None, 0)]
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive

            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                endpoint.requests.append({"headers": dict(self.headers), "body": body, "port": self.client_address[1],
                                          "path": self.path})
                status, answer, delay = endpoint.script[min(len(endpoint.requests), len(endpoint.script)) - 1]
                if delay:
                    time.sleep(delay)
                if answer is None:
                    answer = {"external_id": f"ext-{len(endpoint.requests)}"}
                data = json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the client timed out and left

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/crm/outbound?v=1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def endpoint(settings):
    settings.CHANNEL_OUTBOUND_ALLOW_PRIVATE = True  # the endpoint is on 127.0.0.1
    settings.CHANNEL_OUTBOUND_ATTEMPTS = 3
    server = ChannelEndpoint()
    yield server
    channel_connections_close()
    server.close()


@pytest.fixture
def outbound_channel(channel, endpoint):
    ch, secret = channel
    channel_outbound_set(channel=ch, outbound_url=endpoint.url)
    return ch, secret


@pytest.fixture
def conversation(outbound_channel):
    ch, _ = outbound_channel
    return channel_inbound_receive(channel=ch, phone="+5215512345678", first_name="Rosa", text="Hola").conversation


def reply(conversation, alice, django_capture_on_commit_callbacks, text="Con gusto"):
    with django_capture_on_commit_callbacks(execute=True):
        return conversation_reply(conversation=conversation, author=alice, text=text)


def statuses(message):
    return list(MessageStatusEvent.objects.filter(message=message).order_by("pk").values_list("status", flat=True))


def test_a_reply_is_posted_signed_and_recorded_sent_with_the_channels_id(
        conversation, outbound_channel, endpoint, alice, django_capture_on_commit_callbacks):
    ch, secret = outbound_channel
    message = reply(conversation, alice, django_capture_on_commit_callbacks, text="¿Le ayudo?")

    [request] = endpoint.requests
    assert request["path"] == "/crm/outbound?v=1"
    body = json.loads(request["body"])
    assert body["message_id"] == message.pk and body["text"] == "¿Le ayudo?"
    assert (body["conversation_id"], body["channel_id"], body["sender_kind"]) == (conversation.pk, ch.pk, "user")
    assert body["contact"]["phone"] == "+5215512345678" and body["author"]["id"] == alice.pk
    assert request["headers"]["X-Message-Id"] == str(message.pk)
    # the signature: HMAC-SHA256 over "<t>." + body with the hex SHA-256 of the secret as key
    stamp, signature = (part.split("=", 1)[1] for part in request["headers"]["X-Channel-Signature"].split(","))
    key = hashlib.sha256(secret.encode()).hexdigest().encode()
    expected = hmac.new(key, f"{stamp}.".encode() + request["body"], hashlib.sha256).hexdigest()
    assert hmac.compare_digest(signature, expected)
    assert abs(int(stamp) - time.time()) < 60
    stored = Message.objects.get(pk=message.pk)
    assert (stored.delivery_status, stored.external_id, stored.delivery_channel_id) == ("sent", "ext-1", ch.pk)
    assert statuses(message) == ["queued", "sent"]


def test_the_queue_is_written_in_the_messages_transaction(conversation, alice):
    # given no commit yet: the message is queued, nothing is posted
    message = conversation_reply(conversation=conversation, author=alice, text="Hola")
    assert Message.objects.get(pk=message.pk).delivery_status == "queued"


def test_a_4xx_is_failed_at_once_with_the_reason(conversation, endpoint, alice, django_capture_on_commit_callbacks):
    endpoint.script = [(422, {"error": "number  not on\nthe network"}, 0)]
    message = reply(conversation, alice, django_capture_on_commit_callbacks)
    assert len(endpoint.requests) == 1
    stored = Message.objects.get(pk=message.pk)
    assert stored.delivery_status == "failed"
    assert stored.delivery_error == 'HTTP 422: {"error": "number not on\\nthe network"}'


def test_5xx_and_429_are_retried_until_the_channel_takes_it(conversation, endpoint, alice,
                                                              django_capture_on_commit_callbacks):
    endpoint.script = [(503, {}, 0), (429, {}, 0), (201, {"id": 987}, 0)]
    message = reply(conversation, alice, django_capture_on_commit_callbacks)
    assert len(endpoint.requests) == 3
    assert len({r["body"] for r in endpoint.requests}) == 1  # the same message each time
    stored = Message.objects.get(pk=message.pk)
    assert (stored.delivery_status, stored.external_id) == ("sent", "987")


def test_exhausted_retries_are_failed_with_the_last_error(conversation, endpoint, alice, settings,
                                                          django_capture_on_commit_callbacks):
    settings.CHANNEL_OUTBOUND_TIMEOUT = 0.3
    endpoint.script = [(500, {}, 0), (200, None, 1.0)]  # an error, then too slow
    message = reply(conversation, alice, django_capture_on_commit_callbacks)
    assert len(endpoint.requests) == 3
    stored = Message.objects.get(pk=message.pk)
    assert stored.delivery_status == "failed"
    assert "timed out" in stored.delivery_error and stored.delivery_error.endswith("(after 3 attempts)")


def test_a_retried_or_duplicate_task_does_not_post_again(conversation, endpoint, alice,
                                                         django_capture_on_commit_callbacks):
    message = reply(conversation, alice, django_capture_on_commit_callbacks)
    assert channel_message_deliver_task.delay(message.pk).get() == "skipped"
    assert len(endpoint.requests) == 1


def test_a_batch_reuses_one_keep_alive_connection(workspace, outbound_channel, endpoint):
    ch, _ = outbound_channel
    messages = []
    for i in range(5):
        conversation = channel_inbound_receive(channel=ch, phone=f"+52155000000{i}", text="Hola").conversation
        # a broadcast's message: not queued by the channel, the batch posts it
        messages.append(message_create(conversation=conversation, direction="out", text=f"Oferta {i}",
                                       sender_kind="broadcast"))
    assert {m.delivery_status for m in messages} == {""}

    results = [channel_message_post(ch, m) for m in messages]

    assert [r.outcome for r in results] == ["sent"] * 5
    assert [r.external_id for r in results] == [f"ext-{i}" for i in range(1, 6)]
    assert len(endpoint.requests) == 5 and len({r["port"] for r in endpoint.requests}) == 1
    assert Message.objects.filter(pk__in=[m.pk for m in messages], delivery_status="sent").count() == 5
    # already sent: not posted twice
    assert channel_message_post(ch, messages[0]).outcome == "skipped"
    assert len(endpoint.requests) == 5


def test_a_private_address_is_refused_unless_allowed(conversation, endpoint, alice, settings,
                                                     django_capture_on_commit_callbacks):
    settings.CHANNEL_OUTBOUND_ALLOW_PRIVATE = False
    message = reply(conversation, alice, django_capture_on_commit_callbacks)
    assert endpoint.requests == []
    stored = Message.objects.get(pk=message.pk)
    assert stored.delivery_status == "failed" and "127.0.0.1" in stored.delivery_error


def test_only_outgoing_messages_of_a_channel_with_an_outbound_url_are_queued(channel, workspace, alice, endpoint):
    ch, _ = channel  # no outbound URL
    result = channel_inbound_receive(channel=ch, phone="+5215512345678", text="Hola")
    message = conversation_reply(conversation=result.conversation, author=alice, text="Hola")
    assert (result.message.delivery_status, message.delivery_status) == ("", "")
    channel_outbound_set(channel=ch, outbound_url=endpoint.url)
    incoming = channel_inbound_receive(channel=ch, phone="+5215512345678", text="¿Sigue ahí?").message
    assert Message.objects.get(pk=incoming.pk).delivery_status == ""
