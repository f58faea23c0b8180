"""Writes of the integrations: API tokens, channels, Dialogflow integrations, inbound messages, bot actions.

Every assignment made here goes through ``assignments.services.contact_assign`` (the one write
path), with the source of the entry point: ``api`` / ``zapier`` (API token), ``bot`` (Dialogflow).
Conversations and messages go through ``contacts.services``: inbound messages open with source
``contact`` and the channel; the bot closes with source ``bot``.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts.models import ApiToken, Team, User, Workspace
from assignments.models import AssignmentEvent, AssignmentSource
from assignments.services import contact_assign
from contacts.models import (
    Contact,
    ContactOrigin,
    Conversation,
    ConversationSource,
    Message,
    SenderKind,
)
from contacts.selectors import contact_find
from contacts.services import contact_create, conversation_close, conversation_open, message_create

from .models import Channel, DialogflowIntegration

# --- Developer API tokens ---


def api_token_create(*, workspace: Workspace, name: str, created_by: User | None = None) -> tuple[ApiToken, str]:
    """Issue a token; the returned key is shown once and only its hash is kept."""
    return ApiToken.issue(workspace=workspace, name=(name or "").strip() or "API", created_by=created_by)


def api_token_revoke(*, token: ApiToken) -> ApiToken:
    """Revoke a token at once (idempotent). Requests with it answer 401 from now on."""
    if token.revoked_at is None:
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        token.refresh_from_db()
    return token


# --- Channels and Dialogflow integrations (hashed secrets, shown once) ---


@transaction.atomic
def channel_create(*, workspace: Workspace, name: str, created_by: User | None = None) -> tuple[Channel, str]:
    secret = Channel.secret_new()
    channel = Channel(workspace=workspace, name=name.strip(), created_by=created_by)
    channel.secret_set(secret)
    channel.save()
    return channel, secret


@transaction.atomic
def channel_outbound_set(*, channel: Channel, outbound_url: str) -> Channel:
    """Where the channel's outgoing messages are POSTed (blank: nowhere). Callers check the URL
    with ``integrations.delivery.outbound_url_check``. Messages already queued go to the new URL."""
    channel.outbound_url = (outbound_url or "").strip()
    channel.save(update_fields=["outbound_url"])
    return channel


@transaction.atomic
def dialogflow_integration_create(
    *, workspace: Workspace, name: str = "Dialogflow", created_by: User | None = None
) -> tuple[DialogflowIntegration, str]:
    secret = DialogflowIntegration.secret_new()
    integration = DialogflowIntegration(workspace=workspace, name=(name or "").strip() or "Dialogflow",
                                        created_by=created_by)
    integration.secret_set(secret)
    integration.save()
    return integration, secret


@transaction.atomic
def secret_rotate(*, holder: Channel | DialogflowIntegration) -> str:
    """A new secret for a channel or integration; the old one stops working at once."""
    secret = holder.secret_new()
    holder.secret_set(secret)
    holder.secret_rotated_at = timezone.now()
    holder.save(update_fields=["secret_hash", "secret_prefix", "secret_rotated_at"])
    return secret


# --- Inbound channel ---


@dataclass(frozen=True)
class InboundResult:
    contact: Contact
    conversation: Conversation
    message: Message
    opened: bool
    contact_created: bool


def _contact_for_inbound(*, channel: Channel, email: str, phone: str, first_name: str, last_name: str
                         ) -> tuple[Contact, bool]:
    """The contact by email, then phone; created when neither matches.

    Creation locks the channel row and looks again, so two messages of a new contact arriving
    at once through this channel create one contact, not two.
    """
    found = contact_find(workspace=channel.workspace, email=email, phone=phone)
    if found is not None:
        return found, False
    Channel.objects.select_for_update().filter(pk=channel.pk).first()
    found = contact_find(workspace=channel.workspace, email=email, phone=phone)
    if found is not None:
        return found, False
    contact = contact_create(
        workspace=channel.workspace,
        origin=ContactOrigin.CHANNEL,
        channel_id=channel.pk,
        first_name=first_name or (email.split("@")[0] if email else phone),
        last_name=last_name,
        email=email,
        phone=phone,
    )
    return contact, True


def channel_inbound_receive(
    *, channel: Channel, text: str, email: str = "", phone: str = "", first_name: str = "", last_name: str = ""
) -> InboundResult:
    """Store a contact's inbound message: find or create the contact, open a conversation if none
    is open, store the message, and — when a conversation was opened — fire the workflows whose
    trigger is ``conversation_opened``.

    Opening a conversation assigns nobody: a returning contact who already has an assignee gets
    no assignment event (seed FAQ, product.md rule 5); only workflows may assign.
    """
    with transaction.atomic():
        contact, created = _contact_for_inbound(
            channel=channel, email=email, phone=phone, first_name=first_name, last_name=last_name
        )
        # Source "contact" through this channel: the conversation records where it came from.
        conversation, opened = conversation_open(contact=contact, source=ConversationSource.CONTACT,
                                                 channel_id=channel.pk)
        message = message_create(conversation=conversation, direction=Message.Direction.IN, text=text,
                                 sender_kind=SenderKind.CONTACT)
    if opened:
        # After the commit: each workflow runs in its own transaction and sees the stored message.
        from workflows.services import workflow_trigger_conversation_opened

        workflow_trigger_conversation_opened(conversation=conversation)
    contact.refresh_from_db()
    return InboundResult(contact=contact, conversation=conversation, message=message, opened=opened,
                         contact_created=created)


# --- Dialogflow bot ---


@dataclass(frozen=True)
class BotActionResult:
    event: AssignmentEvent | None
    assignee: User | None
    # False when a team hand-over found nobody to pick: the contact stays in the queue.
    picked: bool = True


def dialogflow_contact_assign(
    *, contact: Contact, assignee: User | None = None, team: Team | None = None, only_online: bool = False
) -> BotActionResult:
    """The bot assigns the contact to a user, or to the next user of a team by round robin.

    The round robin pick and the assignment share one transaction: the pool's cursor stays
    locked until the assignment is written, so concurrent hand-overs never pick from stale state.
    """
    with transaction.atomic():
        if team is not None:
            from workflows.routing import assignee_pick

            assignee = assignee_pick(workspace=contact.workspace, team=team, only_online=only_online)
            if assignee is None:
                return BotActionResult(event=None, assignee=None, picked=False)
        event = contact_assign(contact=contact, assignee=assignee, source=AssignmentSource.BOT)
    return BotActionResult(event=event, assignee=assignee)


def dialogflow_contact_unassign(*, contact: Contact) -> BotActionResult:
    event = contact_assign(contact=contact, assignee=None, source=AssignmentSource.BOT)
    return BotActionResult(event=event, assignee=None)


def dialogflow_conversation_close(*, contact: Contact, note: str = "") -> Conversation | None:
    """The bot closes the contact's open conversation (source ``bot``, with an optional note).

    Returns the conversation it closed, or ``None`` when the contact had none open (nothing is
    written, so a retried webhook closes nothing twice).
    """
    with transaction.atomic():
        conversation = Conversation.objects.filter(contact=contact, status=Conversation.Status.OPEN).first()
        if conversation is None:
            return None
        return conversation_close(conversation=conversation, note=note, source=ConversationSource.BOT)
