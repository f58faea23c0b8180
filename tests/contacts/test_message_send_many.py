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


def _batch_setup(workspace, assignee, at=None):
    """One contact waiting in an open conversation, one whose conversation is closed (with an
    assignee), one who never wrote; all sent to at the same instant."""
    from datetime import timedelta

    from django.utils import timezone

    from contacts.services import conversation_close

    before = (at or timezone.now()) - timedelta(hours=2)
    waiting = ContactFactory(workspace=workspace, first_name="Ana", last_name="")
    conversation, _ = conversation_open(contact=waiting, channel_id=7, at=before)
    message_create(conversation=conversation, direction="in", text="¿Hola?", sender_kind="contact", at=before)
    closed = ContactFactory(workspace=workspace, first_name="Beto", last_name="Ruiz", assignee=assignee)
    old, _ = conversation_open(contact=closed, channel_id=7, at=before)
    conversation_close(conversation=old, source="workflow", at=before + timedelta(minutes=5))
    new = ContactFactory(workspace=workspace, first_name="Ceci", last_name="")
    return [waiting.pk, closed.pk, new.pk]


def _snapshot(workspace):
    """Every row message_send_many writes or counts, without ids (contacts by name)."""
    from contacts.models import (
        AgentDailyCount,
        ContactActiveDay,
        ContactDailyCount,
        ConversationOpenCount,
        ConversationOwnerDailyCount,
    )

    names = dict(workspace.contacts.values_list("pk", "first_name"))
    ws = {"workspace": workspace}
    return {
        "conversations": sorted(
            (names[c], *rest) for c, *rest in Conversation.objects.filter(**ws).values_list(
                "contact_id", "status", "opened_source", "channel_id", "opened_at", "last_message_at", "closed_at",
                "awaiting_reply_since", "bot_paused", "closing_note", "closed_source")),
        "events": sorted(
            (names[c], *rest) for c, *rest in ConversationEvent.objects.filter(**ws).values_list(
                "contact_id", "kind", "source", "created_at", "contact_name", "user_id", "user_name", "assignee_id",
                "assignee_name", "channel_id", "note", "seconds_since_open")),
        "messages": sorted(
            (names[c], *rest) for c, *rest in Message.objects.filter(**ws).values_list(
                "conversation__contact_id", "direction", "sender_kind", "author_id", "text", "created_at",
                "response_seconds", "delivery_status", "delivery_error", "delivery_channel_id", "external_id")),
        "daily": sorted(ConversationDailyCount.objects.filter(**ws).values_list(
            "day", "kind", "opening_source", "closing_source", "channel_id", "count")),
        "owner_daily": sorted(ConversationOwnerDailyCount.objects.filter(**ws).values_list(
            "owner_id", "day", "kind", "opening_source", "closing_source", "channel_id", "count")),
        "open_now": sorted(ConversationOpenCount.objects.filter(**ws).exclude(count=0).values_list(
            "opening_source", "channel_id", "count")),
        "contact_days": sorted(ContactDailyCount.objects.filter(**ws).values_list(
            "day", "origin", "channel_id", "new", "first_seen")),
        "active_days": sorted((names[c], *rest) for c, *rest in ContactActiveDay.objects.filter(**ws).values_list(
            "contact_id", "day", "origin", "channel_id")),
        "agent_days": sorted(AgentDailyCount.objects.filter(**ws).values_list(
            "user_id", "day", "messages_sent", "closed")),
    }


@pytest.mark.postgres
def test_the_sql_path_writes_exactly_the_rows_of_the_orm_path(workspace, other_workspace, alice, monkeypatch):
    """PostgreSQL writes the batch in one INSERT … SELECT unnest(…) statement; SQLite through the
    ORM. Both write the same conversations, events, messages, rollups and trigger-kept counts."""
    from datetime import UTC, datetime

    from contacts import services

    at = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)
    sql_ids = _batch_setup(workspace, alice, at)
    orm_ids = _batch_setup(other_workspace, alice, at)
    # when: one workspace's batch through the SQL path, the other's through the ORM path
    sql_written = message_send_many(contact_ids=sql_ids, text_for=lambda c: f"Hola {c.first_name}",
                                    sender_kind="broadcast", channel_id=9, at=at)
    monkeypatch.setattr(services, "_message_send_many_sql", services._message_send_many_orm)
    orm_written = message_send_many(contact_ids=orm_ids, text_for=lambda c: f"Hola {c.first_name}",
                                    sender_kind="broadcast", channel_id=9, at=at)
    # then: the same rows, the same answer
    sql, orm = _snapshot(workspace), _snapshot(other_workspace)
    for table in sql:
        assert sql[table] == orm[table], table
    assert len(sql["messages"]) == 4 and sql["open_now"] == [("api", 9, 2), ("contact", 7, 1)]
    for written in (sql_written, orm_written):
        stored = Message.objects.in_bulk([m.pk for m in written.values()])
        for contact_id, message in written.items():
            row = stored[message.pk]
            assert (row.conversation.contact_id, row.conversation_id, row.text, row.created_at) == (
                contact_id, message.conversation_id, message.text, message.created_at)


@pytest.mark.postgres
@pytest.mark.parametrize("path", ["sql", "orm"])
def test_the_rollup_after_a_batch_is_what_a_rebuild_counts(workspace, alice, monkeypatch, path):
    from contacts import services
    from contacts.rollups import rollup_rebuild

    if path == "orm":
        monkeypatch.setattr(services, "_message_send_many_sql", services._message_send_many_orm)
    message_send_many(contact_ids=_batch_setup(workspace, alice), text_for=lambda c: "Hola", sender_kind="broadcast",
                      channel_id=9)
    kept = _snapshot(workspace)
    rollup_rebuild(workspace=workspace)
    assert _snapshot(workspace) == kept
