"""Who may change a contact's assignee: the one rule (docs/security.md "Agents").

Every place a person assigns (Mensajes' assign/unassign, the contacts assignee endpoint in a
session) goes through ``assignments.services.contact_assign_by``, which applies
``assignment_refusal`` under the contact's row lock; the Mensajes page offers only the choices
it allows. What an agent may *see* is ``contacts.selectors.contact_visibility``: a contact
they may not see is a 404 before this rule is asked.
"""

from django.utils.translation import gettext as _

from accounts.context import Actor
from accounts.models import User


def assignment_refusal(*, actor: Actor, current_assignee_id: int | None, assignee: User | None) -> str | None:
    """Why ``actor`` may not move a contact from ``current_assignee_id`` to ``assignee``; None if allowed.

    Owners, managers and API tokens may make any assignment. An agent too when the workspace's
    "Los agentes pueden reasignar a otros agentes" is on. Otherwise (the default) an agent may
    take an unassigned contact or release their own, and nothing else: no handing a contact to
    a colleague, no taking a colleague's. Not changing anything is always allowed (nothing is
    written).
    """
    new_id = assignee.pk if assignee is not None else None
    if actor.is_admin or new_id == current_assignee_id or actor.workspace.agents_can_reassign:
        return None
    me = actor.user.pk if actor.user is not None else None
    if current_assignee_id not in (None, me):
        return _("This contact is assigned to another member; in this workspace agents may not reassign it.")
    if new_id not in (None, me):
        return _("In this workspace agents may assign contacts only to themselves.")
    return None
