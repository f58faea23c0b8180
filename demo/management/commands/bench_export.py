"""Measure Data Export: rows per second and the worker's peak memory (PostgreSQL).

    DATABASE_URL=postgres://... [REDIS_URL=redis://...] python manage.py bench_export [--events 1000000]

Fills a dedicated workspace ("Export benchmark") with synthetic assignment events by one
``INSERT ... SELECT generate_series`` (production code writes events only through
``contact_assign``; a benchmark needs a million rows in seconds), then exports all of them:

- with ``REDIS_URL``: through a real Celery worker (``celery -A crm worker --pool=solo``) started
  by this command; the peak RSS is the worker process's ``VmHWM``;
- without it: in a child process running the same task code; the peak RSS is the child's
  ``ru_maxrss``.
"""

import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections
from django.utils import timezone

from accounts.context import Actor
from accounts.models import Membership, User, Workspace
from assignments.models import AssignmentEvent
from contacts.models import Contact
from exports.models import Export

SOURCES = ["api", "workflow", "bot", "zapier", "user", "contact_import"]


def insert_synthetic_events(*, workspace, count: int, users, contacts, days: int = 300, now=None) -> None:
    """Insert ``count`` events over the last ``days`` days with one SQL statement (PostgreSQL).

    Sources cycle through the six; source ``user`` events have an assigning user (the check
    constraint); every third event shares the previous one's timestamp; some contact names are
    formulas and quotes, to exercise the CSV guard at volume.
    """
    if connection.vendor != "postgresql":
        raise CommandError("insert_synthetic_events needs PostgreSQL")
    now = now or timezone.now()
    step_ms = max(1, int(timedelta(days=days).total_seconds() * 1000 / max(count, 1)))
    table = AssignmentEvent._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (workspace_id, created_at, source, contact_id, contact_name, conversation_id,
                                 previous_assignee_id, previous_assignee_name, new_assignee_id, new_assignee_name,
                                 assigned_by_id, assigned_by_name)
            SELECT %(ws)s,
                   %(now)s - ((g::bigint / 3) * 3 * %(step)s::bigint) * interval '1 millisecond',
                   (%(sources)s::text[])[1 + g %% 6],
                   (%(contacts)s::bigint[])[1 + g %% %(n_contacts)s],
                   CASE WHEN g %% 97 = 0 THEN '=HYPERLINK("x", "y")'
                        WHEN g %% 89 = 0 THEN 'Pérez, "Pepe"'
                        ELSE 'Contacto ' || (1 + g %% %(n_contacts)s) END,
                   CASE WHEN g %% 2 = 0 THEN 1000000 + g %% 5000 END,
                   CASE WHEN g %% 4 = 0 THEN NULL ELSE (%(users)s::bigint[])[1 + (g / 7) %% %(n_users)s] END,
                   CASE WHEN g %% 4 = 0 THEN '' ELSE (%(names)s::text[])[1 + (g / 7) %% %(n_users)s] END,
                   CASE WHEN g %% 5 = 0 THEN NULL ELSE (%(users)s::bigint[])[1 + g %% %(n_users)s] END,
                   CASE WHEN g %% 5 = 0 THEN '' ELSE (%(names)s::text[])[1 + g %% %(n_users)s] END,
                   CASE WHEN g %% 6 = 4 THEN (%(users)s::bigint[])[1 + (g / 3) %% %(n_users)s] END,
                   CASE WHEN g %% 6 = 4 THEN (%(names)s::text[])[1 + (g / 3) %% %(n_users)s] ELSE '' END
            FROM generate_series(0, %(count)s - 1) AS g
            """,
            {
                "ws": workspace.pk,
                "now": now,
                "step": step_ms,
                "sources": SOURCES,
                "contacts": [c.pk for c in contacts],
                "n_contacts": len(contacts),
                "users": [u.pk for u in users],
                "names": [u.display_name for u in users],
                "n_users": len(users),
                "count": count,
            },
        )


def _vm_kib(pid: int, field: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


class Command(BaseCommand):
    help = "Benchmark Data Export on PostgreSQL: rows/s and the worker's peak RSS for N events."

    def add_arguments(self, parser):
        parser.add_argument("--events", type=int, default=1_000_000)
        parser.add_argument("--timeout", type=int, default=1800, help="Seconds to wait for the export.")

    def handle(self, *args, events, timeout, **options):
        if connection.vendor != "postgresql":
            raise CommandError("bench_export needs PostgreSQL (set DATABASE_URL).")
        workspace, owner, members, contacts = self._workspace()
        existing = AssignmentEvent.objects.filter(workspace=workspace).count()
        if existing != events:
            with connection.cursor() as cursor:
                # Events are immutable in the app; the benchmark's own rows are reset directly.
                cursor.execute(f"DELETE FROM {AssignmentEvent._meta.db_table} WHERE workspace_id = %s", [workspace.pk])
            started = time.monotonic()
            insert_synthetic_events(workspace=workspace, count=events, users=members, contacts=contacts, days=360)
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {AssignmentEvent._meta.db_table}")
            self.stdout.write(f"inserted {events:,} events in {time.monotonic() - started:.1f} s")

        today = timezone.now().astimezone(workspace.tzinfo).date()
        filters = {"start": (today - timedelta(days=365)).isoformat(), "end": today.isoformat()}
        actor = Actor.for_membership(Membership.objects.select_related("workspace", "user").get(workspace=workspace, user=owner))

        if settings.REDIS_URL:
            mode, peak_kib, base_kib, export = self._run_with_worker(actor, filters, timeout)
            base_label = "worker RSS when ready, before the export"
        else:
            mode, peak_kib, base_kib, export = self._run_in_child(actor, filters, timeout)
            base_label = "peak RSS of this command before forking the child"

        elapsed = (export.finished_at - export.started_at).total_seconds()
        self.stdout.write(
            f"mode: {mode}\n"
            f"status: {export.status} {export.error or ''}\n"
            f"rows: {export.row_count:,}  file: {export.size / 1e6:.1f} MB\n"
            f"export time (started→finished): {elapsed:.1f} s  → {export.row_count / elapsed:,.0f} rows/s\n"
            f"{base_label}: {base_kib / 1024:.0f} MiB; peak RSS of the process that ran the export: {peak_kib / 1024:.0f} MiB"
        )
        export.file.storage.delete(export.file.name)
        Export.objects.filter(pk=export.pk).update(status=Export.Status.EXPIRED, file="")

    def _workspace(self):
        workspace, _ = Workspace.objects.get_or_create(
            name="Export benchmark", defaults={"timezone": "America/Mexico_City", "language": "es"}
        )
        owner, _ = User.objects.get_or_create(email="bench-owner@export.example", defaults={"name": "Bench Owner"})
        Membership.objects.get_or_create(workspace=workspace, user=owner, defaults={"role": Membership.Role.OWNER})
        members = [owner]
        for i in range(1, 8):
            user, _ = User.objects.get_or_create(email=f"bench-agent{i}@export.example", defaults={"name": f"Agente {i}"})
            Membership.objects.get_or_create(workspace=workspace, user=user, defaults={"role": Membership.Role.AGENT})
            members.append(user)
        contacts = list(Contact.objects.filter(workspace=workspace)[:200])
        if len(contacts) < 200:
            Contact.objects.bulk_create(
                [Contact(workspace=workspace, first_name=f"Contacto {i}") for i in range(len(contacts), 200)]
            )
            contacts = list(Contact.objects.filter(workspace=workspace)[:200])
        return workspace, owner, members, contacts

    def _wait(self, export_id: int, timeout: int) -> Export:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            export = Export.objects.get(pk=export_id)
            if not export.is_active:
                return export
            time.sleep(0.2)
        raise CommandError(f"export {export_id} did not finish in {timeout} s")

    def _run_with_worker(self, actor, filters, timeout):
        from crm.celery import app
        from exports.services import export_request

        log = Path(tempfile.gettempdir()) / f"bench_export_worker_{os.getpid()}.log"
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "crm", "worker", "--pool=solo", "--concurrency=1",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "info", "-n", f"bench-export-{os.getpid()}@%h"],
            cwd=settings.BASE_DIR, stdout=log.open("w"), stderr=subprocess.STDOUT, env=os.environ.copy(),
        )
        try:
            deadline = time.monotonic() + 60
            while " ready." not in log.read_text() and time.monotonic() < deadline:
                if worker.poll() is not None:
                    raise CommandError(f"the worker exited; see {log}")
                time.sleep(0.2)
            base = _vm_kib(worker.pid, "VmRSS") or 0
            app.conf.task_always_eager = False
            export = export_request(actor=actor, filters=filters)
            export = self._wait(export.pk, timeout)
            peak = _vm_kib(worker.pid, "VmHWM") or 0
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
        return "real Celery worker (solo pool) on Redis", peak, base, export

    def _run_in_child(self, actor, filters, timeout):
        # A queued export (not enqueued), run by the task code in a forked child.
        export = Export.objects.create(
            workspace=actor.workspace, requested_by=actor.user, filters=filters, heartbeat_at=timezone.now(),
            task_id="bench",
        )
        connections.close_all()
        pid = os.fork()
        if pid == 0:  # child: run the export like a worker would
            code = 0
            try:
                from exports.services import export_run

                export_run(export_id=export.pk, task_id="bench")
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        os.waitpid(pid, 0)
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return "in-process (forked child, no REDIS_URL)", peak, base, self._wait(export.pk, timeout)
