"""Writes of the Messages module (Mensajes). Every change made here is made by a logged-in user.

Assignments go through ``assignments.services.contact_assign_by`` (the role rule, then
``contact_assign``) with source ``user`` and the user as "Asignado por"; replies through ``contacts.services.message_send`` (which assigns an
unassigned contact to the sender); closing through ``contacts.services.conversation_close``.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.context import Actor
from accounts.models import User
from assignments.models import AssignmentEvent
from assignments.services import contact_assign_by
from contacts.models import Conversation, ConversationSource, Message, SenderKind
from contacts.services import conversation_close, message_send

MESSAGE_MAX_LENGTH = 4000
CLOSING_NOTE_MAX_LENGTH = 2000


class MessagingError(ValueError):
    """Input the Messages module refuses, with the form field it concerns."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.message = message
        self.field = field


def _clean_text(text: str, *, field: str, max_length: int, required: bool) -> str:
    # PostgreSQL text cannot hold NUL characters; no real message contains one.
    text = (text or "").replace("\x00", "").strip()
    if required and not text:
        raise MessagingError(_("Write a message first."), field)
    if len(text) > max_length:
        raise MessagingError(_("At most %(max)s characters.") % {"max": max_length}, field)
    return text


@transaction.atomic
def conversation_reply(*, conversation: Conversation, author: User, text: str) -> Message:
    """Send the user's reply to the conversation's contact.

    Seed ("Usuario"): replying to an unassigned contact assigns it to the sender. If the
    conversation was closed meanwhile, ``message_send`` opens a new one (the returned message
    belongs to it).
    """
    text = _clean_text(text, field="text", max_length=MESSAGE_MAX_LENGTH, required=True)
    return message_send(contact=conversation.contact, text=text, sender_kind=SenderKind.USER, author=author)


@transaction.atomic
def conversation_assign(*, conversation: Conversation, assignee: User | None, actor: Actor) -> AssignmentEvent | None:
    """Assign the conversation's contact to ``assignee`` (``None``: "Desasignar") as ``actor``.

    Returns the event, or None when the assignee did not change (no event is written).
    Raises ``AssignmentRefused`` when the actor's role does not allow it (``assignments.rules``)
    and ``AssignmentError`` when the assignee is not a member of the workspace.
    """
    return contact_assign_by(actor=actor, contact=conversation.contact, assignee=assignee)


def conversation_close_by_user(
    *, conversation: Conversation, closed_by: User | None, note: str = "", source: str = ConversationSource.USER
) -> Conversation:
    """"Cerrar conversación" with an optional closing note (idempotent for a closed one).

    Source ``user`` with ``closed_by`` in Mensajes and in a session; the conversations API
    passes ``api`` (and no user) for an API token.
    """
    note = _clean_text(note, field="note", max_length=CLOSING_NOTE_MAX_LENGTH, required=False)
    return conversation_close(conversation=conversation, note=note, closed_by=closed_by, source=source)


@transaction.atomic
def conversation_bot_pause_set(*, conversation: Conversation, paused: bool) -> Conversation:
    """"Pausar el Chatbot": while paused, the Dialogflow bot does not answer this conversation."""
    Conversation.objects.filter(pk=conversation.pk).update(bot_paused=paused)
    conversation.bot_paused = paused
    return conversation
