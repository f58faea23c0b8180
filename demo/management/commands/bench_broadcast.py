"""Measure Transmisiones' sending: a broadcast to N contacts into a loopback channel endpoint.

    DATABASE_URL=postgres://... [REDIS_URL=redis://...] python manage.py bench_broadcast [--contacts 200000] [--json]

Fills a dedicated workspace ("Broadcast benchmark") with N contacts who wrote through its channel
(one ``INSERT … SELECT generate_series`` for the contacts and one for their conversations; half
of them have their conversation open, half closed, so half the sends open a conversation), a
segment of all of them, and a loopback channel endpoint (``demo.channel_endpoint``, a threaded
HTTP server in this process) as ``BROADCAST_OUTBOUND_URL``. Then it creates the broadcast
(``broadcasts.services.broadcast_create``, what the API calls) and reports:

- time to queue: the create call → every recipient row written (``recipients_written_at``);
- the send rate, end to end (recipients written → last recipient sent) through a real Celery
  worker started by this command (with ``REDIS_URL``), or the task code run in this process;
- p50 / p95 of the batch times (between consecutive batches' ``sent_at``);
- duplicates (a contact with two messages of the broadcast) and missed (an eligible recipient
  not sent), both from the database, and what the endpoint received.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from accounts.models import Membership, User, Workspace
from broadcasts.models import Broadcast, BroadcastRecipient, RecipientStatus
from broadcasts.services import broadcast_create, broadcast_run, segment_create
from contacts.models import Contact, Conversation, Message
from demo.channel_endpoint import LoopbackChannel
from integrations.models import Channel
from integrations.services import channel_create


def channel_audience_insert(*, workspace, channel, count: int, tag: str = "bench", now=None) -> None:
    """Insert ``count`` contacts tagged ``tag``, each with one conversation through ``channel``
    (every second one closed), in two SQL statements (PostgreSQL). Production code creates
    contacts and conversations through contacts.services; a benchmark needs 200,000 in seconds.
    """
    if connection.vendor != "postgresql":
        raise CommandError("channel_audience_insert needs PostgreSQL")
    now = now or timezone.now()
    contacts, conversations = Contact._meta.db_table, Conversation._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH made AS (
                INSERT INTO {contacts} (workspace_id, first_name, last_name, email, phone, tags, created_at,
                                        updated_at, origin)
                SELECT %(ws)s, 'Contacto' || g, 'Bench', 'c' || g || '-' || %(ws)s || '@bench.example',
                       '+52155' || lpad(g::text, 8, '0'), %(tags)s::jsonb,
                       %(now)s - interval '30 days', %(now)s - interval '30 days', 'import'
                FROM generate_series(1, %(count)s) AS g
                RETURNING id
            )
            INSERT INTO {conversations} (workspace_id, contact_id, status, opened_at, closed_at, closing_note,
                                         bot_paused, last_message_at, channel_id, opened_source, closed_source)
            SELECT %(ws)s, id, CASE WHEN id %% 2 = 0 THEN 'closed' ELSE 'open' END, %(now)s - interval '20 days',
                   CASE WHEN id %% 2 = 0 THEN %(now)s - interval '19 days' END, '', false,
                   %(now)s - interval '20 days', %(channel)s, 'contact',
                   CASE WHEN id %% 2 = 0 THEN 'user' ELSE '' END
            FROM made
            """,
            {"ws": workspace.pk, "tags": json.dumps([tag]), "now": now, "count": count, "channel": channel.pk},
        )


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class Command(BaseCommand):
    help = "Benchmark Transmisiones: queue and send a broadcast to N contacts into a loopback channel."

    def add_arguments(self, parser):
        parser.add_argument("--contacts", type=int, default=200_000)
        parser.add_argument("--timeout", type=int, default=3600, help="Seconds to wait for the broadcast.")
        parser.add_argument("--in-process", action="store_true",
                            help="Run the task code in this process even with REDIS_URL set.")
        parser.add_argument("--json", action="store_true", help="Print the figures as JSON.")

    def handle(self, *args, contacts, timeout, in_process, json, **options):
        if connection.vendor != "postgresql":
            raise CommandError("bench_broadcast needs PostgreSQL (set DATABASE_URL).")
        workspace, owner, channel = self._workspace(contacts)
        segment = self._segment(workspace)
        with LoopbackChannel() as endpoint:
            settings.BROADCAST_OUTBOUND_URL = endpoint.url
            if settings.REDIS_URL and not in_process:
                result = self._run_with_worker(workspace, owner, channel, segment, endpoint, timeout)
            else:
                result = self._run_in_process(workspace, owner, channel, segment, endpoint, timeout)
        figures = self._figures(result, endpoint)
        if json:
            self.stdout.write(__import__("json").dumps(figures, indent=2))
            return
        self.stdout.write(
            f"mode: {figures['mode']}  (load average {figures['load_average_before']} before, "
            f"{figures['load_average_after']} after)\n"
            f"recipients: {figures['recipients']:,} (eligible {figures['eligible']:,}), batch {figures['batch_size']}, "
            f"rate limit {figures['channel_rate']}/s, post concurrency {figures['post_concurrency']}\n"
            f"time to queue (create → recipients written): {figures['queue_seconds']:.2f} s\n"
            f"send: {figures['sent']:,} sent in {figures['send_seconds']:.1f} s → {figures['send_rate']:,.0f} msg/s "
            f"(end to end from the create call: {figures['end_to_end_rate']:,.0f} msg/s)\n"
            f"batch time p50 {figures['batch_p50_seconds']:.3f} s, p95 {figures['batch_p95_seconds']:.3f} s "
            f"over {figures['batches']} batches\n"
            f"duplicates: {figures['duplicates']}  missed: {figures['missed']}  endpoint: {figures['posts']:,} posts, "
            f"{figures['distinct_messages']:,} distinct messages"
        )

    def _workspace(self, count: int):
        workspace, _ = Workspace.objects.get_or_create(
            name="Broadcast benchmark", defaults={"timezone": "America/Mexico_City", "language": "es"})
        owner, _ = User.objects.get_or_create(email="bench-owner@broadcast.example", defaults={"name": "Bench Owner"})
        Membership.objects.get_or_create(workspace=workspace, user=owner, defaults={"role": Membership.Role.OWNER})
        channel = Channel.objects.filter(workspace=workspace).first()
        if channel is None:
            channel, _secret = channel_create(workspace=workspace, name="Loopback")
        existing = Contact.objects.filter(workspace=workspace).count()
        if existing < count:
            started = time.monotonic()
            channel_audience_insert(workspace=workspace, channel=channel, count=count - existing)
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {Contact._meta.db_table}; ANALYZE {Conversation._meta.db_table}")
            self.stdout.write(f"inserted {count - existing:,} contacts in {time.monotonic() - started:.1f} s",
                              self.style.NOTICE)
        # Every run sends the same mix: half the contacts with an open conversation, half without.
        now = timezone.now()
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Conversation._meta.db_table} SET status = 'closed', closed_at = %s, closed_source = 'user' "
                "WHERE workspace_id = %s AND status = 'open' AND contact_id %% 2 = 0", [now, workspace.pk])
            cursor.execute(
                f"UPDATE {Conversation._meta.db_table} c SET status = 'open', closed_at = NULL, closed_source = '' "
                "WHERE c.workspace_id = %s AND c.contact_id %% 2 = 1 AND c.status = 'closed' AND c.id = "
                f"(SELECT max(x.id) FROM {Conversation._meta.db_table} x WHERE x.contact_id = c.contact_id) "
                f"AND NOT EXISTS (SELECT 1 FROM {Conversation._meta.db_table} o "
                "WHERE o.contact_id = c.contact_id AND o.status = 'open')", [workspace.pk])
        return workspace, owner, channel

    def _segment(self, workspace):
        from broadcasts.models import Segment

        segment = Segment.objects.filter(workspace=workspace, name="Todos").first()
        return segment or segment_create(workspace=workspace, name="Todos", filters={})

    def _create(self, workspace, owner, channel, segment):
        return broadcast_create(
            workspace=workspace, name=f"Bench {timezone.now():%Y-%m-%d %H:%M:%S}", channel_id=channel.pk,
            segment_id=segment.pk, text="Hola {{contact.first_name}}, tenemos novedades para ti.",
            fallbacks={"contact.first_name": "cliente"}, created_by=owner)

    def _wait(self, broadcast_id: int, timeout: int, *, written=False) -> Broadcast:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            broadcast = Broadcast.objects.get(pk=broadcast_id)
            if written and broadcast.recipients_written_at is not None:
                return broadcast
            if not written and broadcast.status not in Broadcast.ACTIVE:
                return broadcast
            time.sleep(0.05 if written else 0.25)
        raise CommandError(f"broadcast {broadcast_id} did not finish in {timeout} s")

    def _run_with_worker(self, workspace, owner, channel, segment, endpoint, timeout):
        from crm.celery import app

        log = Path(tempfile.gettempdir()) / f"bench_broadcast_worker_{os.getpid()}.log"
        env = {**os.environ, "BROADCAST_OUTBOUND_URL": endpoint.url}
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "crm", "worker", "--pool=solo", "--concurrency=1",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "warning",
             "-n", f"bench-broadcast-{os.getpid()}@%h"],
            cwd=settings.BASE_DIR, stdout=log.open("w"), stderr=subprocess.STDOUT, env=env,
        )
        try:
            deadline = time.monotonic() + 60
            while "ready" not in log.read_text() and time.monotonic() < deadline:
                if worker.poll() is not None:
                    raise CommandError(f"the worker exited; see {log}")
                time.sleep(0.2)
            app.conf.task_always_eager = False
            load_before = os.getloadavg()
            started = time.monotonic()
            broadcast = self._create(workspace, owner, channel, segment)
            written = self._wait(broadcast.pk, timeout, written=True)
            queued = time.monotonic() - started
            done = self._wait(broadcast.pk, timeout)
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
        return {"mode": "real Celery worker (solo pool) on Redis", "broadcast": done, "written": written,
                "queue_seconds": queued, "load_before": load_before}

    def _run_in_process(self, workspace, owner, channel, segment, endpoint, timeout):
        from crm.celery import app

        # Eager Celery: the task runs inside the create call, at its commit, as a worker would.
        app.conf.task_always_eager = True
        load_before = os.getloadavg()
        broadcast = self._create(workspace, owner, channel, segment)
        done = Broadcast.objects.get(pk=broadcast.pk)
        if done.status in Broadcast.ACTIVE:  # it lost a race with a beat: finish it here
            broadcast_run(broadcast_id=done.pk)
            done = Broadcast.objects.get(pk=broadcast.pk)
        queued = (done.recipients_written_at - done.created_at).total_seconds()
        return {"mode": "task code in this process (eager Celery, no worker)", "broadcast": done, "written": done,
                "queue_seconds": queued, "load_before": load_before}

    def _figures(self, result, endpoint) -> dict:
        broadcast = result["broadcast"]
        recipients = BroadcastRecipient.objects.filter(broadcast=broadcast)
        by_status = dict(recipients.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
        total = sum(by_status.values())
        eligible = total - by_status.get(RecipientStatus.SKIPPED, 0)
        sent = by_status.get(RecipientStatus.SENT, 0)
        sent_times = sorted(set(recipients.exclude(sent_at=None).values_list("sent_at", flat=True)))
        marks = [broadcast.recipients_written_at, *sent_times]
        batches = [(b - a).total_seconds() for a, b in zip(marks, marks[1:], strict=False)]
        last = sent_times[-1] if sent_times else broadcast.finished_at
        send_seconds = max((last - broadcast.recipients_written_at).total_seconds(), 1e-9)
        end_to_end = max((last - broadcast.created_at).total_seconds(), 1e-9)
        message_ids = set(recipients.exclude(message_id=None).values_list("message_id", flat=True))
        duplicates = (Message.objects.filter(workspace_id=broadcast.workspace_id, sender_kind="broadcast",
                                             created_at__gte=broadcast.created_at)
                      .values("conversation__contact_id").annotate(n=Count("pk")).filter(n__gt=1).count())
        missed = recipients.exclude(status__in=[RecipientStatus.SKIPPED, RecipientStatus.SENT]).count()
        posted = {p.message_id for p in endpoint.posts}
        return {
            "mode": result["mode"],
            "contacts": Contact.objects.filter(workspace_id=broadcast.workspace_id).count(),
            "recipients": total,
            "eligible": eligible,
            "sent": sent,
            "status": broadcast.status,
            "batch_size": settings.BROADCAST_BATCH_SIZE,
            "channel_rate": settings.BROADCAST_CHANNEL_RATE,
            "post_concurrency": settings.BROADCAST_POST_CONCURRENCY,
            "queue_seconds": round(result["queue_seconds"], 3),
            "send_seconds": round(send_seconds, 3),
            "send_rate": round(sent / send_seconds, 1),
            "end_to_end_rate": round(sent / end_to_end, 1),
            "batches": len(batches),
            "batch_p50_seconds": round(_percentile(batches, 0.5), 4),
            "batch_p95_seconds": round(_percentile(batches, 0.95), 4),
            "duplicates": duplicates,
            "missed": missed,
            "posts": endpoint.count(),
            "distinct_messages": len(posted),
            "messages_not_posted": len(message_ids - posted),
            "load_average_before": [round(x, 2) for x in result["load_before"]],
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
        }
