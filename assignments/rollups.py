"""The assignment rollup (``AssignmentDailyCount``): kept in step with every event, rebuilt on demand.

Why per workspace-local day: every report range is made of whole local days (report.md
"Period"), so day rows answer any preset or custom range exactly, DST included, and stay
small (a few rows per source and user per day). Hour buckets (single-day charts) and the
contact / conversation filters read the raw events, which their indexes serve directly.
"""

from collections import Counter
from datetime import date

from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from accounts.models import Workspace

from .models import (
    AssignmentDailyCount,
    AssignmentEvent,
    AssignmentFact,
    AssignmentFactDaily,
    AssignmentRollupState,
    AssignmentSource,
    ConversationAssignments,
    RollupDimension,
)

_TABLE = AssignmentDailyCount._meta.db_table
_FACTS = AssignmentFactDaily._meta.db_table
# The advisory lock namespace of the rollup (two-int form: class, workspace id).
_LOCK_CLASS = 0x4153


def _rows_for(*, day: date, source: str, new_id, previous_id, assigned_by_id) -> list[tuple]:
    rows = [
        (RollupDimension.ALL.value, 0),
        (RollupDimension.NEW.value, new_id or 0),
        (RollupDimension.PREVIOUS.value, previous_id or 0),
    ]
    if source == AssignmentSource.USER and assigned_by_id:
        rows.append((RollupDimension.ASSIGNED_BY.value, assigned_by_id))
    return [(dimension, key, day, source) for dimension, key in rows]


def _lock_workspace_rollup(workspace_id: int, *, exclusive: bool) -> None:
    """Writers share a lock; a rebuild takes it exclusively, so no event slips between them."""
    if connection.vendor == "postgresql":
        function = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {function}(%s, %s)", [_LOCK_CLASS, workspace_id])


def _upsert(workspace_id: int, counts: Counter, *, shared_lock: bool = False) -> None:
    """Add ``counts`` to the rollup; with ``shared_lock``, take the writers' shared lock first
    in the same round trip (the write path's hot spot)."""
    if not counts:
        return
    # Sorted so concurrent writers take the row locks in the same order (no deadlocks).
    items = sorted(counts.items())
    values = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(items))
    params: list = []
    for (dimension, key, day, source), count in items:
        params += [workspace_id, dimension, key, day, source, count]
    sql = (
        f"INSERT INTO {_TABLE} (workspace_id, dimension, key, day, source, count) VALUES {values} "
        f"ON CONFLICT (workspace_id, dimension, key, day, source) "
        f"DO UPDATE SET count = {_TABLE}.count + excluded.count"
    )
    if shared_lock and connection.vendor == "postgresql":
        # One round trip: Django's psycopg cursors bind parameters client-side, so two
        # statements can travel together.
        sql = "SELECT pg_advisory_xact_lock_shared(%s, %s); " + sql
        params = [_LOCK_CLASS, workspace_id, *params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def wait_bin(seconds: int) -> int:
    """The lower bound of a wait's bin: the wait kept to two significant digits (0–99: itself;
    1234 → 1200), so a bin holds at most a tenth of its waits' size. ``WAIT_BIN_SQL`` is the same."""
    if seconds < 100:
        return seconds
    step = 10 ** (len(str(seconds)) - 2)
    return seconds // step * step


def wait_bin_end(lower: int) -> int:
    """The first wait after the bin starting at ``lower`` (exclusive upper bound)."""
    return lower + 1 if lower < 100 else lower + 10 ** (len(str(lower)) - 2)


# wait_bin in PostgreSQL of the bigint expression {s} (10 ^ n is exact in double precision).
WAIT_BIN_SQL = ("(CASE WHEN {s} < 100 THEN {s} ELSE {s} / (10 ^ (length({s}::text) - 2))::bigint"
                " * (10 ^ (length({s}::text) - 2))::bigint END)")


def fact_rows(*, position: int | None, first_wait: int | None) -> list[tuple[str, int, int]]:
    """The fact rows an event adds to, as ``(fact, seconds, total)``: a first assignment's wait
    and its bin, a reassignment (the second assignment to a person), or none."""
    if first_wait is not None:
        return [(AssignmentFact.FIRST.value, first_wait, first_wait),
                (AssignmentFact.FIRST_BIN.value, wait_bin(first_wait), first_wait)]
    if position == 2:
        return [(AssignmentFact.REASSIGNED.value, 0, 0)]
    return []


def _add_facts(facts: dict, keys, rows) -> None:
    for fact, seconds, total in rows:
        for dimension, key, day, source in keys:
            counted = facts.setdefault((fact, dimension, key, day, source, seconds), [0, 0])
            counted[0] += 1
            counted[1] += total


def _upsert_facts(workspace_id: int, facts: dict) -> None:
    """Add ``facts`` ({(fact, dimension, key, day, source, seconds): [count, total]}) to the fact rollup."""
    if not facts:
        return
    items = sorted(facts.items())
    values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s, %s)"] * len(items))
    params: list = []
    for (fact, dimension, key, day, source, seconds), (count, total) in items:
        params += [workspace_id, fact, dimension, key, day, source, seconds, count, total]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_FACTS} (workspace_id, fact, dimension, key, day, source, seconds, count, total) "
            f"VALUES {values} ON CONFLICT (workspace_id, fact, dimension, key, day, source, seconds) "
            f"DO UPDATE SET count = {_FACTS}.count + excluded.count, total = {_FACTS}.total + excluded.total",
            params,
        )


def rollup_record_event(*, event: AssignmentEvent, workspace_timezone) -> None:
    """Count one new event, and the conversation fact it records; called by ``contact_assign``
    inside its transaction."""
    day = timezone.localtime(event.created_at, workspace_timezone).date()
    rows = _rows_for(day=day, source=event.source, new_id=event.new_assignee_id,
                     previous_id=event.previous_assignee_id, assigned_by_id=event.assigned_by_id)
    _upsert(event.workspace_id, Counter(rows), shared_lock=True)
    facts: dict = {}
    _add_facts(facts, rows, fact_rows(position=event.conversation_assignment, first_wait=event.first_assignment_seconds))
    _upsert_facts(event.workspace_id, facts)


def conversation_assignments_record(*, event: AssignmentEvent) -> None:
    """Keep the conversation's ``ConversationAssignments`` row in step with an assignment to a
    person (``conversation_assignment`` set); called by ``contact_assign`` under the contact's
    row lock, which serializes a conversation's events."""
    if event.conversation_assignment is None:
        return
    reassigned_at = event.created_at if event.conversation_assignment == 2 else None
    tally = ConversationAssignments.objects.filter(conversation_id=event.conversation_id).first()
    if tally is None:
        ConversationAssignments.objects.create(
            conversation_id=event.conversation_id, workspace_id=event.workspace_id,
            assignments=event.conversation_assignment, reassigned_at=reassigned_at,
            last_assigned_at=event.created_at)
        return
    ConversationAssignments.objects.filter(conversation_id=event.conversation_id).update(
        assignments=max(tally.assignments, event.conversation_assignment),
        reassigned_at=tally.reassigned_at or reassigned_at,
        last_assigned_at=max(tally.last_assigned_at, event.created_at))


def conversation_assignments_fill_sql(*, workspace: bool) -> str:
    """``ConversationAssignments`` computed from the events' recorded positions (into an empty
    table, or a workspace's part of it): the data migration and the benchmark's bulk load."""
    where = "AND workspace_id = %s" if workspace else ""
    return f"""
        INSERT INTO {ConversationAssignments._meta.db_table}
            (conversation_id, workspace_id, assignments, reassigned_at, last_assigned_at)
        SELECT conversation_id, workspace_id, max(conversation_assignment),
               min(CASE WHEN conversation_assignment = 2 THEN created_at END), max(created_at)
        FROM {AssignmentEvent._meta.db_table}
        WHERE conversation_assignment IS NOT NULL {where}
        GROUP BY conversation_id, workspace_id"""


@transaction.atomic
def rollup_rebuild(*, workspace: Workspace, batch_size: int = 50_000) -> int:
    """Recompute a workspace's rollup from its events, in its current timezone. Returns events counted.

    Runs in one transaction under the exclusive rollup lock: a crash leaves the previous rollup
    untouched, and a rerun is idempotent.
    """
    _lock_workspace_rollup(workspace.pk, exclusive=True)
    AssignmentRollupState.objects.update_or_create(
        workspace=workspace, defaults={"timezone": workspace.timezone, "ready": False}
    )
    AssignmentDailyCount.objects.filter(workspace=workspace).delete()
    AssignmentFactDaily.objects.filter(workspace=workspace).delete()
    if connection.vendor == "postgresql":
        total = _rebuild_sql(workspace)
    else:
        total = _rebuild_python(workspace, batch_size=batch_size)
    AssignmentRollupState.objects.filter(workspace=workspace).update(
        timezone=workspace.timezone, ready=True, rebuilt_at=timezone.now(), events_counted=total
    )
    return total


def _rebuild_sql(workspace: Workspace) -> int:
    events = AssignmentEvent._meta.db_table
    day = "(e.created_at AT TIME ZONE %(tz)s)::date"
    select = f"""
        SELECT %(ws)s, d.dimension, d.key, d.day, d.source, count(*)
        FROM (
            SELECT 'all' AS dimension, 0::bigint AS key, {day} AS day, e.source FROM {events} e WHERE e.workspace_id = %(ws)s
            UNION ALL
            SELECT 'new', coalesce(e.new_assignee_id, 0), {day}, e.source FROM {events} e WHERE e.workspace_id = %(ws)s
            UNION ALL
            SELECT 'prev', coalesce(e.previous_assignee_id, 0), {day}, e.source FROM {events} e WHERE e.workspace_id = %(ws)s
            UNION ALL
            SELECT 'by', e.assigned_by_id, {day}, e.source FROM {events} e
            WHERE e.workspace_id = %(ws)s AND e.source = 'user' AND e.assigned_by_id IS NOT NULL
        ) d
        GROUP BY d.dimension, d.key, d.day, d.source
    """
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_TABLE} (workspace_id, dimension, key, day, source, count) {select}",
            {"ws": workspace.pk, "tz": workspace.timezone},
        )
        # The facts: the first assignments (with their waits) and the reassignments, from the
        # partial indexes assign_ws_first_time_idx / assign_ws_reassign_time_idx.
        cursor.execute(
            f"""
            INSERT INTO {_FACTS} (workspace_id, fact, dimension, key, day, source, seconds, count, total)
            SELECT %(ws)s, f.fact, d.dimension, d.key, e.day, e.source, f.seconds, count(*), coalesce(sum(e.wait), 0)
            FROM (
                SELECT e.first_assignment_seconds AS wait, {day} AS day, e.source,
                       e.new_assignee_id, e.previous_assignee_id, e.assigned_by_id
                FROM {events} e
                WHERE e.workspace_id = %(ws)s AND (e.first_assignment_seconds IS NOT NULL OR e.conversation_assignment = 2)
            ) e
            CROSS JOIN LATERAL (VALUES (CASE WHEN e.wait IS NOT NULL THEN 'first' ELSE 'reassigned' END, coalesce(e.wait, 0)),
                                       (CASE WHEN e.wait IS NOT NULL THEN 'first_bin' END, {WAIT_BIN_SQL.format(s="e.wait")})
                               ) AS f (fact, seconds)
            CROSS JOIN LATERAL (VALUES ('all', 0::bigint), ('new', coalesce(e.new_assignee_id, 0)),
                                       ('prev', coalesce(e.previous_assignee_id, 0)),
                                       ('by', CASE WHEN e.source = 'user' THEN e.assigned_by_id END)) AS d (dimension, key)
            WHERE d.key IS NOT NULL AND f.fact IS NOT NULL
            GROUP BY f.fact, d.dimension, d.key, e.day, e.source, f.seconds
            """,
            {"ws": workspace.pk, "tz": workspace.timezone},
        )
        cursor.execute(f"SELECT count(*) FROM {events} WHERE workspace_id = %s", [workspace.pk])
        return cursor.fetchone()[0]


def _rebuild_python(workspace: Workspace, *, batch_size: int) -> int:
    tz = workspace.tzinfo
    counts: Counter = Counter()
    facts: dict = {}
    total = 0
    rows = AssignmentEvent.objects.filter(workspace=workspace).values_list(
        "created_at", "source", "new_assignee_id", "previous_assignee_id", "assigned_by_id",
        "conversation_assignment", "first_assignment_seconds",
    )
    for created_at, source, new_id, previous_id, by_id, position, wait in rows.iterator(chunk_size=batch_size):
        total += 1
        day = timezone.localtime(created_at, tz).date()
        keys = _rows_for(day=day, source=source, new_id=new_id, previous_id=previous_id, assigned_by_id=by_id)
        counts.update(keys)
        _add_facts(facts, keys, fact_rows(position=position, first_wait=wait))
    AssignmentDailyCount.objects.bulk_create(
        [
            AssignmentDailyCount(workspace=workspace, dimension=d, key=k, day=day, source=s, count=c)
            for (d, k, day, s), c in counts.items()
        ],
        batch_size=5000,
    )
    AssignmentFactDaily.objects.bulk_create(
        [
            AssignmentFactDaily(workspace=workspace, fact=f, dimension=d, key=k, day=day, source=s, seconds=sec,
                                count=c, total=t)
            for (f, d, k, day, s, sec), (c, t) in facts.items()
        ],
        batch_size=5000,
    )
    return total


def rollup_state_start(*, workspace: Workspace) -> AssignmentRollupState:
    """The state of a new workspace: it has no events, so its (empty) rollup is complete in its timezone."""
    return AssignmentRollupState.objects.create(workspace=workspace, timezone=workspace.timezone, ready=True)


def rollup_stale_workspace_ids() -> list[int]:
    """Workspaces whose rollup the reports cannot read (``rollup_is_ready`` is false): no state
    (created outside ``workspace_create``, e.g. in the admin), not ready, or counted in another
    timezone (changed outside the settings page, or its rebuild task was lost)."""
    fresh = AssignmentRollupState.objects.filter(ready=True, timezone=OuterRef("timezone"), workspace=OuterRef("pk"))
    return list(Workspace.objects.filter(~Exists(fresh)).order_by("pk").values_list("pk", flat=True))


def rollup_is_ready(*, workspace: Workspace) -> bool:
    """True when the rollup counts this workspace's events in its current timezone."""
    state = AssignmentRollupState.objects.filter(workspace=workspace).values_list("timezone", "ready").first()
    return state is not None and state[1] and state[0] == workspace.timezone


def rollup_snapshot(*, workspace: Workspace) -> dict:
    """Every rollup row of a workspace as ``{(dimension, key, day, source): count}`` (tests, checks)."""
    return {
        (r.dimension, r.key, r.day, r.source): r.count
        for r in AssignmentDailyCount.objects.filter(workspace=workspace)
    }


def fact_snapshot(*, workspace: Workspace) -> dict:
    """Every fact row of a workspace as ``{(fact, dimension, key, day, source, seconds): (count, total)}``."""
    return {
        (r.fact, r.dimension, r.key, r.day, r.source, r.seconds): (r.count, r.total)
        for r in AssignmentFactDaily.objects.filter(workspace=workspace)
    }
