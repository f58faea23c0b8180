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
    # Recorded by contact_assign in the same transaction (docs/reports.md "Asignaciones: time to
    # first assignment, reassignments, assignment to close"). The event's 1-based position among
    # its conversation's assignments to a person; null on unassignments and outside a conversation.
    conversation_assignment = models.PositiveIntegerField(null=True, blank=True)
    # Only on the conversation's first event when the contact was unassigned then: whole seconds
    # from the conversation's opened_at to this event (its wait for a person).
    first_assignment_seconds = models.BigIntegerField(null=True, blank=True)

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
            models.CheckConstraint(
                condition=models.Q(conversation_assignment__isnull=True)
                | models.Q(new_assignee__isnull=False, conversation__isnull=False, conversation_assignment__gte=1),
                name="assignment_event_position_only_for_a_person",
            ),
            models.CheckConstraint(
                condition=models.Q(first_assignment_seconds__isnull=True)
                | models.Q(conversation_assignment=1, previous_assignee__isnull=True, first_assignment_seconds__gte=0),
                name="assignment_event_first_wait_on_first_assignment",
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
            # Tiempo hasta la primera asignación: the first assignments of a period (few of the events).
            models.Index(fields=["workspace", "created_at", "first_assignment_seconds"], name="assign_ws_first_time_idx",
                         condition=models.Q(first_assignment_seconds__isnull=False)),
            # Conversaciones reasignadas: the reassignments (second assignments) of a period.
            models.Index(fields=["workspace", "created_at", "conversation"], name="assign_ws_reassign_time_idx",
                         condition=models.Q(conversation_assignment=2)),
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


class RollupDimension(models.TextChoices):
    """Which breakdown a rollup row counts (one event adds to one row of each applicable one)."""

    ALL = "all", "all"  # key 0: every event of the day and source
    NEW = "new", "new assignee"  # key: new assignee id, 0 = unassignment
    PREVIOUS = "prev", "previous assignee"  # key: previous assignee id, 0 = none
    ASSIGNED_BY = "by", "assigned by"  # key: assigning user id (source user only)


class AssignmentDailyCount(models.Model):
    """Pre-aggregated event counts per workspace-local day, source and one dimension.

    Maintained in the same transaction as each event (``contact_assign``) with an UPSERT, so
    it is always exactly consistent with ``AssignmentEvent``; ``rebuild_assignment_rollups``
    recomputes it from the events. Days are calendar days in the workspace timezone recorded
    in ``AssignmentRollupState``; when the workspace timezone changes the rollup is rebuilt and
    the reports read the raw events meanwhile. See docs/performance.md.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    source = models.CharField(max_length=20, choices=AssignmentSource.choices)
    dimension = models.CharField(max_length=4, choices=RollupDimension.choices)
    key = models.BigIntegerField(default=0)
    count = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            # The UPSERT target; its index also serves the report reads:
            # WHERE workspace = ? AND dimension = ? AND key = ? AND day BETWEEN ? AND ?
            models.UniqueConstraint(
                fields=["workspace", "dimension", "key", "day", "source"], name="assign_daily_count_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.source} {self.dimension}={self.key}: {self.count}"


class AssignmentFact(models.TextChoices):
    """Which conversation fact an ``AssignmentFactDaily`` row counts (docs/reports.md)."""

    FIRST = "first", "first assignment"  # seconds: the wait (first_assignment_seconds)
    # The same first assignments by bin of their wait: seconds is the bin's lower bound
    # (``rollups.wait_bin``: the wait with two significant digits), total the sum of the waits.
    FIRST_BIN = "first_bin", "first assignments per wait bin"
    REASSIGNED = "reassigned", "reassignment"  # the conversation's second assignment; seconds 0


class AssignmentFactDaily(models.Model):
    """The first assignments' waits and the reassignments per workspace-local day, source and
    one dimension (those of ``AssignmentDailyCount``). The waits twice: as an exact distribution
    (one row per distinct whole-second wait, with how many first assignments waited it) and per
    bin of waits (count and sum), so a median is found by rank in the bins and then only the
    one bin holding the rank is read exactly.

    Maintained by ``contact_assign`` in the same transaction as the event that records the fact
    (``first_assignment_seconds`` set, or ``conversation_assignment`` = 2) and rebuilt with the
    day rollup (``rollup_rebuild``), under the same ``AssignmentRollupState``: the reports read it
    only when that state is ready in the workspace's timezone. Medians and percentiles are found
    by rank in the distribution, so they equal those of the raw events. See docs/performance.md.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    fact = models.CharField(max_length=10, choices=AssignmentFact.choices)
    day = models.DateField()
    source = models.CharField(max_length=20, choices=AssignmentSource.choices)
    dimension = models.CharField(max_length=4, choices=RollupDimension.choices)
    key = models.BigIntegerField(default=0)
    seconds = models.BigIntegerField(default=0)
    count = models.BigIntegerField(default=0)
    total = models.BigIntegerField(default=0)  # the sum of the waits counted (count × seconds on a wait row)

    class Meta:
        constraints = [
            # The UPSERT target; its index serves the reads (one dimension and key, a day range).
            models.UniqueConstraint(
                fields=["workspace", "fact", "dimension", "key", "day", "source", "seconds"],
                name="assign_fact_daily_unique",
            ),
        ]
        indexes = [
            # The waits of one bin over a period (the median's bin of the whole period or a source).
            models.Index(fields=["workspace", "fact", "dimension", "key", "seconds"], name="assign_fact_wait_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.fact} {self.source} {self.dimension}={self.key} {self.seconds}s: {self.count}"


class ConversationAssignments(models.Model):
    """A conversation's assignments to a person so far, kept by ``contact_assign`` with each of
    them: how many (the last event's ``conversation_assignment``), when the second one was (it
    was reassigned then) and the last one. Keyed by the conversation's plain id, as the events
    refer to it, so it outlives a deleted conversation as the events do.

    Conversaciones con más asignaciones reads its first rows off ``conv_assign_rank_idx`` instead
    of ranking every reassigned conversation's events (docs/performance.md).
    """

    conversation_id = models.BigIntegerField(primary_key=True)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    assignments = models.PositiveIntegerField()
    reassigned_at = models.DateTimeField(null=True, blank=True)
    last_assigned_at = models.DateTimeField()

    class Meta:
        indexes = [
            # The table's order (most assignments, latest last assignment, id), reassigned only;
            # reassigned_at last so the period is checked in the index.
            models.Index(models.F("workspace"), models.F("assignments").desc(), models.F("last_assigned_at").desc(),
                         models.F("conversation_id").desc(), models.F("reassigned_at"),
                         name="conv_assign_rank_idx", condition=models.Q(reassigned_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"conversation {self.conversation_id}: {self.assignments} assignments"


class AssignmentRollupState(models.Model):
    """The timezone a workspace's rollup was built in; reports use the rollup only when it matches."""

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE, related_name="assignment_rollup_state")
    timezone = models.CharField(max_length=64)
    ready = models.BooleanField(default=False)
    rebuilt_at = models.DateTimeField(null=True, blank=True)
    events_counted = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"rollup of workspace {self.workspace_id} in {self.timezone} ({'ready' if self.ready else 'building'})"
