"""A broadcast through a REAL Celery worker on Redis and PostgreSQL into a loopback channel
endpoint; the worker is SIGKILLed mid-send and a new one finishes: every eligible contact gets
exactly one message, nobody is missed, and the channel sees each message under one idempotency key.

The worker is tests/celery_worker.py's (the ``workers`` fixture); the endpoint is
``demo.channel_endpoint.LoopbackChannel``, a threaded HTTP server in this process.
"""

import time
from collections import defaultdict

import pytest
from django.db.models import Count
from django.utils import timezone

from broadcasts.models import Broadcast, BroadcastRecipient
from broadcasts.services import broadcasts_housekeeping
from contacts.models import Message
from demo.channel_endpoint import LoopbackChannel
from demo.management.commands.bench_broadcast import channel_audience_insert

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]

CONTACTS = 3000
STALE_SECONDS = 3
KILL_AFTER_POSTS = 700


@pytest.fixture
def endpoint(settings):
    with LoopbackChannel(delay=0.002) as loopback:
        settings.BROADCAST_OUTBOUND_URL = loopback.url
        settings.BROADCAST_STALE_SECONDS = STALE_SECONDS  # the beat run by this test
        yield loopback


def wait_for(predicate, *, timeout=300, interval=0.05, what=""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_killed_worker_mid_send_neither_repeats_nor_misses_anyone(workspace, alice, alice_client, channel,
                                                                     endpoint, workers):
    # given: 3,000 contacts who wrote through the channel, half with an open conversation
    channel_audience_insert(workspace=workspace, channel=channel, count=CONTACTS)
    env = {"BROADCAST_OUTBOUND_URL": endpoint.url, "BROADCAST_BATCH_SIZE": 200,
           "BROADCAST_STALE_SECONDS": STALE_SECONDS}
    worker = workers(**env)
    segment = alice_client.post("/api/v1/segments", {"name": "Todos", "filters": {"tags": ["bench"]}}, format="json")
    assert segment.status_code == 201, segment.content
    # when: the API queues the broadcast on Redis and the worker sends it
    response = alice_client.post("/api/v1/broadcasts", {
        "name": "Promo", "channel": channel.pk, "segment": segment.json()["id"],
        "text": "Hola {{contact.first_name}}", "fallbacks": {}}, format="json")
    assert response.status_code == 201, response.content
    broadcast_id = response.json()["id"]
    wait_for(lambda: endpoint.count() >= KILL_AFTER_POSTS, timeout=180, interval=0.005, what="the first posts")
    # ... and is SIGKILLed mid-send
    worker.kill()
    posts_at_kill = endpoint.count()
    left = dict(BroadcastRecipient.objects.filter(broadcast_id=broadcast_id).values_list("status")
                .annotate(n=Count("pk")).values_list("status", "n"))
    assert left.get("queued", 0) > 0, left  # it died mid-send, with contacts still to go
    in_flight = left.get("sending", 0)  # written, maybe posted, not recorded: posted again on resume
    assert Broadcast.objects.get(pk=broadcast_id).status == "sending"
    # when: a new worker starts and the beat finds the dead run's heartbeat stale
    workers(**env)
    wait_for(lambda: (timezone.now() - Broadcast.objects.get(pk=broadcast_id).heartbeat_at).total_seconds()
             > STALE_SECONDS, timeout=30, what="the heartbeat to go stale")
    assert broadcasts_housekeeping() == {"due": 0, "stalled": 1}
    done = wait_for(lambda: Broadcast.objects.filter(pk=broadcast_id, status="sent").first(), what="the broadcast")
    # then: every recipient sent, each with one message of its own in the CRM
    assert done.attempts == 2
    recipients = list(BroadcastRecipient.objects.filter(broadcast_id=broadcast_id))
    assert len(recipients) == CONTACTS
    assert {r.status for r in recipients} == {"sent"}
    messages = list(Message.objects.filter(workspace=workspace, sender_kind="broadcast")
                    .values_list("pk", "conversation__contact_id"))
    assert len(messages) == CONTACTS
    assert len({contact_id for _, contact_id in messages}) == CONTACTS  # one message per contact
    assert {(r.message_id, r.contact_id) for r in recipients} == set(messages)
    # and the channel received every message; repeats only of the same message, same key
    assert endpoint.count() > posts_at_kill
    assert all(p.idempotency_key == f"message-{p.message_id}" for p in endpoint.posts)
    assert {p.message_id for p in endpoint.posts} == {m for m, _ in messages}
    per_contact = defaultdict(set)
    for post in endpoint.posts:
        per_contact[post.contact_id].add(post.message_id)
    assert len(per_contact) == CONTACTS and all(len(ids) == 1 for ids in per_contact.values())
    repeats = endpoint.count() - CONTACTS
    assert 0 <= repeats <= in_flight  # only the rows the dead run left "sending" were posted again
