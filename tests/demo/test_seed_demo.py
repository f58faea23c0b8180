"""seed_demo: the 90-day demo workspace (seeded once per test process, tests/snapshots.py) and
the command's own behaviour."""

import io

from django.core.management import call_command
from django.db import models
from django.db.models import Max, Min

from assignments.models import AssignmentEvent, AssignmentSource
from contacts.models import Conversation, ConversationEvent, ConversationSource, Message
from integrations.models import Channel
from tests.assignments.test_services import assert_chain_holds


def test_seed_demo_is_idempotent_and_covers_every_source(db, demo_quarter):
    demo_quarter.load()
    count = AssignmentEvent.objects.count()
    lifecycle = ConversationEvent.objects.count()
    call_command("seed_demo", "--contacts", "40", "--events", "300")

    assert count > 200 and AssignmentEvent.objects.count() == count
    assert ConversationEvent.objects.count() == lifecycle
    assert set(AssignmentEvent.objects.values_list("source", flat=True)) == set(AssignmentSource.values)
    for contact_id in AssignmentEvent.objects.values_list("contact_id", flat=True).distinct()[:20]:
        assert_chain_holds(contact_id)
    assert not AssignmentEvent.objects.filter(source=AssignmentSource.USER, assigned_by__isnull=True).exists()
    # today's web-chat traffic: the enabled sales workflow assigned the three new contacts
    web_chat = AssignmentEvent.objects.filter(contact__phone__in=["+5215511110001", "+5215511110002", "+5215511110003"])
    assert list(web_chat.values_list("source", flat=True)) == [AssignmentSource.WORKFLOW] * 3



def test_seed_demo_records_the_conversation_lifecycle_through_every_path(db, demo_quarter):
    demo_quarter.load()
    events = ConversationEvent.objects.all()

    def sources(kind):
        return set(events.filter(kind=kind).values_list("source", flat=True))

    # opened by contacts (through the channels) and by every kind of CRM sender
    assert sources("opened") == set(ConversationSource.values)
    # closed by agents, workflows, the API and the bot, with notes
    assert sources("closed") == {"user", "workflow", "api", "bot"}
    assert sources("first_response") == {"user"}
    assert events.filter(kind="closed").exclude(note="").count() > 20
    assert not events.filter(source="user", user__isnull=True).exists()
    # contacts wrote in through both demo channels; some conversations are still open
    channels = set(Channel.objects.values_list("pk", flat=True))
    assert len(channels) == 2
    assert set(events.filter(kind="opened", source="contact").values_list("channel_id", flat=True)) == channels
    assert Conversation.objects.filter(status="open").exists()
    # agents answered after realistic delays: minutes to hours
    responses = Message.objects.filter(response_seconds__isnull=False)
    assert responses.count() > 100
    spread = responses.aggregate(low=Min("response_seconds"), high=Max("response_seconds"))
    assert spread["low"] < 10 * 60 and spread["high"] > 3 * 3600
    assert set(responses.values_list("sender_kind", flat=True)) == {"user"}
    # automatic messages were sent and never counted as a response
    automatic = Message.objects.filter(sender_kind__in=["workflow", "api", "bot"])
    assert automatic.exists() and not automatic.filter(response_seconds__isnull=False).exists()
    # each conversation's story is in time order: opened, first response, closed
    for conversation in Conversation.objects.filter(first_response_at__isnull=False, status="closed")[:50]:
        assert conversation.opened_at <= conversation.first_response_at <= conversation.closed_at
        story = list(events.filter(conversation=conversation).order_by("created_at", "id").values_list("kind",
                                                                                                       flat=True))
        assert story == ["opened", "first_response", "closed"]


def test_seed_demo_gives_outgoing_channel_messages_delivery_statuses(db, demo_quarter):
    from contacts.models import MessageStatusEvent

    demo_quarter.load()

    outgoing = Message.objects.filter(direction="out", conversation__channel_id__isnull=False)
    assert outgoing.exists() and not outgoing.filter(delivery_status="").exists()
    assert outgoing.filter(delivery_status="failed").exclude(delivery_error="").count() >= 3
    assert outgoing.filter(delivery_status="read").exists() and outgoing.filter(delivery_status="delivered").exists()
    assert not Message.objects.filter(direction="in").exclude(delivery_status="").exists()
    assert not Message.objects.filter(conversation__channel_id__isnull=True).exclude(delivery_status="").exists()
    # every change is an event, at or after its message
    assert MessageStatusEvent.objects.filter(message__in=outgoing, status="queued").count() == outgoing.count()
    assert not MessageStatusEvent.objects.filter(created_at__lt=models.F("message__created_at")).exists()


def test_seed_demo_prints_the_address_it_is_served_at(db):
    out = io.StringIO()
    call_command("seed_demo", "--contacts", "20", "--events", "60", "--days", "7", "--url", "http://127.0.0.1:8765",
                 stdout=out)
    assert "Log in at http://127.0.0.1:8765/accounts/login/ as ana@demo.example / demo1234" in out.getvalue()


def test_seed_demo_has_broadcasts_with_every_recipient_outcome(db, demo_quarter,
                                                              django_capture_on_commit_callbacks):
    from broadcasts.models import Broadcast, BroadcastOptOut, BroadcastRecipient

    # the channels' statuses apply at the commit (already applied when the snapshot was taken;
    # when the workspace is seeded here instead, inside the test's transaction, they run now)
    with django_capture_on_commit_callbacks(execute=True):
        demo_quarter.load()
    broadcasts = Broadcast.objects.all()
    assert sorted(broadcasts.values_list("status", flat=True)) == ["scheduled", "sent", "sent", "sent"]
    statuses = set(BroadcastRecipient.objects.values_list("status", flat=True))
    assert {"delivered", "read", "replied", "failed", "skipped"} <= statuses
    assert not BroadcastRecipient.objects.filter(status__in=["queued", "sending"]).exists()
    assert BroadcastRecipient.objects.filter(status="failed", reason="delivery_failed").exclude(detail="").exists()
    counts = (Broadcast.objects.count(), BroadcastRecipient.objects.count(), BroadcastOptOut.objects.count())
    call_command("seed_demo", "--contacts", "40", "--events", "300")  # idempotent
    assert (Broadcast.objects.count(), BroadcastRecipient.objects.count(), BroadcastOptOut.objects.count()) == counts
