"""The Conversaciones rollup (``ConversationDailyCount``): kept in step with every opened and
closed event, rebuilt on demand. The twin of ``assignments/rollups.py`` one floor down (contacts
writes the events, so it keeps their counts; reports reads them).

Why per workspace-local day: every report range is made of whole local days and "open at the
period's end" is an instant at a local midnight, so day rows answer every card, the day / week
/ month bars and both open-at-end counts exactly, DST included. Hour buckets and the owner,
team and contact filters read the raw events.

"Open at" an instant reads ``ConversationOpenCount`` (open now, per opening source × channel)
minus the net change of the day rows from that instant on, so it costs the days after the
instant, not the whole history.
"""

from collections import Counter
from datetime import date

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Sum
from django.utils import timezone

from accounts.models import Workspace

from .activity import activity_rebuild
from .models import (
    ConversationDailyCount,
    ConversationEvent,
    ConversationOpenCount,
    ConversationOwnerDailyCount,
    ConversationRollupState,
)

_TABLE = ConversationDailyCount._meta.db_table
_OPEN_TABLE = ConversationOpenCount._meta.db_table
_OWNER_TABLE = ConversationOwnerDailyCount._meta.db_table
# The advisory lock namespace of this rollup (two-int form: class, workspace id); the
# assignments rollup uses 0x4153.
_LOCK_CLASS = 0x4356
OPENED = ConversationEvent.Kind.OPENED
CLOSED = ConversationEvent.Kind.CLOSED

Key = tuple[date, str, str, str, int]  # day, kind, opening source, closing source, channel (0 = none)
OpenKey = tuple[str, int]  # opening source, channel (0 = none)


def _lock_workspace_rollup(workspace_id: int, *, exclusive: bool) -> None:
    """Writers share a lock; a rebuild takes it exclusively, so no event slips between them."""
    if connection.vendor == "postgresql":
        function = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {function}(%s, %s)", [_LOCK_CLASS, workspace_id])


def _upsert(workspace_id: int, counts: Counter, open_delta: tuple[OpenKey, int] | None = None,
            owner_counts: tuple[int, Counter] | None = None) -> None:
    """Add ``counts`` (``{Key: delta}``) to the day rows, ``open_delta`` to the open-now count and
    ``owner_counts`` (owner, ``{Key: delta}``) to the owner rows under the writers' shared lock,
    in one round trip."""
    items = sorted((key, n) for key, n in counts.items() if n)
    if not items:
        return
    # Sorted so concurrent writers take the row locks in the same order (no deadlocks): the
    # day rows in key order, then the one open-now row, then the owner rows in key order.
    values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(items))
    params: list = []
    for (day, kind, opening_source, closing_source, channel_id), n in items:
        params += [workspace_id, day, kind, opening_source, closing_source, channel_id, n]
    sql = (
        f"INSERT INTO {_TABLE} (workspace_id, day, kind, opening_source, closing_source, channel_id, count) "
        f"VALUES {values} ON CONFLICT (workspace_id, day, kind, opening_source, closing_source, channel_id) "
        f"DO UPDATE SET count = {_TABLE}.count + excluded.count"
    )
    statements = [(sql, params)]
    if open_delta is not None:
        (opening_source, channel_id), n = open_delta
        statements.append((
            f"INSERT INTO {_OPEN_TABLE} (workspace_id, opening_source, channel_id, count) "
            f"VALUES (%s, %s, %s, %s) ON CONFLICT (workspace_id, opening_source, channel_id) "
            f"DO UPDATE SET count = {_OPEN_TABLE}.count + excluded.count",
            [workspace_id, opening_source, channel_id, n],
        ))
    if owner_counts is not None:
        owner, by_key = owner_counts
        owned = sorted((key, n) for key, n in by_key.items() if n)
        owner_params: list = []
        for (day, kind, opening_source, closing_source, channel_id), n in owned:
            owner_params += [workspace_id, owner, day, kind, opening_source, closing_source, channel_id, n]
        statements.append((
            f"INSERT INTO {_OWNER_TABLE} (workspace_id, owner_id, day, kind, opening_source, closing_source, "
            f"channel_id, count) VALUES {', '.join(['(%s, %s, %s, %s, %s, %s, %s, %s)'] * len(owned))} "
            f"ON CONFLICT (workspace_id, owner_id, day, kind, opening_source, closing_source, channel_id) "
            f"DO UPDATE SET count = {_OWNER_TABLE}.count + excluded.count",
            owner_params,
        ))
    if connection.vendor == "postgresql":
        # Django's psycopg cursors bind parameters client-side, so the statements travel together.
        statements = [(
            "; ".join(["SELECT pg_advisory_xact_lock_shared(%s, %s)", *(q for q, _ in statements)]),
            [_LOCK_CLASS, workspace_id, *(p for _, ps in statements for p in ps)],
        )]
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)


def _day(at, tz) -> date:
    return timezone.localtime(at, tz).date()


def rollup_record_opened(*, event: ConversationEvent, workspace_timezone) -> None:
    """Count a new opened event; called by ``conversation_open`` inside its transaction."""
    key = (_day(event.created_at, workspace_timezone), OPENED, event.source, "", event.channel_id or 0)
    _upsert(event.workspace_id, Counter({key: 1}), ((event.source, event.channel_id or 0), 1))


def rollup_record_opened_many(*, events: list[ConversationEvent], workspace_timezone) -> None:
    """``rollup_record_opened`` for the opened events of one workspace written together: the day
    rows and the open-now count, one upsert per opening source × channel (one for a broadcast's
    batch)."""
    by_open_key: dict[OpenKey, list] = {}
    for e in events:
        by_open_key.setdefault((e.source, e.channel_id or 0), []).append(e)
    for open_key, group in sorted(by_open_key.items()):
        counts = Counter((_day(e.created_at, workspace_timezone), OPENED, e.source, "", e.channel_id or 0)
                         for e in group)
        _upsert(group[0].workspace_id, counts, (open_key, len(group)))


def rollup_record_closed(*, event: ConversationEvent, workspace_timezone) -> None:
    """Count a new closed event; called by ``conversation_close`` inside its transaction.

    The conversation's opened event (same transaction; ``conv_event_once_per_kind`` finds it)
    gives the opening source the closed row carries and the day of the opened row whose
    closing source becomes this one. None (opened before lifecycle recording): the close
    counts with opening source '' and moves nothing.
    """
    channel = event.channel_id or 0
    opened = (ConversationEvent.objects.filter(workspace_id=event.workspace_id, conversation_id=event.conversation_id,
                                               kind=OPENED)
              .values_list("created_at", "source").first())
    closed_key = (_day(event.created_at, workspace_timezone), CLOSED, opened[1] if opened else "", event.source,
                  channel)
    counts = Counter({closed_key: 1})
    owned = Counter({closed_key: 1})
    owner = (event.assignee_id or 0, owned)
    if opened is None:
        _upsert(event.workspace_id, counts, owner_counts=owner)
        return
    open_day = _day(opened[0], workspace_timezone)
    counts[(open_day, OPENED, opened[1], "", channel)] -= 1
    counts[(open_day, OPENED, opened[1], event.source, channel)] += 1
    owned[(open_day, OPENED, opened[1], event.source, channel)] += 1
    _upsert(event.workspace_id, counts, ((opened[1], channel), -1), owner)


@transaction.atomic
def rollup_rebuild(*, workspace: Workspace) -> int:
    """Recompute a workspace's conversation rollup from its events, in its current timezone.
    Returns the opened and closed events counted.

    One transaction under the exclusive rollup lock: a crash leaves the previous rollup (and its
    state) untouched, and a rerun is idempotent.
    """
    _lock_workspace_rollup(workspace.pk, exclusive=True)
    ConversationRollupState.objects.update_or_create(
        workspace=workspace, defaults={"timezone": workspace.timezone, "ready": False}
    )
    ConversationDailyCount.objects.filter(workspace=workspace).delete()
    ConversationOpenCount.objects.filter(workspace=workspace).delete()
    ConversationOwnerDailyCount.objects.filter(workspace=workspace).delete()
    total = _rebuild_sql(workspace) if connection.vendor == "postgresql" else _rebuild_python(workspace)
    _rebuild_open_counts(workspace)
    # The Contactos rollup shares this state and lock (contacts/activity.py).
    activity_rebuild(workspace=workspace)
    ConversationRollupState.objects.filter(workspace=workspace).update(
        timezone=workspace.timezone, ready=True, rebuilt_at=timezone.now(), events_counted=total
    )
    return total


def _rebuild_open_counts(workspace: Workspace) -> None:
    """Open now = opened rows − closed rows with an opening source, per opening source × channel
    (the day rows just rebuilt: the same identity the write path keeps)."""
    net: Counter = Counter()
    rows = (ConversationDailyCount.objects.filter(workspace=workspace).exclude(opening_source="")
            .values_list("kind", "opening_source", "channel_id").annotate(n=Sum("count")).order_by())
    for kind, opening_source, channel_id, n in rows:
        net[(opening_source, channel_id)] += n if kind == OPENED else -n
    ConversationOpenCount.objects.bulk_create(
        [ConversationOpenCount(workspace=workspace, opening_source=o, channel_id=ch, count=n)
         for (o, ch), n in sorted(net.items()) if n])


def _rebuild_sql(workspace: Workspace) -> int:
    events = ConversationEvent._meta.db_table
    select = f"""
        SELECT %(ws)s, d.day, d.kind, d.opening_source, d.closing_source, d.channel_id, count(*)
        FROM (
            SELECT (o.created_at AT TIME ZONE %(tz)s)::date AS day, 'opened' AS kind, o.source AS opening_source,
                   coalesce(c.source, '') AS closing_source, coalesce(o.channel_id, 0) AS channel_id
            FROM {events} o
            LEFT JOIN {events} c ON c.workspace_id = o.workspace_id AND c.kind = 'closed'
                                AND c.conversation_id = o.conversation_id
            WHERE o.workspace_id = %(ws)s AND o.kind = 'opened'
            UNION ALL
            SELECT (c.created_at AT TIME ZONE %(tz)s)::date, 'closed', coalesce(o.source, ''), c.source,
                   coalesce(c.channel_id, 0)
            FROM {events} c
            LEFT JOIN {events} o ON o.workspace_id = c.workspace_id AND o.kind = 'opened'
                                AND o.conversation_id = c.conversation_id
            WHERE c.workspace_id = %(ws)s AND c.kind = 'closed'
        ) d
        GROUP BY d.day, d.kind, d.opening_source, d.closing_source, d.channel_id
    """
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_TABLE} (workspace_id, day, kind, opening_source, closing_source, channel_id, count) "
            f"{select}",
            {"ws": workspace.pk, "tz": workspace.timezone},
        )
        # The owner rows: each closed event (its recorded assignee) on its day, and its opened event on its.
        cursor.execute(
            f"""INSERT INTO {_OWNER_TABLE} (workspace_id, owner_id, day, kind, opening_source, closing_source,
                                             channel_id, count)
                SELECT %(ws)s, d.owner_id, d.day, d.kind, d.opening_source, d.closing_source, d.channel_id, count(*)
                FROM (
                    SELECT coalesce(c.assignee_id, 0) AS owner_id, (c.created_at AT TIME ZONE %(tz)s)::date AS day,
                           'closed' AS kind, coalesce(o.source, '') AS opening_source, c.source AS closing_source,
                           coalesce(c.channel_id, 0) AS channel_id
                    FROM {events} c
                    LEFT JOIN {events} o ON o.workspace_id = c.workspace_id AND o.kind = 'opened'
                                        AND o.conversation_id = c.conversation_id
                    WHERE c.workspace_id = %(ws)s AND c.kind = 'closed'
                    UNION ALL
                    SELECT coalesce(c.assignee_id, 0), (o.created_at AT TIME ZONE %(tz)s)::date, 'opened', o.source,
                           c.source, coalesce(o.channel_id, 0)
                    FROM {events} c
                    JOIN {events} o ON o.workspace_id = c.workspace_id AND o.kind = 'opened'
                                   AND o.conversation_id = c.conversation_id
                    WHERE c.workspace_id = %(ws)s AND c.kind = 'closed'
                ) d
                GROUP BY d.owner_id, d.day, d.kind, d.opening_source, d.closing_source, d.channel_id""",
            {"ws": workspace.pk, "tz": workspace.timezone},
        )
        cursor.execute(f"SELECT count(*) FROM {events} WHERE workspace_id = %s AND kind IN ('opened', 'closed')",
                       [workspace.pk])
        return cursor.fetchone()[0]


def _rebuild_python(workspace: Workspace) -> int:
    tz = workspace.tzinfo
    rows = list(ConversationEvent.objects.filter(workspace=workspace, kind__in=[OPENED, CLOSED]).values_list(
        "conversation_id", "kind", "created_at", "source", "channel_id", "assignee_id"))
    opening = {conversation: source for conversation, kind, _, source, _, _ in rows if kind == OPENED}
    closing = {conversation: source for conversation, kind, _, source, _, _ in rows if kind == CLOSED}
    owners = {conversation: owner or 0 for conversation, kind, _, _, _, owner in rows if kind == CLOSED}
    counts: Counter = Counter()
    owned: Counter = Counter()
    for conversation, kind, created_at, source, channel_id, _ in rows:
        if kind == OPENED:
            key = (_day(created_at, tz), OPENED, source, closing.get(conversation, ""), channel_id or 0)
        else:
            key = (_day(created_at, tz), CLOSED, opening.get(conversation, ""), source, channel_id or 0)
        counts[key] += 1
        if conversation in owners:
            owned[(owners[conversation], *key)] += 1
    ConversationOwnerDailyCount.objects.bulk_create(
        [ConversationOwnerDailyCount(workspace=workspace, owner_id=owner, day=day, kind=kind, opening_source=o,
                                     closing_source=c, channel_id=ch, count=n)
         for (owner, day, kind, o, c, ch), n in owned.items()],
        batch_size=5000,
    )
    ConversationDailyCount.objects.bulk_create(
        [ConversationDailyCount(workspace=workspace, day=day, kind=kind, opening_source=o, closing_source=c,
                                channel_id=ch, count=n)
         for (day, kind, o, c, ch), n in counts.items()],
        batch_size=5000,
    )
    return len(rows)


def rollup_state_start(*, workspace: Workspace) -> ConversationRollupState:
    """The state of a new workspace: no events, so its (empty) rollup is complete in its timezone."""
    return ConversationRollupState.objects.create(workspace=workspace, timezone=workspace.timezone, ready=True)


def rollup_stale_workspace_ids() -> list[int]:
    """Workspaces whose rollup the reports cannot read: no state (created before the rollup
    shipped, or outside ``workspace_create``), not ready, or counted in another timezone."""
    fresh = ConversationRollupState.objects.filter(ready=True, timezone=OuterRef("timezone"), workspace=OuterRef("pk"))
    return list(Workspace.objects.filter(~Exists(fresh)).order_by("pk").values_list("pk", flat=True))


def rollup_is_ready(*, workspace: Workspace) -> bool:
    """True when the rollup counts this workspace's events in its current timezone."""
    state = ConversationRollupState.objects.filter(workspace=workspace).values_list("timezone", "ready").first()
    return state is not None and state[1] and state[0] == workspace.timezone


def rollup_snapshot(*, workspace: Workspace) -> dict:
    """Every non-zero rollup row of a workspace as ``{Key: count}`` (tests, ``--check``)."""
    return {
        (r.day, r.kind, r.opening_source, r.closing_source, r.channel_id): r.count
        for r in ConversationDailyCount.objects.filter(workspace=workspace).exclude(count=0)
    }


def rollup_open_snapshot(*, workspace: Workspace) -> dict:
    """Every non-zero open-now count of a workspace as ``{(opening source, channel): count}``."""
    return {
        (r.opening_source, r.channel_id): r.count
        for r in ConversationOpenCount.objects.filter(workspace=workspace).exclude(count=0)
    }


def rollup_owner_snapshot(*, workspace: Workspace) -> dict:
    """Every non-zero owner row of a workspace as ``{(owner, *Key): count}`` (tests, ``--check``)."""
    return {
        (r.owner_id, r.day, r.kind, r.opening_source, r.closing_source, r.channel_id): r.count
        for r in ConversationOwnerDailyCount.objects.filter(workspace=workspace).exclude(count=0)
    }
