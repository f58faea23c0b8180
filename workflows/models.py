"""Flujos (workflows): a trigger and an ordered list of steps, run by ``workflows.services``.

The steps are stored as a JSON list validated by ``workflows.steps.steps_clean`` (the API and
the Flujos page both go through it), so the database only ever holds canonical steps.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Team, Workspace


class WorkflowTrigger(models.TextChoices):
    CONVERSATION_OPENED = "conversation_opened", _("Conversation opened")
    # "Inicie un flujo de trabajo basado en la respuesta de Broadcast": the contact answered
    # the broadcast ``Workflow.trigger_broadcast_id`` (recorded by broadcasts at the reply).
    BROADCAST_REPLIED = "broadcast_replied", _("Contact replied to a broadcast")


class Workflow(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="workflows")
    name = models.CharField(_("name"), max_length=150)
    # A new workflow (and every template) starts as a disabled draft: nothing runs until an
    # admin enables it.
    enabled = models.BooleanField(_("enabled"), default=False)
    trigger = models.CharField(
        _("trigger"), max_length=40, choices=WorkflowTrigger.choices, default=WorkflowTrigger.CONVERSATION_OPENED
    )
    # The broadcast of the trigger broadcast_replied; a plain id (broadcasts is an upper floor).
    trigger_broadcast_id = models.BigIntegerField(_("broadcast"), null=True, blank=True)
    steps = models.JSONField(_("steps"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("workflow")
        verbose_name_plural = _("workflows")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(trigger__in=WorkflowTrigger.values), name="workflow_trigger_valid"
            ),
            models.CheckConstraint(
                condition=Q(trigger="broadcast_replied", trigger_broadcast_id__isnull=False)
                | (~Q(trigger="broadcast_replied") & Q(trigger_broadcast_id__isnull=True)),
                name="workflow_broadcast_iff_broadcast_trigger",
            ),
        ]
        indexes = [
            # The trigger runs "every enabled workflow of the workspace for this trigger".
            models.Index(fields=["workspace", "trigger", "enabled"], name="workflow_ws_trigger_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class RoundRobinCursor(models.Model):
    """Where the round robin of a pool (a team, or the whole workspace when ``team`` is empty)
    left off: the last user it picked.

    ``workflows.routing.assignee_pick`` locks this row (SELECT … FOR UPDATE) for the whole pick,
    so concurrent pickers of the same pool queue behind each other and never rotate from a stale
    cursor. One row per pool, enforced by the two partial unique constraints (NULL team is one
    pool per workspace).
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    # A plain id: the cursor only needs an ordering position, and it must survive the user's deletion.
    last_user_id = models.BigIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("round robin cursor")
        verbose_name_plural = _("round robin cursors")
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "team"], condition=Q(team__isnull=False), name="rr_cursor_one_per_team"
            ),
            models.UniqueConstraint(
                fields=["workspace"], condition=Q(team__isnull=True), name="rr_cursor_one_per_workspace"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.workspace_id}/{self.team_id or '*'} → {self.last_user_id}"


class WorkflowRun(models.Model):
    """One run of a workflow for a conversation: what each step did, for the Flujos page."""

    class Status(models.TextChoices):
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="runs")
    conversation = models.ForeignKey(
        "contacts.Conversation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    # [{"type": "assign_to", "outcome": "assigned"|"unchanged"|"no_one_qualifies"|..., ...}]
    steps_log = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("workflow run")
        verbose_name_plural = _("workflow runs")
        constraints = [
            # A workflow runs once per conversation: a retried trigger skips what already ran
            # (a failed run may be retried).
            models.UniqueConstraint(
                fields=["workflow", "conversation"], condition=Q(status="succeeded"),
                name="workflow_run_once_per_conversation",
            ),
        ]
        indexes = [models.Index(fields=["workflow", "created_at"], name="workflow_run_wf_time_idx")]

    def __str__(self) -> str:
        return f"{self.workflow_id} #{self.pk} {self.status}"
