from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Workspace
from contacts.models import Contact, Conversation


class AssignmentSource(models.TextChoices):
    """The report's "Fuente" (product.md "The six assignment sources")."""

    API = "api", pgettext_lazy("assignment source", "API")
    WORKFLOW = "workflow", pgettext_lazy("assignment source", "Workflow")
    BOT = "bot", pgettext_lazy("assignment source", "Bot")
    ZAPIER = "zapier", pgettext_lazy("assignment source", "Zapier")
    USER = "user", pgettext_lazy("assignment source", "User")
    CONTACT_IMPORT = "contact_import", pgettext_lazy("assignment source", "Contact import")


class ImmutableEventError(Exception):
    pass


class AssignmentEvent(models.Model):
    """One change of a contact's assignee. Immutable; written only by ``contact_assign``.

    References to users, the contact and the conversation are kept as plain ids
    (``db_constraint=False``, ``DO_NOTHING``) next to name snapshots, so the log still shows
    who it was after a user or contact is deleted (product.md rule 3). Only the workspace is a
    real cascading foreign key: deleting a workspace deletes its events.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="assignment_events")
    created_at = models.DateTimeField(_("timestamp"), default=timezone.now)
    source = models.CharField(_("source"), max_length=20, choices=AssignmentSource.choices)
    contact = models.ForeignKey(
        Contact, on_delete=models.DO_NOTHING, db_constraint=False, related_name="assignment_events"
    )
    contact_name = models.CharField(_("contact name"), max_length=301, blank=True)
    conversation = models.ForeignKey(
        Conversation, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    previous_assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False,
        related_name="+",
    )
    previous_assignee_name = models.CharField(max_length=150, blank=True)
    new_assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False,
        related_name="+",
    )
    new_assignee_name = models.CharField(max_length=150, blank=True)
    # Only for source "user": the logged-in user who made the change.
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False,
        related_name="+",
    )
    assigned_by_name = models.CharField(max_length=150, blank=True)

    class Meta:
        verbose_name = _("assignment event")
        verbose_name_plural = _("assignment events")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(source__in=AssignmentSource.values), name="assignment_event_source_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(assigned_by__isnull=True) | models.Q(source="user"),
                name="assignment_event_assigned_by_only_for_user",
            ),
        ]
        indexes = [
            # Period scans of the report (summary, time series) and the log's newest-first
            # order (created_at DESC, id DESC) within a workspace.
            models.Index(fields=["workspace", "created_at", "id"], name="assign_ws_time_idx"),
            # Agent scoping (new or previous assignee) and the "Asignado a" filter.
            models.Index(fields=["workspace", "new_assignee", "created_at"], name="assign_ws_new_time_idx"),
            models.Index(fields=["workspace", "previous_assignee", "created_at"], name="assign_ws_prev_time_idx"),
            # The "Contacto" filter and the per-contact chain (rule 4).
            models.Index(fields=["workspace", "contact", "created_at"], name="assign_ws_contact_time_idx"),
            # The "Id. de conversación" filter.
            models.Index(fields=["workspace", "conversation", "created_at"], name="assign_ws_conv_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.contact_name}: {self.previous_assignee_name or '-'} → {self.new_assignee_name or '-'} ({self.source})"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ImmutableEventError("assignment events are immutable")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableEventError("assignment events are immutable")

    @staticmethod
    def user_label(user_id: int | None, name: str) -> str:
        """The name kept with the event; ``#<id>`` when no name was kept (rule 3)."""
        if user_id is None:
            return ""
        return name or f"#{user_id}"
