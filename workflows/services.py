"""Writes of the Flujos module: workflows' CRUD and running them.

Running: ``workflow_trigger_conversation_opened`` runs, synchronously in the caller's request
(or in ``workflows.tasks.workflows_conversation_opened_run`` when a caller prefers a worker),
every enabled ``conversation_opened`` workflow of the conversation's workspace, in creation
order (id), each one's steps in sequence. A workflow runs at most once per conversation
(one succeeded ``WorkflowRun`` per workflow and conversation, enforced by the database), so a
retried trigger does nothing twice.
Each workflow runs in its own transaction: a step that fails rolls back that workflow's earlier
steps, is recorded as a failed run, and the next workflow still runs.
"""

import logging

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import Team, User, Workspace
from assignments.models import AssignmentSource
from assignments.services import contact_assign
from contacts.models import Contact, Conversation, ConversationSource, SenderKind
from contacts.services import conversation_close, message_send

from .models import Workflow, WorkflowRun, WorkflowTrigger
from .routing import assignee_pick, user_qualifies
from .selectors import workflow_list_for_trigger
from .steps import StepsInvalid, steps_clean
from .triggers import broadcast_options

logger = logging.getLogger(__name__)


# --- CRUD -------------------------------------------------------------------------------------


def _trigger_broadcast_clean(*, workspace: Workspace, trigger: str, broadcast_id) -> int | None:
    """The broadcast of a ``broadcast_replied`` trigger (one of the workspace's), else None."""
    if trigger != WorkflowTrigger.BROADCAST_REPLIED:
        return None
    known = dict(broadcast_options(workspace))
    value = broadcast_id if isinstance(broadcast_id, int) and not isinstance(broadcast_id, bool) else None
    if isinstance(broadcast_id, str) and broadcast_id.strip().isdigit() and len(broadcast_id.strip()) <= 18:
        value = int(broadcast_id)
    if value not in known:
        raise StepsInvalid({"broadcast": [_("Choose a broadcast of this workspace.")]})
    return value


@transaction.atomic
def workflow_create(
    *, workspace: Workspace, name: str, steps: list, trigger: str = WorkflowTrigger.CONVERSATION_OPENED,
    enabled: bool = False, created_by: User | None = None, trigger_broadcast_id=None,
) -> Workflow:
    """Create a workflow; ``steps`` are validated against the workspace (raises ``StepsInvalid``),
    and so is the broadcast of the trigger ``broadcast_replied`` (error key ``broadcast``)."""
    return Workflow.objects.create(
        workspace=workspace, name=name.strip(), trigger=trigger, enabled=enabled,
        trigger_broadcast_id=_trigger_broadcast_clean(workspace=workspace, trigger=trigger,
                                                      broadcast_id=trigger_broadcast_id),
        steps=steps_clean(workspace=workspace, steps=steps), created_by=created_by,
    )


@transaction.atomic
def workflow_update(
    *, workflow: Workflow, name: str | None = None, steps: list | None = None, trigger: str | None = None,
    enabled: bool | None = None, trigger_broadcast_id=None,
) -> Workflow:
    """``trigger_broadcast_id`` is read when the trigger (given or kept) is ``broadcast_replied``."""
    fields = ["updated_at"]
    if name is not None:
        workflow.name = name.strip()
        fields.append("name")
    if steps is not None:
        workflow.steps = steps_clean(workspace=workflow.workspace, steps=steps)
        fields.append("steps")
    if trigger is not None:
        workflow.trigger = trigger
        fields.append("trigger")
    if trigger is not None or trigger_broadcast_id is not None:
        workflow.trigger_broadcast_id = _trigger_broadcast_clean(
            workspace=workflow.workspace, trigger=workflow.trigger,
            broadcast_id=trigger_broadcast_id if trigger_broadcast_id is not None else workflow.trigger_broadcast_id)
        fields.append("trigger_broadcast_id")
    if enabled is not None:
        workflow.enabled = enabled
        fields.append("enabled")
    workflow.save(update_fields=fields)
    return workflow


def workflow_enabled_set(*, workflow: Workflow, enabled: bool) -> Workflow:
    return workflow_update(workflow=workflow, enabled=enabled)


def workflow_delete(*, workflow: Workflow) -> None:
    # Runs go with it; assignment events written by its steps stay (they are immutable).
    workflow.delete()


# The seed's "Ejemplos de Flujos" offered as one-click starting points. Names and texts are
# translated when the template is used, in the workspace language.
TEMPLATE_KEYS = ("sales_auto_assign", "after_hours_message", "close_conversation")


def workflow_template_steps(*, workspace: Workspace, key: str) -> tuple[str, list[dict]]:
    """The name and canonical steps of a seed template for this workspace."""
    if key == "sales_auto_assign":
        # "Asignación automática para equipos de ventas": round robin over the sales team,
        # online agents only. Uses the workspace's "Ventas"/"Sales" team when there is one;
        # otherwise the draft starts on the whole workspace and the admin picks the team.
        team = (
            Team.objects.filter(workspace=workspace, name__iexact="Ventas").first()
            or Team.objects.filter(workspace=workspace, name__iexact="Sales").first()
        )
        step = {"type": "assign_to", "mode": "team" if team else "workspace", "strategy": "round_robin",
                "only_online": True}
        if team:
            step["team"] = team.pk
        return _("Automatic assignment for sales teams"), [step]
    if key == "after_hours_message":
        return _("After-hours messages"), [{
            "type": "send_message",
            "text": _("Thanks for writing to us! We are outside business hours right now; an agent will "
                      "answer you as soon as we are back."),
        }]
    if key == "close_conversation":
        return _("Close conversation"), [{"type": "close_conversation", "note": _("Closed by a workflow.")}]
    raise KeyError(key)


def workflow_create_from_template(*, workspace: Workspace, key: str, created_by: User | None = None) -> Workflow:
    """A disabled draft built from a seed template; the admin edits and enables it."""
    name, steps = workflow_template_steps(workspace=workspace, key=key)
    return workflow_create(workspace=workspace, name=name, steps=steps, enabled=False, created_by=created_by)


# --- Contacts' tags ---------------------------------------------------------------------------


@transaction.atomic
def contact_tag_add(*, contact: Contact, tag: str) -> bool:
    """Add a tag to the contact unless it already has it (case-insensitive). Returns whether it changed.

    Only ``tags`` is written (never a whole-row save, which could overwrite the assignee).
    """
    tag = tag.strip()
    locked = Contact.objects.select_for_update().get(pk=contact.pk)
    tags = list(locked.tags or [])
    if not tag or any(str(t).casefold() == tag.casefold() for t in tags):
        contact.tags = tags
        return False
    tags.append(tag)
    Contact.objects.filter(pk=locked.pk).update(tags=tags)
    contact.tags = tags
    return True


# --- Running ----------------------------------------------------------------------------------


def _step_assign_to(*, step: dict, conversation: Conversation, contact: Contact) -> str:
    workspace = conversation.workspace
    if contact.assignee_id is not None and not step.get("reassign"):
        # Seed FAQ: a returning contact who already has an assignee lands in that assignee's
        # inbox; the workflow leaves them alone unless the step says "reassign".
        return "already_assigned"
    only_online = bool(step.get("only_online"))
    max_open = step.get("max_open")
    # Pick and assign in one transaction: the pool's cursor stays locked until the assignment
    # is written, so the next picker's loads include it (see routing.py).
    with transaction.atomic():
        mode = step.get("mode")
        if mode == "user":
            user = User.objects.filter(pk=step.get("user"), memberships__workspace=workspace).first()
            if user is None or not user_qualifies(
                workspace=workspace, user=user, only_online=only_online, max_open=max_open
            ):
                user = None
        else:
            team = None
            if mode == "team":
                team = Team.objects.filter(pk=step.get("team"), workspace=workspace).first()
                if team is None:  # the team was deleted after the workflow was saved
                    return "no_one_qualifies"
            # With "reassign", the current assignee is left out so the contact actually moves.
            user = assignee_pick(
                workspace=workspace, team=team, strategy=step.get("strategy") or "round_robin",
                only_online=only_online, max_open=max_open,
                exclude=(contact.assignee_id,) if contact.assignee_id else (),
            )
        if user is None:
            # Nobody qualifies: the conversation stays in the queue and nothing is recorded.
            return "no_one_qualifies"
        event = contact_assign(contact=contact, assignee=user, source=AssignmentSource.WORKFLOW)
    return "assigned" if event is not None else "unchanged"


def _step_run(*, step: dict, conversation: Conversation) -> dict:
    contact = Contact.objects.get(pk=conversation.contact_id)
    kind = step["type"]
    if kind == "assign_to":
        outcome = _step_assign_to(step=step, conversation=conversation, contact=contact)
    elif kind == "unassign":
        event = contact_assign(contact=contact, assignee=None, source=AssignmentSource.WORKFLOW)
        outcome = "unassigned" if event is not None else "unchanged"
    elif kind == "close_conversation":
        before = conversation.status
        conversation_close(
            conversation=conversation, note=step.get("note") or "", source=ConversationSource.WORKFLOW
        )
        outcome = "closed" if before == Conversation.Status.OPEN else "unchanged"
        conversation.refresh_from_db()
    elif kind == "add_tag":
        outcome = "tagged" if contact_tag_add(contact=contact, tag=step["tag"]) else "unchanged"
    elif kind == "send_message":
        # No author: a workflow's message assigns nobody and is no response to the contact
        # (contacts.services.message_send / message_create).
        message_send(contact=contact, text=step["text"], sender_kind=SenderKind.WORKFLOW)
        outcome = "sent"
    else:  # steps are validated on save; an unknown type means a newer version wrote it
        raise ValueError(f"unknown step type {kind!r}")
    return {"type": kind, "outcome": outcome}


def workflow_run(*, workflow: Workflow, conversation: Conversation) -> WorkflowRun | None:
    """Run one workflow for a conversation. ``None`` when it already ran for this conversation."""
    log: list[dict] = []
    try:
        with transaction.atomic():
            # Written first: a concurrent or retried run of the same workflow for the same
            # conversation stops here on the unique constraint, before any step runs.
            run = WorkflowRun.objects.create(
                workspace_id=workflow.workspace_id, workflow=workflow, conversation=conversation,
                status=WorkflowRun.Status.SUCCEEDED,
            )
            for step in workflow.steps:
                log.append(_step_run(step=step, conversation=conversation))
            run.steps_log = log
            run.save(update_fields=["steps_log"])
            return run
    except IntegrityError:
        if WorkflowRun.objects.filter(
            workflow=workflow, conversation=conversation, status=WorkflowRun.Status.SUCCEEDED
        ).exists():
            return None  # already ran (a retried or concurrent trigger)
        return _run_failed(workflow=workflow, conversation=conversation, log=log, error="integrity error")
    except Exception as exc:  # a failing workflow must not break the inbound message that fired it
        logger.exception("workflow %s failed for conversation %s", workflow.pk, conversation.pk)
        return _run_failed(
            workflow=workflow, conversation=conversation, log=log, error=str(exc) or type(exc).__name__
        )


def _run_failed(*, workflow: Workflow, conversation: Conversation, log: list[dict], error: str) -> WorkflowRun:
    # The steps before the failing one were rolled back with it: the log says what they did,
    # then which step failed.
    failed_step = workflow.steps[len(log)] if len(log) < len(workflow.steps) else {}
    steps_log = [*({**entry, "outcome": f"rolled_back:{entry['outcome']}"} for entry in log),
                 {"type": failed_step.get("type") if isinstance(failed_step, dict) else None, "outcome": "failed"}]
    return WorkflowRun.objects.create(
        workspace_id=workflow.workspace_id, workflow=workflow, conversation=conversation,
        status=WorkflowRun.Status.FAILED, steps_log=steps_log, error=error[:2000],
    )


def workflow_trigger_conversation_opened(*, conversation: Conversation) -> None:
    """Run every enabled ``conversation_opened`` workflow of the conversation's workspace.

    Synchronous: the inbound channel calls it right after ``conversation_open`` reported a
    new conversation, inside or outside its transaction. Safe to call twice for the same
    conversation (each workflow runs once per conversation).
    """
    conversation = Conversation.objects.select_related("workspace").get(pk=conversation.pk)
    for workflow in workflow_list_for_trigger(
        workspace=conversation.workspace, trigger=WorkflowTrigger.CONVERSATION_OPENED
    ):
        workflow_run(workflow=workflow, conversation=conversation)


def workflow_trigger_broadcast_replied(*, conversation: Conversation, broadcast_id: int) -> None:
    """Run every enabled ``broadcast_replied`` workflow of this broadcast for the conversation
    the reply arrived in. Called by broadcasts after the reply's commit; safe to call twice
    (each workflow runs once per conversation)."""
    conversation = Conversation.objects.select_related("workspace").get(pk=conversation.pk)
    for workflow in workflow_list_for_trigger(
        workspace=conversation.workspace, trigger=WorkflowTrigger.BROADCAST_REPLIED
    ).filter(trigger_broadcast_id=broadcast_id):
        workflow_run(workflow=workflow, conversation=conversation)
