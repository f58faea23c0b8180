from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import Contact, Conversation, Message


@transaction.atomic
def conversation_open(*, contact: Contact, at=None) -> tuple[Conversation, bool]:
    """The contact's open conversation, opening one if none is open. Returns ``(conversation, opened)``.

    Opening a conversation never assigns anyone: a returning contact who already has an
    assignee lands in that assignee's inbox and no assignment event is written (seed FAQ,
    product.md rule 5). Workflows fired by the opening may assign; they go through
    ``contact_assign`` like every source.
    """
    # Lock the contact so two inbound messages cannot race to open two conversations; the
    # partial unique constraint is the last line of defence.
    Contact.objects.select_for_update().filter(pk=contact.pk).first()
    existing = Conversation.objects.filter(contact=contact, status=Conversation.Status.OPEN).first()
    if existing is not None:
        return existing, False
    now = at or timezone.now()
    try:
        with transaction.atomic():
            conversation = Conversation.objects.create(
                workspace_id=contact.workspace_id, contact=contact, opened_at=now, last_message_at=now
            )
    except IntegrityError:
        return Conversation.objects.get(contact=contact, status=Conversation.Status.OPEN), False
    return conversation, True


@transaction.atomic
def conversation_close(*, conversation: Conversation, note: str = "", closed_by=None, at=None) -> Conversation:
    """Close an open conversation (idempotent: closing a closed one changes nothing)."""
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    if conversation.status == Conversation.Status.CLOSED:
        return conversation
    conversation.status = Conversation.Status.CLOSED
    conversation.closed_at = at or timezone.now()
    conversation.closing_note = note or ""
    conversation.closed_by = closed_by
    conversation.save(update_fields=["status", "closed_at", "closing_note", "closed_by"])
    return conversation


def message_create(*, conversation: Conversation, direction: str, text: str, author=None, at=None) -> Message:
    now = at or timezone.now()
    message = Message.objects.create(
        workspace_id=conversation.workspace_id,
        conversation=conversation,
        direction=direction,
        author=author,
        text=text,
        created_at=now,
    )
    Conversation.objects.filter(pk=conversation.pk).update(last_message_at=now)
    return message


@transaction.atomic
def message_send(*, contact: Contact, text: str, author=None, at=None) -> Message:
    """Send an outgoing message to a contact, opening a conversation if none is open.

    Seed ("Usuario"): when a user sends an outgoing message to an unassigned contact, the
    contact is assigned to the sender — source ``user``, the sender as "Asignado por".
    Messages sent without a user (Developer API, workflows) assign nobody.
    """
    # Imported here: assignments depends on contacts, not the other way round.
    from assignments.models import AssignmentSource
    from assignments.services import contact_assign

    conversation, _ = conversation_open(contact=contact, at=at)
    if author is not None:
        locked = Contact.objects.select_for_update().get(pk=contact.pk)
        if locked.assignee_id is None:
            contact_assign(contact=contact, assignee=author, source=AssignmentSource.USER, assigned_by=author, at=at)
    return message_create(conversation=conversation, direction=Message.Direction.OUT, text=text, author=author, at=at)


# --- Contact records (Developer API, inbound channel). Never the assignee: see contact_assign. ---

CONTACT_EDITABLE_FIELDS = ("first_name", "last_name", "email", "phone", "tags")


@transaction.atomic
def contact_create(*, workspace, first_name: str, last_name: str = "", email: str = "", phone: str = "",
                   tags: list[str] | None = None) -> Contact:
    """Create a contact. Callers validate formats (email, E.164 phone) and duplicate emails."""
    return Contact.objects.create(
        workspace=workspace,
        first_name=first_name,
        last_name=last_name or "",
        email=(email or "").strip(),
        phone=(phone or "").strip(),
        tags=list(tags or []),
    )


@transaction.atomic
def contact_update(*, contact: Contact, **fields) -> Contact:
    """Change the contact's editable fields (name, email, phone, tags); the assignee is not one."""
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
