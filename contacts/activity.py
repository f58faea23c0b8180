"""The contacts app's rollups written by the database: Contactos' ``ContactDailyCount`` (new and
first seen per local day) and ``ContactActiveDay`` (each contact's active days), and Tabla de
Clasificación's ``AgentDailyCount`` (each member's messages sent and closes per local day,
trigger ``contacts_agent_daily_count`` on messages and conversation events, insert and delete);
docs/performance.md "Contactos" and "Tabla de Clasificación".

Both are written at the source by PostgreSQL triggers, in the statement that writes the contact
or the message, so no write path (the services, Data Import, a broadcast's batch, a bulk load)
can miss them and they commit or roll back with it:

- ``contacts_message_active_day`` (after INSERT on messages, per statement, over the inserted
  rows): one ``ContactActiveDay`` per contact and local day, ``INSERT … ON CONFLICT DO NOTHING``.
- ``contacts_contact_daily_count`` (after INSERT / UPDATE / DELETE on contacts, per statement):
  the net change of the day counts (``UPDATE`` the rows that exist, insert the rest), the copied
  facts of the contacts' active days on an update, their active days removed on a delete.

Local days are those of the workspace's timezone at write time. The contacts app keeps one state
for its rollups (``ConversationRollupState``): both triggers take the same shared advisory lock
as the conversation rollup's writers, ``contacts.rollups.rollup_rebuild`` takes it exclusively
and recounts these tables too (``activity_rebuild``), and the reports read them only while that
state is ready in the workspace's timezone. SQLite has no triggers: there the reports always read
the raw contacts and messages.
"""

from django.db import connection

from .models import AgentDailyCount, ContactActiveDay, ContactDailyCount

_COUNTS = ContactDailyCount._meta.db_table
_ACTIVE = ContactActiveDay._meta.db_table
_AGENTS = AgentDailyCount._meta.db_table
# contacts/rollups.py's lock class (0x4356): these tables are rebuilt with the conversation rollup.
_LOCK_CLASS = 0x4356


def _apply_delta(table: str, keys: tuple[str, ...], counts: tuple[str, ...]) -> str:
    """The PL/pgSQL that adds the trigger's ``delta`` (an array of rows: ``keys`` then ``counts``)
    to ``table`` under the rollup's shared lock.

    The net change per row: rows that exist are updated; only missing rows are inserted (in key
    order, so concurrent writers lock them in the same order), never with a negative count, so a
    workspace being deleted (its rows may be gone already) gets none back."""
    key_list, count_list = ", ".join(keys), ", ".join(counts)
    match = " AND ".join(f"{{a}}.{k} = net.{k}" for k in keys)
    return f"""
    PERFORM pg_advisory_xact_lock_shared({_LOCK_CLASS}, x.ws::int)
       FROM (SELECT DISTINCT workspace_id AS ws FROM unnest(delta) ORDER BY 1) x;
    WITH net AS (
        SELECT {key_list}, {", ".join(f"sum(d.{c}) AS {c}" for c in counts)}
          FROM unnest(delta) d GROUP BY {", ".join(str(i + 1) for i in range(len(keys)))}
        HAVING {" OR ".join(f"sum(d.{c}) <> 0" for c in counts)}
    ), updated AS (
        UPDATE {table} t SET {", ".join(f"{c} = t.{c} + net.{c}" for c in counts)}
          FROM net WHERE {match.format(a="t")}
        RETURNING {", ".join(f"t.{k}" for k in keys)}
    )
    INSERT INTO {table} ({key_list}, {count_list})
    SELECT {", ".join(f"net.{k}" for k in (*keys, *counts))}
      FROM net
     WHERE {" AND ".join(f"net.{c} >= 0" for c in counts)}
       AND NOT EXISTS (SELECT 1 FROM updated u WHERE {match.format(a="u")})
     ORDER BY {", ".join(str(i + 1) for i in range(len(keys)))}
    ON CONFLICT ({key_list})
    DO UPDATE SET {", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in counts)};"""


TRIGGERS_SQL = f"""
CREATE FUNCTION contacts_message_active_day() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared({_LOCK_CLASS}, w.ws::int)
       FROM (SELECT DISTINCT workspace_id AS ws FROM new_rows ORDER BY 1) w;
    INSERT INTO {_ACTIVE} (workspace_id, contact_id, day, origin, channel_id, created_at)
    SELECT DISTINCT k.workspace_id, k.id, (m.created_at AT TIME ZONE w.timezone)::date, k.origin,
           coalesce(k.created_channel_id, 0), k.created_at
      FROM new_rows m
      JOIN contacts_conversation v ON v.id = m.conversation_id
      JOIN contacts_contact k ON k.id = v.contact_id
      JOIN accounts_workspace w ON w.id = k.workspace_id
    ON CONFLICT (contact_id, day) DO NOTHING;
    RETURN NULL;
END $$;

CREATE TRIGGER contacts_message_active_day AFTER INSERT ON contacts_message
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION contacts_message_active_day();

CREATE TYPE contacts_contact_delta AS (
    workspace_id bigint, day date, origin varchar(20), channel_id bigint, new bigint, first_seen bigint
);

CREATE FUNCTION contacts_contact_daily_count() RETURNS trigger LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    delta contacts_contact_delta[];
BEGIN
    -- Each branch: (workspace, local day, origin, channel, Δ new, Δ first seen) of the rows.
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(ROW(d.*)::contacts_contact_delta) INTO delta FROM (
            SELECT k.workspace_id, (k.created_at AT TIME ZONE w.timezone)::date, k.origin,
                   coalesce(k.created_channel_id, 0), 1::bigint, 0::bigint
              FROM new_rows k JOIN accounts_workspace w ON w.id = k.workspace_id
            UNION ALL
            SELECT k.workspace_id, (k.first_seen_at AT TIME ZONE w.timezone)::date, k.origin,
                   coalesce(k.created_channel_id, 0), 0, 1
              FROM new_rows k JOIN accounts_workspace w ON w.id = k.workspace_id WHERE k.first_seen_at IS NOT NULL
        ) d;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(ROW(d.*)::contacts_contact_delta) INTO delta FROM (
            SELECT k.workspace_id, (k.created_at AT TIME ZONE w.timezone)::date, k.origin,
                   coalesce(k.created_channel_id, 0), -1::bigint, 0::bigint
              FROM old_rows k JOIN accounts_workspace w ON w.id = k.workspace_id
            UNION ALL
            SELECT k.workspace_id, (k.first_seen_at AT TIME ZONE w.timezone)::date, k.origin,
                   coalesce(k.created_channel_id, 0), 0, -1
              FROM old_rows k JOIN accounts_workspace w ON w.id = k.workspace_id WHERE k.first_seen_at IS NOT NULL
        ) d;
        DELETE FROM {_ACTIVE} a USING old_rows k WHERE a.contact_id = k.id;
    ELSE
        -- Only the contacts whose counted facts changed (most updates touch names or tags).
        SELECT array_agg(ROW(d.*)::contacts_contact_delta) INTO delta FROM (
            SELECT o.workspace_id, (o.created_at AT TIME ZONE w.timezone)::date, o.origin,
                   coalesce(o.created_channel_id, 0), -1::bigint, 0::bigint
              FROM old_rows o JOIN new_rows n ON n.id = o.id JOIN accounts_workspace w ON w.id = o.workspace_id
             WHERE (o.created_at, o.origin, o.created_channel_id, o.workspace_id)
                   IS DISTINCT FROM (n.created_at, n.origin, n.created_channel_id, n.workspace_id)
            UNION ALL
            SELECT n.workspace_id, (n.created_at AT TIME ZONE w.timezone)::date, n.origin,
                   coalesce(n.created_channel_id, 0), 1, 0
              FROM old_rows o JOIN new_rows n ON n.id = o.id JOIN accounts_workspace w ON w.id = n.workspace_id
             WHERE (o.created_at, o.origin, o.created_channel_id, o.workspace_id)
                   IS DISTINCT FROM (n.created_at, n.origin, n.created_channel_id, n.workspace_id)
            UNION ALL
            SELECT o.workspace_id, (o.first_seen_at AT TIME ZONE w.timezone)::date, o.origin,
                   coalesce(o.created_channel_id, 0), 0, -1
              FROM old_rows o JOIN new_rows n ON n.id = o.id JOIN accounts_workspace w ON w.id = o.workspace_id
             WHERE o.first_seen_at IS NOT NULL
               AND (o.first_seen_at, o.origin, o.created_channel_id, o.workspace_id)
                   IS DISTINCT FROM (n.first_seen_at, n.origin, n.created_channel_id, n.workspace_id)
            UNION ALL
            SELECT n.workspace_id, (n.first_seen_at AT TIME ZONE w.timezone)::date, n.origin,
                   coalesce(n.created_channel_id, 0), 0, 1
              FROM old_rows o JOIN new_rows n ON n.id = o.id JOIN accounts_workspace w ON w.id = n.workspace_id
             WHERE n.first_seen_at IS NOT NULL
               AND (o.first_seen_at, o.origin, o.created_channel_id, o.workspace_id)
                   IS DISTINCT FROM (n.first_seen_at, n.origin, n.created_channel_id, n.workspace_id)
        ) d;
        UPDATE {_ACTIVE} a SET origin = n.origin, channel_id = coalesce(n.created_channel_id, 0),
               created_at = n.created_at
          FROM old_rows o JOIN new_rows n ON n.id = o.id
         WHERE a.contact_id = n.id
           AND (o.created_at, o.origin, o.created_channel_id) IS DISTINCT FROM (n.created_at, n.origin, n.created_channel_id);
    END IF;
    IF delta IS NULL THEN
        RETURN NULL;
    END IF;
{_apply_delta(_COUNTS, ("workspace_id", "day", "origin", "channel_id"), ("new", "first_seen"))}
    RETURN NULL;
END $$;

CREATE TRIGGER contacts_contact_daily_count_insert AFTER INSERT ON contacts_contact
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION contacts_contact_daily_count();
CREATE TRIGGER contacts_contact_daily_count_update AFTER UPDATE ON contacts_contact
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION contacts_contact_daily_count();
CREATE TRIGGER contacts_contact_daily_count_delete AFTER DELETE ON contacts_contact
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION contacts_contact_daily_count();
"""

DROP_TRIGGERS_SQL = """
DROP TRIGGER IF EXISTS contacts_message_active_day ON contacts_message;
DROP TRIGGER IF EXISTS contacts_contact_daily_count_insert ON contacts_contact;
DROP TRIGGER IF EXISTS contacts_contact_daily_count_update ON contacts_contact;
DROP TRIGGER IF EXISTS contacts_contact_daily_count_delete ON contacts_contact;
DROP FUNCTION IF EXISTS contacts_message_active_day();
DROP FUNCTION IF EXISTS contacts_contact_daily_count();
DROP TYPE IF EXISTS contacts_contact_delta;
"""


AGENT_TRIGGERS_SQL = f"""
CREATE TYPE contacts_agent_delta AS (workspace_id bigint, user_id bigint, day date, messages_sent bigint, closed bigint);

CREATE FUNCTION contacts_agent_daily_count() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    delta contacts_agent_delta[];
    sign bigint := CASE WHEN TG_OP = 'INSERT' THEN 1 ELSE -1 END;
BEGIN
    IF TG_TABLE_NAME = 'contacts_message' AND TG_OP = 'INSERT' THEN
        SELECT array_agg(ROW(r.workspace_id, r.author_id, (r.created_at AT TIME ZONE w.timezone)::date, sign, 0)
                         ::contacts_agent_delta) INTO delta
          FROM new_rows r JOIN accounts_workspace w ON w.id = r.workspace_id
         WHERE r.author_id IS NOT NULL AND r.direction = 'out' AND r.sender_kind = 'user';
    ELSIF TG_TABLE_NAME = 'contacts_message' THEN
        SELECT array_agg(ROW(r.workspace_id, r.author_id, (r.created_at AT TIME ZONE w.timezone)::date, sign, 0)
                         ::contacts_agent_delta) INTO delta
          FROM old_rows r JOIN accounts_workspace w ON w.id = r.workspace_id
         WHERE r.author_id IS NOT NULL AND r.direction = 'out' AND r.sender_kind = 'user';
    ELSIF TG_OP = 'INSERT' THEN
        SELECT array_agg(ROW(r.workspace_id, r.user_id, (r.created_at AT TIME ZONE w.timezone)::date, 0, sign)
                         ::contacts_agent_delta) INTO delta
          FROM new_rows r JOIN accounts_workspace w ON w.id = r.workspace_id
         WHERE r.user_id IS NOT NULL AND r.kind = 'closed' AND r.source = 'user';
    ELSE
        SELECT array_agg(ROW(r.workspace_id, r.user_id, (r.created_at AT TIME ZONE w.timezone)::date, 0, sign)
                         ::contacts_agent_delta) INTO delta
          FROM old_rows r JOIN accounts_workspace w ON w.id = r.workspace_id
         WHERE r.user_id IS NOT NULL AND r.kind = 'closed' AND r.source = 'user';
    END IF;
    IF delta IS NULL THEN
        RETURN NULL;
    END IF;
{_apply_delta(_AGENTS, ("workspace_id", "user_id", "day"), ("messages_sent", "closed"))}
    RETURN NULL;
END $$;

CREATE TRIGGER contacts_agent_daily_count_message_insert AFTER INSERT ON contacts_message
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION contacts_agent_daily_count();
CREATE TRIGGER contacts_agent_daily_count_message_delete AFTER DELETE ON contacts_message
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION contacts_agent_daily_count();
CREATE TRIGGER contacts_agent_daily_count_event_insert AFTER INSERT ON contacts_conversationevent
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION contacts_agent_daily_count();
CREATE TRIGGER contacts_agent_daily_count_event_delete AFTER DELETE ON contacts_conversationevent
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION contacts_agent_daily_count();
"""

DROP_AGENT_TRIGGERS_SQL = """
DROP TRIGGER IF EXISTS contacts_agent_daily_count_message_insert ON contacts_message;
DROP TRIGGER IF EXISTS contacts_agent_daily_count_message_delete ON contacts_message;
DROP TRIGGER IF EXISTS contacts_agent_daily_count_event_insert ON contacts_conversationevent;
DROP TRIGGER IF EXISTS contacts_agent_daily_count_event_delete ON contacts_conversationevent;
DROP FUNCTION IF EXISTS contacts_agent_daily_count();
DROP TYPE IF EXISTS contacts_agent_delta;
"""


def activity_rebuild(*, workspace) -> None:
    """Recount a workspace's Contactos rollup from its contacts and messages, in its current
    timezone. Called by ``contacts.rollups.rollup_rebuild`` inside its transaction, under the
    exclusive lock the triggers share (PostgreSQL only: elsewhere nothing writes or reads it)."""
    if connection.vendor != "postgresql":
        return
    params = {"ws": workspace.pk, "tz": workspace.timezone}
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {_COUNTS} WHERE workspace_id = %(ws)s", params)
        cursor.execute(f"DELETE FROM {_ACTIVE} WHERE workspace_id = %(ws)s", params)
        cursor.execute(f"DELETE FROM {_AGENTS} WHERE workspace_id = %(ws)s", params)
        cursor.execute(
            f"""INSERT INTO {_AGENTS} (workspace_id, user_id, day, messages_sent, closed)
                SELECT %(ws)s, d.user_id, d.day, sum(d.messages_sent), sum(d.closed) FROM (
                    SELECT author_id AS user_id, (created_at AT TIME ZONE %(tz)s)::date AS day,
                           1 AS messages_sent, 0 AS closed
                      FROM contacts_message
                     WHERE workspace_id = %(ws)s AND author_id IS NOT NULL AND direction = 'out'
                       AND sender_kind = 'user'
                    UNION ALL
                    SELECT user_id, (created_at AT TIME ZONE %(tz)s)::date, 0, 1
                      FROM contacts_conversationevent
                     WHERE workspace_id = %(ws)s AND user_id IS NOT NULL AND kind = 'closed' AND source = 'user'
                ) d GROUP BY d.user_id, d.day""",
            params,
        )
        cursor.execute(
            f"""INSERT INTO {_COUNTS} (workspace_id, day, origin, channel_id, new, first_seen)
                SELECT %(ws)s, d.day, d.origin, d.channel_id, sum(d.new), sum(d.first_seen) FROM (
                    SELECT (created_at AT TIME ZONE %(tz)s)::date AS day, origin,
                           coalesce(created_channel_id, 0) AS channel_id, 1 AS new, 0 AS first_seen
                      FROM contacts_contact WHERE workspace_id = %(ws)s
                    UNION ALL
                    SELECT (first_seen_at AT TIME ZONE %(tz)s)::date, origin, coalesce(created_channel_id, 0), 0, 1
                      FROM contacts_contact WHERE workspace_id = %(ws)s AND first_seen_at IS NOT NULL
                ) d GROUP BY d.day, d.origin, d.channel_id""",
            params,
        )
        cursor.execute(
            f"""INSERT INTO {_ACTIVE} (workspace_id, contact_id, day, origin, channel_id, created_at)
                SELECT DISTINCT k.workspace_id, k.id, (m.created_at AT TIME ZONE %(tz)s)::date, k.origin,
                       coalesce(k.created_channel_id, 0), k.created_at
                  FROM contacts_message m
                  JOIN contacts_conversation v ON v.id = m.conversation_id
                  JOIN contacts_contact k ON k.id = v.contact_id
                 WHERE m.workspace_id = %(ws)s AND k.workspace_id = %(ws)s""",
            params,
        )
