"""Transmisiones: segments (saved contact filters), broadcasts to a segment through a channel,
and one row per recipient, the broadcast's delivery record and its idempotency key.

Written only by ``broadcasts.services``. A recipient row is unique per (broadcast, contact): a
contact is never sent the same broadcast twice, however often the job is retried or resumed.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Workspace


class Segment(models.Model):
    """A saved contact filter; its contacts are evaluated when a broadcast starts sending.

    ``filters`` holds canonical filters only (``broadcasts.segments.segment_filters_clean``):
    ``{"search"?: str, "tags"?: [str], "assignee"?: <user id>|"none", "channel"?: <channel id>,
    "created_from"?: "YYYY-MM-DD", "created_to"?: "YYYY-MM-DD"}``.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="segments")
    name = models.CharField(_("name"), max_length=150)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="segment_unique_name_per_workspace"),
        ]

    def __str__(self) -> str:
        return self.name


class BroadcastStatus(models.TextChoices):
    SCHEDULED = "scheduled", pgettext_lazy("broadcast status", "Scheduled")
    QUEUED = "queued", pgettext_lazy("broadcast status", "Queued")
    SENDING = "sending", pgettext_lazy("broadcast status", "Sending")
    SENT = "sent", pgettext_lazy("broadcast status", "Sent")
    CANCELLED = "cancelled", pgettext_lazy("broadcast status", "Cancelled")


class Broadcast(models.Model):
    """A message to every contact of a segment through one channel, now or at ``scheduled_at``.

    Life cycle: ``scheduled`` → ``queued`` (the job is enqueued) → ``sending`` (recipients
    written, batches going out; ``heartbeat_at`` is refreshed after every batch) → ``sent``.
    Retrying the failed recipients puts a sent broadcast back to ``queued``. ``cancelled``
    stops a scheduled or sending broadcast (the recipients not yet sent stay ``queued``).
    """

    Status = BroadcastStatus
    ACTIVE = (BroadcastStatus.QUEUED, BroadcastStatus.SENDING)

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="broadcasts")
    name = models.CharField(_("name"), max_length=150)
    # RESTRICT: a channel with broadcasts cannot be deleted alone (their delivery record stays
    # readable); deleting the workspace deletes both.
    channel = models.ForeignKey("integrations.Channel", on_delete=models.RESTRICT, related_name="broadcasts")
    segment = models.ForeignKey(Segment, null=True, blank=True, on_delete=models.SET_NULL, related_name="broadcasts")
    segment_name = models.CharField(_("segment"), max_length=150)
    # The text with its {{contact.…}} variables, and the fallback of each variable (used when a
    # contact's value is empty).
    text = models.TextField(_("message"))
    fallbacks = models.JSONField(_("fallbacks"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=BroadcastStatus.choices)
    scheduled_at = models.DateTimeField(_("scheduled for"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by_name = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # When the segment was evaluated and the recipient rows written (once per broadcast).
    recipients_written_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # The job's lease: the run that owns the sending (a random token) and its last heartbeat.
    # A run whose heartbeat is older than BROADCAST_STALE_SECONDS is taken over (resumed).
    runner = models.CharField(max_length=32, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("broadcast")
        verbose_name_plural = _("broadcasts")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=BroadcastStatus.values), name="broadcast_status_valid"),
            models.CheckConstraint(
                condition=~Q(status="scheduled") | Q(scheduled_at__isnull=False), name="broadcast_scheduled_has_time"
            ),
        ]
        indexes = [
            # The list page, newest first, per workspace.
            models.Index(fields=["workspace", "created_at"], name="broadcast_ws_created_idx"),
            # The beat: scheduled broadcasts due, and sending ones whose heartbeat went stale.
            models.Index(fields=["status", "scheduled_at"], name="broadcast_status_sched_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class RecipientStatus(models.TextChoices):
    """How far a recipient got. ``sending``: its message is written, the channel post is in flight."""

    SKIPPED = "skipped", pgettext_lazy("recipient status", "Skipped")
    QUEUED = "queued", pgettext_lazy("recipient status", "Queued")
    SENDING = "sending", pgettext_lazy("recipient status", "Sending")
    SENT = "sent", pgettext_lazy("recipient status", "Sent")
    DELIVERED = "delivered", pgettext_lazy("recipient status", "Delivered")
    READ = "read", pgettext_lazy("recipient status", "Read")
    REPLIED = "replied", pgettext_lazy("recipient status", "Replied")
    FAILED = "failed", pgettext_lazy("recipient status", "Failed")


class RecipientReason(models.TextChoices):
    """Why a recipient was skipped or failed."""

    NO_CHANNEL = "no_channel", _("The contact has never written through this channel")
    OPTED_OUT = "opted_out", _("The contact opted out of broadcasts")
    CHANNEL_REJECTED = "channel_rejected", _("The channel rejected the message")
    CHANNEL_UNREACHABLE = "channel_unreachable", _("The channel could not be reached")
    CONTACT_DELETED = "contact_deleted", _("The contact was deleted")
    DELIVERY_FAILED = "delivery_failed", _("The channel reported the delivery failed")


class BroadcastRecipient(models.Model):
    """One contact of a broadcast: its status and the time it reached each stage.

    Written by the job at the source: a row is claimed (``SELECT … FOR UPDATE SKIP LOCKED``)
    and its outgoing message written in one transaction, so a killed worker leaves each row
    either still ``queued`` (nothing written) or ``sending`` with its message (posted again on
    resume, under the message's id as the channel's idempotency key). The stage timestamps are
    set once, when the stage is first reached; ``status`` is the furthest stage, or ``failed``.
    The contact is a plain id with a name snapshot, so the log outlives a deleted contact.
    """

    Status = RecipientStatus
    Reason = RecipientReason

    # No single-column indexes on the three keys: the composite indexes below lead with each of
    # them (workspace: recipient_ws_sent_idx; broadcast: broadcast_recipient_once; contact:
    # recipient_contact_sent_idx), and every index is written once per recipient of a
    # 200,000-row INSERT when a broadcast starts.
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+", db_index=False)
    broadcast = models.ForeignKey(Broadcast, on_delete=models.CASCADE, related_name="recipients", db_index=False)
    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+", db_index=False
    )
    contact_name = models.CharField(max_length=301, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=RecipientStatus.choices)
    reason = models.CharField(_("reason"), max_length=30, choices=RecipientReason.choices, blank=True)
    # The channel's own words on a failure (an HTTP status, an error text), for the failures list.
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    # The outgoing message written for this recipient (a plain id: messages may be deleted).
    message_id = models.BigIntegerField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    queued_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("broadcast recipient")
        verbose_name_plural = _("broadcast recipients")
        constraints = [
            # The idempotency key: one row, hence one message, per contact and broadcast.
            models.UniqueConstraint(fields=["broadcast", "contact"], name="broadcast_recipient_once"),
            models.CheckConstraint(condition=Q(status__in=RecipientStatus.values), name="recipient_status_valid"),
            models.CheckConstraint(
                condition=Q(reason="") | Q(status__in=["skipped", "failed"]), name="recipient_reason_only_skip_fail"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["skipped", "queued", "failed"]) | Q(message_id__isnull=False),
                name="recipient_message_once_claimed",
            ),
        ]
        indexes = [
            # The job's claims (WHERE broadcast = ? AND status = 'queued' ORDER BY id) and the
            # progress counts (GROUP BY status).
            models.Index(fields=["broadcast", "status", "id"], name="recipient_bc_status_idx"),
            # Delivery callbacks find the recipient of a message.
            models.Index(fields=["message_id"], name="recipient_message_idx"),
            # Replies: the contact's latest broadcasts sent (WHERE contact = ? AND sent_at <= ?).
            models.Index(fields=["contact", "sent_at"], name="recipient_contact_sent_idx"),
            # The report's period scans of sends, per workspace.
            models.Index(fields=["workspace", "sent_at"], name="recipient_ws_sent_idx"),
            # ... and of the recipients never sent (skipped, failed before sending, waiting), which
            # the report places in time by queued_at (docs/reports.md "Transmisiones").
            models.Index(fields=["workspace", "queued_at"], condition=Q(sent_at__isnull=True),
                         name="recipient_ws_unsent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.broadcast_id}/{self.contact_id} {self.status}"


class BroadcastOptOut(models.Model):
    """A contact who asked not to receive broadcasts (in every channel of the workspace)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey("contacts.Contact", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # Where it came from: "keyword" (the contact wrote STOP / BAJA), "user", "api".
    source = models.CharField(max_length=20)

    class Meta:
        verbose_name = _("broadcast opt-out")
        verbose_name_plural = _("broadcast opt-outs")
        constraints = [models.UniqueConstraint(fields=["contact"], name="broadcast_opt_out_once")]

    def __str__(self) -> str:
        return f"opt-out {self.contact_id}"
