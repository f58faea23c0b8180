"""Writes of contacts, conversations and messages.

Conversation lifecycle (issue 12): each fact is recorded at its source, in the same
transaction as the change, by exactly one function here — never reconstructed afterwards:

- ``conversation_open``: ``Conversation.opened_source`` / ``opened_by`` / ``channel_id`` and the
  OPENED ``ConversationEvent``;
- ``conversation_close``: ``closed_source`` and the CLOSED event (note, seconds since open), and
  the close's ``ConversationResolution`` (``contacts/resolutions.py``); ``conversation_open``
  marks the contact's recent closes reopened;
- ``message_create``: ``Message.sender_kind`` / ``response_seconds``, the conversation's
  ``awaiting_reply_since`` and first response, and the FIRST_RESPONSE event;
- ``message_send``: an outgoing message, opening a conversation with the sender as its source;
- ``contact_create``: how a contact was created (``Contact.origin``, its channel or user), and
  ``message_create`` its first seen (``Contact.first_seen_at``, the earliest incoming message).
- ``message_status_record`` / ``message_delivery_queue``: an outgoing message's delivery status
  (``Message.delivery_status`` / ``delivery_error`` / ``delivery_updated_at`` / ``external_id``)
  and the ``MessageStatusEvent`` of each change.

Every entry point (inbound channel, Mensajes, Developer API, workflows, the Dialogflow bot,
seeding) calls these; nothing else writes those fields or ``ConversationEvent`` rows.
"""

from datetime import datetime, timedelta
from typing import NamedTuple

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from .models import (
    DELIVERY_STATUS_RANK,
    Contact,
    ContactOrigin,
    Conversation,
    ConversationEvent,
    ConversationSource,
    DeliveryStatus,
    Message,
    MessageStatusEvent,
    SenderKind,
)
from .resolutions import resolution_record, resolution_reopened_mark
from .rollups import rollup_record_closed, rollup_record_opened, rollup_record_opened_many
from .signals import message_created, message_status_changed


class ConversationError(ValueError):
    """A conversation or message fact that cannot be recorded as asked (a caller's mistake)."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.message = message
        self.field = field


_SOURCES = frozenset(ConversationSource.values)
_SENDER_KINDS = frozenset(SenderKind.values)


def _whole_seconds(start: datetime, end: datetime) -> int:
    return (end - start) // timedelta(seconds=1)


def _event_write(
    *, conversation: Conversation, contact: Contact, kind: str, source: str, user, at: datetime,
    note: str = "", seconds_since_open: int | None = None,
) -> ConversationEvent:
    """The one place ``ConversationEvent`` rows are written, with the name snapshots.

    ``contact`` must come with its current assignee (``select_related("assignee")``), read in
    the caller's transaction: the event keeps who was assigned at that moment.
    """
    assignee = contact.assignee
    return ConversationEvent.objects.create(
        workspace_id=conversation.workspace_id,
        created_at=at,
        kind=kind,
        source=source,
        conversation_id=conversation.pk,
        contact_id=contact.pk,
        contact_name=contact.name or f"#{contact.pk}",
        user=user,
        user_name=user.display_name if user is not None else "",
        assignee_id=contact.assignee_id,
        assignee_name=assignee.display_name if assignee is not None else "",
        channel_id=conversation.channel_id,
        note=note,
        seconds_since_open=seconds_since_open,
    )


def _source_user(*, source: str, user, field: str):
    """The user recorded with a source: required for ``user``, dropped for every other source
    (as ``contact_assign`` does with ``assigned_by``)."""
    if source not in _SOURCES:
        raise ConversationError(f"unknown conversation source {source!r}", field="source")
    if source != ConversationSource.USER:
        return None
    if user is None:
        raise ConversationError("source 'user' needs the user", field=field)
    return user


@transaction.atomic
def conversation_open(
    *, contact: Contact, at: datetime | None = None, source: str = ConversationSource.CONTACT, user=None,
    channel_id: int | None = None,
) -> tuple[Conversation, bool]:
    """The contact's open conversation, opening one if none is open. Returns ``(conversation, opened)``.

    When it opens one it records who opened it — ``source`` (the contact writing in; a user,
    workflow, the Developer API or the bot writing first), ``user`` (only for source ``user``),
    ``channel_id`` (the inbound channel the contact wrote through) — and writes the OPENED event
    with the contact's assignee at that moment, in the same transaction. When one is already
    open it is returned unchanged and nothing is written (its source and channel stay those of
    its opening).

    Opening a conversation never assigns anyone: a returning contact who already has an
    assignee lands in that assignee's inbox and no assignment event is written (seed FAQ,
    product.md rule 5). Workflows fired by the opening may assign; they go through
    ``contact_assign`` like every source.
    """
    user = _source_user(source=source, user=user, field="user")
    # Lock the contact so two inbound messages cannot race to open two conversations; the
    # partial unique constraint is the last line of defence. Only the contact row (OF self);
    # its assignee comes along for the event.
    locked = Contact.objects.select_for_update(of=("self",)).select_related("assignee", "workspace").get(pk=contact.pk)
    existing = Conversation.objects.filter(contact=contact, status=Conversation.Status.OPEN).first()
    if existing is not None:
        return existing, False
    now = at or timezone.now()
    try:
        with transaction.atomic():
            conversation = Conversation.objects.create(
                workspace_id=contact.workspace_id, contact=contact, opened_at=now, last_message_at=now,
                opened_source=source, opened_by=user, channel_id=channel_id,
            )
    except IntegrityError:
        return Conversation.objects.get(contact=contact, status=Conversation.Status.OPEN), False
    event = _event_write(conversation=conversation, contact=locked, kind=ConversationEvent.Kind.OPENED,
                         source=source, user=user, at=now)
    resolution_reopened_mark(event=event)
    # Last, so the rollup's row locks are held for the COMMIT only (contacts/rollups.py).
    rollup_record_opened(event=event, workspace_timezone=locked.workspace.tzinfo)
    return conversation, True


@transaction.atomic
def conversation_close(
    *, conversation: Conversation, note: str = "", closed_by=None, source: str, at: datetime | None = None
) -> Conversation:
    """Close an open conversation and record who closed it: ``source`` (``user`` with
    ``closed_by``, ``workflow``, ``api``, ``bot``), the note, and the CLOSED event with the
    whole seconds since it opened and the contact's assignee at that moment.

    Idempotent: closing a closed conversation changes and writes nothing. Returns the
    conversation as stored.
    """
    closed_by = _source_user(source=source, user=closed_by, field="closed_by")
    locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
    if locked.status == Conversation.Status.CLOSED:
        return locked
    now = at or timezone.now()
    if now < locked.opened_at:
        raise ConversationError("a conversation cannot be closed before it was opened", field="at")
    locked.status = Conversation.Status.CLOSED
    locked.closed_at = now
    locked.closing_note = note or ""
    locked.closed_by = closed_by
    locked.closed_source = source
    locked.save(update_fields=["status", "closed_at", "closing_note", "closed_by", "closed_source"])
    contact = Contact.objects.select_related("assignee", "workspace").get(pk=locked.contact_id)
    event = _event_write(conversation=locked, contact=contact, kind=ConversationEvent.Kind.CLOSED, source=source,
                         user=closed_by, at=now, note=locked.closing_note,
                         seconds_since_open=_whole_seconds(locked.opened_at, now))
    resolution_record(event=event, workspace=contact.workspace)
    rollup_record_closed(event=event, workspace_timezone=contact.workspace.tzinfo)
    return locked


def _sender_check(*, direction: str, sender_kind: str, author) -> None:
    if sender_kind not in _SENDER_KINDS:
        raise ConversationError(f"unknown sender kind {sender_kind!r}", field="sender_kind")
    if direction not in Message.Direction.values:
        raise ConversationError(f"unknown direction {direction!r}", field="direction")
    if (direction == Message.Direction.IN) != (sender_kind == SenderKind.CONTACT):
        raise ConversationError("incoming messages, and only they, are the contact's", field="sender_kind")
    if sender_kind == SenderKind.USER and author is None:
        raise ConversationError("a person's message needs its author", field="author")
    if sender_kind != SenderKind.USER and author is not None:
        raise ConversationError("only a person's message (sender kind 'user') has an author", field="author")


@transaction.atomic
def message_create(
    *, conversation: Conversation, direction: str, text: str, sender_kind: str, author=None,
    at: datetime | None = None,
) -> Message:
    """Store a message and what it means for the conversation's response times.

    - An incoming message (``sender_kind`` ``contact``) starts the wait for a reply:
      ``awaiting_reply_since`` is set unless the contact is already waiting.
    - An outgoing message of a person (``user``, with ``author``) answers that wait: its
      ``response_seconds`` are the whole seconds since ``awaiting_reply_since``, which is
      cleared. If the contact opened the conversation and nobody had answered it yet, it is
      also the first response: ``first_response_at`` / ``_by`` and the FIRST_RESPONSE event
      (whole seconds since the conversation opened, the contact's assignee at that moment).
    - Messages of workflows, the bot, the Developer API and broadcasts never count as a
      response and leave the wait as it is: the reports measure how long the contact waited
      for a person; an automatic acknowledgement would hide exactly that wait.

    Conversations opened before lifecycle recording shipped have no OPENED event and never get
    a first response (whether somebody answered them before is unknown).

    One transaction, with the conversation row locked (``SELECT … FOR UPDATE``), so concurrent
    replies queue and exactly one of them is the first response. The passed ``conversation``
    gets the updated lifecycle fields.
    """
    _sender_check(direction=direction, sender_kind=sender_kind, author=author)
    locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
    now = at or timezone.now()
    if now < locked.opened_at:
        raise ConversationError("a message cannot be recorded before its conversation opened", field="at")
    changes: dict = {"last_message_at": now}
    response_seconds = None
    first_response = False
    if sender_kind == SenderKind.CONTACT:
        if locked.awaiting_reply_since is None:
            changes["awaiting_reply_since"] = now
    elif sender_kind == SenderKind.USER:
        if locked.awaiting_reply_since is not None:
            if now < locked.awaiting_reply_since:
                raise ConversationError("a reply cannot be recorded before the message it answers", field="at")
            response_seconds = _whole_seconds(locked.awaiting_reply_since, now)
            changes["awaiting_reply_since"] = None
        first_response = (
            locked.first_response_at is None
            and locked.opened_source == ConversationSource.CONTACT
            # Only conversations whose opening was recorded (see the docstring).
            and ConversationEvent.objects.filter(
                conversation_id=locked.pk, kind=ConversationEvent.Kind.OPENED
            ).exists()
        )
        if first_response:
            changes["first_response_at"] = now
            changes["first_response_by"] = author
    if sender_kind == SenderKind.CONTACT:
        # First seen: the earliest incoming message (a back-dated message moves it earlier).
        Contact.objects.filter(Q(first_seen_at__isnull=True) | Q(first_seen_at__gt=now),
                               pk=locked.contact_id).update(first_seen_at=now)
    message = Message.objects.create(
        workspace_id=locked.workspace_id,
        conversation=conversation,
        direction=direction,
        sender_kind=sender_kind,
        author=author,
        text=text,
        created_at=now,
        response_seconds=response_seconds,
    )
    Conversation.objects.filter(pk=locked.pk).update(**changes)
    if first_response:
        contact = Contact.objects.select_related("assignee").get(pk=locked.contact_id)
        _event_write(conversation=locked, contact=contact, kind=ConversationEvent.Kind.FIRST_RESPONSE,
                     source=ConversationSource.USER, user=author, at=now,
                     seconds_since_open=_whole_seconds(locked.opened_at, now))
    for name, value in changes.items():
        setattr(conversation, name, value)
    # Inside the transaction: a receiver's writes (the delivery queue) commit with the message.
    message_created.send(sender=Message, message=message)
    return message


# The source of a conversation opened by an outgoing message. A broadcast is sent through the
# Developer API or a campaign, never by a person answering: it opens with source "api".
OPENING_SOURCE_OF_SENDER = {
    SenderKind.USER: ConversationSource.USER,
    SenderKind.WORKFLOW: ConversationSource.WORKFLOW,
    SenderKind.API: ConversationSource.API,
    SenderKind.BOT: ConversationSource.BOT,
    SenderKind.BROADCAST: ConversationSource.API,
}


@transaction.atomic
def message_send(
    *, contact: Contact, text: str, sender_kind: str, author=None, at: datetime | None = None,
    channel_id: int | None = None,
) -> Message:
    """Send an outgoing message to a contact, opening a conversation if none is open.

    A conversation opened this way has the sender as its source: ``user`` (with the author as
    ``opened_by``), ``workflow``, ``api``, ``bot``; a ``broadcast`` opens with source ``api``
    (see ``OPENING_SOURCE_OF_SENDER``). It has no first response: nobody answers the contact's
    first message in a conversation the CRM started.

    Seed ("Usuario"): when a user sends an outgoing message to an unassigned contact, the
    contact is assigned to the sender — source ``user``, the sender as "Asignado por".
    Messages sent without a user (Developer API, workflows, bot, broadcasts) assign nobody.

    ``channel_id``: the channel the message goes out through (a broadcast's); a conversation it
    opens records that channel, so the contact's answer through it lands there.
    """
    # Imported here: assignments depends on contacts, not the other way round.
    from assignments.models import AssignmentSource
    from assignments.services import contact_assign

    if sender_kind not in OPENING_SOURCE_OF_SENDER:
        raise ConversationError("message_send sends outgoing messages (not the contact's)", field="sender_kind")
    _sender_check(direction=Message.Direction.OUT, sender_kind=sender_kind, author=author)
    conversation, _ = conversation_open(
        contact=contact, at=at, source=OPENING_SOURCE_OF_SENDER[sender_kind], user=author, channel_id=channel_id
    )
    if author is not None:
        locked = Contact.objects.select_for_update().get(pk=contact.pk)
        if locked.assignee_id is None:
            contact_assign(contact=contact, assignee=author, source=AssignmentSource.USER, assigned_by=author, at=at)
    return message_create(conversation=conversation, direction=Message.Direction.OUT, text=text,
                          sender_kind=sender_kind, author=author, at=at)


# --- Delivery status of outgoing messages (docs/architecture.md "Delivery status") ---

DELIVERY_TEXT_MAX = 500
EXTERNAL_ID_MAX = 200


def _delivery_text(value: str, limit: int) -> str:
    # PostgreSQL text cannot hold NUL characters; a channel's reason is cut, not refused.
    return (value or "").replace("\x00", "").strip()[:limit]


@transaction.atomic
def message_status_record(
    *, message: Message, status: str, reason: str = "", at: datetime | None = None, external_id: str = ""
) -> MessageStatusEvent | None:
    """Record what a channel (or the delivery task) says about an outgoing message.

    The status replaces the current one only when it ranks higher in ``DELIVERY_STATUS_RANK``
    (queued < sent < failed < delivered < read): a repeat, a late "delivered" after "read" or a
    "failed" after "delivered" changes nothing and returns ``None`` (idempotent, so a channel may
    retry its callbacks). A change updates ``delivery_status``, ``delivery_error`` (the reason, on
    "failed" only; cleared when a later "delivered" / "read" wins), ``delivery_updated_at`` and
    writes the ``MessageStatusEvent``, in one transaction with the message row locked; once it
    commits, ``contacts.signals.message_status_changed`` is sent.

    ``at`` is when it happened (the channel's timestamp), kept within [the message's creation,
    now]; default now. ``external_id`` is the channel's id for the message: the first one given
    is kept (a different later one is ignored); one already naming another message of the same
    channel is refused. It is recorded even when the status itself is ignored.

    Raises ``ConversationError`` for an unknown status (field ``status``), an incoming message
    (field ``message``) or a taken external id (field ``external_id``).
    """
    if status not in DELIVERY_STATUS_RANK:
        raise ConversationError(f"unknown delivery status {status!r}", field="status")
    locked = Message.objects.select_for_update().get(pk=message.pk)
    if locked.direction != Message.Direction.OUT:
        raise ConversationError("only outgoing messages have a delivery status", field="message")
    reason = _delivery_text(reason, DELIVERY_TEXT_MAX)
    external_id = _delivery_text(external_id, EXTERNAL_ID_MAX)
    now = timezone.now()
    at = min(max(at or now, locked.created_at), now)
    fields: list[str] = []
    if external_id and not locked.external_id:
        taken = Message.objects.filter(delivery_channel_id=locked.delivery_channel_id, external_id=external_id)
        if locked.delivery_channel_id is not None and taken.exclude(pk=locked.pk).exists():
            raise ConversationError("this external id already names another message of the channel",
                                    field="external_id")
        locked.external_id = external_id
        fields.append("external_id")
    current = DELIVERY_STATUS_RANK.get(locked.delivery_status, -1)
    event = None
    if DELIVERY_STATUS_RANK[status] > current:
        locked.delivery_status = status
        locked.delivery_error = reason if status == DeliveryStatus.FAILED else ""
        locked.delivery_updated_at = at
        fields += ["delivery_status", "delivery_error", "delivery_updated_at"]
        event = MessageStatusEvent.objects.create(workspace_id=locked.workspace_id, message=locked, status=status,
                                                  reason=reason, created_at=at)
    if fields:
        locked.save(update_fields=fields)
    for name in ("delivery_status", "delivery_error", "delivery_updated_at", "delivery_channel_id", "external_id"):
        setattr(message, name, getattr(locked, name))
    if event is not None:
        transaction.on_commit(lambda: message_status_changed.send(
            sender=Message, message=locked, status=status, reason=event.reason))
    return event


@transaction.atomic
def message_delivery_queue(*, message: Message, channel_id: int, at: datetime | None = None
                           ) -> MessageStatusEvent | None:
    """Put an outgoing message on its way through a channel: ``delivery_channel_id`` and the
    status "queued" (nothing changes when it is already queued, or further, through that
    channel). A message goes through one channel only (field ``channel``)."""
    locked = Message.objects.select_for_update().get(pk=message.pk)
    if locked.direction != Message.Direction.OUT:
        raise ConversationError("only outgoing messages are delivered", field="message")
    if locked.delivery_channel_id not in (None, channel_id):
        raise ConversationError("the message is delivered through another channel", field="channel")
    if locked.delivery_channel_id is None:
        Message.objects.filter(pk=locked.pk).update(delivery_channel_id=channel_id)
    message.delivery_channel_id = channel_id
    return message_status_record(message=message, status=DeliveryStatus.QUEUED, at=at)


@transaction.atomic
def message_send_many(
    *, contact_ids: list[int], text_for, sender_kind: str, at: datetime | None = None, channel_id: int | None = None,
) -> dict[int, Message]:
    """``message_send`` for many contacts at once, for senders without a person (a broadcast's
    batch): ``{contact id: its outgoing message}``, contacts that no longer exist left out.
    ``text_for(contact)`` gives each contact's text (read with the contact's row locked).

    The same facts as ``message_send`` one by one, in a constant number of statements: the
    contacts' rows are locked (in id order, as concurrent senders lock them), a conversation is
    opened for each contact without an open one (source from ``OPENING_SOURCE_OF_SENDER``, the
    channel, its OPENED event with the contact's assignee at that moment, the rollup), the open
    conversations are locked as ``message_create`` locks them, and the messages are stored. A
    message without a person assigns nobody and leaves the contact's wait for a reply as it is.
    """
    if sender_kind == SenderKind.USER or sender_kind not in OPENING_SOURCE_OF_SENDER:
        raise ConversationError("message_send_many sends messages without a person", field="sender_kind")
    _sender_check(direction=Message.Direction.OUT, sender_kind=sender_kind, author=None)
    if not contact_ids:
        return {}
    now = at or timezone.now()
    source = OPENING_SOURCE_OF_SENDER[sender_kind]
    # The workspace is read once (its timezone, below), not joined into every contact's row.
    contacts = list(Contact.objects.select_for_update(of=("self",)).select_related("assignee")
                    .filter(pk__in=contact_ids).order_by("pk"))
    if not contacts:
        return {}
    if len({c.workspace_id for c in contacts}) > 1:
        raise ConversationError("message_send_many sends within one workspace", field="sends")
    if connection.vendor == "postgresql":
        return _message_send_many_sql(contacts=contacts, text_for=text_for, sender_kind=sender_kind, source=source,
                                      now=now, channel_id=channel_id)
    return _message_send_many_orm(contacts=contacts, text_for=text_for, sender_kind=sender_kind, source=source,
                                  now=now, channel_id=channel_id)


def _message_send_many_orm(*, contacts, text_for, sender_kind, source, now, channel_id) -> dict[int, Message]:
    """``message_send_many``'s writes through the ORM (SQLite, and the reference the SQL path is
    tested against)."""
    conversations = {c.contact_id: c for c in Conversation.objects.select_for_update()
                     .filter(contact_id__in=[c.pk for c in contacts], status=Conversation.Status.OPEN).order_by("pk")}
    missing = [c for c in contacts if c.pk not in conversations]
    opened = Conversation.objects.bulk_create([
        Conversation(workspace_id=c.workspace_id, contact=c, opened_at=now, last_message_at=now,
                     opened_source=source, channel_id=channel_id)
        for c in missing
    ])
    events = ConversationEvent.objects.bulk_create([
        ConversationEvent(
            workspace_id=conversation.workspace_id, created_at=now, kind=ConversationEvent.Kind.OPENED,
            source=source, conversation_id=conversation.pk, contact_id=contact.pk,
            contact_name=contact.name or f"#{contact.pk}", user=None, user_name="",
            assignee_id=contact.assignee_id,
            assignee_name=contact.assignee.display_name if contact.assignee is not None else "",
            channel_id=conversation.channel_id,
        )
        for contact, conversation in zip(missing, opened, strict=True)
    ])
    conversations.update({conversation.contact_id: conversation for conversation in opened})
    for conversation in conversations.values():
        if now < conversation.opened_at:
            raise ConversationError("a message cannot be recorded before its conversation opened", field="at")
    messages = Message.objects.bulk_create([
        Message(workspace_id=contact.workspace_id, conversation=conversations[contact.pk], direction=Message.Direction.OUT,
                sender_kind=sender_kind, text=text_for(contact), created_at=now)
        for contact in contacts
    ])
    Conversation.objects.filter(pk__in=[c.pk for c in conversations.values()]).update(last_message_at=now)
    # Last, so the rollup's row locks are held for the COMMIT only (contacts/rollups.py).
    rollup_record_opened_many(events=events, workspace_timezone=contacts[0].workspace.tzinfo)
    return {message.conversation.contact_id: message for message in messages}


_CONVERSATION = Conversation._meta.db_table
_EVENT = ConversationEvent._meta.db_table
_MESSAGE = Message._meta.db_table

# message_send_many's writes in one statement (PostgreSQL): the batch travels as arrays (one
# parameter per column, not one per value), the conversations of contacts without an open one
# are opened with their OPENED events, the open ones get last_message_at, and the messages are
# stored; the statement-level triggers (contacts/activity.py) fire once per table as for the ORM's
# inserts. Returns (message id, contact id) per message.
_SEND_MANY_SQL = f"""
WITH input AS (
    SELECT * FROM unnest(%(contacts)s::bigint[], %(conversations)s::bigint[], %(texts)s::text[],
                         %(names)s::text[], %(assignees)s::bigint[], %(assignee_names)s::text[])
        AS t(contact_id, conversation_id, text, contact_name, assignee_id, assignee_name)
), opened AS (
    INSERT INTO {_CONVERSATION} (workspace_id, contact_id, status, opened_at, last_message_at, closing_note,
                                 bot_paused, channel_id, opened_source, closed_source)
    SELECT %(workspace)s, contact_id, 'open', %(now)s, %(now)s, '', false, %(channel)s, %(source)s, ''
    FROM input WHERE conversation_id IS NULL ORDER BY contact_id
    RETURNING id, contact_id
), events AS (
    INSERT INTO {_EVENT} (workspace_id, created_at, kind, source, conversation_id, contact_id, contact_name,
                          user_id, user_name, assignee_id, assignee_name, channel_id, note, seconds_since_open)
    SELECT %(workspace)s, %(now)s, %(opened)s, %(source)s, o.id, o.contact_id, i.contact_name, NULL, '',
           i.assignee_id, i.assignee_name, %(channel)s, '', NULL
    FROM opened o JOIN input i USING (contact_id) ORDER BY o.id
), touched AS (
    UPDATE {_CONVERSATION} SET last_message_at = %(now)s
    WHERE id IN (SELECT conversation_id FROM input WHERE conversation_id IS NOT NULL)
), conversations AS (
    SELECT id, contact_id FROM opened
    UNION ALL SELECT conversation_id, contact_id FROM input WHERE conversation_id IS NOT NULL
), written AS (
    INSERT INTO {_MESSAGE} (workspace_id, conversation_id, direction, sender_kind, author_id, text, created_at,
                            response_seconds, delivery_status, delivery_error, delivery_updated_at,
                            delivery_channel_id, external_id)
    SELECT %(workspace)s, c.id, %(out)s, %(sender_kind)s, NULL, i.text, %(now)s, NULL, '', '', NULL, NULL, ''
    FROM input i JOIN conversations c USING (contact_id) ORDER BY i.contact_id
    RETURNING id, conversation_id
)
SELECT w.id, w.conversation_id, c.contact_id FROM written w JOIN conversations c ON c.id = w.conversation_id
"""


class _Opened(NamedTuple):
    """What the rollup reads of an OPENED event (``rollup_record_opened_many``)."""

    workspace_id: int
    created_at: datetime
    source: str
    channel_id: int | None


def _message_send_many_sql(*, contacts, text_for, sender_kind, source, now, channel_id) -> dict[int, Message]:
    """``message_send_many``'s writes on PostgreSQL: the same rows as ``_message_send_many_orm``
    in one ``INSERT … SELECT … FROM unnest(…)`` statement instead of Django's bulk_create (which
    builds a model instance and a placeholder per value, and binds them one by one)."""
    workspace_id = contacts[0].workspace_id
    open_now = {contact_id: (pk, opened_at) for contact_id, pk, opened_at in
                Conversation.objects.select_for_update()
                .filter(contact_id__in=[c.pk for c in contacts], status=Conversation.Status.OPEN)
                .order_by("pk").values_list("contact_id", "pk", "opened_at")}
    for _pk, opened_at in open_now.values():
        if now < opened_at:
            raise ConversationError("a message cannot be recorded before its conversation opened", field="at")
    texts = [text_for(contact) for contact in contacts]
    with connection.cursor() as cursor:
        cursor.execute(_SEND_MANY_SQL, {
            "contacts": [c.pk for c in contacts],
            "conversations": [open_now[c.pk][0] if c.pk in open_now else None for c in contacts],
            "texts": texts,
            "names": [c.name or f"#{c.pk}" for c in contacts],
            "assignees": [c.assignee_id for c in contacts],
            "assignee_names": [c.assignee.display_name if c.assignee is not None else "" for c in contacts],
            "workspace": workspace_id, "now": now, "channel": channel_id, "source": source,
            "opened": ConversationEvent.Kind.OPENED, "out": Message.Direction.OUT, "sender_kind": sender_kind,
        })
        rows = cursor.fetchall()
    text_of = {contact.pk: text for contact, text in zip(contacts, texts, strict=True)}
    opened = len(contacts) - len(open_now)
    # Last, so the rollup's row locks are held for the COMMIT only (contacts/rollups.py).
    rollup_record_opened_many(events=[_Opened(workspace_id, now, source, channel_id)] * opened,
                              workspace_timezone=contacts[0].workspace.tzinfo)
    return {
        contact_id: Message(pk=pk, workspace_id=workspace_id, conversation_id=conversation_id,
                            direction=Message.Direction.OUT, sender_kind=sender_kind, text=text_of[contact_id],
                            created_at=now)
        for pk, conversation_id, contact_id in rows
    }


# --- Contact records (Developer API, inbound channel). Never the assignee: see contact_assign. ---

CONTACT_EDITABLE_FIELDS = ("first_name", "last_name", "email", "phone", "tags", "custom_fields")


_ORIGINS = frozenset(ContactOrigin.values) - {ContactOrigin.UNKNOWN}


@transaction.atomic
def contact_create(*, workspace, origin: str, first_name: str, last_name: str = "", email: str = "",
                   phone: str = "", tags: list[str] | None = None, channel_id: int | None = None,
                   created_by=None, at: datetime | None = None, custom_fields: dict | None = None) -> Contact:
    """Create a contact and record how it came in, in the same row and transaction.

    ``origin``: ``channel`` (an inbound message through the channel ``channel_id``), ``import``
    (a Data Import row), ``api`` (the Developer API with a token), ``user`` (a person in the app,
    ``created_by``). ``unknown`` is only the default of contacts created before this was
    recorded. ``at`` back-dates the creation (seeding). Callers validate formats (email, E.164
    phone), duplicate emails and the custom fields (``contacts.custom_fields.custom_values_clean``).
    """
    if origin not in _ORIGINS:
        raise ConversationError(f"unknown contact origin {origin!r}", field="origin")
    if (origin == ContactOrigin.CHANNEL) != (channel_id is not None):
        raise ConversationError("a channel is recorded exactly for contacts created by an inbound message",
                                field="channel_id")
    if origin == ContactOrigin.USER and created_by is None:
        raise ConversationError("origin 'user' needs the user", field="created_by")
    return Contact.objects.create(
        workspace=workspace,
        first_name=first_name,
        last_name=last_name or "",
        email=(email or "").strip(),
        phone=(phone or "").strip(),
        tags=list(tags or []),
        custom_fields=dict(custom_fields or {}),
        origin=origin,
        created_channel_id=channel_id,
        created_by=created_by if origin == ContactOrigin.USER else None,
        **({"created_at": at} if at is not None else {}),
    )


@transaction.atomic
def contact_update(*, contact: Contact, **fields) -> Contact:
    """Change the contact's editable fields (name, email, phone, tags, custom fields — the whole
    ``{key: text}``, validated by the caller with ``custom_values_clean``); the assignee is not one."""
    unknown = set(fields) - set(CONTACT_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {', '.join(sorted(unknown))}")
    locked = Contact.objects.select_for_update().get(pk=contact.pk)
    for name, value in fields.items():
        setattr(locked, name, value)
    if fields:
        locked.save(update_fields=[*fields, "updated_at"])
    contact.refresh_from_db()
    return contact


@transaction.atomic
def contact_tags_add(*, contact: Contact, tags: list[str]) -> Contact:
    """Add tags the contact does not have yet (order kept, no duplicates)."""
    locked = Contact.objects.select_for_update().get(pk=contact.pk)
    current = list(locked.tags or [])
    added = [tag for tag in tags if tag not in current]
    if added:
        locked.tags = current + added
        locked.save(update_fields=["tags", "updated_at"])
    contact.tags = locked.tags
    return contact


@transaction.atomic
def contact_tags_remove(*, contact: Contact, tags: list[str]) -> Contact:
    locked = Contact.objects.select_for_update().get(pk=contact.pk)
    current = list(locked.tags or [])
    kept = [tag for tag in current if tag not in tags]
    if kept != current:
        locked.tags = kept
        locked.save(update_fields=["tags", "updated_at"])
    contact.tags = locked.tags
    return contact
