"""The run's lease outlives a batch longer than the stale threshold: a live run keeps its
broadcast (the beat does not hand it to a second run), a dead one is taken over."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from broadcasts.models import Broadcast, BroadcastRecipient
from broadcasts.services import (
    broadcast_create,
    broadcast_run,
    broadcasts_housekeeping,
    segment_create,
)
from demo.channel_endpoint import LoopbackChannel
from tests.factories import ContactFactory

from .conftest import reached

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CONTACTS = 48


@pytest.fixture
def slow_channel(settings):
    """The channel takes 0.4 s per message: a batch of 48 (8 posts at a time) lasts 2.4 s or more,
    longer than the 1-second stale threshold."""
    with LoopbackChannel(delay=0.4) as endpoint:
        settings.BROADCAST_OUTBOUND_URL = endpoint.url
        settings.BROADCAST_STALE_SECONDS = 1
        settings.BROADCAST_BATCH_SIZE = CONTACTS
        settings.BROADCAST_POST_CONCURRENCY = 8
        yield endpoint


def _queued_broadcast(workspace, channel, alice):
    for i in range(CONTACTS):
        reached(ContactFactory(workspace=workspace, first_name=f"C{i}", tags=["vip"]), channel)
    segment = segment_create(workspace=workspace, name="VIP", filters={"tags": ["vip"]})
    broadcast = broadcast_create(workspace=workspace, name="Promo", channel_id=channel.pk, segment_id=segment.pk,
                                 text="Hola {{contact.first_name}}", created_by=alice,
                                 send_at=(timezone.now() + timedelta(hours=1)).isoformat())
    # Queued and not enqueued: the test runs the job itself.
    Broadcast.objects.filter(pk=broadcast.pk).update(status="queued", scheduled_at=None)
    return broadcast


def test_a_batch_longer_than_the_stale_threshold_keeps_its_lease(workspace, channel, alice, slow_channel):
    # given
    broadcast = _queued_broadcast(workspace, channel, alice)
    beats = []

    def beat_mid_batch():
        # the beat, while the batch's posts are in flight, 1.6 s or more after they started
        while slow_channel.count() < CONTACTS * 3 // 4:
            time.sleep(0.01)
        try:
            beats.append(broadcasts_housekeeping())  # eager Celery: a stalled one would be run here
        finally:
            connection.close()

    beat = threading.Thread(target=beat_mid_batch)
    # when
    beat.start()
    started = time.monotonic()
    finished = broadcast_run(broadcast_id=broadcast.pk)
    took = time.monotonic() - started
    beat.join()
    # then: the batch outlasted the threshold, yet the beat saw a live run and nobody took it over
    assert took > 2.0
    assert beats == [{"due": 0, "stalled": 0}]
    assert finished is True
    broadcast.refresh_from_db()
    assert broadcast.status == "sent" and broadcast.attempts == 1
    assert BroadcastRecipient.objects.filter(broadcast=broadcast, status="sent").count() == CONTACTS
    # each message posted once: no second run re-posted the batch in flight
    assert slow_channel.count() == CONTACTS
    assert len({p.message_id for p in slow_channel.posts}) == CONTACTS


def test_a_run_whose_heartbeat_stopped_is_taken_over(workspace, channel, alice, settings):
    settings.BROADCAST_STALE_SECONDS = 1
    broadcast = _queued_broadcast(workspace, channel, alice)
    from broadcasts.services import _lease_take

    assert _lease_take(broadcast.pk, "dead-runner")
    assert broadcast_run(broadcast_id=broadcast.pk) is False  # fresh: a live run's
    time.sleep(1.1)
    assert broadcasts_housekeeping() == {"due": 0, "stalled": 1}
    broadcast.refresh_from_db()
    assert broadcast.status == "sent" and broadcast.attempts == 2
