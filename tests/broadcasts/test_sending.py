"""The sending job: recipients, skips, the messages through the contacts' write path, idempotency
and resuming after a run died mid-send."""

from datetime import timedelta

import pytest
from django.db.models import Count
from django.utils import timezone

from broadcasts.models import Broadcast, BroadcastOptOut, BroadcastRecipient
from broadcasts.segments import BroadcastInputError
from broadcasts.services import (
    broadcast_create,
    broadcast_failed_retry,
    broadcast_run,
    broadcasts_housekeeping,
    segment_create,
)
from contacts.models import Conversation, Message

pytestmark = pytest.mark.django_db


_held = {"on": False}
_capture = {}


@pytest.fixture(autouse=True)
def _commit_callbacks(django_capture_on_commit_callbacks, request):
    """The job is enqueued at the commit (eager Celery runs it): ``committed`` runs those callbacks."""
    _capture["fn"] = django_capture_on_commit_callbacks
    _held["on"] = "commits_held" in request.fixturenames
    yield


def committed(fn, **kwargs):
    if _held["on"]:
        return fn(**kwargs)
    with _capture["fn"](execute=True):
        return fn(**kwargs)


def _broadcast(workspace, channel, alice, **kwargs):
    segment = segment_create(workspace=workspace, name="VIP", filters={"tags": ["vip"]}, created_by=alice)
    params = {"name": "Promo", "channel_id": channel.pk, "segment_id": segment.pk,
              "text": "Hola {{contact.first_name}}, 20% hoy", "fallbacks": {"contact.first_name": "cliente"}}
    params.update(kwargs)
    return committed(broadcast_create, workspace=workspace, created_by=alice, **params)


def test_a_broadcast_sends_each_reachable_contact_one_message_with_its_variables(workspace, channel, alice, audience):
    # when (eager Celery: the job runs at the commit of broadcast_create)
    broadcast = _broadcast(workspace, channel, alice)
    # then
    broadcast.refresh_from_db()
    assert broadcast.status == Broadcast.Status.SENT
    rows = {r.contact_id: r for r in BroadcastRecipient.objects.filter(broadcast=broadcast)}
    assert set(rows) == {c.pk for c in audience[:4]}  # Eli is not VIP
    assert [rows[c.pk].status for c in audience[:4]] == ["sent", "sent", "sent", "skipped"]
    assert rows[audience[3].pk].reason == "no_channel" and rows[audience[3].pk].message_id is None
    messages = Message.objects.filter(sender_kind="broadcast").order_by("conversation__contact_id")
    assert [m.text for m in messages] == ["Hola Ana, 20% hoy", "Hola Beto, 20% hoy", "Hola cliente, 20% hoy"]
    assert all(rows[m.conversation.contact_id].message_id == m.pk for m in messages)
    assert all(r.sent_at is not None for r in rows.values() if r.status == "sent")


def test_a_broadcast_opens_conversations_through_its_channel(workspace, channel, alice, audience):
    Conversation.objects.update(status="closed", closed_at=timezone.now())
    _broadcast(workspace, channel, alice)
    opened = Conversation.objects.filter(status="open")
    assert opened.count() == 3
    assert set(opened.values_list("channel_id", "opened_source").distinct()) == {(channel.pk, "api")}


def test_opted_out_contacts_are_skipped(workspace, channel, alice, audience):
    BroadcastOptOut.objects.create(workspace=workspace, contact=audience[1], source="user")
    broadcast = _broadcast(workspace, channel, alice)
    row = BroadcastRecipient.objects.get(broadcast=broadcast, contact=audience[1])
    assert (row.status, row.reason) == ("skipped", "opted_out")
    assert not Message.objects.filter(conversation__contact=audience[1], sender_kind="broadcast").exists()


def test_running_the_job_again_sends_nobody_twice(workspace, channel, alice, audience):
    broadcast = _broadcast(workspace, channel, alice)
    Broadcast.objects.filter(pk=broadcast.pk).update(status="queued")
    assert broadcast_run(broadcast_id=broadcast.pk) is True
    assert Message.objects.filter(sender_kind="broadcast").count() == 3
    dup = (Message.objects.filter(sender_kind="broadcast").values("conversation__contact_id")
           .annotate(n=Count("pk")).filter(n__gt=1))
    assert not dup.exists()


@pytest.fixture
def commits_held():
    """The job is not run at the commit: the test drives it."""


def test_a_live_run_keeps_the_broadcast_and_a_stale_one_is_taken_over(workspace, channel, alice, audience,
                                                                      commits_held):
    # given: a broadcast whose run died after claiming one batch (one row 'sending' with its message)
    broadcast = _broadcast(workspace, channel, alice)
    from broadcasts.services import _claim, _Lease, _lease_take, _recipients_write

    assert _lease_take(broadcast.pk, "dead-runner")
    broadcast.refresh_from_db()
    _recipients_write(broadcast, _Lease(broadcast.pk, "dead-runner"))
    outgoing, claimed = _claim(broadcast, 1)
    assert claimed == 1 and len(outgoing) == 1
    # when the task is delivered again while the dead run's heartbeat is fresh: nothing happens
    assert broadcast_run(broadcast_id=broadcast.pk) is False
    # when the heartbeat is stale, the beat enqueues it and the new run resumes
    Broadcast.objects.filter(pk=broadcast.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    assert broadcasts_housekeeping() == {"due": 0, "stalled": 1}
    broadcast.refresh_from_db()
    assert broadcast.status == "sent" and broadcast.attempts == 2
    assert Message.objects.filter(sender_kind="broadcast").count() == 3
    assert set(BroadcastRecipient.objects.filter(broadcast=broadcast).values_list("status", flat=True)) == {"sent", "skipped"}


def test_scheduled_broadcast_waits_for_its_time(workspace, channel, alice, audience):
    at = timezone.now() + timedelta(hours=2)
    broadcast = _broadcast(workspace, channel, alice, send_at=at.isoformat())
    assert broadcast.status == "scheduled" and not BroadcastRecipient.objects.exists()
    assert broadcasts_housekeeping()["due"] == 0
    assert broadcasts_housekeeping(now=at + timedelta(seconds=1))["due"] == 1
    broadcast.refresh_from_db()
    assert broadcast.status == "sent" and Message.objects.filter(sender_kind="broadcast").count() == 3


def test_a_schedule_without_offset_is_in_the_workspace_timezone(workspace, channel, alice, audience):
    local = (timezone.now() + timedelta(days=2)).astimezone(workspace.tzinfo).replace(second=0, microsecond=0)
    broadcast = _broadcast(workspace, channel, alice, send_at=local.replace(tzinfo=None).isoformat(timespec="minutes"))
    assert broadcast.scheduled_at == local


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"text": "Hola {{contact.apodo}}"}, "text"),
    ({"text": "x" * 4097}, "text"),
    ({"text": "   "}, "text"),
    ({"send_at": "2020-01-01T10:00"}, "send_at"),
    ({"send_at": "mañana"}, "send_at"),
    ({"fallbacks": {"contact.apodo": "x"}}, "fallbacks.contact.apodo"),
    ({"channel_id": 999999}, "channel"),
])
def test_bad_input_is_refused_naming_the_field(workspace, channel, alice, audience, kwargs, field):
    with pytest.raises(BroadcastInputError) as info:
        _broadcast(workspace, channel, alice, **kwargs)
    assert info.value.field == field
    assert not Broadcast.objects.exists()


def test_an_empty_segment_is_refused(workspace, channel, alice, audience):
    segment = segment_create(workspace=workspace, name="Nadie", filters={"tags": ["no-such-tag"]})
    with pytest.raises(BroadcastInputError) as info:
        broadcast_create(workspace=workspace, name="X", channel_id=channel.pk, segment_id=segment.pk, text="Hola")
    assert info.value.field == "segment"


def test_failed_recipients_are_retried_with_the_same_message(workspace, channel, alice, audience, settings):
    # given: the channel endpoint is down
    settings.BROADCAST_OUTBOUND_URL = "http://127.0.0.1:9/channels/{channel_id}/messages"
    broadcast = _broadcast(workspace, channel, alice)
    failed = BroadcastRecipient.objects.filter(broadcast=broadcast, status="failed")
    assert failed.count() == 3 and set(failed.values_list("reason", flat=True)) == {"channel_unreachable"}
    messages_before = set(Message.objects.filter(sender_kind="broadcast").values_list("pk", flat=True))
    # when it is back and the failed ones are retried
    settings.BROADCAST_OUTBOUND_URL = ""
    broadcast.refresh_from_db()
    assert committed(broadcast_failed_retry, broadcast=broadcast) == 3
    # then
    assert BroadcastRecipient.objects.filter(broadcast=broadcast, status="sent").count() == 3
    assert set(Message.objects.filter(sender_kind="broadcast").values_list("pk", flat=True)) == messages_before


def test_deleting_the_workspace_deletes_its_broadcasts(workspace, channel, alice, audience):
    from accounts.services import workspace_delete
    from integrations.models import Channel

    broadcast = _broadcast(workspace, channel, alice)
    # a channel with broadcasts cannot go alone...
    from django.db.models import RestrictedError

    with pytest.raises(RestrictedError):
        Channel.objects.filter(pk=channel.pk).delete()
    # ...but with its workspace
    workspace_delete(workspace=workspace)
    assert not Broadcast.objects.filter(pk=broadcast.pk).exists()
    assert not BroadcastRecipient.objects.exists()


def test_a_channel_with_its_own_rate_sends_within_it(workspace, channel, alice, audience, settings):
    from broadcasts.sending import channel_rate

    # given: this channel takes 2 messages a second; the others the default
    settings.BROADCAST_CHANNEL_RATES = {channel.pk: 2}
    assert channel_rate(channel.pk) == 2
    assert channel_rate(channel.pk + 1000) == settings.BROADCAST_CHANNEL_RATE
    # when a broadcast goes to its 3 reachable contacts
    broadcast = _broadcast(workspace, channel, alice)
    # then: batches of at most its rate (2, then 1), each after its own second's budget
    sent = BroadcastRecipient.objects.filter(broadcast=broadcast, status="sent")
    broadcast.refresh_from_db()
    assert sent.count() == 3, (broadcast.status, list(BroadcastRecipient.objects.values_list("status", "reason")))
    assert sorted(sent.values("sent_at").annotate(n=Count("pk")).values_list("n", flat=True)) == [1, 2]
    first, last = sorted(set(sent.values_list("sent_at", flat=True)))
    assert (last - first).total_seconds() > 0


def test_the_rate_limit_waits_for_the_next_second_once_the_budget_is_spent(channel, settings, monkeypatch):
    from django.core.cache import cache

    from broadcasts import sending

    class Clock:
        """The budget's clock: ``sleep`` moves it on (a real second would be at the mercy of load)."""

        def __init__(self, now):
            self.now = now

        def time(self):
            return self.now

        def sleep(self, seconds):
            self.now += seconds

    clock = Clock(1_900_000_000.25)
    monkeypatch.setattr(sending, "time", clock)
    for channel_id in (channel.pk, channel.pk + 1000):
        cache.delete_many([f"broadcast-rate:{channel_id}:{1_900_000_000 + s}" for s in range(3)])
    settings.BROADCAST_CHANNEL_RATES = {channel.pk: 3}
    waits = [sending.channel_rate_wait(channel_id=channel.pk, count=2) for _ in range(3)]
    # 2 of 3 in the first second; the next 2 do not fit: they wait for the next second, and the
    # 2 after them for the one after
    assert waits == [0, pytest.approx(0.75), pytest.approx(1.0)]
    assert clock.now == pytest.approx(1_900_000_002.0)
    assert sending.channel_rate_wait(channel_id=channel.pk + 1000, count=2) == 0  # another channel's budget
    # a batch larger than the limit still goes, alone in its second
    assert sending.channel_rate_wait(channel_id=channel.pk, count=5) == pytest.approx(1.0)


def test_a_channel_with_its_own_outbound_url_gets_them_through_its_delivery(workspace, channel, alice, audience,
                                                                           settings):
    from demo.channel_endpoint import LoopbackChannel
    from integrations.services import channel_outbound_set

    settings.CHANNEL_OUTBOUND_ALLOW_PRIVATE = True  # the endpoint is on 127.0.0.1
    settings.BROADCAST_OUTBOUND_URL = "http://127.0.0.1:9/never/{channel_id}"  # not used for this channel
    with LoopbackChannel() as endpoint:
        channel_outbound_set(channel=channel, outbound_url=endpoint.url.format(channel_id=channel.pk))
        broadcast = _broadcast(workspace, channel, alice)
        messages = list(Message.objects.filter(sender_kind="broadcast"))
        # posted once each, signed as every outgoing message of the channel, with its id
        assert sorted(p.message_id for p in endpoint.posts) == sorted(m.pk for m in messages)
        assert all(p.idempotency_key == f"message-{p.message_id}" for p in endpoint.posts)
        assert {m.delivery_status for m in messages} == {"sent"}
        rows = BroadcastRecipient.objects.filter(broadcast=broadcast).exclude(status="skipped")
        assert set(rows.values_list("status", flat=True)) == {"sent"}
        # a resumed run finds them sent and posts nothing again
        rows.update(status="sending")
        Broadcast.objects.filter(pk=broadcast.pk).update(status="queued")
        assert broadcast_run(broadcast_id=broadcast.pk) is True
        assert len(endpoint.posts) == 3
        assert set(rows.values_list("status", flat=True)) == {"sent"}
