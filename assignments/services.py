"""The one write path of assignments (product.md "Assignment rules").

Every source — Developer API, Zapier, Dialogflow bot, workflows, users in Mensajes and
contact imports — calls ``contact_assign``. Nothing else changes ``Contact.assignee`` or
writes ``AssignmentEvent`` rows.

It has two implementations with the same behaviour (tests/assignments/test_write_path_postgres.py
runs the same operations through both): on PostgreSQL a present-moment assignment is one
round trip of two prepared statements (the hot path: 8 concurrent writers, see
docs/performance.md); SQLite, and past timestamps (``at``: seeding, history imports), go
through the ORM.
"""

import time
from datetime import datetime, timedelta

import psycopg
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Count
from django.utils import timezone
from psycopg.types.numeric import Int8

from accounts.context import Actor
from accounts.models import Membership, User
from contacts.models import Contact, Conversation

from .models import (
    AssignmentDailyCount,
    AssignmentEvent,
    AssignmentFactDaily,
    AssignmentSource,
    ConversationAssignments,
)
from .rollups import _LOCK_CLASS, WAIT_BIN_SQL, conversation_assignments_record, rollup_record_event
from .rules import assignment_refusal


class AssignmentError(ValueError):
    """The assignment cannot be made (e.g. the assignee is not a member of the workspace)."""

    def __init__(self, message: str, field: str = "assignee"):
        super().__init__(message)
        self.message = message
        self.field = field


class AssignmentRefused(Exception):
    """The actor's role (and the workspace's agent settings) does not allow this assignment."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _check_members(*, workspace_id: int, assignee: User | None, assigned_by: User | None) -> None:
    """Both users must belong to the contact's workspace (one query for both)."""
    wanted = {user.pk for user in (assignee, assigned_by) if user is not None}
    if not wanted:
        return
    members = set(
        Membership.objects.filter(workspace_id=workspace_id, user_id__in=wanted).values_list("user_id", flat=True)
    )
    if assignee is not None and assignee.pk not in members:
        raise AssignmentError("the assignee is not a member of this workspace")
    if assigned_by is not None and assigned_by.pk not in members:
        raise AssignmentError("the assigning user is not a member of this workspace", field="assigned_by")


# str.strip() with no argument strips exactly these characters (Contact.name strips them).
_PYTHON_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


def _assign_sql() -> tuple[str, str]:
    """The PostgreSQL write path: the same steps as the ORM path, as two statements.

    1. Lock the contact row (rule 4), as ``select_for_update(of=("self",))`` does.
    2. With a fresh snapshot — so it sees whatever the writer we may have waited for
       committed — read the current assignee and its name, the workspace timezone and the
       open conversation, check both users' membership and, only when the assignee changes
       and both are members, insert the event, move the contact, add the event (and the
       conversation fact it records) to the rollups under the writers' shared lock (as
       ``rollup_record_event`` does) and keep the conversation's ``ConversationAssignments``. It returns
       the checks, the current assignee and the new event (NULLs when nothing was written).

    The event's position among its conversation's assignments to a person and, on the
    conversation's first event while the contact was unassigned, its wait since the opening
    (``conversation_assignment``, ``first_assignment_seconds``) come from the conversation's
    events read after the lock: every event of a conversation is of its one contact, whose row
    lock serializes them.

    The timestamp is taken after the lock (``clock_timestamp()``, once), so a contact's
    events are ordered as its chain is. Names follow ``Contact.name`` (first and last name
    stripped of Python's whitespace, else ``#<id>``) and ``User.display_name`` (name, else
    email); the new assignee's and the assigning user's names come from the passed users,
    as in the ORM path. The rollup day is the event's date in the workspace timezone, as
    the rebuild computes it.
    """
    contacts, conversations = Contact._meta.db_table, Conversation._meta.db_table
    users, members = User._meta.db_table, Membership._meta.db_table
    workspaces = Contact._meta.get_field("workspace").related_model._meta.db_table
    events, rollup = AssignmentEvent._meta.db_table, AssignmentDailyCount._meta.db_table
    facts, tallies = AssignmentFactDaily._meta.db_table, ConversationAssignments._meta.db_table
    wait_bin = WAIT_BIN_SQL.format(s="event.first_assignment_seconds")
    event_columns = ", ".join(f.column for f in AssignmentEvent._meta.concrete_fields)
    inserted = ", ".join(f.column for f in AssignmentEvent._meta.concrete_fields if not f.primary_key)
    whitespace = "U&'" + "".join(f"\\{ord(c):04X}" for c in _PYTHON_WHITESPACE) + "'"
    lock = f"SELECT 1 FROM {contacts} WHERE id = %(contact)s FOR UPDATE"
    write = f"""
WITH current AS MATERIALIZED (
    SELECT c.id, c.workspace_id, c.assignee_id, w.timezone, clock_timestamp() AS now,
           coalesce(nullif(btrim(c.first_name || ' ' || c.last_name, {whitespace}), ''), '#' || c.id) AS contact_name,
           coalesce((SELECT coalesce(nullif(u.name, ''), u.email) FROM {users} u WHERE u.id = c.assignee_id),
                    '') AS previous_name,
           v.id AS conversation_id, v.opened_at,
           prior.events AS events_before, prior.assignments AS assignments_before,
           (%(new)s::bigint IS NULL OR EXISTS (
                SELECT 1 FROM {members} m WHERE m.workspace_id = c.workspace_id AND m.user_id = %(new)s::bigint
           )) AS assignee_ok,
           (%(by)s::bigint IS NULL OR EXISTS (
                SELECT 1 FROM {members} m WHERE m.workspace_id = c.workspace_id AND m.user_id = %(by)s::bigint
           )) AS by_ok
    FROM {contacts} c JOIN {workspaces} w ON w.id = c.workspace_id
    LEFT JOIN LATERAL (SELECT v.id, v.opened_at FROM {conversations} v WHERE v.contact_id = c.id AND v.status = 'open'
                       ORDER BY v.id LIMIT 1) v ON true
    -- the open conversation's events so far (assign_ws_conv_time_idx), for its position and first wait
    LEFT JOIN LATERAL (SELECT count(*) AS events, count(e.new_assignee_id) AS assignments FROM {events} e
                       WHERE e.workspace_id = c.workspace_id AND e.conversation_id = v.id) prior ON true
    WHERE c.id = %(contact)s
),
event AS (
    INSERT INTO {events} ({inserted})
    SELECT workspace_id, now, %(source)s::text, id, contact_name, conversation_id, assignee_id, previous_name,
           %(new)s::bigint, %(new_name)s::text, %(by)s::bigint, %(by_name)s::text,
           CASE WHEN %(new)s::bigint IS NOT NULL AND conversation_id IS NOT NULL THEN assignments_before + 1 END,
           CASE WHEN %(new)s::bigint IS NOT NULL AND conversation_id IS NOT NULL AND events_before = 0
                     AND assignee_id IS NULL
                THEN greatest(0, floor(extract(epoch FROM now - opened_at)))::bigint END
    FROM current
    WHERE assignee_ok AND by_ok AND assignee_id IS DISTINCT FROM %(new)s::bigint
    RETURNING {event_columns}
),
moved AS (
    UPDATE {contacts} c SET assignee_id = event.new_assignee_id, updated_at = event.created_at
    FROM event WHERE c.id = event.contact_id
),
shared AS (
    SELECT pg_advisory_xact_lock_shared({_LOCK_CLASS}, event.workspace_id::integer) FROM event
),
counted AS (
    INSERT INTO {rollup} (workspace_id, dimension, key, day, source, count)
    SELECT event.workspace_id, d.dimension, d.key, (event.created_at AT TIME ZONE current.timezone)::date,
           event.source, 1
    FROM event CROSS JOIN current CROSS JOIN shared
    CROSS JOIN LATERAL (VALUES ('all', 0::bigint), ('new', coalesce(event.new_assignee_id, 0)),
                               ('prev', coalesce(event.previous_assignee_id, 0)),
                               ('by', event.assigned_by_id)) AS d (dimension, key)
    WHERE d.key IS NOT NULL
    -- the order of rollups._upsert, so writers on both paths take the row locks alike
    ORDER BY d.dimension, d.key
    ON CONFLICT (workspace_id, dimension, key, day, source)
    DO UPDATE SET count = {rollup}.count + excluded.count
),
-- the conversation facts of the event (rollups.fact_rows), in the same rows' dimensions
facts AS (
    INSERT INTO {facts} (workspace_id, fact, dimension, key, day, source, seconds, count, total)
    SELECT event.workspace_id, f.fact, d.dimension, d.key, (event.created_at AT TIME ZONE current.timezone)::date,
           event.source, f.seconds, 1, coalesce(event.first_assignment_seconds, 0)
    FROM event CROSS JOIN current CROSS JOIN shared
    CROSS JOIN LATERAL (VALUES (CASE WHEN event.first_assignment_seconds IS NOT NULL THEN 'first'
                                     WHEN event.conversation_assignment = 2 THEN 'reassigned' END,
                                coalesce(event.first_assignment_seconds, 0)),
                               (CASE WHEN event.first_assignment_seconds IS NOT NULL THEN 'first_bin' END,
                                {wait_bin})) AS f (fact, seconds)
    CROSS JOIN LATERAL (VALUES ('all', 0::bigint), ('new', coalesce(event.new_assignee_id, 0)),
                               ('prev', coalesce(event.previous_assignee_id, 0)),
                               ('by', event.assigned_by_id)) AS d (dimension, key)
    WHERE d.key IS NOT NULL AND f.fact IS NOT NULL
    ORDER BY f.fact, d.dimension, d.key
    ON CONFLICT (workspace_id, fact, dimension, key, day, source, seconds)
    DO UPDATE SET count = {facts}.count + excluded.count, total = {facts}.total + excluded.total
),
-- the conversation's assignments so far (rollups.conversation_assignments_record)
tallied AS (
    INSERT INTO {tallies} (conversation_id, workspace_id, assignments, reassigned_at, last_assigned_at)
    SELECT conversation_id, workspace_id, conversation_assignment,
           CASE WHEN conversation_assignment = 2 THEN created_at END, created_at
    FROM event WHERE conversation_assignment IS NOT NULL
    ON CONFLICT (conversation_id) DO UPDATE SET
        assignments = greatest({tallies}.assignments, excluded.assignments),
        reassigned_at = coalesce({tallies}.reassigned_at, excluded.reassigned_at),
        last_assigned_at = greatest({tallies}.last_assigned_at, excluded.last_assigned_at)
)
SELECT current.assignee_ok, current.by_ok, current.assignee_id, event.*
FROM current LEFT JOIN event ON true"""
    return lock, write


_LOCK_SQL, _WRITE_SQL = _assign_sql()
# psycopg prepares a statement only when its connection allows it (Django opens connections
# with prepare_threshold=None); this lets the write path prepare its two statements while
# nothing else is prepared automatically (Django's cursors bind client-side and never prepare).
_PREPARE_ONLY_WHEN_ASKED = 2**31


def _contact_assign_postgresql(
    *, contact: Contact, assignee: User | None, source: str, assigned_by: User | None
) -> AssignmentEvent | None:
    """``contact_assign`` on PostgreSQL for the present moment: one round trip, little Python.

    Both statements go in one pipeline (one round trip); outside a transaction PostgreSQL
    runs them as one implicit transaction. They are prepared once per connection (no parse
    and plan per event), unless ``DISABLE_SERVER_SIDE_CURSORS`` says a transaction-pooling
    PgBouncer older than 1.21 sits in between.
    """
    new_id = assignee.pk if assignee is not None else None
    by_id = assigned_by.pk if assigned_by is not None else None
    params = {
        "contact": Int8(contact.pk),
        "new": None if new_id is None else Int8(new_id),
        "new_name": assignee.display_name if assignee is not None else "",
        "by": None if by_id is None else Int8(by_id),
        "by_name": assigned_by.display_name if assigned_by is not None else "",
        "source": source,
    }
    db = connections[DEFAULT_DB_ALIAS]
    db.validate_no_broken_transaction()
    raw = db.connection
    prepare = not db.settings_dict.get("DISABLE_SERVER_SIDE_CURSORS")
    if prepare and raw.prepare_threshold is None:
        raw.prepare_threshold = _PREPARE_ONLY_WHEN_ASKED
    # The two cursors live as long as the connection (kept on the wrapper, dropped on error).
    cursors = getattr(db, "_assignment_cursors", None)
    if cursors is None or cursors[0] is not raw:
        cursors = db._assignment_cursors = (raw, psycopg.Cursor(raw), psycopg.Cursor(raw))
    _raw, lock, write = cursors
    started = time.monotonic()
    try:
        with db.wrap_database_errors:
            with raw.pipeline():
                lock.execute(_LOCK_SQL, params, prepare=prepare)
                write.execute(_WRITE_SQL, params, prepare=prepare)
            row = write.fetchone()
    except BaseException:
        db._assignment_cursors = None
        raise
    if db.queries_logged:
        db.queries_log.append(
            {"sql": f"{_LOCK_SQL}; {_WRITE_SQL} -- {params}", "time": f"{time.monotonic() - started:.3f}"}
        )
    if row is None:
        raise Contact.DoesNotExist("Contact matching query does not exist.")
    if not row[0]:
        raise AssignmentError("the assignee is not a member of this workspace")
    if not row[1]:
        raise AssignmentError("the assigning user is not a member of this workspace", field="assigned_by")
    if row[2] == new_id:
        contact.assignee_id = new_id
        return None
    event = AssignmentEvent.from_db(db.alias, None, row[3:])
    if assigned_by is not None:
        event.assigned_by = assigned_by
    contact.assignee = assignee
    return event


_SOURCES = frozenset(AssignmentSource.values)


def contact_assign(
    *,
    contact: Contact,
    assignee: User | None,
    source: str,
    assigned_by: User | None = None,
    at: datetime | None = None,
) -> AssignmentEvent | None:
    """Set the contact's assignee (``None`` unassigns) and record the change.

    Returns the new event, or ``None`` when nothing changed (rule 1: assigning the current
    assignee again, or unassigning an unassigned contact, writes nothing). ``assigned_by`` is
    recorded only for source ``user`` (rule 3). ``at`` lets seeding and history imports write
    a past timestamp; it may not go before the contact's latest event, so the chain holds.
    The passed ``contact`` gets the resulting assignee (``contact.assignee``).

    Everything happens in one transaction, nested in the caller's when there is one (a
    savepoint, as ``transaction.atomic`` does). On PostgreSQL the present-moment write is one
    round trip; called outside any transaction it needs no BEGIN/COMMIT round trips either:
    its statements travel in one message, which PostgreSQL runs as one implicit transaction.
    """
    if source not in _SOURCES:
        raise AssignmentError(f"unknown source {source!r}", field="source")
    if source == AssignmentSource.USER:
        if assigned_by is None:
            raise AssignmentError("source 'user' needs the assigning user", field="assigned_by")
    else:
        assigned_by = None
    db = connections[DEFAULT_DB_ALIAS]
    if at is None and db.vendor == "postgresql":
        if not db.in_atomic_block and db.get_autocommit():
            return _contact_assign_postgresql(contact=contact, assignee=assignee, source=source,
                                              assigned_by=assigned_by)
        with transaction.atomic():
            return _contact_assign_postgresql(contact=contact, assignee=assignee, source=source,
                                              assigned_by=assigned_by)
    with transaction.atomic():
        return _contact_assign_orm(contact=contact, assignee=assignee, source=source, assigned_by=assigned_by, at=at)


def contact_assign_by(*, actor: Actor, contact: Contact, assignee: User | None) -> AssignmentEvent | None:
    """A person in the app (source ``user``, the assigning user) or an API token (source
    ``api``) assigns: ``contact_assign`` after the role rule (``assignments.rules``).

    An agent's assignment is judged against the contact's assignee read under its row lock, so
    two agents taking the same unassigned contact at once cannot both succeed: the second sees
    the first's assignee. Raises ``AssignmentRefused`` with the reason.
    """
    source, assigned_by = (AssignmentSource.API, None) if actor.user is None else (AssignmentSource.USER, actor.user)
    if not actor.is_agent:
        return contact_assign(contact=contact, assignee=assignee, source=source, assigned_by=assigned_by)
    with transaction.atomic():
        current = Contact.objects.select_for_update(of=("self",)).values_list("assignee_id", flat=True).get(
            pk=contact.pk
        )
        reason = assignment_refusal(actor=actor, current_assignee_id=current, assignee=assignee)
        if reason is not None:
            raise AssignmentRefused(reason)
        return contact_assign(contact=contact, assignee=assignee, source=source, assigned_by=assigned_by)


def _contact_assign_orm(
    *, contact: Contact, assignee: User | None, source: str, assigned_by: User | None, at: datetime | None
) -> AssignmentEvent | None:
    """``contact_assign`` through the ORM: SQLite, and past timestamps (``at``) on any database."""
    # Rule 4: lock the contact row so concurrent writers see each other's changes and the
    # per-contact chain (previous assignee = the prior event's new assignee) holds.
    # Only the contact row is locked (OF self); the workspace and current assignee come along
    # for the timezone and the previous assignee's name.
    locked = (
        Contact.objects.select_for_update(of=("self",)).select_related("workspace", "assignee").get(pk=contact.pk)
    )
    _check_members(workspace_id=locked.workspace_id, assignee=assignee, assigned_by=assigned_by)

    new_id = assignee.pk if assignee is not None else None
    if locked.assignee_id == new_id:
        contact.assignee_id = locked.assignee_id
        return None

    now = timezone.now()
    if at is not None:
        latest = (
            AssignmentEvent.objects.filter(contact_id=locked.pk).order_by("-created_at", "-id").values_list(
                "created_at", flat=True
            ).first()
        )
        if latest is not None and at < latest:
            raise AssignmentError("an assignment cannot be recorded before the contact's latest one", field="at")
        now = at

    previous = locked.assignee
    conversation_id, opened_at = (
        Conversation.objects.filter(contact_id=locked.pk, status=Conversation.Status.OPEN)
        .order_by("pk").values_list("pk", "opened_at").first()
    ) or (None, None)
    position = first_wait = None
    if conversation_id is not None and new_id is not None:
        # Under the contact's lock: every event of the conversation is this contact's.
        prior = AssignmentEvent.objects.filter(workspace_id=locked.workspace_id, conversation_id=conversation_id)
        counts = prior.aggregate(events=Count("id"), assignments=Count("new_assignee_id"))
        position = counts["assignments"] + 1
        if counts["events"] == 0 and locked.assignee_id is None:
            first_wait = max(0, (now - opened_at) // timedelta(seconds=1))
    event = AssignmentEvent.objects.create(
        workspace_id=locked.workspace_id,
        created_at=now,
        source=source,
        contact_id=locked.pk,
        contact_name=locked.name or f"#{locked.pk}",
        conversation_id=conversation_id,
        previous_assignee_id=locked.assignee_id,
        previous_assignee_name=previous.display_name if previous else "",
        new_assignee_id=new_id,
        new_assignee_name=assignee.display_name if assignee else "",
        assigned_by=assigned_by,
        assigned_by_name=assigned_by.display_name if assigned_by else "",
        conversation_assignment=position,
        first_assignment_seconds=first_wait,
    )
    Contact.objects.filter(pk=locked.pk).update(assignee_id=new_id, updated_at=now)
    conversation_assignments_record(event=event)
    # Last, so the rollup rows (shared by concurrent writers) stay locked as briefly as possible.
    rollup_record_event(event=event, workspace_timezone=locked.workspace.tzinfo)
    contact.assignee = assignee
    return event
