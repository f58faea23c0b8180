"""Reads of Transmisiones. Every selector takes the workspace first and filters by it."""

from django.db.models import Count, QuerySet

from accounts.models import Workspace

from .models import Broadcast, BroadcastRecipient, RecipientStatus, Segment
from .segments import segment_contacts


def segment_list(*, workspace: Workspace) -> QuerySet[Segment]:
    return Segment.objects.filter(workspace=workspace).order_by("name", "pk")


def segment_get(*, workspace: Workspace, segment_id) -> Segment | None:
    if not isinstance(segment_id, int) or not 0 < segment_id < 2**62:
        return None
    return Segment.objects.filter(workspace=workspace, pk=segment_id).first()


def segment_contact_count(*, segment: Segment) -> int:
    return segment_contacts(workspace=segment.workspace, filters=segment.filters).count()


def broadcast_list(*, workspace: Workspace) -> QuerySet[Broadcast]:
    return Broadcast.objects.filter(workspace=workspace).select_related("channel").order_by("-created_at", "-pk")


def broadcast_get(*, workspace: Workspace, broadcast_id) -> Broadcast | None:
    if not isinstance(broadcast_id, int) or not 0 < broadcast_id < 2**62:
        return None
    return Broadcast.objects.filter(workspace=workspace, pk=broadcast_id).select_related("channel").first()


def broadcast_progress(*, broadcast: Broadcast) -> dict:
    """Recipients per status (every status present, 0 when none), their total without the
    skipped ones, and the percent handled (sent or further, failed, skipped) of all rows.
    One GROUP BY on the (broadcast, status) index."""
    counts = {status: 0 for status in RecipientStatus.values}
    for row in BroadcastRecipient.objects.filter(broadcast=broadcast).values("status").annotate(n=Count("pk")).order_by():
        counts[row["status"]] = row["n"]
    rows = sum(counts.values())
    pending = counts[RecipientStatus.QUEUED] + counts[RecipientStatus.SENDING]
    return {
        "counts": counts,
        "recipients": rows - counts[RecipientStatus.SKIPPED],
        "rows": rows,
        "written": broadcast.recipients_written_at is not None,
        "percent": 100 if broadcast.recipients_written_at and not pending else (
            0 if not rows else int((rows - pending) * 100 / rows)),
    }


def broadcast_recipient_list(*, workspace: Workspace, broadcast: Broadcast, status: str | None = None
                             ) -> QuerySet[BroadcastRecipient]:
    qs = BroadcastRecipient.objects.filter(workspace=workspace, broadcast=broadcast)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("id")


def broadcast_choices(workspace: Workspace) -> list[tuple[int, str]]:
    """(id, name) of the workspace's broadcasts, newest first (Flujos' broadcast trigger)."""
    return list(Broadcast.objects.filter(workspace=workspace).order_by("-created_at", "-pk").values_list("pk", "name"))
