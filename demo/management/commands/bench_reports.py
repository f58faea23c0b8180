"""Benchmark of the Asignaciones report at scale, next to the raw SQL a BI tool would run.

Runs on PostgreSQL in a database of its own (``test_<name>``, created and dropped like the test
suite's, so real data is never touched). It generates one big workspace with N events over 365
days, ~200 agents and ~500k contacts (scaled down for small N), plus other workspaces holding
20 % more events, builds the rollups, then times every case (a–g, h_multi) through the Django test
client (server-side, full stack) and the equivalent raw SQL in the same run, the export (h)
and the write path (i). The Conversaciones cases (``conv_*``) read M conversations of the big
workspace (``--conversations``, default events / 10) with their ``opened`` / ``closed``
ConversationEvent rows (other workspaces hold 20 % more). See docs/performance.md.
"""

import json
import multiprocessing
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections
from django.test import Client
from django.utils import timezone

SOURCES = ["api", "workflow", "bot", "zapier", "user", "contact_import"]
OPENING = ["contact", "user", "workflow", "api"]  # ~70 / 15 / 10 / 5 %
CLOSING = ["user", "workflow", "api", "bot"]  # ~60 / 15 / 10 / 15 %


def _ms(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, max(0, int(round(0.95 * len(ordered))) - 1))]
    return round(statistics.median(ordered) * 1000, 2), round(p95 * 1000, 2)


def _time(fn, repeat: int) -> list[float]:
    fn()  # warm-up
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return samples


def _time_once(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


class Command(BaseCommand):
    help = "Benchmark the assignments report (PostgreSQL): endpoints vs raw SQL, export and write path."

    def add_arguments(self, parser):
        parser.add_argument("--events", type=int, default=10_000_000)
        parser.add_argument("--conversations", type=int, default=None,
                            help="conversations of the big workspace for the conv_* cases (default: events / 10)")
        parser.add_argument("--contacts", type=int, default=None,
                            help="contacts of the big workspace for the contacts_* cases (default: events / 10)")
        parser.add_argument("--workspaces", type=int, default=100, help="other workspaces (20%% more events)")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--json", dest="json_path", default=None)
        parser.add_argument("--repeat", type=int, default=20)
        parser.add_argument("--export-rows", type=int, default=1_000_000)
        parser.add_argument("--write-seconds", type=float, default=20.0)
        parser.add_argument("--writers", type=int, default=8)
        parser.add_argument("--keep", action="store_true", help="keep the benchmark database afterwards")
        parser.add_argument("--messages-per-conversation", type=int, default=10,
                            help="messages of each conv_* conversation for the resp_* / reso_* cases")
        parser.add_argument("--only", default="",
                            help="comma-separated case name prefixes to time (e.g. conv_,resp_); 'export' and "
                                 "'write' select those measurements; default: everything")
        parser.add_argument("--reuse", action="store_true",
                            help="reuse a benchmark database kept by an earlier --keep / --reuse run of the same "
                                 "sizes (generating it when there is none) and keep it afterwards")

    # --- orchestration ----------------------------------------------------------------------

    def handle(self, *args, **opts):
        if connection.vendor != "postgresql":
            raise CommandError("bench_reports needs PostgreSQL: set DATABASE_URL=postgres://...")
        self.opts = opts
        self.conversations_n = opts["events"] // 10 if opts["conversations"] is None else opts["conversations"]
        self.report_contacts_n = opts["events"] // 10 if opts["contacts"] is None else opts["contacts"]
        self.rng = random.Random(opts["seed"])
        started = time.perf_counter()
        creation = connection.creation
        old_name = connection.settings_dict["NAME"]
        self.log(f"{'reusing' if opts['reuse'] else 'creating'} the benchmark database test_{old_name} ...")
        creation.create_test_db(verbosity=0, autoclobber=True, keepdb=opts["reuse"], serialize=False)
        try:
            result = self.run_all()
        finally:
            if not (opts["keep"] or opts["reuse"]):
                connections.close_all()
                creation.destroy_test_db(old_name, verbosity=0)
        result["seconds"] = round(time.perf_counter() - started, 1)
        self.print_table(result)
        if opts["json_path"]:
            with open(opts["json_path"], "w", encoding="utf-8") as fh:
                json.dump(result, fh, indent=2)
            self.log(f"wrote {opts['json_path']}")

    def wanted(self, name: str) -> bool:
        prefixes = [p for p in self.opts["only"].split(",") if p]
        return not prefixes or any(name.startswith(p) for p in prefixes)

    def wants_any(self, prefix: str) -> bool:
        """Some case named ``prefix…`` may be wanted (``--only`` names it, a longer or a shorter prefix)."""
        prefixes = [p for p in self.opts["only"].split(",") if p]
        return not prefixes or any(p.startswith(prefix) or prefix.startswith(p) for p in prefixes)

    def log(self, message: str) -> None:
        self.stderr.write(f"[{time.strftime('%H:%M:%S')}] {message}")

    def run_all(self) -> dict:
        t = time.perf_counter()
        if not (self.opts["reuse"] and self.reload()):
            self.generate()
        from ._bench_broadcasts import measure_broadcast_cases
        from ._bench_users import generate_status_history, measure_user_cases

        changes = generate_status_history(self) if not getattr(self, "reused", False) else None
        self.log(f"data generated and indexed in {time.perf_counter() - t:.1f}s ({changes} status changes)")
        if self.opts["only"] == "users":
            cases, export, write = {}, {}, {}
        else:
            cases = self.measure_cases()
            cases.update(self.measure_conversation_cases())
            cases.update(self.measure_contact_cases())
            cases.update(self.measure_leaderboard_cases())
            cases.update(self.measure_response_cases())
            cases.update(self.measure_resolution_cases())
            cases.update(measure_broadcast_cases(self))
            export = self.measure_export() if self.wanted("export") else {"rows": 0, "rows_per_s": None,
                                                                           "peak_rss_mb": None,
                                                                           "copy_rows_per_s": None}
            write = self.measure_writes() if self.wanted("write") else {"events_per_s": None, "chain_ok": None}
        cases.update(measure_user_cases(self, lambda fn, repeat: _ms(_time(fn, repeat))))
        return {"events": self.opts["events"], "conversations": self.conversations_n, "status_changes": changes,
                "messages": getattr(self, "messages_n", 0), "machine": self.machine(),
                "cases": cases, "export": export, "write": write}

    def machine(self) -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            pg = cursor.fetchone()[0]
        cpu = platform.processor() or platform.machine()
        try:
            with open("/proc/cpuinfo") as fh:
                cpu = next(line.split(":", 1)[1].strip() for line in fh if line.startswith("model name"))
        except (OSError, StopIteration):
            pass
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
        return f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB, PostgreSQL {pg}"

    # --- data --------------------------------------------------------------------------------

    def generate(self) -> None:
        from accounts.models import ApiToken, Membership, User, Workspace
        from assignments.models import AssignmentEvent
        from assignments.rollups import rollup_rebuild

        n = self.opts["events"]
        others = max(0, self.opts["workspaces"])
        agents_n = 200 if n >= 1_000_000 else max(20, n // 5000)
        contacts_n = 500_000 if n >= 5_000_000 else max(2000, n // 20)
        now = timezone.now()
        start = now - timedelta(days=365)
        password = "!unusable"

        big = Workspace.objects.create(name=self.bench_name(), timezone="America/Mexico_City", language="es",
                                       created_at=start - timedelta(days=30))
        owner = User.objects.create(email="owner@bench.example", name="Owner", password=password)
        Membership.objects.create(workspace=big, user=owner, role=Membership.Role.OWNER)
        agents = User.objects.bulk_create(
            [User(email=f"agent{i}@bench.example", name=f"Agente {i}", password=password) for i in range(agents_n)]
        )
        Membership.objects.bulk_create([Membership(workspace=big, user=u, role=Membership.Role.AGENT) for u in agents])
        other_ws = Workspace.objects.bulk_create(
            [Workspace(name=f"Other {i}", timezone="Europe/Madrid", created_at=start) for i in range(others)]
        )
        other_users = User.objects.bulk_create(
            [User(email=f"u{i}@other.example", name=f"Otro {i}", password=password) for i in range(others * 3)]
        )
        Membership.objects.bulk_create(
            [Membership(workspace=other_ws[i // 3], user=u, role=Membership.Role.AGENT) for i, u in enumerate(other_users)]
        )
        self.workspace, self.owner, self.agents = big, owner, agents
        self.start, self.now = start, now
        _, self.token = ApiToken.issue(workspace=big)

        seed = (self.opts["seed"] % 1000) / 1000.0
        events = AssignmentEvent._meta.db_table
        agent_ids = [a.pk for a in agents]
        with connection.cursor() as cursor:
            cursor.execute("SELECT setseed(%s)", [seed])
            self.log(f"contacts: {contacts_n} in the big workspace ...")
            cursor.execute(
                """INSERT INTO contacts_contact (workspace_id, first_name, last_name, email, phone, tags, created_at, updated_at)
                   SELECT %s, 'Contacto', g::text, 'c' || g || '@bench.example', '', '[]'::jsonb, %s, %s
                   FROM generate_series(1, %s) g""",
                [big.pk, start, start, contacts_n],
            )
            cursor.execute("SELECT min(id), max(id) FROM contacts_contact WHERE workspace_id = %s", [big.pk])
            c_min, c_max = cursor.fetchone()
            # One closed conversation per contact; events refer to them.
            cursor.execute(
                """INSERT INTO contacts_conversation (workspace_id, contact_id, status, opened_at, closed_at, closing_note,
                                                      bot_paused, opened_source, closed_source)
                   SELECT workspace_id, id, 'closed', %s, %s, '', false, 'contact', 'user'
                   FROM contacts_contact WHERE workspace_id = %s""",
                [start, start, big.pk],
            )
            cursor.execute("SELECT min(id) FROM contacts_conversation WHERE workspace_id = %s", [big.pk])
            conv_min = cursor.fetchone()[0]
            self.contact_range, self.conversation_offset = (c_min, c_max), conv_min - c_min

            # Drop the secondary indexes while loading, then build them once (as a bulk load should).
            index_names = [index.name for index in AssignmentEvent._meta.indexes]
            for name in index_names:
                cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
            self.log(f"events: {n} in the big workspace, {int(n * 0.2)} in {others} others ...")
            self._insert_events(cursor, big.pk, n, start, agent_ids, (c_min, c_max), conv_min - c_min)
            if others:
                per = max(1, int(n * 0.2) // others)
                ids_by_ws: dict[int, list[int]] = {}
                for i, u in enumerate(other_users):
                    ids_by_ws.setdefault(other_ws[i // 3].pk, []).append(u.pk)
                # Other workspaces' contacts are not needed by any query: their ids only have to differ.
                for ws in other_ws:
                    self._insert_events(cursor, ws.pk, per, start, ids_by_ws[ws.pk], (10**12, 10**12 + 1000), None)
        self.generate_conversations(other_ws, ids_by_ws if others else {})
        self.generate_report_contacts()
        self.generate_leaderboard()
        self.generate_messages()
        self.log("indexes ...")
        from contacts.models import ConversationEvent

        with connection.schema_editor() as editor:
            for index in AssignmentEvent._meta.indexes:
                editor.add_index(AssignmentEvent, index)
            for index in ConversationEvent._meta.indexes:
                # (still there when no conv_* conversations were loaded: --conversations 0)
                editor.execute(f'DROP INDEX IF EXISTS "{index.name}"')
                editor.add_index(ConversationEvent, index)
        with connection.cursor() as cursor:
            # After the indexes: an UPDATE before them would leave HOT chains that an index built
            # later cannot use until every older snapshot of the cluster has ended (indcheckxmin).
            self._conversation_facts(cursor, big.pk, start)
        self.log("rollups ...")
        from contacts.resolutions import resolution_facts_rebuild
        from contacts.rollups import rollup_rebuild as conversation_rollup_rebuild

        for ws in [big, *other_ws]:
            rollup_rebuild(workspace=ws)
            # The bulk load bypasses conversation_open / _close: count it as a rebuild would.
            conversation_rollup_rebuild(workspace=ws)
            # ... and record Resoluciones' facts as conversation_close / _open would have.
            resolution_facts_rebuild(workspace=ws)
        with connection.cursor() as cursor:
            if not connection.in_atomic_block:
                cursor.execute(f"VACUUM ANALYZE {events}")
                cursor.execute("VACUUM ANALYZE contacts_conversationevent")
                cursor.execute("VACUUM ANALYZE contacts_conversation")
                cursor.execute("VACUUM ANALYZE contacts_contact")
                cursor.execute("VACUUM ANALYZE contacts_message")
                cursor.execute("VACUUM ANALYZE contacts_conversationresolution")
                cursor.execute("VACUUM ANALYZE assignments_assignmentfactdaily")
                cursor.execute("VACUUM ANALYZE assignments_conversationassignments")
            cursor.execute("ANALYZE")

    def generate_conversations(self, other_ws, user_ids_by_ws: dict[int, list[int]]) -> None:
        """Conversations of the big workspace and their ``opened`` / ``closed`` events (issue 12 §4).

        Opened evenly over the 365 days; ~85 % closed, after 1 minute to 3 days (skewed short; a
        close that would be in the future leaves it open); opening sources ~70 % contact, 15 %
        user, 10 % workflow, 5 % api; closing sources ~60 % user, 15 % workflow, 10 % api, 15 %
        bot; channels among 8 (contact messages, half the workflows; ~5 % of contact ones
        without); owners (the assignee recorded on the close) among the agents, 10 % unassigned.
        Open conversations each have a contact of their own (one open per contact), whose
        assignee is their owner. Other workspaces get 20 % more events (no conversation rows:
        only their ids must differ). Messages are not needed by this report.
        """
        from contacts.models import ConversationEvent
        from integrations.models import Channel

        n = self.conversations_n
        if n <= 0:
            return
        big, start, now = self.workspace, self.start, self.now
        agent_ids = [a.pk for a in self.agents]
        channels = Channel.objects.bulk_create(
            [Channel(workspace=big, name=f"Canal {i}", secret_hash="-", secret_prefix="chs_bench") for i in range(8)]
        )
        self.channel_ids = [c.pk for c in channels]
        contacts_n = n // 4 + 1000  # more than the open conversations (~15 %)
        self.log(f"conversations: {n} in the big workspace ({contacts_n} contacts of their own), "
                 f"{int(n * 0.2)} in {len(other_ws)} others ...")
        with connection.cursor() as cursor:
            for index in ConversationEvent._meta.indexes:
                cursor.execute(f'DROP INDEX IF EXISTS "{index.name}"')
            cursor.execute(
                """INSERT INTO contacts_contact (workspace_id, first_name, last_name, email, phone, tags, created_at,
                                                 updated_at, assignee_id)
                   SELECT %(ws)s, 'Cliente', g::text, 'k' || g || '@bench.example', '', '[]'::jsonb, %(start)s, %(start)s,
                          CASE WHEN random() < 0.1 THEN NULL
                               ELSE (%(agents)s::bigint[])[1 + floor(random() * %(na)s)::int] END
                   FROM generate_series(1, %(c)s) g""",
                {"ws": big.pk, "start": start, "agents": agent_ids, "na": len(agent_ids), "c": contacts_n},
            )
            cursor.execute("SELECT max(id) - %s + 1, max(id) FROM contacts_contact WHERE workspace_id = %s",
                           [contacts_n, big.pk])
            k_min, k_max = cursor.fetchone()
            cursor.execute("SELECT coalesce(max(id), 0) FROM contacts_conversation")
            conv_before = self.conv_before = cursor.fetchone()[0]
            # Time order = id order (rows are inserted sorted by g). Open ones take the contacts
            # k_min, k_min + 1, ... in turn (the open contacts' ids are distinct); closed ones any.
            cursor.execute(
                f"""
                INSERT INTO contacts_conversation (workspace_id, contact_id, status, opened_at, closed_at, closing_note,
                    closed_by_id, bot_paused, last_message_at, channel_id, opened_source, opened_by_id, closed_source)
                SELECT %(ws)s,
                       CASE WHEN r.closed THEN %(kmin)s + floor(random() * %(kn)s)::bigint
                            ELSE %(kmin)s + row_number() OVER (PARTITION BY r.closed ORDER BY r.g) - 1 END,
                       CASE WHEN r.closed THEN 'closed' ELSE 'open' END, r.at,
                       CASE WHEN r.closed THEN r.at + r.dur END,
                       CASE WHEN r.closed AND r.note THEN 'Resuelto' ELSE '' END,
                       CASE WHEN r.closed AND r.csource = 'user' THEN r.closer END,
                       false, CASE WHEN r.closed THEN r.at + r.dur ELSE r.at END,
                       r.channel, r.osource, CASE WHEN r.osource = 'user' THEN r.opener END,
                       CASE WHEN r.closed THEN r.csource ELSE '' END
                FROM ({self._conversation_rows_sql()}) r
                ORDER BY r.g
                """,
                {"ws": big.pk, "kmin": k_min, "kn": contacts_n, "n": n, "start": start, "now": now,
                 "agents": agent_ids, "na": len(agent_ids), "channels": self.channel_ids, "opening": OPENING,
                 "closing": CLOSING},
            )
            # Open conversations: the contact's assignee now is the owner, recorded at open as well.
            events = ConversationEvent._meta.db_table
            cursor.execute(
                f"""
                INSERT INTO {events} (workspace_id, created_at, kind, source, conversation_id, contact_id, contact_name,
                    user_id, user_name, assignee_id, assignee_name, channel_id, note, seconds_since_open)
                SELECT * FROM (
                    SELECT v.workspace_id, v.opened_at, 'opened', v.opened_source, v.id, v.contact_id,
                           'Cliente ' || v.contact_id, v.opened_by_id,
                           CASE WHEN v.opened_by_id IS NULL THEN '' ELSE 'Agente' END,
                           k.assignee_id, CASE WHEN k.assignee_id IS NULL THEN '' ELSE 'Agente' END,
                           v.channel_id, '', NULL::bigint
                    FROM contacts_conversation v JOIN contacts_contact k ON k.id = v.contact_id
                    WHERE v.workspace_id = %(ws)s AND v.id > %(before)s
                    UNION ALL
                    SELECT v.workspace_id, v.closed_at, 'closed', v.closed_source, v.id, v.contact_id,
                           'Cliente ' || v.contact_id, v.closed_by_id,
                           CASE WHEN v.closed_by_id IS NULL THEN '' ELSE 'Agente' END,
                           o.owner, CASE WHEN o.owner IS NULL THEN '' ELSE 'Agente' END,
                           v.channel_id, v.closing_note, extract(epoch FROM v.closed_at - v.opened_at)::bigint
                    FROM contacts_conversation v  -- the owner, drawn once per row (v.id makes it correlated)
                    CROSS JOIN LATERAL (SELECT CASE WHEN random() < 0.1 + 0 * v.id THEN NULL
                                               ELSE (%(agents)s::bigint[])[1 + floor(random() * %(na)s)::int] END) o(owner)
                    WHERE v.workspace_id = %(ws)s AND v.id > %(before)s AND v.status = 'closed'
                ) e ORDER BY 2
                """,
                {"ws": big.pk, "before": conv_before, "agents": agent_ids, "na": len(agent_ids)},
            )
            # Other workspaces: events only, conversation ids far beyond the real ones.
            per = int(n * 0.2) // len(other_ws) if other_ws else 0
            for ws in other_ws if per else []:
                users = user_ids_by_ws[ws.pk]
                cursor.execute(
                    f"""
                    INSERT INTO {events} (workspace_id, created_at, kind, source, conversation_id, contact_id,
                        contact_name, user_id, user_name, assignee_id, assignee_name, channel_id, note,
                        seconds_since_open)
                    SELECT * FROM (
                        SELECT %(ws)s, r.at, 'opened', r.osource, %(base)s + r.g, %(base)s + r.g, 'Cliente',
                               CASE WHEN r.osource = 'user' THEN r.opener END,
                               CASE WHEN r.osource = 'user' THEN 'Otro' ELSE '' END, r.opener, 'Otro', NULL::bigint, '',
                               NULL::bigint
                        FROM ({self._conversation_rows_sql()}) r
                        UNION ALL
                        SELECT %(ws)s, r.at + r.dur, 'closed', r.csource, %(base)s + r.g, %(base)s + r.g, 'Cliente',
                               CASE WHEN r.csource = 'user' THEN r.closer END,
                               CASE WHEN r.csource = 'user' THEN 'Otro' ELSE '' END, r.closer, 'Otro', NULL::bigint,
                               '', extract(epoch FROM r.dur)::bigint
                        FROM ({self._conversation_rows_sql()}) r WHERE r.closed
                    ) e ORDER BY 2
                    """,
                    {"ws": ws.pk, "base": 10**12 + ws.pk * 10**9, "n": per, "start": start, "now": now,
                     "agents": users, "na": len(users), "channels": [None], "opening": OPENING, "closing": CLOSING},
                )

    def generate_leaderboard(self) -> None:
        """What the Tabla de Clasificación reads besides the events above (docs/performance.md
        "Tabla de Clasificación"): a ``first_response`` event for ~90 % of the contact-opened
        conversations of the big workspace (5 s – 2 h after the opening, by a random agent, before
        the close); three messages per conversation (the contact's, then two of a random agent,
        minutes apart); and each agent's day in Estado de Actividad — online ~09:00, away ~13:00,
        online ~14:00, offline ~18:00 local, every day of the year (4 events × 200 agents × 365)."""
        from contacts.models import Message

        big, now = self.workspace, self.now
        agent_ids = [a.pk for a in self.agents]
        params = {"ws": big.pk, "agents": agent_ids, "na": len(agent_ids), "now": now}
        with connection.cursor() as cursor:
            self.log("leaderboard: first responses, messages, presence ...")
            cursor.execute(
                """
                INSERT INTO contacts_conversationevent (workspace_id, created_at, kind, source, conversation_id,
                    contact_id, contact_name, user_id, user_name, assignee_id, assignee_name, channel_id, note,
                    seconds_since_open)
                SELECT v.workspace_id, v.opened_at + r.d, 'first_response', 'user', v.id, v.contact_id,
                       'Cliente ' || v.contact_id, r.agent, 'Agente', NULL, '', v.channel_id, '',
                       floor(extract(epoch FROM r.d))::bigint
                FROM contacts_conversation v
                CROSS JOIN LATERAL (SELECT interval '5 seconds' + power(random(), 2) * interval '2 hours' + 0 * v.id
                                           * interval '1 second' AS d,
                                           (%(agents)s::bigint[])[1 + floor(random() * %(na)s)::int] AS agent,
                                           random() AS p) r
                WHERE v.workspace_id = %(ws)s AND v.opened_source = 'contact' AND r.p < 0.9
                  AND v.opened_at + r.d < coalesce(v.closed_at, %(now)s)
                ORDER BY v.opened_at + r.d
                """, params)
            for index in Message._meta.indexes:
                cursor.execute(f'DROP INDEX IF EXISTS "{index.name}"')
            cursor.execute(
                """
                INSERT INTO contacts_message (workspace_id, conversation_id, direction, sender_kind, author_id, text,
                                              created_at, delivery_status, delivery_error, external_id)
                SELECT v.workspace_id, v.id, CASE WHEN k = 1 THEN 'in' ELSE 'out' END,
                       CASE WHEN k = 1 THEN 'contact' ELSE 'user' END,
                       CASE WHEN k = 1 THEN NULL ELSE (%(agents)s::bigint[])[1 + floor(random() * %(na)s)::int] END,
                       'Hola', v.opened_at + (k - 1) * random() * interval '20 minutes', '', '', ''
                FROM contacts_conversation v CROSS JOIN generate_series(1, 3) k
                WHERE v.workspace_id = %(ws)s AND v.opened_at + (k - 1) * interval '20 minutes' < %(now)s
                """, params)
            cursor.execute(
                """
                INSERT INTO presence_agentstatusevent (workspace_id, user_id, previous_status, new_status, source,
                                                       created_at)
                SELECT %(ws)s, a.id, CASE WHEN d = 0 AND s.n = 1 THEN NULL ELSE s.prev END, s.new, s.source,
                       (day + s.h * interval '1 hour' + random() * interval '20 minutes') AT TIME ZONE %(tz)s
                FROM unnest(%(agents)s::bigint[]) a(id)
                CROSS JOIN generate_series(0, 364) d
                CROSS JOIN LATERAL (SELECT (date_trunc('day', %(start)s::timestamptz AT TIME ZONE %(tz)s)
                                            + d * interval '1 day') AS day) t
                CROSS JOIN (VALUES (1, 9, 'offline', 'online', 'login'), (2, 13, 'online', 'away', 'user'),
                                   (3, 14, 'away', 'online', 'user'), (4, 18, 'online', 'offline', 'logout'))
                           s(n, h, prev, new, source)
                WHERE (day + s.h * interval '1 hour') AT TIME ZONE %(tz)s < %(now)s
                ORDER BY 6
                """, {**params, "tz": big.timezone, "start": self.start})
        with connection.schema_editor() as editor:
            for index in Message._meta.indexes:
                editor.add_index(Message, index)
        with connection.cursor() as cursor:
            if not connection.in_atomic_block:
                cursor.execute("VACUUM ANALYZE contacts_message")
                cursor.execute("VACUUM ANALYZE presence_agentstatusevent")

    def bench_name(self) -> str:
        """The big workspace's name records the sizes, so --reuse only reuses the same data."""
        o = self.opts
        return (f"Bench {o['events']}/{self.conversations_n}/{o['messages_per_conversation']}/{o['workspaces']}/"
                f"{o['seed']}")

    def reload(self) -> bool:
        """--reuse: pick up the data of a kept benchmark database (False: there is none, generate)."""
        from accounts.models import User, Workspace
        from integrations.models import Channel

        big = Workspace.objects.filter(name__startswith="Bench").first()
        if big is None:
            return False
        if big.name != self.bench_name():
            raise CommandError(f"the kept database holds {big.name!r}, not {self.bench_name()!r}: run without "
                               f"--reuse (it is recreated) or with the same sizes")
        self.workspace = big
        self.owner = User.objects.get(email="owner@bench.example")
        self.agents = list(User.objects.filter(email__startswith="agent", email__endswith="@bench.example")
                           .order_by("pk"))
        self.start = big.created_at + timedelta(days=30)
        self.now = self.start + timedelta(days=365)
        self.channel_ids = list(Channel.objects.filter(workspace=big).order_by("pk").values_list("pk", flat=True))
        self.contact_channel = self.channel_ids[0] if self.channel_ids else None  # as generate_report_contacts
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM contacts_message WHERE workspace_id = %s", [big.pk])
            self.messages_n = cursor.fetchone()[0]
        self.log(f"reusing the data of {big.name!r} ({self.messages_n} messages)")
        self.reused = True
        # A migration since the data were kept may have left rollups to rebuild (as the beat task would).
        from assignments.rollups import rollup_is_ready, rollup_rebuild
        from contacts.rollups import rollup_rebuild as conversation_rollup_rebuild
        from contacts.rollups import rollup_stale_workspace_ids

        for workspace in Workspace.objects.filter(pk__in=rollup_stale_workspace_ids()):
            self.log(f"rebuilding the conversation rollup of workspace {workspace.pk} ...")
            conversation_rollup_rebuild(workspace=workspace)
        for workspace in Workspace.objects.all():
            if not rollup_is_ready(workspace=workspace):
                rollup_rebuild(workspace=workspace)
        with connection.cursor() as cursor:
            if not connection.in_atomic_block:  # index-only scans of rows a migration just wrote
                cursor.execute("VACUUM ANALYZE contacts_conversationresolution")
                cursor.execute("VACUUM ANALYZE assignments_assignmentfactdaily")
                cursor.execute("VACUUM ANALYZE assignments_conversationassignments")
            cursor.execute("ANALYZE")
        return True

    def generate_messages(self) -> None:
        """Messages of the conv_* conversations, and their first responses (Respuestas, Resoluciones).

        Each conversation gets ``--messages-per-conversation`` messages (10: 10M for 1M
        conversations) spread evenly from its opening to its close (open ones: over a day, not
        past now), in the pattern of a chat: the contact writes (k = 0, 3, 6, ...), a person
        answers the waiting messages (k = 1, 4, 7, ...: ``response_seconds`` since the contact's
        message; 90 % of conversations, the rest are answered by the bot) and follows up or the
        bot does (k = 2, 5, ...). The first person's reply is the conversation's
        ``first_response`` event (``seconds_since_open``). Responders are among the agents.
        Bulk-loaded (``INSERT … SELECT generate_series``, secondary indexes and foreign-key
        checks off during the load, indexes rebuilt after) as conversation events are.
        """
        from contacts.models import ConversationEvent

        per = self.opts["messages_per_conversation"]
        if self.conversations_n <= 0 or per <= 0:
            self.messages_n = 0
            return
        big, now = self.workspace, self.now
        agent_ids = [a.pk for a in self.agents]
        ev = ConversationEvent._meta.db_table
        self.log(f"messages: {self.conversations_n * per} in the big workspace ...")
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'contacts_message' "
                           "AND indexname NOT IN (SELECT conname FROM pg_constraint)")
            definitions = [row[0] for row in cursor.fetchall()]
            cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'contacts_message' "
                           "AND indexname NOT IN (SELECT conname FROM pg_constraint)")
            for (name,) in cursor.fetchall():
                cursor.execute(f'DROP INDEX "{name}"')
            cursor.execute("SET session_replication_role = replica")  # the rows are valid by construction
            try:
                cursor.execute(
                    """
                    INSERT INTO contacts_message (workspace_id, conversation_id, direction, sender_kind, author_id,
                                                  text, created_at, response_seconds, delivery_status, delivery_error,
                                                  external_id)
                    SELECT %(ws)s, m.id, CASE WHEN m.k %% 3 = 0 THEN 'in' ELSE 'out' END,
                           CASE WHEN m.k %% 3 = 0 THEN 'contact' WHEN m.person THEN 'user' ELSE 'bot' END,
                           CASE WHEN m.k %% 3 <> 0 AND m.person THEN m.agent END, 'Mensaje', m.at,
                           CASE WHEN m.k %% 3 = 1 AND m.person THEN floor(extract(epoch FROM m.at - m.before))::bigint END,
                           '', '', ''
                    FROM (
                        SELECT v.id, g.k, v.person, v.agent,
                               v.opened_at + (g.k::float8 / %(per)s) * v.span AS at,
                               v.opened_at + ((g.k - 1)::float8 / %(per)s) * v.span AS before
                        FROM (SELECT c.id, c.opened_at,
                                     coalesce(c.closed_at, least(c.opened_at + interval '1 day', %(now)s)) - c.opened_at
                                         AS span,
                                     random() < 0.9 + 0 * c.id AS person,
                                     (%(agents)s::bigint[])[1 + floor(random() * %(na)s + 0 * c.id)::int] AS agent
                              FROM contacts_conversation c WHERE c.workspace_id = %(ws)s AND c.id > %(before)s) v
                        CROSS JOIN generate_series(0, %(per)s - 1) g(k)
                    ) m ORDER BY m.at
                    """,
                    {"ws": big.pk, "per": per, "now": now, "agents": agent_ids, "na": len(agent_ids),
                     "before": self.conv_before},
                )
                self.messages_n = cursor.rowcount
                # The first response: the first person's reply (k = 1), when it came before now.
                cursor.execute(
                    f"""
                    INSERT INTO {ev} (workspace_id, created_at, kind, source, conversation_id, contact_id, contact_name,
                        user_id, user_name, assignee_id, assignee_name, channel_id, note, seconds_since_open)
                    SELECT DISTINCT ON (m.conversation_id) %(ws)s, m.created_at, 'first_response', 'user',
                           m.conversation_id, c.contact_id, 'Cliente ' || c.contact_id, m.author_id, 'Agente',
                           m.author_id, 'Agente', c.channel_id, '',
                           floor(extract(epoch FROM m.created_at - c.opened_at))::bigint
                    FROM contacts_message m JOIN contacts_conversation c ON c.id = m.conversation_id
                    WHERE m.workspace_id = %(ws)s AND m.response_seconds IS NOT NULL AND m.created_at < %(now)s
                      AND NOT EXISTS (SELECT 1 FROM {ev} f WHERE f.workspace_id = %(ws)s AND f.kind = 'first_response'
                                      AND f.conversation_id = m.conversation_id)  -- the leaderboard's data
                    ORDER BY m.conversation_id, m.created_at
                    """,
                    {"ws": big.pk, "now": now},
                )
            finally:
                cursor.execute("SET session_replication_role = DEFAULT")
            self.log(f"message indexes ({len(definitions)}) ...")
            for definition in definitions:
                cursor.execute(definition)

    @staticmethod
    def _conversation_rows_sql() -> str:
        """One row per conversation g: opened at, duration, closed?, sources, channel, people."""
        return """
            SELECT g, at, dur, want_closed AND at + dur < %(now)s AS closed, note,
                   osource, csource, opener, closer,
                   CASE WHEN osource = 'contact' AND random() < 0.95 THEN ch
                        WHEN osource = 'workflow' AND random() < 0.5 THEN ch END AS channel
            FROM (
                SELECT g,
                       %(start)s::timestamptz + (g::float8 / %(n)s) * interval '365 days' AS at,
                       interval '1 minute' + power(random(), 3) * interval '3 days' AS dur,
                       random() < 0.85 AS want_closed,
                       random() < 0.3 AS note,
                       (%(opening)s::text[])[CASE WHEN o < 0.70 THEN 1 WHEN o < 0.85 THEN 2
                                                  WHEN o < 0.95 THEN 3 ELSE 4 END] AS osource,
                       (%(closing)s::text[])[CASE WHEN c < 0.60 THEN 1 WHEN c < 0.75 THEN 2
                                                  WHEN c < 0.85 THEN 3 ELSE 4 END] AS csource,
                       (%(agents)s::bigint[])[1 + floor(random() * %(na)s)::int] AS opener,
                       (%(agents)s::bigint[])[1 + floor(random() * %(na)s)::int] AS closer,
                       (%(channels)s::bigint[])[1 + floor(random() * cardinality(%(channels)s::bigint[]))::int] AS ch
                FROM (SELECT g, random() AS o, random() AS c FROM generate_series(0, %(n)s - 1) g) s
            ) t"""

    def _insert_events(self, cursor, workspace_id, n, start, agent_ids, contact_range, conversation_offset):
        """Events spread evenly over 365 days in time order (as an append-only table is)."""
        events = "assignments_assignmentevent"
        conversation = "r.contact_id + %(conv_off)s" if conversation_offset is not None else "NULL::bigint"
        cursor.execute(
            f"""
            INSERT INTO {events} (workspace_id, created_at, source, contact_id, contact_name, conversation_id,
                previous_assignee_id, previous_assignee_name, new_assignee_id, new_assignee_name,
                assigned_by_id, assigned_by_name)
            SELECT %(ws)s, r.at, r.source, r.contact_id, 'Contacto ' || r.contact_id,
                   CASE WHEN r.with_conv THEN {conversation} END,
                   r.prev, CASE WHEN r.prev IS NULL THEN '' ELSE 'Agente' END,
                   r.new, CASE WHEN r.new IS NULL THEN '' ELSE 'Agente' END,
                   CASE WHEN r.source = 'user' THEN r.by END, CASE WHEN r.source = 'user' THEN 'Agente' ELSE '' END
            FROM (
                SELECT %(start)s::timestamptz + (g::float8 / %(n)s) * interval '365 days' + random() * interval '1 second' AS at,
                       (%(sources)s::text[])[1 + floor(random() * 6)::int] AS source,
                       %(cmin)s + floor(random() * (%(cmax)s - %(cmin)s + 1))::bigint AS contact_id,
                       random() < 0.8 AS with_conv,
                       CASE WHEN random() < 0.1 THEN NULL ELSE (%(agents)s::bigint[])[1 + floor(random() * %(na)s)::int] END AS prev,
                       CASE WHEN random() < 0.08 THEN NULL ELSE (%(agents)s::bigint[])[1 + floor(random() * %(na)s)::int] END AS new,
                       (%(agents)s::bigint[])[1 + floor(random() * %(na)s)::int] AS by
                FROM generate_series(0, %(n)s - 1) g
            ) r
            """,
            {"ws": workspace_id, "start": start, "n": n, "sources": SOURCES, "cmin": contact_range[0],
             "cmax": contact_range[1], "agents": agent_ids, "na": len(agent_ids), "conv_off": conversation_offset or 0},
        )

    def _conversation_facts(self, cursor, workspace_id, opened_at):
        """What ``contact_assign`` records with each event (its position among the conversation's
        assignments to a person, the first assignment's wait) and with each conversation
        (``ConversationAssignments``), for the bulk-loaded events, by the rules of the data migrations (every conversation of the big workspace opened at
        ``opened_at``)."""
        events = "assignments_assignmentevent"
        cursor.execute(
            f"""
            UPDATE {events} e SET conversation_assignment = r.position, first_assignment_seconds = r.wait
            FROM (
                SELECT id, CASE WHEN new_assignee_id IS NOT NULL THEN count(new_assignee_id) OVER w END AS position,
                       CASE WHEN row_number() OVER w = 1 AND previous_assignee_id IS NULL AND new_assignee_id IS NOT NULL
                            THEN greatest(0, floor(extract(epoch FROM created_at - %(opened)s)))::bigint END AS wait
                FROM {events} WHERE workspace_id = %(ws)s AND conversation_id IS NOT NULL
                WINDOW w AS (PARTITION BY conversation_id ORDER BY created_at, id)
            ) r
            WHERE e.id = r.id AND r.position IS NOT NULL
            """,
            {"ws": workspace_id, "opened": opened_at},
        )
        # ... and each conversation's assignments so far, as contact_assign keeps them (the data
        # migration's statement); AssignmentFactDaily is counted by rollup_rebuild below.
        from assignments.rollups import conversation_assignments_fill_sql

        cursor.execute(conversation_assignments_fill_sql(workspace=True), [workspace_id])

    # --- a–g: endpoints vs raw SQL -------------------------------------------------------------

    def measure_cases(self) -> dict:
        ws, repeat = self.workspace, self.opts["repeat"]
        tz = ws.timezone
        owner = Client()
        owner.force_login(self.owner)
        agent = self.pick_busy_agent()
        agent_client = Client()
        agent_client.force_login(agent)
        contact_id, conversation_id = self.pick_contact_and_conversation()
        from reports.periods import report_period_resolve

        p30 = report_period_resolve(workspace=ws, period="last_30_days")
        today = p30.end
        p365 = report_period_resolve(workspace=ws, start=(today - timedelta(days=364)).isoformat(), end=today.isoformat())
        r365 = f"start={p365.start}&end={p365.end}"
        base = "/api/v1/reports/assignments/"
        events = "assignments_assignmentevent"
        one_agent = self.agents[0].pk
        many_agents = [agent.pk for agent in self.agents[:3]]

        def summary_sql(period, extra="", params=()):
            return (f"SELECT source, count(*) FROM {events} WHERE workspace_id = %s AND created_at >= %s "
                    f"AND created_at < %s {extra} GROUP BY source", [ws.pk, period.start_utc, period.end_utc, *params])

        def series_sql(period, unit):
            return (f"SELECT date_trunc('{unit}', created_at AT TIME ZONE %s) AS b, source, count(*) FROM {events} "
                    f"WHERE workspace_id = %s AND created_at >= %s AND created_at < %s GROUP BY 1, 2 ORDER BY 1",
                    [tz, ws.pk, period.start_utc, period.end_utc])

        def log_sql(offset):
            return (f"SELECT * FROM {events} WHERE workspace_id = %s AND created_at >= %s AND created_at < %s "
                    f"ORDER BY created_at DESC, id DESC LIMIT 50 OFFSET {offset}", [ws.pk, p30.start_utc, p30.end_utc])

        # f: the last reachable page (rows 9,951–10,000 when the cap applies).
        first = owner.get(base + "log?period=last_30_days&page=1").json()
        last_page = max(1, -(-first["count"] // 50))
        cases = {
            "a_summary_30d": (owner, "summary?period=last_30_days", summary_sql(p30)),
            "b_timeseries_30d": (owner, "timeseries?period=last_30_days", series_sql(p30, "day")),
            "c_summary_365d": (owner, f"summary?{r365}", summary_sql(p365)),
            "c_timeseries_365d": (owner, f"timeseries?{r365}", series_sql(p365, "week")),
            "d_filtered_365d": (owner, f"summary?{r365}&source=user&assignee={one_agent}",
                                summary_sql(p365, "AND source = 'user' AND new_assignee_id = %s", [one_agent])),
            "e_agent_365d": (agent_client, f"summary?{r365}",
                             summary_sql(p365, "AND (new_assignee_id = %s OR previous_assignee_id = %s)",
                                         [agent.pk, agent.pk])),
            "f_log_first": (owner, "log?period=last_30_days&page=1", log_sql(0)),
            "f_log_last": (owner, f"log?period=last_30_days&page={last_page}", log_sql((last_page - 1) * 50)),
            "g_contact_365d": (owner, f"summary?{r365}&contact={contact_id}",
                               summary_sql(p365, "AND contact_id = %s", [contact_id])),
            "g_conversation_365d": (owner, f"summary?{r365}&conversation={conversation_id}",
                                    summary_sql(p365, "AND conversation_id = %s", [conversation_id])),
            # h: several values per filter (a comma list and a repeated parameter), still the rollup.
            "h_multi_365d": (owner, f"summary?{r365}&source=user,workflow,api&assignee={many_agents[0]},"
                                    f"{many_agents[1]}&assignee={many_agents[2]}&assignee=none",
                             summary_sql(p365, "AND source IN ('user', 'workflow', 'api') AND (new_assignee_id IN "
                                               "(%s, %s, %s) OR new_assignee_id IS NULL)", many_agents)),
            # i: Asignaciones beyond the log (docs/reports.md), next to the raw SQL computing the same
            # numbers from the events alone (window functions over each conversation's assignments).
            "i_first_assignment_365d": (owner, f"first-assignment?{r365}", (
                f"SELECT source, count(*), percentile_disc(0.5) WITHIN GROUP (ORDER BY s), "
                f"percentile_disc(0.9) WITHIN GROUP (ORDER BY s), avg(s) FROM ("
                f"  SELECT e.source, extract(epoch FROM e.created_at - v.opened_at) AS s, e.created_at, "
                f"         e.previous_assignee_id, row_number() OVER (PARTITION BY e.conversation_id "
                f"         ORDER BY e.created_at, e.id) AS n "
                f"  FROM {events} e JOIN contacts_conversation v ON v.id = e.conversation_id "
                f"  WHERE e.workspace_id = %s) f "
                f"WHERE n = 1 AND previous_assignee_id IS NULL AND created_at >= %s AND created_at < %s "
                f"GROUP BY ROLLUP (source)", [ws.pk, p365.start_utc, p365.end_utc])),
            "i_reassignments_365d": (owner, f"reassignments?{r365}", (
                f"SELECT conversation_id, total FROM ("
                f"  SELECT conversation_id, created_at, row_number() OVER w AS n, count(*) OVER (PARTITION BY "
                f"         conversation_id) AS total FROM {events} "
                f"  WHERE workspace_id = %s AND conversation_id IS NOT NULL AND new_assignee_id IS NOT NULL "
                f"  WINDOW w AS (PARTITION BY conversation_id ORDER BY created_at, id)) a "
                f"WHERE n = 2 AND created_at >= %s AND created_at < %s ORDER BY total DESC LIMIT 50",
                [ws.pk, p365.start_utc, p365.end_utc])),
        }
        results = {}
        for name, (client, path, (sql, params)) in cases.items():
            if not self.wanted(name):
                continue
            def call(client=client, path=path, name=name):
                response = client.get(base + path)
                if response.status_code != 200:
                    raise CommandError(f"{name}: {response.status_code} {response.content[:300]!r}")

            def raw(sql=sql, params=params):
                with connection.cursor() as cursor:
                    cursor.execute(sql, params)
                    cursor.fetchall()

            median, p95 = _ms(_time(call, repeat))
            raw_median, _ = _ms(_time(raw, repeat))
            results[name] = {"median_ms": median, "p95_ms": p95, "raw_sql_ms": raw_median,
                             "ratio": round(median / raw_median, 3) if raw_median else None}
            self.log(f"{name}: median {median} ms, p95 {p95} ms, raw SQL {raw_median} ms")
        return results

    def pick_busy_agent(self):
        from assignments.models import AssignmentEvent

        agent_id = (AssignmentEvent.objects.filter(workspace=self.workspace, new_assignee_id__isnull=False)
                    .values_list("new_assignee_id", flat=True).first())
        return next(a for a in self.agents if a.pk == agent_id)

    def pick_contact_and_conversation(self):
        from assignments.models import AssignmentEvent

        row = (AssignmentEvent.objects.filter(workspace=self.workspace, conversation_id__isnull=False)
               .order_by("-id").values_list("contact_id", "conversation_id").first())
        return row

    # --- conv_*: the Conversaciones report vs raw SQL ---------------------------------------------

    def measure_conversation_cases(self) -> dict:
        """Conversaciones (issue 12 §4): each case through the API and the one SQL statement a BI
        tool would run on the events for the same numbers (everything the endpoint returns:
        the previous period and both "open at end" counts included), timed in the same run."""
        if self.conversations_n <= 0:
            return {}
        from reports.periods import report_period_resolve

        ws = self.workspace
        owner = Client()
        owner.force_login(self.owner)
        with connection.cursor() as cursor:
            cursor.execute("""SELECT assignee_id FROM contacts_conversationevent WHERE workspace_id = %s
                              AND kind = 'closed' AND assignee_id IS NOT NULL ORDER BY created_at DESC, id DESC
                              LIMIT 1""", [ws.pk])
            agent_id = cursor.fetchone()[0]
        agent = next(a for a in self.agents if a.pk == agent_id)
        agent_client = Client()
        agent_client.force_login(agent)
        p30 = report_period_resolve(workspace=ws, period="last_30_days")
        today = p30.end
        p365 = report_period_resolve(workspace=ws, start=(today - timedelta(days=364)).isoformat(), end=today.isoformat())
        r365 = f"start={p365.start}&end={p365.end}"
        channel = self.channel_ids[0]
        base = "/api/v1/reports/conversations/"
        ev = "contacts_conversationevent"
        # Filters as SQL on an opened event `e` and on a closed event `e`.
        none = ("", "")
        filtered = ("AND e.channel_id = %(channel)s AND e.source = 'contact'",
                    f"AND e.channel_id = %(channel)s AND EXISTS (SELECT 1 FROM {ev} o WHERE o.workspace_id = %(ws)s "
                    f"AND o.kind = 'opened' AND o.conversation_id = e.conversation_id AND o.source = 'contact')")
        # An agent owns a conversation: the assignee on its close, else the contact's assignee now.
        scoped = (f"AND %(agent)s = CASE WHEN EXISTS (SELECT 1 FROM {ev} c WHERE c.workspace_id = %(ws)s "
                  f"AND c.kind = 'closed' AND c.conversation_id = e.conversation_id) "
                  f"THEN (SELECT c.assignee_id FROM {ev} c WHERE c.workspace_id = %(ws)s AND c.kind = 'closed' "
                  f"AND c.conversation_id = e.conversation_id) "
                  f"ELSE (SELECT k.assignee_id FROM contacts_contact k WHERE k.id = e.contact_id) END",
                  "AND e.assignee_id = %(agent)s")

        def in_period(kind, start, end, cond):
            return (f"FROM {ev} e WHERE e.workspace_id = %(ws)s AND e.kind = '{kind}' AND e.created_at >= {start} "
                    f"AND e.created_at < {end} {cond}")

        def open_at(at, cond):
            label = at.removeprefix("%(").removesuffix(")s")
            return (f"SELECT 'open_at', '{label}', count(*) FROM {ev} e WHERE e.workspace_id = %(ws)s "
                    f"AND e.kind = 'opened' AND e.created_at < {at} AND NOT EXISTS (SELECT 1 FROM {ev} c "
                    f"WHERE c.workspace_id = %(ws)s AND c.kind = 'closed' AND c.conversation_id = e.conversation_id "
                    f"AND c.created_at < {at}) {cond}")

        def summary_sql(period, conds=none, **extra):
            prev = period.previous()
            o, c = conds
            sql = " UNION ALL ".join([
                f"SELECT 'opened', e.source, count(*) {in_period('opened', '%(s)s', '%(e)s', o)} GROUP BY e.source",
                f"SELECT 'closed', e.source, count(*) {in_period('closed', '%(s)s', '%(e)s', c)} GROUP BY e.source",
                f"SELECT 'opened_prev', NULL, count(*) {in_period('opened', '%(ps)s', '%(pe)s', o)}",
                f"SELECT 'closed_prev', NULL, count(*) {in_period('closed', '%(ps)s', '%(pe)s', c)}",
                open_at("%(e)s", o), open_at("%(pe)s", o),
            ])
            return sql, {"ws": ws.pk, "s": period.start_utc, "e": period.end_utc, "ps": prev.start_utc,
                         "pe": prev.end_utc, **extra}

        def series_sql(period, unit):
            sql = " UNION ALL ".join(
                f"(SELECT '{kind}', date_trunc('{unit}', e.created_at AT TIME ZONE %(tz)s) AS b, count(*) "
                f"{in_period(kind, '%(s)s', '%(e)s', '')} GROUP BY 2 ORDER BY 2)" for kind in ("opened", "closed"))
            return sql, {"ws": ws.pk, "tz": ws.timezone, "s": period.start_utc, "e": period.end_utc}

        def log_sql(period):
            sql = (f"WITH n AS (SELECT count(*) AS n FROM (SELECT 1 {in_period('opened', '%(s)s', '%(e)s', '')} "
                   f"LIMIT 10001) x) "
                   f"SELECT p.conversation_id, p.*, c.created_at, c.source, c.user_id, c.user_name, c.note, c.assignee_id, "
                   f"c.assignee_name, k.assignee_id, ch.name, n.n FROM ("
                   f"SELECT e.* {in_period('opened', '%(s)s', '%(e)s', '')} ORDER BY e.created_at DESC, e.id DESC "
                   f"LIMIT 50) p LEFT JOIN {ev} c ON c.workspace_id = %(ws)s AND c.kind = 'closed' "
                   f"AND c.conversation_id = p.conversation_id LEFT JOIN contacts_contact k ON k.id = p.contact_id "
                   f"LEFT JOIN integrations_channel ch ON ch.id = p.channel_id CROSS JOIN n "
                   f"ORDER BY p.created_at DESC, p.id DESC")
            return sql, {"ws": ws.pk, "s": period.start_utc, "e": period.end_utc}

        cases = {
            "conv_summary_30d": (owner, "summary?period=last_30_days", summary_sql(p30)),
            "conv_timeseries_30d": (owner, "timeseries?period=last_30_days", series_sql(p30, "day")),
            "conv_summary_365d": (owner, f"summary?{r365}", summary_sql(p365)),
            "conv_timeseries_365d": (owner, f"timeseries?{r365}", series_sql(p365, "week")),
            "conv_filtered_365d": (owner, f"summary?{r365}&channel={channel}&opening_source=contact",
                                   summary_sql(p365, filtered, channel=channel)),
            "conv_agent_365d": (agent_client, f"summary?{r365}", summary_sql(p365, scoped, agent=agent.pk)),
            "conv_log_first": (owner, "log?period=last_30_days&page=1", log_sql(p30)),
        }
        return self._time_cases(base, cases, self._conversation_numbers_agree)

    # --- resp_* / reso_*: Respuestas and Resoluciones vs raw SQL -------------------------------------

    def _time_cases(self, base: str, cases: dict, agree) -> dict:
        """Time each case through the API and its raw SQL in the same run (slow cases: 3 runs)."""
        results = {}
        for name, (client, path, (sql, params)) in cases.items():
            if not self.wanted(name):
                continue
            def call(client=client, path=path, name=name):
                response = client.get(base + path)
                if response.status_code != 200:
                    raise CommandError(f"{name}: {response.status_code} {response.content[:300]!r}")
                return response.json()

            def raw(sql=sql, params=params):
                with connection.cursor() as cursor:
                    cursor.execute(sql, params)
                    return cursor.fetchall()

            started = time.perf_counter()
            same = agree(name, call(), raw())  # also the warm-up
            slow = time.perf_counter() - started >= 6  # seconds per call: 3 timed runs, no second warm-up
            repeat = min(self.opts["repeat"], 3) if slow else self.opts["repeat"]
            timed = (lambda fn, n: [_time_once(fn) for _ in range(n)]) if slow else _time
            median, p95 = _ms(timed(call, repeat))
            raw_median, _ = _ms(timed(raw, repeat))
            results[name] = {"median_ms": median, "p95_ms": p95, "raw_sql_ms": raw_median, "runs": repeat,
                             "ratio": round(median / raw_median, 3) if raw_median else None, "same_numbers": same}
            self.log(f"{name}: median {median} ms, p95 {p95} ms, raw SQL {raw_median} ms, same numbers: {same}")
        return results

    def _periods(self):
        from reports.periods import report_period_resolve

        p30 = report_period_resolve(workspace=self.workspace, period="last_30_days")
        p365 = report_period_resolve(workspace=self.workspace, start=(p30.end - timedelta(days=364)).isoformat(),
                                     end=p30.end.isoformat())
        return p30, p365, f"start={p365.start}&end={p365.end}"

    def measure_response_cases(self) -> dict:
        """Respuestas: summary (cards, histogram, per-agent table) and time series, next to the SQL
        a BI tool would run for the same figures (first responses and responses in the period and
        the previous one: counts, median, p90, average, the histogram, per responder)."""
        if not getattr(self, "messages_n", 0):
            return {}
        ws = self.workspace
        owner = Client()
        owner.force_login(self.owner)
        p30, p365, r365 = self._periods()
        ev = "contacts_conversationevent"
        bins = "width_bucket(f.s, ARRAY[60, 300, 900, 3600, 14400])"

        def summary_sql(period):
            prev = period.previous()
            sql = f"""
                WITH f AS (SELECT e.user_id AS who, e.seconds_since_open AS s, e.created_at >= %(s)s AS cur FROM {ev} e
                           WHERE e.workspace_id = %(ws)s AND e.kind = 'first_response' AND e.created_at >= %(ps)s
                             AND e.created_at < %(e)s),
                     r AS (SELECT m.author_id AS who, m.response_seconds AS s, m.created_at >= %(s)s AS cur
                           FROM contacts_message m WHERE m.workspace_id = %(ws)s AND m.response_seconds IS NOT NULL
                             AND m.created_at >= %(ps)s AND m.created_at < %(e)s)
                SELECT 'first', f.cur, NULL::bigint, count(*), floor(percentile_cont(0.5) WITHIN GROUP (ORDER BY f.s)),
                       percentile_disc(0.9) WITHIN GROUP (ORDER BY f.s), round(avg(f.s)) FROM f GROUP BY f.cur
                UNION ALL SELECT 'bin', true, {bins}, count(*), NULL, NULL, NULL FROM f WHERE f.cur GROUP BY 3
                UNION ALL SELECT 'first_who', true, f.who, count(*), floor(percentile_cont(0.5) WITHIN GROUP (ORDER BY f.s)),
                       NULL, round(avg(f.s)) FROM f WHERE f.cur GROUP BY f.who
                UNION ALL SELECT 'resp', r.cur, NULL, count(*), NULL, NULL, round(avg(r.s)) FROM r GROUP BY r.cur
                UNION ALL SELECT 'resp_who', true, r.who, count(*), NULL, NULL, round(avg(r.s)) FROM r WHERE r.cur
                       GROUP BY r.who"""
            return sql, {"ws": ws.pk, "s": period.start_utc, "e": period.end_utc, "ps": prev.start_utc}

        def series_sql(period, unit):
            sql = (f"SELECT date_trunc('{unit}', e.created_at AT TIME ZONE %(tz)s), count(*), "
                   f"floor(percentile_cont(0.5) WITHIN GROUP (ORDER BY e.seconds_since_open)) FROM {ev} e "
                   f"WHERE e.workspace_id = %(ws)s AND e.kind = 'first_response' AND e.created_at >= %(s)s "
                   f"AND e.created_at < %(e)s GROUP BY 1 ORDER BY 1")
            return sql, {"ws": ws.pk, "tz": ws.timezone, "s": period.start_utc, "e": period.end_utc}

        def agree(name, api, rows):
            if "timeseries" in name:
                got = [(b["first_responses"], b["median"]["calendar"]) for b in api["buckets"] if b["first_responses"]]
                return got == [(n, int(m)) for _, n, m in rows]
            first = {cur: (n, int(m), int(a)) for kind, cur, _, n, m, _, a in rows if kind == "first"}
            resp = {cur: (n, int(a)) for kind, cur, _, n, _, _, a in rows if kind == "resp"}
            t = api["first_response_time"]
            return (first.get(True, (0,))[0] == api["first_responses"]["value"]
                    and first.get(False, (0,))[0] == api["first_responses"]["previous"]
                    and first.get(True, (0, None, None))[1:] == (t["median"]["calendar"], t["average"]["calendar"])
                    and resp.get(True, (0, None)) == (api["responses"]["value"],
                                                      api["response_time"]["average"]["calendar"])
                    and resp.get(False, (0,))[0] == api["responses"]["previous"]
                    and sorted(n for kind, _, _, n, *_ in rows if kind == "bin") == sorted(
                        b["calendar"] for b in api["distribution"] if b["calendar"]))

        cases = {
            "resp_summary_30d": (owner, "summary?period=last_30_days", summary_sql(p30)),
            "resp_summary_365d": (owner, f"summary?{r365}", summary_sql(p365)),
            "resp_timeseries_365d": (owner, f"timeseries?{r365}", series_sql(p365, "week")),
        }
        return self._time_cases("/api/v1/reports/responses/", cases, agree)

    def measure_resolution_cases(self) -> dict:
        """Resoluciones: summary (cards, by closing source, per owner) and time series, next to the
        SQL a BI tool would run for the same figures (each close with its opening, its contact's
        reopening within 7 days and its assignments; counts, FCR, median, p90, average)."""
        if self.conversations_n <= 0:
            return {}
        ws = self.workspace
        owner = Client()
        owner.force_login(self.owner)
        p30, p365, r365 = self._periods()
        ev = "contacts_conversationevent"
        facts = f"""
            SELECT c.source, c.assignee_id AS who, c.created_at, c.created_at >= %(s)s AS cur,
                   floor(extract(epoch FROM c.created_at - o.created_at))::bigint AS s,
                   EXISTS (SELECT 1 FROM {ev} r WHERE r.workspace_id = %(ws)s AND r.kind = 'opened'
                           AND r.source = 'contact' AND r.contact_id = c.contact_id
                           AND r.conversation_id <> c.conversation_id AND r.created_at >= c.created_at
                           AND r.created_at <= c.created_at + interval '7 days') AS reopened,
                   (SELECT count(*) FROM assignments_assignmentevent a WHERE a.workspace_id = %(ws)s
                           AND a.conversation_id = c.conversation_id AND a.new_assignee_id IS NOT NULL) AS assignments
            FROM {ev} c LEFT JOIN {ev} o ON o.workspace_id = %(ws)s AND o.kind = 'opened'
                 AND o.conversation_id = c.conversation_id
            WHERE c.workspace_id = %(ws)s AND c.kind = 'closed' AND c.created_at >= %(ps)s AND c.created_at < %(e)s"""
        stats = ("count(*), count(*) FILTER (WHERE f.assignments = 1 AND NOT f.reopened), "
                 "count(*) FILTER (WHERE f.reopened), floor(percentile_cont(0.5) WITHIN GROUP (ORDER BY f.s)), "
                 "percentile_disc(0.9) WITHIN GROUP (ORDER BY f.s), round(avg(f.s))")

        def summary_sql(period):
            prev = period.previous()
            sql = (f"WITH f AS ({facts}) SELECT 'all', f.cur, NULL::text, NULL::bigint, {stats} FROM f GROUP BY f.cur "
                   f"UNION ALL SELECT 'source', true, f.source, NULL, {stats} FROM f WHERE f.cur GROUP BY f.source "
                   f"UNION ALL SELECT 'who', true, NULL, f.who, {stats} FROM f WHERE f.cur GROUP BY f.who")
            return sql, {"ws": ws.pk, "s": period.start_utc, "e": period.end_utc, "ps": prev.start_utc}

        def series_sql(period, unit):
            sql = (f"WITH f AS ({facts}) SELECT date_trunc('{unit}', f.created_at AT TIME ZONE %(tz)s), count(*), "
                   f"floor(percentile_cont(0.5) WITHIN GROUP (ORDER BY f.s)) FROM f GROUP BY 1 ORDER BY 1")
            return sql, {"ws": ws.pk, "tz": ws.timezone, "s": period.start_utc, "e": period.end_utc,
                         "ps": period.start_utc}

        def agree(name, api, rows):
            if "timeseries" in name:
                got = [(b["resolved"], b["median_seconds"]) for b in api["buckets"] if b["resolved"]]
                return got == [(n, None if m is None else int(m)) for _, n, m in rows]
            metrics = {m["key"]: m for m in api["metrics"]}
            now = next((r for r in rows if r[0] == "all" and r[1]), None)
            before = next((r for r in rows if r[0] == "all" and not r[1]), None)
            if now is None:
                return metrics["resolved"]["value"] == 0
            return ((now[4], now[5], now[6], int(now[7]), int(now[9])) == tuple(
                        metrics[k]["value"] for k in ("resolved", "fcr", "reopened", "median", "average"))
                    and (before[4] if before else 0) == metrics["resolved"]["previous"]
                    and {r[2]: r[4] for r in rows if r[0] == "source"} == {
                        s["source"]: s["count"] for s in api["by_closing_source"]})

        cases = {
            "reso_summary_30d": (owner, "summary?period=last_30_days", summary_sql(p30)),
            "reso_summary_365d": (owner, f"summary?{r365}", summary_sql(p365)),
            "reso_timeseries_365d": (owner, f"timeseries?{r365}", series_sql(p365, "week")),
        }
        return self._time_cases("/api/v1/reports/resolutions/", cases, agree)

    def _conversation_numbers_agree(self, name: str, api: dict, rows: list[tuple]) -> bool:
        """The API and the raw SQL give the same numbers (a wrong equivalent would time nothing)."""
        if "summary" in name or name in ("conv_filtered_365d", "conv_agent_365d"):
            metrics = {m["key"]: m for m in api["metrics"]}
            opened = {s: n for kind, s, n in rows if kind == "opened"}
            closed = {s: n for kind, s, n in rows if kind == "closed"}
            single = {(kind, at): n for kind, at, n in rows if kind not in ("opened", "closed")}
            return ({s["source"]: s["count"] for s in api["opened_by_source"]} == opened
                    and {s["source"]: s["count"] for s in api["closed_by_source"]} == closed
                    and single == {("opened_prev", None): metrics["opened"]["previous"],
                                   ("closed_prev", None): metrics["closed"]["previous"],
                                   ("open_at", "e"): metrics["open_at_end"]["value"],
                                   ("open_at", "pe"): metrics["open_at_end"]["previous"]})
        if "timeseries" in name:
            return all([b[kind] for b in api["buckets"] if b[kind]] == [n for k, _, n in sorted(rows) if k == kind]
                       for kind in ("opened", "closed"))
        return (api["count"] == min(10_000, rows[0][-1] if rows else 0)
                and [r["conversation_id"] for r in api["results"]] == [row[0] for row in rows])

    # --- Tabla de Clasificación ----------------------------------------------------------------

    def measure_leaderboard_cases(self) -> dict:
        """The board of the big workspace's 201 members (page of 100 rows, default order) over 30
        and 365 days, next to the one statement a BI tool would run for every row's figures and
        the previous period's Cerradas (the ranks), in the same run."""
        if not self.wants_any("leaderboard_"):
            return {}
        from reports.periods import report_period_resolve

        ws, repeat = self.workspace, self.opts["repeat"]
        owner = Client()
        owner.force_login(self.owner)
        p30 = report_period_resolve(workspace=ws, period="last_30_days")
        today = p30.end
        p365 = report_period_resolve(workspace=ws, start=(today - timedelta(days=364)).isoformat(), end=today.isoformat())
        base = "/api/v1/reports/leaderboard/log?page_size=100&"
        sql = """
            WITH m AS (SELECT user_id FROM accounts_membership WHERE workspace_id = %(ws)s),
            a AS (SELECT new_assignee_id AS u, count(*) AS n FROM assignments_assignmentevent
                  WHERE workspace_id = %(ws)s AND created_at >= %(s)s AND created_at < %(e)s GROUP BY 1),
            c AS (SELECT e.user_id AS u, count(*) AS n,
                         floor(percentile_cont(0.5) WITHIN GROUP (ORDER BY e.seconds_since_open)
                               FILTER (WHERE EXISTS (SELECT 1 FROM contacts_conversationevent o
                                                     WHERE o.conversation_id = e.conversation_id
                                                       AND o.kind = 'opened'))) AS med
                  FROM contacts_conversationevent e
                  WHERE e.workspace_id = %(ws)s AND e.kind = 'closed' AND e.source = 'user'
                    AND e.created_at >= %(s)s AND e.created_at < %(e)s GROUP BY 1),
            p AS (SELECT user_id AS u, count(*) AS n FROM contacts_conversationevent
                  WHERE workspace_id = %(ws)s AND kind = 'closed' AND source = 'user'
                    AND created_at >= %(ps)s AND created_at < %(pe)s GROUP BY 1),
            f AS (SELECT user_id AS u, floor(percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds_since_open)) AS med
                  FROM contacts_conversationevent
                  WHERE workspace_id = %(ws)s AND kind = 'first_response' AND created_at >= %(s)s
                    AND created_at < %(e)s GROUP BY 1),
            s AS (SELECT author_id AS u, count(*) AS n FROM contacts_message
                  WHERE workspace_id = %(ws)s AND direction = 'out' AND sender_kind = 'user'
                    AND created_at >= %(s)s AND created_at < %(e)s GROUP BY 1),
            ev AS (SELECT user_id, created_at AS at, id, new_status FROM presence_agentstatusevent
                   WHERE workspace_id = %(ws)s AND created_at >= %(s)s AND created_at < %(stop)s
                   UNION ALL
                   SELECT m.user_id, %(s)s, 0, b.new_status FROM m CROSS JOIN LATERAL (
                       SELECT new_status FROM presence_agentstatusevent b WHERE b.workspace_id = %(ws)s
                         AND b.user_id = m.user_id AND b.created_at < %(s)s ORDER BY created_at DESC, id DESC LIMIT 1) b),
            o AS (SELECT user_id AS u, floor(extract(epoch FROM sum(stop - at))) AS n FROM (
                      SELECT user_id, at, new_status,
                             coalesce(lead(at) OVER (PARTITION BY user_id ORDER BY at, id), %(stop)s) AS stop FROM ev) x
                  WHERE new_status = 'online' GROUP BY 1)
            SELECT m.user_id, coalesce(a.n, 0), coalesce(c.n, 0), coalesce(s.n, 0), f.med, c.med, coalesce(o.n, 0),
                   coalesce(p.n, 0)
            FROM m LEFT JOIN a ON a.u = m.user_id LEFT JOIN c ON c.u = m.user_id LEFT JOIN p ON p.u = m.user_id
                   LEFT JOIN f ON f.u = m.user_id LEFT JOIN s ON s.u = m.user_id LEFT JOIN o ON o.u = m.user_id
            ORDER BY 3 DESC, 1
        """
        results = {}
        for name, period, query in (("leaderboard_30d", p30, "period=last_30_days"),
                                    ("leaderboard_365d", p365, f"start={p365.start}&end={p365.end}")):
            prev = period.previous()
            params = {"ws": ws.pk, "s": period.start_utc, "e": period.end_utc, "ps": prev.start_utc,
                      "pe": prev.end_utc}

            def call(query=query, name=name):
                response = owner.get(base + query)
                if response.status_code != 200:
                    raise CommandError(f"{name}: {response.status_code} {response.content[:300]!r}")
                return response.json()

            def raw(params=params, period=period):
                with connection.cursor() as cursor:
                    cursor.execute(sql, {**params, "stop": min(period.end_utc, timezone.now())})
                    return cursor.fetchall()

            api, rows = call(), raw()
            by_user = {r[0]: r for r in rows}
            same = len(api["results"]) == min(100, len(rows)) and all(
                (r["assigned"], r["closed"], r["messages_sent"], r["first_response_median"], r["resolution_median"])
                == tuple(None if v is None else int(v) for v in by_user[r["user"]["id"]][1:6])
                # time online runs to each statement's own now: a second or two apart
                and abs(r["online_seconds"] - int(by_user[r["user"]["id"]][6])) <= 5
                for r in api["results"])
            median, p95 = _ms(_time(call, repeat))
            raw_median, _ = _ms(_time(raw, repeat))
            results[name] = {"median_ms": median, "p95_ms": p95, "raw_sql_ms": raw_median,
                             "ratio": round(median / raw_median, 3) if raw_median else None, "same_numbers": same}
            self.log(f"{name}: median {median} ms, p95 {p95} ms, raw SQL {raw_median} ms, same numbers: {same}")
        return results

    # --- contacts_*: the Contactos report vs raw SQL ---------------------------------------------

    def generate_report_contacts(self) -> None:
        """Contacts of the big workspace for Contactos: N created evenly over the 365 days with
        their origin (~55 % channel among the channels, 20 % import, 10 % api, 10 % user, 5 %
        unknown); ~70 % of the channel ones and ~30 % of the others wrote in (first seen 0–2 days
        after creation, with the agent's reply 5 minutes later) and ~35 % of those wrote again
        later (a returning contact); ~40 % of the silent ones were written to by a workflow. One
        closed conversation per contact with messages (no lifecycle events: this report reads
        contacts and messages only)."""
        n = self.report_contacts_n
        if n <= 0:
            return
        from integrations.models import Channel

        big, start, now = self.workspace, self.start, self.now
        channels = getattr(self, "channel_ids", None) or [c.pk for c in Channel.objects.bulk_create(
            [Channel(workspace=big, name=f"Canal {i}", secret_hash="-", secret_prefix="chs_bench") for i in range(8)])]
        self.contact_channel = channels[0]
        self.log(f"contacts for Contactos: {n} with their conversations and messages ...")
        with connection.cursor() as cursor:
            cursor.execute("SELECT coalesce(max(id), 0) FROM contacts_contact")
            before = cursor.fetchone()[0]
            cursor.execute(
                """
                INSERT INTO contacts_contact (workspace_id, first_name, last_name, email, phone, tags, created_at,
                    updated_at, origin, created_channel_id, first_seen_at)
                SELECT %(ws)s, 'Contacto', 'r' || g, '', '', '[]'::jsonb, at, at, origin,
                       CASE WHEN origin = 'channel' THEN (%(channels)s::bigint[])[1 + floor(random() * %(nc)s)::int] END,
                       CASE WHEN random() < (CASE WHEN origin = 'channel' THEN 0.7 ELSE 0.3 END)
                            THEN least(at + random() * interval '2 days', %(now)s) END
                FROM (SELECT g, %(start)s::timestamptz + (g::float8 / %(n)s) * interval '365 days' AS at,
                             CASE WHEN o < 0.55 THEN 'channel' WHEN o < 0.75 THEN 'import' WHEN o < 0.85 THEN 'api'
                                  WHEN o < 0.95 THEN 'user' ELSE 'unknown' END AS origin
                      FROM (SELECT g, random() AS o FROM generate_series(0, %(n)s - 1) g) s) t
                ORDER BY g
                """,
                {"ws": big.pk, "channels": channels, "nc": len(channels), "start": start, "now": now, "n": n},
            )
            # Every user-origin contact needs its creator (contact_created_by_only_for_user allows null
            # creators, but a real one is recorded): the owner.
            cursor.execute("UPDATE contacts_contact SET created_by_id = %s WHERE id > %s AND origin = 'user'",
                           [self.owner.pk, before])
            cursor.execute(
                """
                INSERT INTO contacts_conversation (workspace_id, contact_id, status, opened_at, closed_at, closing_note,
                    bot_paused, opened_source, closed_source, channel_id, last_message_at)
                SELECT workspace_id, id, 'closed', coalesce(first_seen_at, x.at), coalesce(first_seen_at, x.at), '',
                       false, CASE WHEN first_seen_at IS NULL THEN 'workflow' ELSE 'contact' END, 'workflow',
                       created_channel_id, coalesce(first_seen_at, x.at)
                FROM (SELECT k.*, least(k.created_at + random() * interval '30 days', %(now)s) AS at,
                             random() < 0.4 AS written
                      FROM contacts_contact k WHERE k.id > %(before)s) x
                WHERE first_seen_at IS NOT NULL OR written
                """,
                {"before": before, "now": now},
            )
            cursor.execute(
                """
                INSERT INTO contacts_message (workspace_id, conversation_id, direction, sender_kind, text, created_at,
                    delivery_status, delivery_error, external_id)
                SELECT v.workspace_id, v.id, m.direction, m.kind, 'Hola', m.at, '', '', ''
                FROM contacts_conversation v JOIN contacts_contact k ON k.id = v.contact_id
                CROSS JOIN LATERAL (VALUES
                    ('in', 'contact', k.first_seen_at),
                    ('out', 'workflow', CASE WHEN k.first_seen_at IS NULL THEN v.opened_at
                                             ELSE k.first_seen_at + interval '5 minutes' END),
                    ('in', 'contact', CASE WHEN k.first_seen_at IS NOT NULL AND random() < 0.35 + 0 * v.id
                                           THEN k.first_seen_at + random() * (%(now)s - k.first_seen_at) END)
                ) m(direction, kind, at)
                WHERE k.id > %(before)s AND m.at IS NOT NULL AND m.at < %(now)s
                ORDER BY m.at
                """,
                {"before": before, "now": now},
            )
            # Statistics now: with millions of fresh rows the autovacuum daemon may not have analysed
            # the events yet, and the rollup rebuild's self-join of the events then plans as a
            # nested loop over every pair.
            cursor.execute("ANALYZE contacts_contact, contacts_conversation, contacts_message, "
                           "contacts_conversationevent")

    def measure_contact_cases(self) -> dict:
        """Contactos: each case through the API and the SQL a BI tool would run on contacts,
        conversations and messages for everything the endpoint returns (the previous period
        included), timed in the same run; the numbers are compared first (``same_numbers``)."""
        if self.report_contacts_n <= 0 or not self.wants_any("contacts_"):
            return {}  # (a reused database has no contact_channel: only generate() sets it)
        from reports.periods import report_period_resolve

        ws = self.workspace
        owner = Client()
        owner.force_login(self.owner)
        p30 = report_period_resolve(workspace=ws, period="last_30_days")
        today = p30.end
        p365 = report_period_resolve(workspace=ws, start=(today - timedelta(days=364)).isoformat(), end=today.isoformat())
        r365 = f"start={p365.start}&end={p365.end}"
        base = "/api/v1/reports/contacts/"
        active = ("SELECT v.contact_id FROM contacts_message m JOIN contacts_conversation v ON v.id = m.conversation_id "
                  "WHERE m.workspace_id = %(ws)s AND m.created_at >= {s} AND m.created_at < {e}")

        def summary_sql(period, extra="", **params):
            prev = period.previous()
            parts = []
            for tag, s, e in (("", "%(s)s", "%(e)s"), ("_prev", "%(ps)s", "%(pe)s")):
                parts += [
                    f"SELECT 'new{tag}', k.origin, k.created_channel_id, count(*), 0 FROM contacts_contact k "
                    f"WHERE k.workspace_id = %(ws)s AND k.created_at >= {s} AND k.created_at < {e} {extra} GROUP BY 2, 3",
                    f"SELECT 'active{tag}', k.origin, k.created_channel_id, count(*), count(*) FILTER (WHERE "
                    f"k.created_at < {s}) FROM contacts_contact k WHERE k.workspace_id = %(ws)s AND k.id IN "
                    f"({active.format(s=s, e=e)}) {extra} GROUP BY 2, 3",
                    f"SELECT 'seen{tag}', NULL, NULL, count(*), 0 FROM contacts_contact k WHERE k.workspace_id = %(ws)s "
                    f"AND k.first_seen_at >= {s} AND k.first_seen_at < {e} {extra}",
                ]
            return " UNION ALL ".join(parts), {"ws": ws.pk, "s": period.start_utc, "e": period.end_utc,
                                               "ps": prev.start_utc, "pe": prev.end_utc, **params}

        def series_sql(period, unit):
            sql = " UNION ALL ".join([
                f"(SELECT 'new', date_trunc('{unit}', k.created_at AT TIME ZONE %(tz)s) AS b, count(*) FROM contacts_contact k "
                f"WHERE k.workspace_id = %(ws)s AND k.created_at >= %(s)s AND k.created_at < %(e)s GROUP BY 2 ORDER BY 2)",
                f"(SELECT 'first_seen', date_trunc('{unit}', k.first_seen_at AT TIME ZONE %(tz)s) AS b, count(*) "
                f"FROM contacts_contact k WHERE k.workspace_id = %(ws)s AND k.first_seen_at >= %(s)s "
                f"AND k.first_seen_at < %(e)s GROUP BY 2 ORDER BY 2)",
                f"(SELECT 'active', date_trunc('{unit}', m.created_at AT TIME ZONE %(tz)s) AS b, count(DISTINCT v.contact_id) "
                f"FROM contacts_message m JOIN contacts_conversation v ON v.id = m.conversation_id "
                f"WHERE m.workspace_id = %(ws)s AND m.created_at >= %(s)s AND m.created_at < %(e)s GROUP BY 2 ORDER BY 2)",
            ])
            return sql, {"ws": ws.pk, "tz": ws.timezone, "s": period.start_utc, "e": period.end_utc}

        def log_sql(period):
            rows = (f"FROM contacts_contact k WHERE k.workspace_id = %(ws)s AND ((k.created_at >= %(s)s AND "
                    f"k.created_at < %(e)s) OR (k.created_at < %(s)s AND k.id IN ({active.format(s='%(s)s', e='%(e)s')})))")
            sql = (f"WITH n AS (SELECT count(*) AS n FROM (SELECT 1 {rows} LIMIT 10001) x), "
                   f"p AS (SELECT k.* {rows} ORDER BY k.created_at DESC, k.id DESC LIMIT 50) "
                   f"SELECT p.id, p.first_name, p.created_at, p.origin, ch.name, u.name, n.n, (SELECT count(*) FROM "
                   f"contacts_message m JOIN contacts_conversation v ON v.id = m.conversation_id WHERE v.contact_id = p.id "
                   f"AND m.workspace_id = %(ws)s AND m.created_at >= %(s)s AND m.created_at < %(e)s) "
                   f"FROM p CROSS JOIN n LEFT JOIN integrations_channel ch ON ch.id = p.created_channel_id "
                   f"LEFT JOIN accounts_user u ON u.id = p.assignee_id ORDER BY p.created_at DESC, p.id DESC")
            return sql, {"ws": ws.pk, "s": period.start_utc, "e": period.end_utc}

        channel = self.contact_channel
        cases = {
            "contacts_summary_30d": ("summary?period=last_30_days", summary_sql(p30)),
            "contacts_timeseries_30d": ("timeseries?period=last_30_days", series_sql(p30, "day")),
            "contacts_summary_365d": (f"summary?{r365}", summary_sql(p365)),
            "contacts_timeseries_365d": (f"timeseries?{r365}", series_sql(p365, "week")),
            "contacts_filtered_365d": (f"summary?{r365}&origin=channel&channel={channel}", summary_sql(
                p365, "AND k.origin = 'channel' AND k.created_channel_id = %(channel)s", channel=channel)),
            "contacts_log_first": ("log?period=last_30_days&page=1", log_sql(p30)),
        }
        return self._time_cases(base, {name: (owner, path, sql) for name, (path, sql) in cases.items()},
                                self._contact_numbers_agree)

    @staticmethod
    def _contact_numbers_agree(name: str, api: dict, rows: list[tuple]) -> bool:
        """The API and the raw SQL give the same numbers (a wrong equivalent would time nothing)."""
        if "summary" in name or "filtered" in name:
            def total(kind, index=3):
                return sum(r[index] for r in rows if r[0] == kind)
            return all([
                (api["new"]["value"], api["new"]["previous"]) == (total("new"), total("new_prev")),
                (api["active"]["value"], api["active"]["previous"]) == (total("active"), total("active_prev")),
                (api["returning"]["value"], api["returning"]["previous"]) == (total("active", 4),
                                                                              total("active_prev", 4)),
                (api["first_seen"]["value"], api["first_seen"]["previous"]) == (total("seen"), total("seen_prev")),
                {r["origin"]: r["new"] for r in api["origins"] if r["new"]} == {
                    o: n for o, n in ((r[1], sum(x[3] for x in rows if x[0] == "new" and x[1] == r[1]))
                                      for r in rows if r[0] == "new")},
            ])
        if "timeseries" in name:
            return all([b[kind] for b in api["buckets"] if b[kind]] == [n for k, _, n in sorted(rows) if k == kind]
                       for kind in ("new", "active", "first_seen"))
        return (api["count"] == min(10_000, rows[0][6] if rows else 0)
                and [r["id"] for r in api["results"]] == [row[0] for row in rows])

    # --- h: export -----------------------------------------------------------------------------

    def measure_export(self) -> dict:
        rows = min(self.opts["export_rows"], self.opts["events"])
        result = {"rows": rows, "rows_per_s": None, "peak_rss_mb": None, "copy_rows_per_s": None}
        # The raw rate: COPY of the same newest-first rows to STDOUT.
        from assignments.models import AssignmentEvent

        events = AssignmentEvent._meta.db_table
        with connection.cursor() as cursor:
            sql = (f"COPY (SELECT created_at, conversation_id, contact_id, contact_name, previous_assignee_id, "
                   f"previous_assignee_name, new_assignee_id, new_assignee_name, source, assigned_by_id, assigned_by_name "
                   f"FROM {events} WHERE workspace_id = {int(self.workspace.pk)} ORDER BY created_at DESC, id DESC "
                   f"LIMIT {int(rows)}) TO STDOUT WITH CSV HEADER")
            started = time.perf_counter()
            copied = 0
            with cursor.cursor.copy(sql) as copy:
                for chunk in copy:
                    copied += bytes(chunk).count(b"\n")
            elapsed = time.perf_counter() - started
        result["copy_rows_per_s"] = round(rows / elapsed) if elapsed else None
        self.log(f"COPY: {rows} rows in {elapsed:.2f}s")
        measured = self.export_through_task(rows)
        if measured:
            result.update(measured)
        return result

    def export_through_task(self, rows: int) -> dict | None:
        """Run the real export task code in a fresh process (a worker's footprint): rows/s, peak RSS."""
        from assignments.models import AssignmentEvent
        from exports.models import Export

        tz = self.workspace.tzinfo
        newest = AssignmentEvent.objects.filter(workspace=self.workspace).order_by("-created_at", "-id")
        boundary = newest.values_list("created_at", flat=True)[rows - 1 : rows].first()
        if boundary is None:
            return None
        # The custom range of whole local days that holds the newest `rows` events (a few more).
        start = timezone.localtime(boundary, tz).date()
        end = timezone.localtime(timezone.now(), tz).date()
        start = max(start, end - timedelta(days=365))
        export = Export.objects.create(
            workspace=self.workspace, requested_by=self.owner, task_id="bench", heartbeat_at=timezone.now(),
            filters={"start": [start.isoformat()], "end": [end.isoformat()]},
        )
        script = (
            "import json, resource, django; django.setup()\n"
            "from exports.services import export_run\n"
            "from exports.models import Export\n"
            f"export_run(export_id={export.pk}, task_id='bench')\n"
            f"e = Export.objects.get(pk={export.pk})\n"
            "seconds = (e.finished_at - e.started_at).total_seconds() if e.finished_at and e.started_at else None\n"
            "print(json.dumps({'status': e.status, 'error': e.error, 'rows': e.row_count, 'seconds': seconds,"
            " 'peak_rss_mb': round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}))\n"
        )
        env = dict(os.environ, DATABASE_URL=self.database_url(), DJANGO_SETTINGS_MODULE="crm.settings")
        env.pop("REDIS_URL", None)
        completed = subprocess.run([sys.executable, "-c", script], cwd=settings.BASE_DIR, env=env,
                                   capture_output=True, text=True)
        try:
            data = json.loads(completed.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            self.log(f"the export process printed no result: {completed.stderr[-800:]}")
            return None
        self.log(f"export task: {data}")
        if data.get("status") != "succeeded" or not data.get("seconds"):
            return None
        return {"rows": data["rows"], "rows_per_s": round(data["rows"] / data["seconds"]),
                "peak_rss_mb": data["peak_rss_mb"]}

    def database_url(self) -> str:
        s = connection.settings_dict
        auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
        return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"

    # --- i: write path -------------------------------------------------------------------------

    def measure_writes(self) -> dict:
        from assignments.models import AssignmentEvent, AssignmentSource
        from assignments.services import contact_assign
        from contacts.models import Contact

        # Fresh contacts, so the chain check covers only what the writers wrote.
        fresh = Contact.objects.bulk_create(
            [Contact(workspace=self.workspace, first_name="Escritura", last_name=str(i)) for i in range(2000)]
        )
        fresh_ids = [c.pk for c in fresh]
        agent_ids = [a.pk for a in self.agents[:50]]
        seconds = self.opts["write_seconds"]
        sources = [s for s in AssignmentSource.values if s != AssignmentSource.USER]
        # Writers are processes (as gunicorn and Celery workers are), so Python's GIL does not
        # serialise them: each runs contact_assign in a loop for the same wall-clock window,
        # on a connection already open and warmed up (as a long-lived worker's is).
        connections.close_all()
        context = multiprocessing.get_context("fork")
        queue = context.Queue()
        start_at = time.time() + 2.0

        def writer(index: int):
            from accounts.models import User

            rng = random.Random(index)
            users = list(User.objects.filter(pk__in=agent_ids))
            written, error = 0, ""
            # Warm-up: unassigning an unassigned contact writes nothing.
            for contact_id in fresh_ids[index::len(fresh_ids) // 20][:20]:
                contact_assign(contact=Contact(pk=contact_id, workspace_id=self.workspace.pk), assignee=None,
                               source=sources[0])
            while time.time() < start_at:
                time.sleep(0.005)
            deadline = start_at + seconds
            try:
                while time.time() < deadline:
                    contact = Contact(pk=rng.choice(fresh_ids), workspace_id=self.workspace.pk)
                    if contact_assign(contact=contact, assignee=rng.choice(users + [None]), source=rng.choice(sources)):
                        written += 1
            except Exception as exc:  # noqa: BLE001 - reported in the result
                error = repr(exc)
            connections.close_all()
            queue.put((written, error))

        processes = [context.Process(target=writer, args=(i,)) for i in range(self.opts["writers"])]
        for process in processes:
            process.start()
        results = [queue.get(timeout=seconds + 120) for _ in processes]
        for process in processes:
            process.join()
        elapsed = seconds
        written = [n for n, _ in results]
        errors = [e for _, e in results if e]
        events = AssignmentEvent._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"""SELECT count(*) FROM (
                      SELECT previous_assignee_id,
                             lag(new_assignee_id) OVER (PARTITION BY contact_id ORDER BY created_at, id) AS before,
                             row_number() OVER (PARTITION BY contact_id ORDER BY created_at, id) AS n
                      FROM {events} WHERE workspace_id = %s AND contact_id = ANY(%s)) c
                    WHERE (n = 1 AND previous_assignee_id IS NOT NULL)
                       OR (n > 1 AND previous_assignee_id IS DISTINCT FROM before)""",
                [self.workspace.pk, fresh_ids],
            )
            broken = cursor.fetchone()[0]
            cursor.execute(
                f"""SELECT count(*) FROM contacts_contact c WHERE c.id = ANY(%s) AND c.assignee_id IS DISTINCT FROM (
                      SELECT e.new_assignee_id FROM {events} e WHERE e.contact_id = c.id
                      ORDER BY e.created_at DESC, e.id DESC LIMIT 1)
                    AND EXISTS (SELECT 1 FROM {events} e WHERE e.contact_id = c.id)""",
                [fresh_ids],
            )
            broken += cursor.fetchone()[0]
        total = sum(written)
        self.log(f"write path: {total} events in {elapsed:.1f}s by {self.opts['writers']} writers, "
                 f"chain broken at {broken}, errors {len(errors)}")
        return {"events_per_s": round(total / elapsed, 1) if elapsed else None, "chain_ok": broken == 0 and not errors,
                "events": total, "errors": errors[:3]}

    # --- output --------------------------------------------------------------------------------

    def print_table(self, result: dict) -> None:
        out = self.stdout
        out.write(f"\nbench_reports: {result['events']:,} events · {result['machine']} · {result['seconds']} s\n")
        out.write(f"{'case':<22}{'median ms':>11}{'p95 ms':>10}{'raw SQL ms':>12}{'ratio':>8}")
        for name, c in result["cases"].items():
            raw = "-" if c["raw_sql_ms"] is None else f"{c['raw_sql_ms']:.2f}"
            ratio = "-" if c["ratio"] is None else f"{c['ratio']:.3f}"
            out.write(f"{name:<22}{c['median_ms']:>11.2f}{c['p95_ms']:>10.2f}{raw:>12}{ratio:>8}")
        e, w = result["export"], result["write"]
        if not e:  # --only users
            return
        out.write(f"export: {e['rows']} rows, {e['rows_per_s']} rows/s, peak RSS {e['peak_rss_mb']} MB, "
                  f"COPY {e['copy_rows_per_s']} rows/s")
        out.write(f"write path: {w['events_per_s']} events/s, chain ok: {w['chain_ok']}")
