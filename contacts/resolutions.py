"""The resolution facts of Reportes → Resoluciones, recorded at the source (docs/reports.md
"Resoluciones", docs/architecture.md "Resolution facts").

``conversation_close`` calls ``resolution_record`` in the close's transaction: one
``ConversationResolution`` row with the close's filter keys, the resolution time in calendar
seconds and in business hours (the workspace's schedule at that moment), the conversation's
assignment count and whether the contact already opened another conversation within
``REOPEN_WINDOW``. ``conversation_open`` calls ``resolution_reopened_mark`` in the opening's
transaction: a contact's opening marks the contact's closes of the previous ``REOPEN_WINDOW``
reopened. The two together give exactly the report's definition, whatever the order the facts
arrive in (a back-dated close sees the openings already recorded, a later opening marks it).

Business seconds depend on the schedule, which may change after the close:
``ResolutionFactState.hours_key`` names the schedule the column was computed with, and the
report reads the column only while that is the schedule in force (``resolution_facts_current``).
``business_hours_set`` enqueues ``resolution_business_recompute`` (``contacts.tasks``) on
commit; the beat task and ``manage.py rebuild_resolution_facts`` catch any other change (a
workspace's timezone).

``resolution_facts_rebuild`` recomputes every row of a workspace from the events (the data
migration's definition; the benchmark's bulk load and the management command use it).
"""

import json
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from accounts.models import Workspace

from .models import (
    ConversationEvent,
    ConversationResolution,
    ConversationSource,
    ResolutionFactState,
)

# A conversation is "reopened" when its contact opens another one at most this long after it
# closed (both ends included); only the contact writing in again reopens.
REOPEN_WINDOW = timedelta(days=7)
REOPENING_SOURCE = ConversationSource.CONTACT
HOURS_OFF = "off"


def hours_key(settings) -> str:
    """The schedule business seconds are computed with: "off" (business = calendar time, any
    timezone) or the timezone and the canonical schedule."""
    schedule = settings.effective_schedule
    if schedule is None:
        return HOURS_OFF
    return json.dumps({"tz": settings.timezone, "schedule": schedule.to_json()}, sort_keys=True)


def _business_seconds(settings, *, start: datetime, end: datetime, seconds: int) -> int:
    from business_hours.schedule import business_seconds_between

    schedule = settings.effective_schedule
    if schedule is None:
        return max(seconds, 0)
    return business_seconds_between(schedule=schedule, tz=settings.timezone, start=start, end=end)


def _state_locked_key(workspace_id: int, current: str) -> str:
    """The state's key, share-locked until the caller commits (a recompute waits for it, so it
    sees this transaction's row); created with the current key for a workspace without one."""
    lock = " FOR SHARE" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT hours_key FROM {ResolutionFactState._meta.db_table} WHERE workspace_id = %s{lock}",
                       [workspace_id])
        row = cursor.fetchone()
    if row is not None:
        return row[0]
    ResolutionFactState.objects.get_or_create(workspace_id=workspace_id, defaults={"hours_key": current})
    return current


def _contact_reopened(*, workspace_id: int, contact_id: int, conversation_id: int, closed_at: datetime) -> bool:
    """Does the contact have an opening (source contact) of another conversation in
    ``[closed_at, closed_at + REOPEN_WINDOW]``? Through the contact's conversations (few) and the
    ``(workspace, conversation)`` index of the events."""
    from .models import Conversation

    others = list(Conversation.objects.filter(contact_id=contact_id).exclude(pk=conversation_id)
                  .values_list("pk", flat=True))
    return bool(others) and ConversationEvent.objects.filter(
        workspace_id=workspace_id, conversation_id__in=others, kind=ConversationEvent.Kind.OPENED,
        source=REOPENING_SOURCE, created_at__gte=closed_at, created_at__lte=closed_at + REOPEN_WINDOW,
    ).exists()


def resolution_record(*, event: ConversationEvent, workspace: Workspace) -> ConversationResolution:
    """The resolution row of a ``closed`` event, in the close's transaction (``conversation_close``)."""
    from assignments.models import AssignmentEvent
    from business_hours.selectors import business_hours_get

    settings = business_hours_get(workspace=workspace)
    _state_locked_key(workspace.pk, hours_key(settings))
    opened_at = ConversationEvent.objects.filter(
        conversation_id=event.conversation_id, kind=ConversationEvent.Kind.OPENED,
    ).values_list("created_at", flat=True).first()
    seconds = business = None
    if opened_at is not None:
        seconds = (event.created_at - opened_at) // timedelta(seconds=1)
        business = _business_seconds(settings, start=opened_at, end=event.created_at, seconds=seconds)
    assignments = AssignmentEvent.objects.filter(workspace_id=event.workspace_id, conversation_id=event.conversation_id,
                                                 new_assignee__isnull=False).count()
    return ConversationResolution.objects.create(
        workspace_id=event.workspace_id, conversation_id=event.conversation_id, closed_event_id=event.pk,
        contact_id=event.contact_id, closed_at=event.created_at, source=event.source, owner_id=event.assignee_id,
        owner_name=event.assignee_name, channel_id=event.channel_id, opened_at=opened_at, seconds=seconds,
        business_seconds=business, assignments=assignments,
        reopened=_contact_reopened(workspace_id=event.workspace_id, contact_id=event.contact_id,
                                   conversation_id=event.conversation_id, closed_at=event.created_at),
    )


def resolution_reopened_mark(*, event: ConversationEvent) -> int:
    """An ``opened`` event of the contact (source contact) reopens the contact's other closes of
    ``[opened − REOPEN_WINDOW, opened]``; in the opening's transaction (``conversation_open``).
    Returns how many rows it marked."""
    if event.source != REOPENING_SOURCE:
        return 0
    return (ConversationResolution.objects
            .filter(workspace_id=event.workspace_id, contact_id=event.contact_id, reopened=False,
                    closed_at__gte=event.created_at - REOPEN_WINDOW, closed_at__lte=event.created_at)
            .exclude(conversation_id=event.conversation_id).update(reopened=True))


def resolution_facts_current(*, workspace: Workspace, settings) -> bool:
    """True when the recorded business seconds were computed with the schedule in force."""
    state = ResolutionFactState.objects.filter(workspace=workspace).values_list("hours_key", flat=True).first()
    return state == hours_key(settings)


# --- rebuilding (data migration, bulk loads, management command, schedule changes) ------------

# Every close of a workspace with its facts by the report's definition, from the events.
_REBUILD_SQL = """
WITH openings AS MATERIALIZED (
    SELECT contact_id, created_at, conversation_id FROM {events}
    WHERE workspace_id = %(ws)s AND kind = 'opened' AND source = 'contact'
),
reopened AS (  -- a join (hashed by contact: a contact has few conversations), not a subquery per close
    SELECT DISTINCT c.id AS close_id FROM {events} c JOIN openings r ON r.contact_id = c.contact_id
    WHERE c.workspace_id = %(ws)s AND c.kind = 'closed' AND r.conversation_id <> c.conversation_id
      AND r.created_at >= c.created_at AND r.created_at <= c.created_at + interval '7 days'
)
INSERT INTO {facts} (workspace_id, conversation_id, closed_event_id, contact_id, closed_at, source, owner_id,
                     owner_name, channel_id, opened_at, seconds, business_seconds, assignments, reopened)
SELECT c.workspace_id, c.conversation_id, c.id, c.contact_id, c.created_at, c.source, c.assignee_id, c.assignee_name,
       c.channel_id, o.created_at, s.seconds, CASE WHEN s.seconds IS NOT NULL THEN greatest(s.seconds, 0) END,
       coalesce(a.n, 0),
       x.close_id IS NOT NULL
FROM {events} c
LEFT JOIN {events} o ON o.workspace_id = c.workspace_id AND o.kind = 'opened' AND o.conversation_id = c.conversation_id
LEFT JOIN (SELECT conversation_id, count(*) AS n FROM {assignments}
           WHERE workspace_id = %(ws)s AND conversation_id IS NOT NULL AND new_assignee_id IS NOT NULL
           GROUP BY conversation_id) a ON a.conversation_id = c.conversation_id
LEFT JOIN reopened x ON x.close_id = c.id
CROSS JOIN LATERAL (SELECT floor(extract(epoch FROM c.created_at - o.created_at))::bigint AS seconds) s
WHERE c.workspace_id = %(ws)s AND c.kind = 'closed'
"""


def rebuild_sql(*, facts: str, events: str, assignments: str) -> str:
    return _REBUILD_SQL.format(facts=facts, events=events, assignments=assignments)


@transaction.atomic
def resolution_facts_rebuild(*, workspace: Workspace) -> int:
    """Recompute every resolution row of a workspace from its events (business seconds as
    calendar time, then recomputed under the schedule in force). Returns the rows written."""
    facts = ConversationResolution._meta.db_table
    state, _ = ResolutionFactState.objects.select_for_update().get_or_create(workspace=workspace,
                                                                             defaults={"hours_key": HOURS_OFF})
    from assignments.models import AssignmentEvent

    ConversationResolution.objects.filter(workspace=workspace).delete()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(rebuild_sql(facts=facts, events=ConversationEvent._meta.db_table,
                                       assignments=AssignmentEvent._meta.db_table), {"ws": workspace.pk})
            written = cursor.rowcount
    else:
        written = _rebuild_by_rows(workspace)
    ResolutionFactState.objects.filter(pk=state.pk).update(hours_key=HOURS_OFF, recomputed_at=timezone.now())
    resolution_business_recompute(workspace=workspace)
    return written


_BATCH = 5000


@transaction.atomic
def resolution_business_recompute(*, workspace: Workspace) -> int:
    """Recompute ``business_seconds`` of a workspace's resolutions under the schedule in force and
    record it in the state; nothing to do when the state already names it. Returns rows changed.

    Holds the state row locked (a close in progress share-locks it, so its row is seen)."""
    from business_hours.selectors import business_hours_get

    state, _ = ResolutionFactState.objects.select_for_update().get_or_create(workspace=workspace,
                                                                             defaults={"hours_key": ""})
    settings = business_hours_get(workspace=workspace)
    key = hours_key(settings)
    if state.hours_key == key:
        return 0
    facts = ConversationResolution.objects.filter(workspace=workspace, opened_at__isnull=False)
    if settings.effective_schedule is None:
        changed = facts.update(business_seconds=Greatest(F("seconds"), Value(0)))
    else:
        changed = 0
        rows = facts.order_by("pk").values_list("pk", "opened_at", "closed_at", "seconds", "business_seconds")
        batch: list[tuple[int, int]] = []
        for pk, opened_at, closed_at, seconds, old in rows.iterator(chunk_size=_BATCH):
            new = _business_seconds(settings, start=opened_at, end=closed_at, seconds=seconds)
            if new != old:
                batch.append((pk, new))
            if len(batch) >= _BATCH:
                changed += _business_update(batch)
                batch = []
        changed += _business_update(batch)
    ResolutionFactState.objects.filter(pk=state.pk).update(hours_key=key, recomputed_at=timezone.now())
    return changed


def _rebuild_by_rows(workspace: Workspace) -> int:
    """``_REBUILD_SQL`` row by row (SQLite has neither its intervals nor LATERAL)."""
    from assignments.models import AssignmentEvent

    events = ConversationEvent.objects.filter(workspace=workspace)
    opened = dict(events.filter(kind=ConversationEvent.Kind.OPENED).values_list("conversation_id", "created_at"))
    counts: dict[int, int] = {}
    for conversation_id in AssignmentEvent.objects.filter(workspace=workspace, conversation_id__isnull=False,
                                                          new_assignee__isnull=False).values_list("conversation_id",
                                                                                                  flat=True):
        counts[conversation_id] = counts.get(conversation_id, 0) + 1
    openings: dict[int, list[tuple[datetime, int]]] = {}
    for contact_id, at, conversation_id in events.filter(kind=ConversationEvent.Kind.OPENED,
                                                         source=REOPENING_SOURCE).values_list(
            "contact_id", "created_at", "conversation_id"):
        openings.setdefault(contact_id, []).append((at, conversation_id))
    rows = []
    for close in events.filter(kind=ConversationEvent.Kind.CLOSED).order_by("pk"):
        opened_at = opened.get(close.conversation_id)
        seconds = None if opened_at is None else (close.created_at - opened_at) // timedelta(seconds=1)
        rows.append(ConversationResolution(
            workspace_id=workspace.pk, conversation_id=close.conversation_id, closed_event_id=close.pk,
            contact_id=close.contact_id, closed_at=close.created_at, source=close.source, owner_id=close.assignee_id,
            owner_name=close.assignee_name, channel_id=close.channel_id, opened_at=opened_at, seconds=seconds,
            business_seconds=None if seconds is None else max(seconds, 0),
            assignments=counts.get(close.conversation_id, 0),
            reopened=any(close.created_at <= at <= close.created_at + REOPEN_WINDOW and other != close.conversation_id
                         for at, other in openings.get(close.contact_id, [])),
        ))
    ConversationResolution.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def _business_update(batch: list[tuple[int, int]]) -> int:
    if not batch:
        return 0
    objects = [ConversationResolution(pk=pk, business_seconds=value) for pk, value in batch]
    ConversationResolution.objects.bulk_update(objects, ["business_seconds"], batch_size=1000)
    return len(batch)


def resolution_stale_workspace_ids() -> list[int]:
    """Workspaces whose recorded business seconds are not those of the schedule in force (or
    never recorded): the beat task recomputes them."""
    from business_hours.selectors import business_hours_get

    keys = dict(ResolutionFactState.objects.values_list("workspace_id", "hours_key"))
    stale = []
    for workspace in Workspace.objects.order_by("pk"):
        if keys.get(workspace.pk) != hours_key(business_hours_get(workspace=workspace)):
            stale.append(workspace.pk)
    return stale
