"""Writes of Transmisiones: segments, broadcasts, their recipients and the sending job.

The sending job (``broadcast_run``, run by the Celery task ``broadcasts.broadcast_send``):

1. takes the broadcast's lease (``runner`` + ``heartbeat_at``): one run at a time; a run whose
   heartbeat went stale (its worker died) is taken over by the next delivery of the task;
2. once per broadcast, evaluates the segment and writes every recipient row in one
   ``INSERT … SELECT`` (``ON CONFLICT DO NOTHING`` on the (broadcast, contact) key): contacts
   who never wrote through the channel or opted out are written ``skipped`` with the reason;
3. posts again the rows a dead run left ``sending`` (their message is written; the channel
   drops a copy by its idempotency key, the message id);
4. then, batch after batch within the channel's rate limit (each batch claimed while the one
   before is being posted): claims ``queued`` rows
   (``FOR UPDATE SKIP LOCKED``) and writes their outgoing messages through
   ``contacts.services.message_send`` (sender kind ``broadcast``) in ONE transaction, so a
   row is ``sending`` exactly when its message exists; posts them (``sending.messages_post``);
   records ``sent`` / ``failed`` with the reason. The heartbeat is kept fresh on its own clock
   (``_Lease``), every quarter of ``BROADCAST_STALE_SECONDS``, also while a batch is in flight.

Whatever instant a worker is killed at, a restarted job neither writes a second message to any
contact (the claim and the message commit together) nor misses one (the rows still ``queued``
or ``sending`` are picked up again).
"""

import logging
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User, Workspace
from contacts.models import Contact, Conversation, Message, SenderKind
from contacts.services import message_send_many
from integrations.models import Channel

from .models import (
    Broadcast,
    BroadcastOptOut,
    BroadcastRecipient,
    BroadcastStatus,
    RecipientReason,
    RecipientStatus,
    Segment,
)
from .segments import (
    BroadcastInputError,
    segment_contacts,
    segment_filters_clean,
)
from .sending import (
    OutgoingMessage,
    Posting,
    PostResult,
    channel_rate,
    channel_rate_wait,
    messages_post_start,
)
from .variables import message_render, message_text_clean, workspace_variables

logger = logging.getLogger(__name__)

MAX_SCHEDULE_DAYS = 366


def _name(value, field: str, max_length: int = 150) -> str:
    if not isinstance(value, str) or not value.strip():
        raise BroadcastInputError(_("Give it a name."), field=field)
    value = value.replace("\x00", "").strip()
    if len(value) > max_length:
        raise BroadcastInputError(_("At most %(n)s characters.") % {"n": max_length}, field=field)
    return value


# --- Segments ---


@transaction.atomic
def segment_create(*, workspace: Workspace, name: str, filters: dict, created_by: User | None = None) -> Segment:
    name = _name(name, "name")
    clean = segment_filters_clean(workspace=workspace, filters=filters)
    if Segment.objects.filter(workspace=workspace, name__iexact=name).exists():
        raise BroadcastInputError(_("A segment with this name already exists."), field="name")
    return Segment.objects.create(workspace=workspace, name=name, filters=clean, created_by=created_by)


@transaction.atomic
def segment_update(*, segment: Segment, name: str | None = None, filters: dict | None = None) -> Segment:
    if name is not None:
        name = _name(name, "name")
        if Segment.objects.filter(workspace_id=segment.workspace_id, name__iexact=name).exclude(pk=segment.pk).exists():
            raise BroadcastInputError(_("A segment with this name already exists."), field="name")
        segment.name = name
    if filters is not None:
        segment.filters = segment_filters_clean(workspace=segment.workspace, filters=filters)
    segment.save(update_fields=["name", "filters"])
    return segment


@transaction.atomic
def segment_delete(*, segment: Segment) -> None:
    """Broadcasts keep the segment's name (``segment_name``) and their recipients."""
    segment.delete()


# --- Broadcasts ---


def send_at_clean(*, workspace: Workspace, value, now: datetime | None = None) -> datetime | None:
    """``None`` (send now) or the aware instant of ``value``: ISO 8601, with an offset or in the
    workspace's timezone. In the past or more than a year ahead: ``BroadcastInputError``."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise BroadcastInputError(_("send_at is a date and time, YYYY-MM-DDTHH:MM."), field="send_at")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise BroadcastInputError(_("send_at is a date and time, YYYY-MM-DDTHH:MM."), field="send_at") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=workspace.tzinfo)
    now = now or timezone.now()
    if parsed <= now:
        raise BroadcastInputError(_("The scheduled time is in the past."), field="send_at")
    if parsed > now + timedelta(days=MAX_SCHEDULE_DAYS):
        raise BroadcastInputError(_("Schedule it at most a year ahead."), field="send_at")
    return parsed


@transaction.atomic
def broadcast_create(
    *, workspace: Workspace, name: str, channel_id, segment_id, text, fallbacks=None, send_at=None,
    created_by: User | None = None,
) -> Broadcast:
    """A broadcast to the segment's contacts through the channel, sent now (the job is enqueued
    after the commit) or at ``send_at`` (the beat queues it when due).

    Refuses (``BroadcastInputError``) an unknown channel or segment of the workspace, an empty
    segment, unknown variables, an oversize text and a time in the past.
    """
    name = _name(name, "name")
    channel = Channel.objects.filter(workspace=workspace, pk=_int(channel_id)).first() if _int(channel_id) else None
    if channel is None:
        raise BroadcastInputError(_("This workspace has no channel with that id."), field="channel")
    segment = Segment.objects.filter(workspace=workspace, pk=_int(segment_id)).first() if _int(segment_id) else None
    if segment is None:
        raise BroadcastInputError(_("This workspace has no segment with that id."), field="segment")
    text, fallbacks = message_text_clean(text=text, fallbacks=fallbacks, variables=workspace_variables(workspace))
    scheduled_at = send_at_clean(workspace=workspace, value=send_at)
    if not segment_contacts(workspace=workspace, filters=segment.filters).exists():
        raise BroadcastInputError(_("The segment has no contacts."), field="segment")
    broadcast = Broadcast.objects.create(
        workspace=workspace, name=name, channel=channel, segment=segment, segment_name=segment.name,
        text=text, fallbacks=fallbacks,
        status=BroadcastStatus.SCHEDULED if scheduled_at else BroadcastStatus.QUEUED,
        scheduled_at=scheduled_at, created_by=created_by,
        created_by_name=created_by.display_name if created_by else "",
        heartbeat_at=timezone.now(),
    )
    if scheduled_at is None:
        broadcast_enqueue(broadcast_id=broadcast.pk)
    return broadcast


def _int(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value < 2**62 else None
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 18:
        return int(value) or None
    return None


def broadcast_enqueue(*, broadcast_id: int) -> None:
    """Enqueue the sending job after the commit. If the broker is down the broadcast stays
    queued and the beat (``broadcasts_housekeeping``) enqueues it again."""
    from .tasks import broadcast_send_task

    def send():
        try:
            broadcast_send_task.delay(broadcast_id)
        except Exception:  # the broker is unreachable: the housekeeping beat retries
            logger.exception("could not enqueue broadcast %s; the housekeeping beat will", broadcast_id)

    transaction.on_commit(send)


@transaction.atomic
def broadcast_cancel(*, broadcast: Broadcast) -> bool:
    """Stop a scheduled, queued or sending broadcast; the running batch finishes, the rows not
    yet claimed stay ``queued``. False when it had already finished."""
    changed = Broadcast.objects.filter(
        pk=broadcast.pk, status__in=[BroadcastStatus.SCHEDULED, *Broadcast.ACTIVE]
    ).update(status=BroadcastStatus.CANCELLED, finished_at=timezone.now(), runner="")
    broadcast.refresh_from_db()
    return bool(changed)


@transaction.atomic
def broadcast_failed_retry(*, broadcast: Broadcast) -> int:
    """Send the failed recipients again: those whose message was written are posted again (the
    same message, no second one in the conversation); the others are claimed anew. Only a
    finished broadcast (sent) retries; returns how many recipients go again."""
    locked = Broadcast.objects.select_for_update().get(pk=broadcast.pk)
    if locked.status != BroadcastStatus.SENT:
        raise BroadcastInputError(_("Only a broadcast that finished sending can retry its failures."), field="status")
    failed = BroadcastRecipient.objects.filter(broadcast=locked, status=RecipientStatus.FAILED)
    again = failed.filter(message_id__isnull=False).update(
        status=RecipientStatus.SENDING, reason="", detail="", failed_at=None)
    again += failed.filter(message_id__isnull=True).update(
        status=RecipientStatus.QUEUED, reason="", detail="", failed_at=None)
    if again:
        Broadcast.objects.filter(pk=locked.pk).update(
            status=BroadcastStatus.QUEUED, finished_at=None, runner="", heartbeat_at=timezone.now())
        broadcast_enqueue(broadcast_id=locked.pk)
    broadcast.refresh_from_db()
    return again


@transaction.atomic
def contact_opt_out(*, contact: Contact, source: str) -> bool:
    """The contact gets no more broadcasts (rows already claimed are sent). False if already out."""
    _, created = BroadcastOptOut.objects.get_or_create(
        contact=contact, defaults={"workspace_id": contact.workspace_id, "source": source})
    return created


# --- The sending job ---


def _recipients_write(broadcast: Broadcast, lease: "_Lease") -> None:
    """Every contact of the segment as a recipient row, in one statement (200,000 rows in a few
    seconds). Idempotent: ON CONFLICT on the (broadcast, contact) key; runs once per broadcast."""
    filters = broadcast.segment.filters if broadcast.segment_id else None
    with transaction.atomic():
        locked = Broadcast.objects.select_for_update().get(pk=broadcast.pk)
        if locked.recipients_written_at is not None:
            return
        now = timezone.now()
        if filters is not None:
            members_sql, members_params = (
                segment_contacts(workspace=broadcast.workspace, filters=filters).values("pk").query.sql_with_params()
            )
            table = BroadcastRecipient._meta.db_table
            opt_out = BroadcastOptOut._meta.db_table
            # The channel test per contact uses the conversations' contact_id index.
            has_channel = (f"EXISTS (SELECT 1 FROM {Conversation._meta.db_table} v "
                           "WHERE v.contact_id = c.id AND v.channel_id = %s)")
            sql = f"""
                INSERT INTO {table} (workspace_id, broadcast_id, contact_id, contact_name, status, reason,
                                     detail, attempts, queued_at)
                SELECT c.workspace_id, %s, c.id, TRIM(c.first_name || ' ' || c.last_name),
                       CASE WHEN o.id IS NOT NULL OR NOT {has_channel} THEN %s ELSE %s END,
                       CASE WHEN o.id IS NOT NULL THEN %s WHEN NOT {has_channel} THEN %s ELSE '' END,
                       '', 0, %s
                FROM {Contact._meta.db_table} c
                LEFT JOIN {opt_out} o ON o.contact_id = c.id
                WHERE c.id IN ({members_sql})
                ON CONFLICT (broadcast_id, contact_id) DO NOTHING
            """
            channel = broadcast.channel_id
            params = [broadcast.pk, channel, RecipientStatus.SKIPPED, RecipientStatus.QUEUED,
                      RecipientReason.OPTED_OUT, channel, RecipientReason.NO_CHANNEL, now, *members_params]
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
        # The heartbeat commits with the rows: a 200,000-row write takes seconds, and a run
        # waiting on this row's lock to take the lease over sees the fresh heartbeat.
        Broadcast.objects.filter(pk=broadcast.pk).update(recipients_written_at=now)
        Broadcast.objects.filter(pk=broadcast.pk, runner=lease.runner).update(heartbeat_at=timezone.now())


def _lease_take(broadcast_id: int, runner: str) -> bool:
    now = timezone.now()
    stale = now - timedelta(seconds=settings.BROADCAST_STALE_SECONDS)
    return bool(
        Broadcast.objects.filter(pk=broadcast_id)
        .filter(Q(status=BroadcastStatus.QUEUED) | Q(status=BroadcastStatus.SENDING, heartbeat_at__lt=stale)
                | Q(status=BroadcastStatus.SENDING, heartbeat_at__isnull=True))
        .update(status=BroadcastStatus.SENDING, runner=runner, heartbeat_at=now, attempts=F("attempts") + 1,
                started_at=Coalesce("started_at", Value(now)))
    )


def _heartbeat(broadcast_id: int, runner: str) -> bool:
    """Still ours (not cancelled, not taken over)? Refreshes the heartbeat."""
    return bool(Broadcast.objects.filter(pk=broadcast_id, runner=runner, status=BroadcastStatus.SENDING)
                .update(heartbeat_at=timezone.now()))


class _Lease:
    """A run's hold on its broadcast, kept fresh on a clock of its own.

    The heartbeat is refreshed every ``BROADCAST_STALE_SECONDS / 4`` seconds of the run, at every
    step (recipients written, before and after each claim, and while a batch's posts are in
    flight), not once per batch: a batch lasts as long as the channel and the database take (a
    slow endpoint, a loaded machine, the rate limit's wait), and a heartbeat older than the stale
    threshold makes a live run look dead, so the beat enqueues the broadcast again and the next
    delivery takes the lease over while the first run is still sending. ``lost`` turns true when
    a refresh finds the broadcast cancelled or owned by another run; the run then stops after
    recording the batch in flight."""

    def __init__(self, broadcast_id: int, runner: str):
        self.broadcast_id, self.runner = broadcast_id, runner
        self.interval = max(settings.BROADCAST_STALE_SECONDS / 4, 0.05)
        self.refreshed = time.monotonic()
        self.lost = False

    def beat(self, *, force: bool = False) -> bool:
        """Refresh the heartbeat if due (or ``force``); False once the lease is lost."""
        if self.lost:
            return False
        if force or time.monotonic() - self.refreshed >= self.interval:
            if not _heartbeat(self.broadcast_id, self.runner):
                self.lost = True
                return False
            self.refreshed = time.monotonic()
        return True


def _outgoing(broadcast: Broadcast, recipient, contact: Contact, text: str) -> OutgoingMessage:
    return OutgoingMessage(message_id=recipient.message_id, channel_id=broadcast.channel_id, contact_id=contact.pk,
                           phone=contact.phone, email=contact.email, text=text)


@dataclass
class _Claimed:
    """A claimed recipient row and what the claim made of it (plain values: a batch is 500)."""

    pk: int
    contact_id: int
    status: str = RecipientStatus.QUEUED
    reason: str = ""
    message_id: int | None = None
    failed_at: datetime | None = None


def _claim(broadcast: Broadcast, size: int) -> tuple[list[OutgoingMessage], int]:
    """Claim up to ``size`` queued rows and write their messages, in one transaction.
    Returns the messages to post and how many rows were claimed."""
    now = timezone.now()
    with transaction.atomic():
        rows = [
            _Claimed(pk=pk, contact_id=contact_id) for pk, contact_id in
            BroadcastRecipient.objects.select_for_update(skip_locked=True)
            .filter(broadcast_id=broadcast.pk, status=RecipientStatus.QUEUED).order_by("id")
            .values_list("pk", "contact_id")[:size]
        ]
        if not rows:
            return [], 0
        contact_ids = [r.contact_id for r in rows]
        opted_out = set(BroadcastOptOut.objects.filter(contact_id__in=contact_ids).values_list("contact_id", flat=True))
        for row in rows:
            if row.contact_id in opted_out:  # opted out after the rows were written
                row.status, row.reason = RecipientStatus.SKIPPED, RecipientReason.OPTED_OUT
        # The contacts' write path, for the whole batch: conversations opened through the
        # channel, OPENED events, the rollup, the messages (sender kind "broadcast").
        contacts: dict[int, Contact] = {}

        def text_for(contact: Contact) -> str:
            contacts[contact.pk] = contact
            return message_render(text=broadcast.text, fallbacks=broadcast.fallbacks, contact=contact)

        written = message_send_many(
            contact_ids=[r.contact_id for r in rows if r.status == RecipientStatus.QUEUED], text_for=text_for,
            sender_kind=SenderKind.BROADCAST, channel_id=broadcast.channel_id, at=now,
        )
        outgoing = []
        for row in rows:
            if row.status != RecipientStatus.QUEUED:
                continue
            message = written.get(row.contact_id)
            if message is not None:
                row.status, row.message_id = RecipientStatus.SENDING, message.pk
                outgoing.append(_outgoing(broadcast, row, contacts[row.contact_id], message.text))
            else:  # the contact was deleted
                row.status, row.reason, row.failed_at = RecipientStatus.FAILED, RecipientReason.CONTACT_DELETED, now
        _claimed_record(rows)
    return outgoing, len(rows)


def _claimed_record(rows: list[_Claimed]) -> None:
    """Write the claimed rows' new state: one ``UPDATE … FROM (VALUES (id, message id), …)`` for
    the rows now ``sending`` (Django's bulk_update builds a CASE of one branch per row, far
    slower for a batch), one per other outcome."""
    sending = [r for r in rows if r.status == RecipientStatus.SENDING]
    if sending and connection.vendor == "postgresql":
        table = BroadcastRecipient._meta.db_table
        with connection.cursor() as cursor:
            # The batch as two arrays: two parameters, whatever its size.
            cursor.execute(
                f"UPDATE {table} SET status = %s, attempts = {table}.attempts + 1, message_id = v.message_id "
                f"FROM unnest(%s::bigint[], %s::bigint[]) AS v(id, message_id) WHERE {table}.id = v.id",
                [RecipientStatus.SENDING, [r.pk for r in sending], [r.message_id for r in sending]],
            )
    elif sending:
        table = BroadcastRecipient._meta.db_table
        values = ", ".join(["(%s, %s)"] * len(sending))
        params: list = [RecipientStatus.SENDING]
        for row in sending:
            params += [row.pk, row.message_id]
        with connection.cursor() as cursor:
            # VALUES' columns are column1, column2 in PostgreSQL and SQLite alike.
            cursor.execute(
                f"UPDATE {table} SET status = %s, attempts = {table}.attempts + 1, message_id = v.column2 "
                f"FROM (VALUES {values}) AS v WHERE {table}.id = v.column1",
                params,
            )
    others: dict[tuple, list[int]] = defaultdict(list)
    for row in rows:
        if row.status != RecipientStatus.SENDING:
            others[(row.status, row.reason, row.failed_at)].append(row.pk)
    for (status, reason, failed_at), ids in others.items():
        BroadcastRecipient.objects.filter(pk__in=ids).update(status=status, reason=reason, failed_at=failed_at)


def _orphans(broadcast: Broadcast, size: int, after_id: int) -> tuple[list[OutgoingMessage], int]:
    """Rows left ``sending`` (a dead run, or failures put back by a retry), from ``after_id``."""
    rows = list(BroadcastRecipient.objects.filter(
        broadcast_id=broadcast.pk, status=RecipientStatus.SENDING, id__gt=after_id).order_by("id")[:size])
    if not rows:
        return [], after_id
    contacts = Contact.objects.in_bulk([r.contact_id for r in rows])
    texts = dict(Message.objects.filter(pk__in=[r.message_id for r in rows]).values_list("pk", "text"))
    outgoing, lost = [], []
    for row in rows:
        contact, text = contacts.get(row.contact_id), texts.get(row.message_id)
        if contact is None or text is None:
            lost.append(row.pk)
        else:
            outgoing.append(_outgoing(broadcast, row, contact, text))
    if lost:
        BroadcastRecipient.objects.filter(pk__in=lost, status=RecipientStatus.SENDING).update(
            status=RecipientStatus.FAILED, reason=RecipientReason.CONTACT_DELETED, failed_at=timezone.now())
    return outgoing, rows[-1].pk


def _post_and_record(outgoing: list[OutgoingMessage], lease: "_Lease", channel: Channel) -> None:
    if outgoing:
        _record(messages_post_start(outgoing, channel=channel), lease)


def _record(posting: Posting | None, lease: "_Lease") -> None:
    """Wait for a batch's posts (keeping the lease fresh) and record the channel's answers."""
    if posting is not None:
        recipient_results_record(posting.results(waiting=lease.beat, every=lease.interval))


def recipient_results_record(results: dict[int, PostResult]) -> None:
    """Record the channel's answer to each posted message (by message id): sent, or failed with
    the reason. A stage reached already (a delivery callback faster than this) is kept."""
    now = timezone.now()
    ok = [mid for mid, result in results.items() if result.ok]
    failures: dict[tuple[str, str], list[int]] = defaultdict(list)
    for mid, result in results.items():
        if not result.ok:
            failures[(result.reason, result.detail)].append(mid)
    with transaction.atomic():
        if ok:
            BroadcastRecipient.objects.filter(message_id__in=ok).update(
                sent_at=Coalesce("sent_at", Value(now)),
                status=Case(When(status=RecipientStatus.SENDING, then=Value(RecipientStatus.SENT)), default=F("status")),
            )
        for (reason, detail), ids in failures.items():
            BroadcastRecipient.objects.filter(message_id__in=ids, status=RecipientStatus.SENDING).update(
                status=RecipientStatus.FAILED, reason=reason, detail=detail, failed_at=now)


def broadcast_run(*, broadcast_id: int, batch_size: int | None = None) -> bool:
    """Send the broadcast (see the module docstring). False when another live run owns it, it
    is not active (finished, cancelled, scheduled) or it was taken from this run (cancelled, or
    this run's heartbeat went stale). Safe to call any number of times."""
    runner = uuid.uuid4().hex
    if not _lease_take(broadcast_id, runner):
        return False
    lease = _Lease(broadcast_id, runner)
    broadcast = Broadcast.objects.select_related("segment", "workspace", "channel").get(pk=broadcast_id)
    # A batch is at most one second of the channel's budget, so a slow channel's rate holds.
    size = min(batch_size or settings.BROADCAST_BATCH_SIZE, channel_rate(broadcast.channel_id))
    _recipients_write(broadcast, lease)
    after = 0
    while True:
        outgoing, after_next = _orphans(broadcast, size, after)
        if after_next == after:
            break
        after = after_next
        channel_rate_wait(channel_id=broadcast.channel_id, count=max(len(outgoing), 1))
        _post_and_record(outgoing, lease, broadcast.channel)
        if not lease.beat(force=True):
            return False
    # The batches overlap: batch N+1 is claimed (its messages written) while batch N's posts are
    # in flight; then N's answers are recorded and N+1's posts start. Every batch claimed is
    # posted and recorded, even when the lease is lost meanwhile (its rows are "sending").
    posting: Posting | None = None
    while True:
        channel_rate_wait(channel_id=broadcast.channel_id, count=size)
        claimed = 0
        if lease.beat():
            outgoing, claimed = _claim(broadcast, size)
        _record(posting, lease)
        posting = messages_post_start(outgoing, channel=broadcast.channel) if claimed and outgoing else None
        if not claimed:
            break
    if not lease.beat(force=True):
        return False
    Broadcast.objects.filter(pk=broadcast_id, runner=runner, status=BroadcastStatus.SENDING).update(
        status=BroadcastStatus.SENT, finished_at=timezone.now(), runner="")
    return True


def broadcasts_housekeeping(*, now: datetime | None = None) -> dict:
    """The beat: queue scheduled broadcasts that are due, and enqueue again the active ones whose
    heartbeat went stale (a worker died, or the enqueue was lost while the broker was down)."""
    now = now or timezone.now()
    due = list(Broadcast.objects.filter(status=BroadcastStatus.SCHEDULED, scheduled_at__lte=now)
               .values_list("pk", flat=True))
    if due:
        Broadcast.objects.filter(pk__in=due, status=BroadcastStatus.SCHEDULED).update(
            status=BroadcastStatus.QUEUED, heartbeat_at=now)
    stale = now - timedelta(seconds=settings.BROADCAST_STALE_SECONDS)
    stalled = list(Broadcast.objects.filter(status__in=Broadcast.ACTIVE, heartbeat_at__lt=stale)
                   .exclude(pk__in=due).values_list("pk", flat=True))
    if stalled:
        # A queued one enqueued again when stale: a lost message is replaced; a duplicate is harmless (the lease).
        Broadcast.objects.filter(pk__in=stalled, status=BroadcastStatus.QUEUED).update(heartbeat_at=now)
    from .tasks import broadcast_send_task

    for broadcast_id in [*due, *stalled]:
        try:
            broadcast_send_task.delay(broadcast_id)
        except Exception:
            logger.exception("could not enqueue broadcast %s", broadcast_id)
    return {"due": len(due), "stalled": len(stalled)}


# --- Delivery tracking: the channel's statuses and the contact's reply ---

# How far each status is; a recipient only moves forward (a late "delivered" after "read" is
# ignored). "failed" from the channel ranks above "sent" and below "delivered", as the
# message's own delivery status does (contacts.models.DELIVERY_STATUS_RANK).
RECIPIENT_RANK = {
    RecipientStatus.SKIPPED: -1, RecipientStatus.QUEUED: 0, RecipientStatus.SENDING: 1, RecipientStatus.SENT: 2,
    RecipientStatus.FAILED: 3, RecipientStatus.DELIVERED: 4, RecipientStatus.READ: 5, RecipientStatus.REPLIED: 6,
}
_STAGE_FIELD = {
    RecipientStatus.SENT: "sent_at", RecipientStatus.DELIVERED: "delivered_at", RecipientStatus.READ: "read_at",
    RecipientStatus.FAILED: "failed_at",
}
STOP_WORDS = frozenset({"stop", "baja", "alto", "cancelar", "unsubscribe"})


@transaction.atomic
def recipient_delivery_record(*, message_id: int, status: str, reason: str = "", at: datetime | None = None
                              ) -> BroadcastRecipient | None:
    """The channel says the broadcast message ``message_id`` is sent / delivered / read / failed.

    Sets the stage's time once (a delivered message was sent, a read one delivered: the earlier
    stages get the same time when they were never reported) and moves the status forward only.
    ``None`` when the message is no broadcast's."""
    recipient = BroadcastRecipient.objects.select_for_update().filter(message_id=message_id).first()
    if recipient is None or status not in _STAGE_FIELD:
        return None
    at = at or timezone.now()
    fields = []
    stages = {
        RecipientStatus.SENT: [RecipientStatus.SENT],
        RecipientStatus.DELIVERED: [RecipientStatus.SENT, RecipientStatus.DELIVERED],
        RecipientStatus.READ: [RecipientStatus.SENT, RecipientStatus.DELIVERED, RecipientStatus.READ],
        RecipientStatus.FAILED: [RecipientStatus.FAILED],
    }[status]
    for stage in stages:
        field = _STAGE_FIELD[stage]
        if getattr(recipient, field) is None:
            setattr(recipient, field, at)
            fields.append(field)
    if RECIPIENT_RANK[status] > RECIPIENT_RANK[recipient.status]:
        recipient.status = status
        fields.append("status")
        if status == RecipientStatus.FAILED:
            recipient.reason, recipient.detail = RecipientReason.DELIVERY_FAILED, (reason or "")[:300]
            fields += ["reason", "detail"]
        elif recipient.reason:  # a delivery after a reported failure wins
            recipient.reason, recipient.detail = "", ""
            fields += ["reason", "detail"]
    if fields:
        recipient.save(update_fields=fields)
    return recipient


def recipient_reply_record(*, message: Message) -> BroadcastRecipient | None:
    """An incoming message, inside its transaction: the reply to the broadcast last sent to this
    contact through the conversation's channel within ``BROADCAST_REPLY_WINDOW_HOURS`` and not
    yet answered. Its ``replied_at`` and status are set; once committed, the workflows whose
    trigger is "contact replied to broadcast X" run. A STOP / BAJA message opts the contact out.
    """
    conversation = message.conversation
    contact_id = conversation.contact_id
    if (message.text or "").strip().lower().strip(".!¡ ") in STOP_WORDS:
        BroadcastOptOut.objects.get_or_create(contact_id=contact_id,
                                              defaults={"workspace_id": message.workspace_id, "source": "keyword"})
    if conversation.channel_id is None:
        return None
    since = message.created_at - timedelta(hours=settings.BROADCAST_REPLY_WINDOW_HOURS)
    recipient = (
        BroadcastRecipient.objects.select_for_update(of=("self",))
        .filter(contact_id=contact_id, sent_at__isnull=False, sent_at__gte=since, sent_at__lte=message.created_at,
                broadcast__channel_id=conversation.channel_id)
        .order_by("-sent_at", "-id").first()
    )
    if recipient is None or recipient.replied_at is not None:
        return None  # only the latest broadcast gets the reply, and only its first one
    recipient.replied_at = message.created_at
    recipient.status = RecipientStatus.REPLIED
    recipient.save(update_fields=["replied_at", "status"])
    broadcast_id = recipient.broadcast_id

    def run_workflows():
        # Imported here: called from contacts' signal; workflows sits below broadcasts.
        from workflows.services import workflow_trigger_broadcast_replied

        workflow_trigger_broadcast_replied(conversation=conversation, broadcast_id=broadcast_id)

    # After the commit, as conversation_opened workflows run: each in its own transaction.
    transaction.on_commit(run_workflows)
    return recipient
