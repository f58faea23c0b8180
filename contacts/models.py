from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Workspace


class ConversationSource(models.TextChoices):
    """Who opened or closed a conversation (``Conversation.opened_source`` / ``closed_source``,
    ``ConversationEvent.source``). Written only by ``contacts.services``."""

    CONTACT = "contact", pgettext_lazy("conversation source", "Contact")
    USER = "user", pgettext_lazy("conversation source", "User")
    WORKFLOW = "workflow", pgettext_lazy("conversation source", "Workflow")
    API = "api", pgettext_lazy("conversation source", "API")
    BOT = "bot", pgettext_lazy("conversation source", "Bot")


class SenderKind(models.TextChoices):
    """Who wrote a message. Only ``contact`` messages are incoming; only ``user`` messages (a
    person) count as a response to the contact (``contacts.services.message_create``)."""

    CONTACT = "contact", pgettext_lazy("message sender", "Contact")
    USER = "user", pgettext_lazy("message sender", "User")
    WORKFLOW = "workflow", pgettext_lazy("message sender", "Workflow")
    BOT = "bot", pgettext_lazy("message sender", "Bot")
    API = "api", pgettext_lazy("message sender", "API")
    BROADCAST = "broadcast", pgettext_lazy("message sender", "Broadcast")


class ContactOrigin(models.TextChoices):
    """How a contact came into the CRM (``Contact.origin``), recorded by
    ``contacts.services.contact_create`` in the creation's transaction. ``unknown``: contacts
    created before this was recorded (the data migration's documented default)."""

    CHANNEL = "channel", pgettext_lazy("contact origin", "Channel")
    IMPORT = "import", pgettext_lazy("contact origin", "Import")
    API = "api", pgettext_lazy("contact origin", "API")
    USER = "user", pgettext_lazy("contact origin", "User")
    UNKNOWN = "unknown", pgettext_lazy("contact origin", "Unknown")


class DeliveryStatus(models.TextChoices):
    """Where an outgoing message is on its way to the contact, as its channel reports it
    (``Message.delivery_status``). Written only by ``contacts.services.message_status_record``;
    the order of ``DELIVERY_STATUS_RANK`` is the only direction a status moves."""

    QUEUED = "queued", pgettext_lazy("delivery status", "Queued")
    SENT = "sent", pgettext_lazy("delivery status", "Sent")
    DELIVERED = "delivered", pgettext_lazy("delivery status", "Delivered")
    READ = "read", pgettext_lazy("delivery status", "Read")
    FAILED = "failed", pgettext_lazy("delivery status", "Failed")


# A status replaces the current one only when it ranks higher (docs/architecture.md "Delivery
# status"): a late "delivered" never downgrades "read"; "failed" after "delivered" is ignored
# (the channel already handed it over), while "delivered" / "read" after "failed" win (the
# contact got it after all, e.g. a retry that timed out on our side reached them).
DELIVERY_STATUS_RANK = {
    DeliveryStatus.QUEUED: 0, DeliveryStatus.SENT: 1, DeliveryStatus.FAILED: 2,
    DeliveryStatus.DELIVERED: 3, DeliveryStatus.READ: 4,
}


class ImmutableConversationEventError(Exception):
    pass


class Contact(models.Model):
    """A customer of the workspace. ``assignee`` changes only through ``assignments.services.contact_assign``."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="contacts")
    first_name = models.CharField(_("first name"), max_length=150)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_contacts"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    # How it was created, written once by contacts.services.contact_create (never changed
    # afterwards): an inbound message through a channel (with its id: a plain id because
    # contacts sits below integrations), a Data Import, the Developer API (a token), a user in
    # the app (with the user; a plain id as in ConversationEvent, so deleting the user keeps it).
    # The database default is for rows inserted outside the service (bulk loads): "unknown".
    origin = models.CharField(_("created through"), max_length=20, choices=ContactOrigin.choices,
                              default=ContactOrigin.UNKNOWN, db_default=ContactOrigin.UNKNOWN)
    created_channel_id = models.BigIntegerField(_("created through channel"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False,
        related_name="+",
    )
    # First seen: the timestamp of the contact's earliest incoming message, kept by
    # contacts.services.message_create in the message's transaction. Null: never wrote in.
    first_seen_at = models.DateTimeField(_("first seen"), null=True, blank=True)
    # The workspace's custom fields (CustomField): {key: text}, written only through
    # contacts.custom_fields (validated against the definitions; values trimmed, never empty).
    # The database default is for rows inserted outside the service (bulk loads): no values.
    custom_fields = models.JSONField(_("custom fields"), default=dict, blank=True, db_default={})

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        constraints = [
            models.CheckConstraint(condition=Q(origin__in=ContactOrigin.values), name="contact_origin_valid"),
            # The channel is known exactly for contacts created by an inbound message.
            models.CheckConstraint(
                condition=Q(origin="channel", created_channel_id__isnull=False)
                | (~Q(origin="channel") & Q(created_channel_id__isnull=True)),
                name="contact_created_channel_iff_channel",
            ),
            models.CheckConstraint(
                condition=Q(created_by__isnull=True) | Q(origin="user"), name="contact_created_by_only_for_user",
            ),
        ]
        indexes = [
            # Reportes → Contactos: contacts created in a period (new) and first seen in a period.
            models.Index(fields=["workspace", "created_at"], name="contact_ws_created_idx"),
            models.Index(fields=["workspace", "first_seen_at"], name="contact_ws_first_seen_idx"),
            # Data Import and the Developer API find contacts by email, then phone.
            models.Index(fields=["workspace", "email"], name="contact_ws_email_idx"),
            models.Index(fields=["workspace", "phone"], name="contact_ws_phone_idx"),
            # Inboxes and workflows' "fewest open contacts" count contacts per assignee.
            models.Index(fields=["workspace", "assignee"], name="contact_ws_assignee_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class CustomField(models.Model):
    """A contact field a workspace defines (Configuraciones → Campos personalizados, and the API):
    ``key`` (a slug, fixed once created: contacts' values, segments and message variables name
    it) and ``label``. The values live on each contact (``Contact.custom_fields``)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="custom_fields")
    key = models.CharField(_("key"), max_length=50)
    label = models.CharField(_("label"), max_length=100)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")
        constraints = [
            models.UniqueConstraint(fields=["workspace", "key"], name="custom_field_key_unique"),
        ]

    def __str__(self) -> str:
        return self.label


class Conversation(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="conversations")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="conversations")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closing_note = models.TextField(_("closing note"), blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    bot_paused = models.BooleanField(_("chatbot paused"), default=False)
    last_message_at = models.DateTimeField(null=True, blank=True)

    # Lifecycle, recorded by contacts.services in the same transaction as the change (never
    # reconstructed afterwards). Conversations opened before this was recorded keep the
    # defaults: opened_source "contact", no channel, no opened_by.
    # The custom inbound channel (integrations.Channel) the contact wrote through; a plain id
    # because contacts sits below integrations. Null: opened outside a channel.
    channel_id = models.BigIntegerField(_("channel"), null=True, blank=True)
    opened_source = models.CharField(
        _("opened by (source)"), max_length=20, choices=ConversationSource.choices, default=ConversationSource.CONTACT
    )
    # Only for opened_source "user". Plain ids (as in AssignmentEvent): deleting a user keeps them.
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False,
        related_name="+",
    )
    closed_source = models.CharField(
        _("closed by (source)"), max_length=20, choices=ConversationSource.choices, blank=True
    )
    # The first message of a person (sender_kind "user") in a conversation the contact opened.
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    first_response_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False,
        related_name="+",
    )
    # The first contact message not yet answered by a person; cleared by a person's reply. On a
    # closed conversation it stays set: the contact's last messages went unanswered.
    awaiting_reply_since = models.DateTimeField(_("awaiting a reply since"), null=True, blank=True)

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        constraints = [
            # product.md: at most one open conversation per contact, enforced by the database.
            models.UniqueConstraint(
                fields=["contact"], condition=Q(status="open"), name="conversation_one_open_per_contact"
            ),
            models.CheckConstraint(
                condition=Q(status="open", closed_at__isnull=True) | Q(status="closed", closed_at__isnull=False),
                name="conversation_closed_at_matches_status",
            ),
            models.CheckConstraint(
                condition=Q(opened_source__in=ConversationSource.values), name="conversation_opened_source_valid"
            ),
            # Blank on open conversations; on closed ones the source of the close (conversations
            # closed before closing sources were recorded keep it blank).
            models.CheckConstraint(
                condition=Q(closed_source__in=[*ConversationSource.values, ""]),
                name="conversation_closed_source_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="closed") | Q(closed_source=""), name="conversation_closed_source_only_closed"
            ),
            models.CheckConstraint(
                condition=Q(opened_by__isnull=True) | Q(opened_source="user"),
                name="conversation_opened_by_only_for_user",
            ),
            models.CheckConstraint(
                condition=Q(first_response_at__isnull=True, first_response_by__isnull=True)
                | Q(first_response_at__isnull=False, first_response_by__isnull=False),
                name="conversation_first_response_by_with_at",
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "status", "last_message_at"], name="conv_ws_status_idx"),
            # The reports' "still open at the end of the period" count: opened before the end
            # (opened_at) and not closed by then (closed_at), per workspace.
            models.Index(fields=["workspace", "opened_at"], name="conv_ws_opened_idx"),
            models.Index(fields=["workspace", "closed_at"], name="conv_ws_closed_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.contact}"


class Message(models.Model):
    class Direction(models.TextChoices):
        IN = "in", _("Incoming")
        OUT = "out", _("Outgoing")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="messages")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    # Incoming messages are the contact's; outgoing ones say who sent them (a person, a
    # workflow, the bot, the Developer API, a broadcast). Messages stored before this was
    # recorded were classified once by a data migration: out with an author = user, else api.
    sender_kind = models.CharField(_("sender"), max_length=20, choices=SenderKind.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(default=timezone.now)
    # On a person's outgoing message (sender_kind "user") that answers waiting contact
    # messages: whole seconds from the conversation's awaiting_reply_since to this message.
    response_seconds = models.BigIntegerField(_("response time (seconds)"), null=True, blank=True)
    # Delivery (outgoing messages a channel delivers; blank on incoming messages and on outgoing
    # ones no channel delivers). Written only by message_status_record / message_delivery_queue,
    # which also write the MessageStatusEvent of every change.
    delivery_status = models.CharField(_("delivery status"), max_length=10, choices=DeliveryStatus.choices,
                                       blank=True)
    # Why it failed (delivery_status "failed" only).
    delivery_error = models.CharField(_("delivery error"), max_length=500, blank=True)
    delivery_updated_at = models.DateTimeField(_("delivery status updated at"), null=True, blank=True)
    # The integrations.Channel it is delivered through (a plain id: contacts sits below
    # integrations), and the id that channel gave the message back (its status callbacks may
    # name the message by it).
    delivery_channel_id = models.BigIntegerField(_("delivery channel"), null=True, blank=True)
    external_id = models.CharField(_("external id"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        constraints = [
            models.CheckConstraint(
                condition=Q(delivery_status__in=[*DeliveryStatus.values, ""]), name="message_delivery_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(direction="out") | Q(delivery_status="", delivery_channel_id__isnull=True, external_id=""),
                name="message_delivery_only_outgoing",
            ),
            models.CheckConstraint(
                condition=Q(delivery_status="failed") | Q(delivery_error=""), name="message_delivery_error_only_failed"
            ),
            # A status callback names a message by the channel's id for it: one message per id
            # and channel. Its index serves that lookup.
            models.UniqueConstraint(
                fields=["delivery_channel_id", "external_id"], condition=~Q(external_id=""),
                name="message_external_id_per_channel",
            ),
            models.CheckConstraint(condition=Q(sender_kind__in=SenderKind.values), name="message_sender_kind_valid"),
            models.CheckConstraint(
                condition=Q(direction="in", sender_kind="contact") | (Q(direction="out") & ~Q(sender_kind="contact")),
                name="message_sender_kind_matches_direction",
            ),
            models.CheckConstraint(
                condition=Q(response_seconds__isnull=True)
                | Q(sender_kind="user", response_seconds__isnull=False, response_seconds__gte=0),
                name="message_response_seconds_only_for_user",
            ),
        ]
        indexes = [
            models.Index(fields=["conversation", "created_at"], name="message_conv_created_idx"),
            # Reports' period scans of messages (response times) within a workspace.
            models.Index(fields=["workspace", "created_at"], name="message_ws_created_idx"),
            # Tabla de Clasificación's Mensajes enviados: each member's messages in a period,
            # index-only (only a person's messages have an author).
            models.Index(fields=["workspace", "author", "created_at"], include=["direction", "sender_kind"],
                         condition=Q(author__isnull=False), name="message_ws_author_created_idx"),
            # Respuestas: the responses of a period (a person's replies with a response time),
            # index-only: the responder, the time and the conversation (for the channel filter).
            models.Index(fields=["workspace", "created_at"], name="message_ws_response_idx",
                         condition=Q(response_seconds__isnull=False),
                         include=["author_id", "response_seconds", "conversation_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.direction} #{self.pk} in conversation {self.conversation_id}"


class ImmutableMessageStatusEventError(Exception):
    pass


class MessageStatusEvent(models.Model):
    """One change of an outgoing message's delivery status (docs/architecture.md "Delivery status").

    Immutable; written only by ``contacts.services.message_status_record`` in the same
    transaction as the change of ``Message.delivery_status``. Repeats and ignored statuses (a
    late "delivered" after "read") write none, so a message's events, oldest first, climb the
    rank of ``DELIVERY_STATUS_RANK``. Deleted with the message (a deleted contact's messages go
    with it).
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="status_events")
    status = models.CharField(_("status"), max_length=10, choices=DeliveryStatus.choices)
    # Why it failed (failed), or what the channel said; may be blank.
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    # When it happened: the channel's timestamp (kept within the message's creation and the
    # moment it was recorded), else the moment it was recorded.
    created_at = models.DateTimeField(_("timestamp"), default=timezone.now)

    class Meta:
        verbose_name = _("message status event")
        verbose_name_plural = _("message status events")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=DeliveryStatus.values), name="message_status_event_valid"),
            # Statuses only climb, so each is reached at most once per message; the last line
            # of defence under concurrency (message_status_record locks the message row).
            models.UniqueConstraint(fields=["message", "status"], name="message_status_event_once"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} message #{self.message_id} {self.status}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ImmutableMessageStatusEventError("message status events are immutable")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableMessageStatusEventError("message status events are immutable")


class ConversationEventKind(models.TextChoices):
    """``ConversationEvent.Kind`` (defined here so the model's constraints can name its values)."""

    OPENED = "opened", pgettext_lazy("conversation event", "Opened")
    CLOSED = "closed", pgettext_lazy("conversation event", "Closed")
    FIRST_RESPONSE = "first_response", pgettext_lazy("conversation event", "First response")


class ConversationEvent(models.Model):
    """One step of a conversation's life: opened, closed, first response of a person.

    Immutable; written only by ``contacts.services`` (``conversation_open``,
    ``conversation_close``, ``message_create``) in the same transaction as the change it
    records, never reconstructed afterwards. Events start when lifecycle recording shipped:
    there is no backfill, so conversations opened before have no OPENED event (and never get a
    FIRST_RESPONSE: whether someone answered them before is unknown); their closes are recorded.

    As in ``AssignmentEvent``, references to the conversation, the contact and users are plain
    ids (``db_constraint=False``, ``DO_NOTHING``) next to name snapshots, so a report still shows
    who it was after a user or contact is deleted; only the workspace cascades.
    """

    Kind = ConversationEventKind

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="conversation_events")
    created_at = models.DateTimeField(_("timestamp"), default=timezone.now)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # Who opened / closed it; always "user" for a first response.
    source = models.CharField(_("source"), max_length=20, choices=ConversationSource.choices)
    conversation = models.ForeignKey(
        Conversation, on_delete=models.DO_NOTHING, db_constraint=False, related_name="lifecycle_events"
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.DO_NOTHING, db_constraint=False, related_name="conversation_events"
    )
    contact_name = models.CharField(_("contact name"), max_length=301, blank=True)
    # The person who opened / closed / responded; only for source "user".
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False,
        related_name="+",
    )
    user_name = models.CharField(max_length=150, blank=True)
    # The contact's assignee at that moment (null: unassigned).
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False,
        related_name="+",
    )
    assignee_name = models.CharField(max_length=150, blank=True)
    # Copied from the conversation: the inbound channel it came through (null: none).
    channel_id = models.BigIntegerField(null=True, blank=True)
    # The closing note (closed events only).
    note = models.TextField(_("note"), blank=True)
    # Closed and first response: whole seconds from the conversation's opened_at.
    seconds_since_open = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("conversation event")
        verbose_name_plural = _("conversation events")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ConversationEventKind.values), name="conv_event_kind_valid"),
            models.CheckConstraint(condition=Q(source__in=ConversationSource.values), name="conv_event_source_valid"),
            # A conversation opens, closes and is first answered at most once (it never reopens:
            # a new conversation is opened instead). The last line of defence under concurrency.
            models.UniqueConstraint(fields=["conversation", "kind"], name="conv_event_once_per_kind"),
            models.CheckConstraint(
                condition=Q(source="user", user__isnull=False) | (~Q(source="user") & Q(user__isnull=True)),
                name="conv_event_user_iff_source_user",
            ),
            models.CheckConstraint(
                condition=~Q(kind="first_response") | Q(source="user"), name="conv_event_first_response_by_user"
            ),
            models.CheckConstraint(
                condition=Q(kind="opened", seconds_since_open__isnull=True)
                | (~Q(kind="opened") & Q(seconds_since_open__isnull=False, seconds_since_open__gte=0)),
                name="conv_event_seconds_since_open",
            ),
            models.CheckConstraint(condition=Q(kind="closed") | Q(note=""), name="conv_event_note_only_closed"),
        ]
        indexes = [
            # Period scans of the reports (opened / closed / first responses in a period) and
            # their newest-first lists (created_at DESC, id DESC), per workspace and kind.
            models.Index(fields=["workspace", "kind", "created_at", "id"], name="conv_event_ws_kind_time_idx"),
            # Respuestas: the first responses of a period, index-only (responder, seconds, channel).
            models.Index(fields=["workspace", "created_at"], name="conv_event_ws_first_resp_idx",
                         condition=Q(kind="first_response"), include=["user_id", "seconds_since_open", "channel_id"]),
            # A conversation's history (the "Id. de conversación" filter).
            models.Index(fields=["workspace", "conversation"], name="conv_event_ws_conv_idx"),
            # Per agent: conversations opened / closed / first answered while assigned to them
            # (agent scoping and the "Asignado a" filter)...
            models.Index(fields=["workspace", "assignee", "kind", "created_at"], name="conv_event_ws_assignee_idx"),
            # ... and by them (the user who opened, closed or responded).
            models.Index(fields=["workspace", "user", "kind", "created_at"], name="conv_event_ws_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} #{self.conversation_id} {self.kind} ({self.source})"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ImmutableConversationEventError("conversation events are immutable")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableConversationEventError("conversation events are immutable")


class ConversationDailyCount(models.Model):
    """Opened and closed conversation events per workspace-local day, the Conversaciones rollup.

    Maintained by ``conversation_open`` / ``conversation_close`` in the same transaction as the
    event (``contacts/rollups.py``, an UPSERT), so it is always exactly consistent with
    ``ConversationEvent``; ``rebuild_conversation_rollups`` recomputes it from the events. Days
    are calendar days in the timezone recorded in ``ConversationRollupState``; after a timezone
    change the reports read the raw events until the rebuild commits (docs/performance.md).

    One row per (day, kind, opening source, closing source, channel):

    - ``opened`` rows count opened events by the day they opened; ``closing_source`` is the
      conversation's closing source once it has closed ('' while open): the report's
      closing-source filter applies to Abiertas too, so a close moves its conversation's opened
      count from '' to its closing source (the day and the other keys stay).
    - ``closed`` rows count closed events by the day they closed; ``opening_source`` is the
      source of the conversation's opened event, '' for a conversation opened before lifecycle
      recording (it has no opened event). Hence "open at" an instant = opened rows before it −
      closed rows before it with an opening source, for any channel / source filter.
    """

    # No index of its own: the unique constraint leads with the workspace (and the planner, given
    # both, picked this one for day ranges and filtered every row of the workspace).
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField()
    kind = models.CharField(max_length=20, choices=[(k.value, k.label) for k in (
        ConversationEventKind.OPENED, ConversationEventKind.CLOSED)])
    opening_source = models.CharField(max_length=20, blank=True)
    closing_source = models.CharField(max_length=20, blank=True)
    # The conversation's channel; 0 = none (a unique key cannot hold NULLs that compare equal).
    channel_id = models.BigIntegerField(default=0)
    count = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            # The UPSERT target; its index also serves the report reads (per workspace, a day
            # range or every day up to the period's end for "open at end"):
            # WHERE workspace = ? AND day BETWEEN ? AND ? / AND day <= ?
            models.UniqueConstraint(
                fields=["workspace", "day", "kind", "opening_source", "closing_source", "channel_id"],
                name="conv_daily_count_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.kind} {self.opening_source}/{self.closing_source} ch {self.channel_id}: {self.count}"


class ConversationOwnerDailyCount(models.Model):
    """The closed conversations per owner: the Conversaciones rollup's owner dimension.

    A closed conversation's owner is the assignee recorded on its ``closed`` event, which never
    changes, so ``conversation_close`` counts it here in the same UPSERT as
    ``ConversationDailyCount`` (``contacts/rollups.py``): one ``closed`` row on the day it closed
    and one ``opened`` row on the day it opened (when it has an opened event), keyed like
    ``ConversationDailyCount`` plus the owner (0 = none). Open conversations are not counted
    here: their owner is the contact's assignee now, so the reports read them from the
    conversations open now (few, and reached through the contact's assignee index).
    """

    # No index of its own: the unique constraint leads with the workspace (and the planner, given
    # both, picked this one for day ranges and filtered every row of the workspace).
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+", db_index=False)
    owner_id = models.BigIntegerField(default=0)
    day = models.DateField()
    kind = models.CharField(max_length=20, choices=[(k.value, k.label) for k in (
        ConversationEventKind.OPENED, ConversationEventKind.CLOSED)])
    opening_source = models.CharField(max_length=20, blank=True)
    closing_source = models.CharField(max_length=20, blank=True)
    channel_id = models.BigIntegerField(default=0)
    count = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            # The UPSERT target; its index serves the reads: WHERE workspace = ? AND owner IN (…)
            # AND day >= ? (an owner's days, from the previous period's start).
            models.UniqueConstraint(
                fields=["workspace", "owner_id", "day", "kind", "opening_source", "closing_source", "channel_id"],
                name="conv_owner_daily_count_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.kind} owner {self.owner_id}: {self.count}"


class ConversationOpenCount(models.Model):
    """Conversations open now per workspace, opening source and channel: the running total that
    lets the Conversaciones rollup answer "open at" an instant from the days after it only.

    Moved with ``ConversationDailyCount`` in the same UPSERT (``contacts/rollups.py``): +1 when
    a conversation opens, −1 when a conversation with an opened event closes (one opened with
    no opened event never counted). So it always equals opened − closed-with-an-opening-source
    over the whole history, and open at a local midnight T = this − (opened − closed with an
    opening source) of the days from T on. It does not depend on the timezone; a rebuild
    recomputes it with the day rows.
    """

    # No index of its own: the unique constraint leads with the workspace (and the planner, given
    # both, picked this one for day ranges and filtered every row of the workspace).
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+", db_index=False)
    opening_source = models.CharField(max_length=20)
    channel_id = models.BigIntegerField(default=0)  # 0 = none, as in ConversationDailyCount
    count = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "opening_source", "channel_id"],
                                    name="conv_open_count_unique"),
        ]

    def __str__(self) -> str:
        return f"open now {self.opening_source} ch {self.channel_id}: {self.count}"


class ConversationRollupState(models.Model):
    """The timezone a workspace's conversation rollup was built in; reports use it only when it
    matches the workspace's and ``ready`` (a rebuild in progress, or never built: raw events)."""

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE, related_name="conversation_rollup_state")
    timezone = models.CharField(max_length=64)
    ready = models.BooleanField(default=False)
    rebuilt_at = models.DateTimeField(null=True, blank=True)
    events_counted = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"conversation rollup of workspace {self.workspace_id} in {self.timezone} ({'ready' if self.ready else 'building'})"


class ContactDailyCount(models.Model):
    """New and first-seen contacts per workspace-local day, origin and creation channel: the
    Contactos rollup's additive half (docs/performance.md "Contactos").

    Written by the database itself, in the statement that writes the contact (the trigger
    ``contacts_contact_daily_count``, ``contacts/activity.py``): a contact's row adds one ``new``
    on the local day of ``created_at`` and one ``first_seen`` on the local day of
    ``first_seen_at``; an update moves them, a delete takes them back. So every write path (the
    services, Data Import, bulk loads) keeps it exact. Days are in the timezone of
    ``ConversationRollupState`` (the contacts app's rollups share one state and one rebuild).
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField()
    origin = models.CharField(max_length=20, choices=ContactOrigin.choices)
    # The creation channel; 0 = none (a unique key cannot hold NULLs that compare equal).
    channel_id = models.BigIntegerField(default=0)
    new = models.BigIntegerField(default=0)
    first_seen = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            # The UPSERT target; its index serves the reads: WHERE workspace = ? AND day BETWEEN ? AND ?
            models.UniqueConstraint(fields=["workspace", "day", "origin", "channel_id"],
                                    name="contact_daily_count_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.origin} ch {self.channel_id}: {self.new} new, {self.first_seen} first seen"


class ContactActiveDay(models.Model):
    """"Contact X was active (sent or received a message) on local day D": one row per contact
    and day, the Contactos rollup's distinct half. Active contacts of a period are the distinct
    contacts of its rows (a contact active on two days of a week is one active contact of it).

    Written once per contact and day by the database, in the statement that stores the message
    (the trigger ``contacts_message_active_day``: ``INSERT … ON CONFLICT DO NOTHING``), with the
    contact's facts the report groups and filters by copied (origin, creation channel,
    ``created_at`` for "returning"; the contact trigger keeps them in step and deletes the rows
    of a deleted contact). A plain contact id, no foreign key: the database, not Django's
    deletion collector, owns these rows.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+", db_index=False)
    contact_id = models.BigIntegerField()
    day = models.DateField()
    origin = models.CharField(max_length=20, choices=ContactOrigin.choices)
    channel_id = models.BigIntegerField(default=0)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            # The ON CONFLICT target (once per contact and day) and the contact trigger's lookups.
            models.UniqueConstraint(fields=["contact_id", "day"], name="contact_active_day_unique"),
        ]
        indexes = [
            # The reads: WHERE workspace = ? AND day BETWEEN ? AND ?, index-only.
            models.Index(fields=["workspace", "day"], include=["contact_id", "origin", "channel_id", "created_at"],
                         name="contact_active_ws_day_idx"),
        ]

    def __str__(self) -> str:
        return f"contact {self.contact_id} active on {self.day}"


class ConversationResolution(models.Model):
    """What Reportes → Resoluciones needs of one close, recorded at the source (docs/reports.md
    "Resoluciones"): one row per ``closed`` event, written by ``conversation_close`` in the
    close's transaction (``contacts/resolutions.py``), so the report aggregates these rows in SQL
    instead of deriving each close's facts from the events per request.

    Unlike the immutable events, two columns are derived facts that may change later:

    - ``reopened``: the contact opened another conversation (source contact) within
      ``REOPEN_WINDOW`` of the close. Known only later: ``conversation_open`` sets it in the
      opening's transaction (and ``conversation_close`` when such an opening is already there).
    - ``business_seconds``: the resolution time in business hours under the workspace's schedule
      when it was computed. It is valid for the schedule named by the workspace's
      ``ResolutionFactState.hours_key``; after a schedule or timezone change the report reads the
      events (exact, slower) until ``resolution_business_recompute`` recomputes the column.

    Plain ids (as in ``ConversationEvent``): deleting a user, contact or conversation keeps the row;
    only the workspace cascades.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+", db_index=False)
    conversation_id = models.BigIntegerField(unique=True)
    # The closed event this row describes (the log's tie-break: newest close first, then id).
    closed_event_id = models.BigIntegerField()
    contact_id = models.BigIntegerField()
    closed_at = models.DateTimeField()
    # The closed event's facts the report filters and groups by.
    source = models.CharField(max_length=20, choices=ConversationSource.choices)
    owner_id = models.BigIntegerField(null=True)  # the assignee recorded on the closed event
    owner_name = models.CharField(max_length=150, blank=True)
    channel_id = models.BigIntegerField(null=True)
    # The conversation's opened event (null: opened before lifecycle recording, no time).
    opened_at = models.DateTimeField(null=True)
    seconds = models.BigIntegerField(null=True)  # whole seconds from opened_at to closed_at
    business_seconds = models.BigIntegerField(null=True)
    # Assignment events to a person written while it was the contact's open conversation.
    assignments = models.IntegerField(default=0)
    reopened = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(source__in=ConversationSource.values), name="conv_resolution_source_valid"),
            models.CheckConstraint(
                condition=Q(opened_at__isnull=True, seconds__isnull=True, business_seconds__isnull=True)
                | Q(opened_at__isnull=False, seconds__isnull=False, business_seconds__gte=0),
                name="conv_resolution_times_with_opening",
            ),
        ]
        indexes = [
            # The report's period scans, index-only: every column the aggregates read is included.
            models.Index(fields=["workspace", "closed_at"], name="conv_resolution_ws_closed_idx",
                         include=["owner_id", "source", "channel_id", "seconds", "business_seconds", "assignments",
                                  "reopened"]),
            # An agent's own / the "Asignado a" filter, and each owner's newest name.
            models.Index(fields=["workspace", "owner_id", "closed_at"], name="conv_resolution_ws_owner_idx"),
            # A contact's recent closes, marked reopened when the contact opens a new conversation.
            models.Index(fields=["workspace", "contact_id", "closed_at"], name="conv_resolution_ws_contact_idx"),
        ]

    def __str__(self) -> str:
        return f"resolution of #{self.conversation_id} at {self.closed_at:%Y-%m-%d %H:%M}"


class ResolutionFactState(models.Model):
    """The business-hours schedule a workspace's ``ConversationResolution.business_seconds`` were
    computed with (``contacts.resolutions.hours_key``: "off", or the timezone and the schedule).
    The reports read the recorded business seconds only when it names the schedule in force."""

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE, related_name="+")
    hours_key = models.TextField()
    recomputed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"resolution facts of workspace {self.workspace_id}: {self.hours_key[:40]}"


class AgentDailyCount(models.Model):
    """Per member and workspace-local day: the outgoing messages they wrote (direction ``out``,
    sender ``user``, author = them) and the ``closed`` events they made (source ``user``, user =
    them) — Tabla de Clasificación's Mensajes enviados and Cerradas.

    Written by the database in the statement that stores the message or the event (the trigger
    ``contacts_agent_daily_count``, ``contacts/activity.py``), taken back when one is deleted;
    days in the timezone of ``ConversationRollupState``, rebuilt with the contacts app's rollups.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+", db_index=False)
    user_id = models.BigIntegerField()
    day = models.DateField()
    messages_sent = models.BigIntegerField(default=0)
    closed = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            # The UPSERT target; its index serves the reads: WHERE workspace = ? AND user_id = ANY(?)
            # AND day BETWEEN ? AND ? (a member's days).
            models.UniqueConstraint(fields=["workspace", "user_id", "day"], name="agent_daily_count_unique"),
        ]

    def __str__(self) -> str:
        return f"user {self.user_id} on {self.day}: {self.messages_sent} sent, {self.closed} closed"
