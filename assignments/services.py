"""The one write path of assignments (product.md "Assignment rules").

Every source — Developer API, Zapier, Dialogflow bot, workflows, users in Mensajes and
contact imports — calls ``contact_assign``. Nothing else changes ``Contact.assignee`` or
writes ``AssignmentEvent`` rows.
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, User
from contacts.models import Contact, Conversation

from .models import AssignmentEvent, AssignmentSource
from .rollups import rollup_record_event


class AssignmentError(ValueError):
    """The assignment cannot be made (e.g. the assignee is not a member of the workspace)."""

    def __init__(self, message: str, field: str = "assignee"):
        super().__init__(message)
        self.message = message
        self.field = field


def _check_members(*, workspace_id: int, assignee: User | None, assigned_by: User | None) -> None:
    """Both users must belong to the contact's workspace (one query for both)."""
    wanted = {user.pk for user in (assignee, assigned_by) if user is not None}
    if not wanted:
        return
    members = set(
        Membership.objects.filter(workspace_id=workspace_id, user_id__in=wanted).values_list("user_id", flat=True)
    )
    if assignee is not None and assignee.pk not in members:
        raise AssignmentError("the assignee is not a member of this workspace")
    if assigned_by is not None and assigned_by.pk not in members:
        raise AssignmentError("the assigning user is not a member of this workspace", field="assigned_by")


@transaction.atomic
def contact_assign(
    *,
    contact: Contact,
    assignee: User | None,
    source: str,
    assigned_by: User | None = None,
    at: datetime | None = None,
) -> AssignmentEvent | None:
    """Set the contact's assignee (``None`` unassigns) and record the change.

    Returns the new event, or ``None`` when nothing changed (rule 1: assigning the current
    assignee again, or unassigning an unassigned contact, writes nothing). ``assigned_by`` is
    recorded only for source ``user`` (rule 3). ``at`` lets seeding and history imports write
    a past timestamp; it may not go before the contact's latest event, so the chain holds.
    """
    if source not in AssignmentSource.values:
        raise AssignmentError(f"unknown source {source!r}", field="source")
    if source == AssignmentSource.USER:
        if assigned_by is None:
            raise AssignmentError("source 'user' needs the assigning user", field="assigned_by")
    else:
        assigned_by = None

    # Rule 4: lock the contact row so concurrent writers see each other's changes and the
    # per-contact chain (previous assignee = the prior event's new assignee) holds.
    # Only the contact row is locked (OF self); the workspace and current assignee come along
    # for the timezone and the previous assignee's name.
    locked = (
        Contact.objects.select_for_update(of=("self",)).select_related("workspace", "assignee").get(pk=contact.pk)
    )
    _check_members(workspace_id=locked.workspace_id, assignee=assignee, assigned_by=assigned_by)

    new_id = assignee.pk if assignee is not None else None
    if locked.assignee_id == new_id:
        contact.assignee_id = locked.assignee_id
        return None

    now = timezone.now()
    if at is not None:
        latest = (
            AssignmentEvent.objects.filter(contact_id=locked.pk).order_by("-created_at", "-id").values_list(
                "created_at", flat=True
            ).first()
        )
        if latest is not None and at < latest:
            raise AssignmentError("an assignment cannot be recorded before the contact's latest one", field="at")
        now = at

    previous = locked.assignee
    conversation_id = (
        Conversation.objects.filter(contact_id=locked.pk, status=Conversation.Status.OPEN)
        .values_list("pk", flat=True)
        .first()
    )
    event = AssignmentEvent.objects.create(
        workspace_id=locked.workspace_id,
        created_at=now,
        source=source,
        contact_id=locked.pk,
        contact_name=locked.name or f"#{locked.pk}",
        conversation_id=conversation_id,
        previous_assignee_id=locked.assignee_id,
        previous_assignee_name=previous.display_name if previous else "",
        new_assignee_id=new_id,
        new_assignee_name=assignee.display_name if assignee else "",
        assigned_by=assigned_by,
        assigned_by_name=assigned_by.display_name if assigned_by else "",
    )
    Contact.objects.filter(pk=locked.pk).update(assignee_id=new_id, updated_at=now)
    # Last, so the rollup rows (shared by concurrent writers) stay locked as briefly as possible.
    rollup_record_event(event=event, workspace_timezone=locked.workspace.tzinfo)
    contact.assignee = assignee
    return event
