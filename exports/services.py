"""Data Export (report.md "Data Export"): request, run, publish and housekeeping of exports.

Life of an export: ``export_request`` validates the report parameters with the report's own
parser and stores them, then enqueues ``exports.run`` after the row is committed. The task
(``export_run``) claims the row, streams the report's filtered event set newest first in keyset
batches into a temporary CSV, and publishes it: the file is saved to storage under its final
name first, and only then one UPDATE marks the export ``succeeded`` with that name. Any error
marks it ``failed`` with a reason and deletes what the attempt wrote. A worker that dies leaves a
``running`` row whose heartbeat goes stale; ``exports_sweep_stale`` (beat) queues it again or,
after ``EXPORT_MAX_ATTEMPTS``, fails it. ``exports_expire`` (beat) deletes files past their
expiry and marks the exports ``expired``.
"""

import contextlib
import csv
import glob
import logging
import os
import secrets
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.files import File
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.context import Actor
from assignments.models import AssignmentEvent
from crm.api import ApiError, ServiceUnavailable
from reports.framework.exports import report_export_get
from reports.framework.query import report_query_parse
from reports.params import report_params_parse
from reports.selectors import assignment_event_list

from .csv_format import (
    COLUMNS,
    COPY_SESSION_SQL,
    EVENT_FIELDS,
    crlf_rows,
    csv_copy_columns,
    csv_safe_text,
    event_csv_rows,
)
from .models import Export
from .selectors import export_requester_actor

logger = logging.getLogger(__name__)


def _setting(name: str, default):
    return getattr(settings, name, default)


def batch_size() -> int:
    # Rows per keyset query; memory holds one batch at a time whatever the export's size.
    return int(_setting("EXPORT_BATCH_SIZE", 5000))


def progress_seconds() -> float:
    # At most one progress/heartbeat UPDATE per this many seconds.
    return float(_setting("EXPORT_PROGRESS_SECONDS", 1.0))


def stale_seconds() -> int:
    # A running export whose heartbeat is older than this has lost its worker.
    return int(_setting("EXPORT_STALE_SECONDS", 120))


def queued_stale_seconds() -> int:
    # A queued export not started after this long has probably lost its message (Redis flushed).
    return int(_setting("EXPORT_QUEUED_STALE_SECONDS", 900))


def queued_give_up_seconds() -> int:
    return int(_setting("EXPORT_QUEUED_GIVE_UP_SECONDS", 24 * 3600))


def max_attempts() -> int:
    return int(_setting("EXPORT_MAX_ATTEMPTS", 3))


def retention() -> timedelta:
    return timedelta(days=int(_setting("EXPORT_RETENTION_DAYS", 7)))


def _storage():
    return Export._meta.get_field("file").storage


class ExportNotAllowed(ApiError):
    status_code = 403


class ExportQueueUnavailable(ServiceUnavailable):
    pass


class ExportSuperseded(Exception):
    """This attempt no longer owns the export (the sweep requeued or failed it)."""


# Failure reasons are stored translated to the workspace language (``_reason``); gettext_noop
# marks the msgids for the catalog.
REASON_QUEUE_DOWN = gettext_noop("The job queue is unavailable; the export could not be started. Try again later.")
REASON_NOT_ALLOWED = gettext_noop("The requester may no longer export data in this workspace.")
REASON_WORKER_LOST = gettext_noop("The worker running the export stopped responding; the export was queued again.")
REASON_QUEUED_AGAIN = gettext_noop("The export waited too long in the queue; it was queued again.")
REASON_GAVE_UP = gettext_noop("The worker running the export stopped responding %(attempts)s times; the export was given up.")
REASON_NEVER_STARTED = gettext_noop("No worker started the export in time.")
REASON_UNEXPECTED = gettext_noop("The export failed unexpectedly (%(error)s).")


# --- request -------------------------------------------------------------------------------


def export_request(*, actor: Actor, filters, kind: str = Export.Kind.ASSIGNMENTS, excel_bom: bool = False) -> Export:
    """Queue an export of the report's filtered event set for ``actor``'s workspace.

    ``filters`` are the report parameters (a QueryDict or a dict of scalars or lists), validated
    by ``report_params_parse`` (ApiError 400 naming the field). The task is enqueued once the row
    is committed; if the queue is down the export is marked failed and ExportQueueUnavailable
    (503) is raised.
    """
    if not actor.can_export:
        raise ExportNotAllowed(_("You are not allowed to export data in this workspace."))
    if kind not in Export.Kind.values or (kind != Export.Kind.ASSIGNMENTS and report_export_get(kind) is None):
        raise ApiError(
            _("Unknown export kind %(value)s.") % {"value": str(kind)[:40]},
            {"kind": [_("Choose one of: %(choices)s.") % {"choices": ", ".join(export_kinds())}]},
        )
    query = _kind_query(kind=kind, workspace=actor.workspace, data=filters).as_query()
    # The time series' bucket size means nothing to a row export.
    query.pop("interval", None)
    now = timezone.now()
    with transaction.atomic():
        export = Export.objects.create(
            workspace=actor.workspace,
            kind=kind,
            filters=query,
            excel_bom=bool(excel_bom),
            requested_by=actor.user,
            requested_by_token=actor.token,
            status=Export.Status.QUEUED,
            created_at=now,
            heartbeat_at=now,
            task_id=str(uuid.uuid4()),
        )
        # After commit: a worker must find the row when the message arrives.
        transaction.on_commit(partial(export_enqueue, export_id=export.pk, task_id=export.task_id))
    return export


def export_kinds() -> list[str]:
    """The kinds that can be exported now: the assignment log and every registered report."""
    return [kind for kind in Export.Kind.values if kind == Export.Kind.ASSIGNMENTS or report_export_get(kind)]


def _kind_query(*, kind: str, workspace, data):
    """The validated report query of an export kind (a 400 naming the field otherwise)."""
    report_export = report_export_get(kind)
    if report_export is not None:
        return report_query_parse(filters=report_export.filters, workspace=workspace, data=data,
                                  sorts=report_export.sorts or None, default_sort=report_export.default_sort)
    return report_params_parse(workspace=workspace, data=data)


def _report_write_csv(*, export: Export, actor: Actor, fh, on_rows=None) -> int:
    """A registered report's rows without a cap (``reports.framework.exports``), newest first."""
    report_export = report_export_get(export.kind)
    query = _kind_query(kind=export.kind, workspace=export.workspace, data=export.filters)
    writer = csv.writer(fh)
    writer.writerow(report_export.columns)
    rows = 0
    for cells in report_export.rows(workspace=export.workspace, actor=actor, query=query, batch=batch_size()):
        writer.writerow([csv_safe_text(c) if isinstance(c, str) else c for c in cells])
        rows += 1
        if on_rows is not None and rows % 1000 == 0:
            on_rows(rows)
    if on_rows is not None:
        on_rows(rows)
    return rows


def _export_total(*, export: Export, actor: Actor) -> int:
    report_export = report_export_get(export.kind)
    if report_export is not None:
        query = _kind_query(kind=export.kind, workspace=export.workspace, data=export.filters)
        return report_export.count(workspace=export.workspace, actor=actor, query=query)
    params = report_params_parse(workspace=export.workspace, data=export.filters)
    return assignment_event_list(workspace=export.workspace, actor=actor, params=params).count()


def export_enqueue(*, export_id: int, task_id: str) -> None:
    """Send ``exports.run`` for the export (in-process when Celery is eager, i.e. no REDIS_URL)."""
    from .tasks import export_run_task

    app = export_run_task.app
    if app.conf.task_always_eager:
        export_run_task.apply_async(args=[export_id], task_id=task_id)
        return
    try:
        # Fail fast when Redis is down: a request must not hang in the client's connection
        # retries (seconds); it answers 503 at once. One connect attempt, no publish retries.
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=0)
            export_run_task.apply_async(args=[export_id], task_id=task_id, retry=False, connection=connection)
    except Exception as exc:  # kombu OperationalError, redis ConnectionError, OSError...
        logger.warning("export %s: could not enqueue: %r", export_id, exc)
        export = Export.objects.select_related("workspace").filter(pk=export_id).first()
        if export is not None:
            Export.objects.filter(pk=export_id, status=Export.Status.QUEUED).update(
                status=Export.Status.FAILED, error=_reason(export, REASON_QUEUE_DOWN), finished_at=timezone.now()
            )
        raise ExportQueueUnavailable(_(REASON_QUEUE_DOWN)) from exc


def _reason(export: Export, msgid: str, **params) -> str:
    """A failure reason in the workspace language (it is shown as stored)."""
    with translation.override(export.workspace.language):
        return _(msgid) % params if params else _(msgid)


# --- run -----------------------------------------------------------------------------------


def _heartbeat_fresh(export: Export, now) -> bool:
    return export.heartbeat_at is not None and export.heartbeat_at >= now - timedelta(seconds=stale_seconds())


def _export_claim(*, export_id: int, task_id: str) -> Export | None:
    """Take the export for this attempt, or None when there is nothing to do.

    Idempotent re-runs: a finished export (succeeded, failed, expired) is left alone, and so
    is one another worker is running (fresh heartbeat). A running export with a stale
    heartbeat lost its worker and is restarted from scratch.
    """
    now = timezone.now()
    with transaction.atomic():
        export = Export.objects.select_for_update().select_related("workspace").filter(pk=export_id).first()
        if export is None:
            logger.info("export %s: no such export (deleted?); nothing to do", export_id)
            return None
        if export.status not in Export.ACTIVE_STATUSES:
            logger.info("export %s: already %s; nothing to do", export_id, export.status)
            return None
        if export.status == Export.Status.RUNNING and _heartbeat_fresh(export, now):
            logger.info("export %s: running elsewhere (heartbeat %s); nothing to do", export_id, export.heartbeat_at)
            return None
        if export.attempts >= max_attempts():
            _export_fail(export_id=export.pk, reason=_reason(export, REASON_GAVE_UP, attempts=export.attempts))
            return None
        Export.objects.filter(pk=export.pk).update(
            status=Export.Status.RUNNING,
            attempts=export.attempts + 1,
            task_id=task_id,
            started_at=now,
            heartbeat_at=now,
            progress=0,
            row_count=None,
        )
    export.refresh_from_db()
    # Whatever an earlier, dead attempt may have left in this export's folder goes.
    _export_files_delete(export)
    return export


def _owned(export: Export) -> Q:
    """Rows this attempt may still write: the same export, running, under this attempt."""
    return Q(pk=export.pk, status=Export.Status.RUNNING, task_id=export.task_id, attempts=export.attempts)


class _ProgressReporter:
    """Throttled progress and heartbeat writes; raises ExportSuperseded if the row was taken away."""

    def __init__(self, export: Export, total: int):
        self.export = export
        self.total = total
        self.last_write = time.monotonic()
        self.last_progress = 0

    def rows_written(self, rows: int) -> None:
        now = time.monotonic()
        if now - self.last_write < progress_seconds():
            return
        # 100 % only once the file is published.
        progress = min(99, rows * 100 // self.total) if self.total else 99
        updated = Export.objects.filter(_owned(self.export)).update(progress=progress, heartbeat_at=timezone.now())
        if not updated:
            raise ExportSuperseded()
        self.last_write = now
        self.last_progress = progress


def export_event_batches(events, *, size: int) -> Iterator[list[tuple]]:
    """The events newest first (created_at desc, id desc) as ``EVENT_FIELDS`` tuples, ``size`` at a time.

    Keyset pagination: each batch starts strictly after the last (created_at, id) of the
    previous one, so every query is an index range scan on ``assign_ws_time_idx`` with a LIMIT,
    no transaction or cursor stays open between batches, and memory holds one batch.
    """
    ordered = events.order_by("-created_at", "-id")
    last = None
    while True:
        page = ordered
        if last is not None:
            last_at, last_id = last
            page = page.filter(created_at__lte=last_at).exclude(created_at=last_at, id__gte=last_id)
        batch = list(page.values_list(*EVENT_FIELDS)[:size])
        if not batch:
            return
        yield batch
        if len(batch) < size:
            return
        last = (batch[-1][1], batch[-1][0])


# COPY hands over one row per read; the worker joins this many into one block, so the line-end
# fix, the file write and the progress call run per block, not per row (~80 KB of CSV).
COPY_BLOCK_ROWS = 1000


def _copy_blocks(copy, on_rows=None) -> Iterator[bytes]:
    """The rows of a running ``COPY ... TO STDOUT`` joined into blocks of ``COPY_BLOCK_ROWS``.

    Each read is exactly one row (libpq's contract), so ``on_rows`` gets the true row count
    after each block, line breaks inside quoted names included. Appending to a bytearray frees
    each row's buffer at once (cheaper than keeping a thousand of them for a join).
    """
    block = bytearray()
    in_block = rows = 0
    for row in copy:
        block += row
        in_block += 1
        if in_block == COPY_BLOCK_ROWS:
            yield bytes(block)
            block.clear()
            rows += in_block
            in_block = 0
            if on_rows is not None:
                on_rows(rows)
    if block:
        yield bytes(block)


def _export_write_copy(events, *, workspace, fh, on_rows=None) -> int:
    """Fast path on PostgreSQL: ``COPY (the report's event set) TO STDOUT (FORMAT csv)``.

    The database formats and quotes every row (the same bytes as the Python writer below,
    tested) in a transaction whose TimeZone is the workspace's (``COPY_SESSION_SQL``); the
    worker streams blocks of rows to the file, so memory stays flat. One statement, one
    snapshot. Returns the row count COPY reports.
    """
    table = connection.ops.quote_name(AssignmentEvent._meta.db_table)
    names = [f"csv_{index}" for index in range(len(COLUMNS))]
    query = events.order_by("-created_at", "-id").annotate(**{
        name: RawSQL(sql, []) for name, sql in zip(names, csv_copy_columns(table), strict=True)
    }).values_list(*names)
    sql, params = query.query.get_compiler(connection=connection).as_sql()
    fh.write(",".join(COLUMNS) + "\r\n")
    fh.flush()
    out = fh.buffer
    # In a worker (autocommit) COPY streams on a connection of its own, in a transaction of its
    # own, so the progress and heartbeat updates (``on_rows``) can use the default connection
    # meanwhile. Inside a caller's transaction only the default connection sees its rows: COPY
    # runs there, in a savepoint that is rolled back afterwards (COPY TO changes nothing), which
    # also undoes the TimeZone it set; progress is reported at the end.
    live_progress = not connection.in_atomic_block
    copy_connection = connections.create_connection(DEFAULT_DB_ALIAS) if live_progress else connection
    scope = contextlib.nullcontext() if live_progress else transaction.atomic()
    try:
        if live_progress:
            copy_connection.set_autocommit(False)  # one transaction; closing the connection ends it
        with scope, copy_connection.cursor() as cursor:
            raw = cursor.cursor
            raw.execute(COPY_SESSION_SQL, [workspace.timezone])
            with raw.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params) as copy:
                for block in crlf_rows(_copy_blocks(copy, on_rows if live_progress else None)):
                    out.write(block)
            rows = raw.rowcount
            if not live_progress:
                transaction.set_rollback(True)
    finally:
        if live_progress:
            copy_connection.close()
    out.flush()
    if on_rows is not None:
        on_rows(rows)
    return rows


def export_write_csv(*, export: Export, actor: Actor, fh, on_rows=None) -> int:
    """Write the export's CSV (header and one row per event) to the text file ``fh``; returns rows."""
    if report_export_get(export.kind) is not None:
        return _report_write_csv(export=export, actor=actor, fh=fh, on_rows=on_rows)
    params = report_params_parse(workspace=export.workspace, data=export.filters)
    events = assignment_event_list(workspace=export.workspace, actor=actor, params=params)
    tz = export.workspace.tzinfo
    if connection.vendor == "postgresql" and _setting("EXPORT_COPY", True):
        return _export_write_copy(events, workspace=export.workspace, fh=fh, on_rows=on_rows)
    # The excel dialect is RFC 4180: fields with a comma, quote or line break are quoted,
    # quotes doubled, rows end in CRLF.
    writer = csv.writer(fh)
    writer.writerow(COLUMNS)
    rows = 0
    for batch in export_event_batches(events, size=batch_size()):
        writer.writerows(event_csv_rows(batch, tz))
        rows += len(batch)
        if on_rows is not None:
            on_rows(rows)
    return rows


def export_run(*, export_id: int, task_id: str) -> Export | None:
    """Run one attempt of an export (the body of the ``exports.run`` task)."""
    export = _export_claim(export_id=export_id, task_id=task_id)
    if export is None:
        return None
    export = Export.objects.select_related("workspace").get(pk=export.pk)
    # Messages (e.g. of the stored filters' validation) speak the workspace language.
    with translation.override(export.workspace.language):
        _export_attempt(export)
    return Export.objects.filter(pk=export.pk).first()


def _export_temp_dir() -> str:
    return _setting("FILE_UPLOAD_TEMP_DIR", None) or tempfile.gettempdir()


def _export_leftovers_delete(export: Export) -> None:
    """An attempt whose worker was killed leaves its temporary file; this attempt owns the
    export now (claimed), so the earlier attempts' files on this host go."""
    for path in glob.glob(os.path.join(_export_temp_dir(), f"export-{export.pk}-*.csv")):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


def _export_attempt(export: Export) -> None:
    tmp_path = None
    published_name = None
    _export_leftovers_delete(export)
    try:
        # The requester may have lost the right to export since asking (report.md "Who sees what").
        actor = export_requester_actor(export=export)
        if actor is None or not actor.can_export or actor.workspace.pk != export.workspace_id:
            raise ExportNotAllowed(_reason(export, REASON_NOT_ALLOWED))

        total = _export_total(export=export, actor=actor)
        reporter = _ProgressReporter(export, total)

        fd, tmp_path = tempfile.mkstemp(prefix=f"export-{export.pk}-", suffix=".csv", dir=_export_temp_dir())
        # "For Excel": a UTF-8 byte order mark, so Excel reads the file as UTF-8.
        encoding = "utf-8-sig" if export.excel_bom else "utf-8"
        with open(fd, "w", encoding=encoding, newline="") as fh:
            rows = export_write_csv(export=export, actor=actor, fh=fh, on_rows=reporter.rows_written)
        size = os.path.getsize(tmp_path)

        # Publish: the complete file goes to storage under its final name, then one UPDATE
        # makes the export succeeded and points it at that file. A fresh heartbeat first: an
        # upload to S3-compatible storage may take a while and must not look like a dead worker.
        if not Export.objects.filter(_owned(export)).update(progress=99, heartbeat_at=timezone.now()):
            raise ExportSuperseded()
        with open(tmp_path, "rb") as fh:
            published_name = _storage().save(f"{export.folder}{secrets.token_hex(16)}.csv", File(fh))
        finished = timezone.now()
        updated = Export.objects.filter(_owned(export)).update(
            status=Export.Status.SUCCEEDED,
            file=published_name,
            size=size,
            row_count=rows,
            progress=100,
            error="",
            finished_at=finished,
            heartbeat_at=finished,
            expires_at=finished + retention(),
        )
        if not updated:
            raise ExportSuperseded()
        published_name = None
        logger.info("export %s: %s rows, %s bytes in %s", export.pk, rows, size, finished - export.started_at)
    except ExportSuperseded:
        # The sweep gave this attempt up and another one owns the row now: touch nothing but
        # what this attempt wrote.
        logger.warning("export %s: attempt %s superseded; stopping", export.pk, export.attempts)
    except ExportNotAllowed as exc:
        _export_fail(export_id=export.pk, reason=exc.message, only=_owned(export))
    except ApiError as exc:
        # Stored filters that no longer validate (e.g. a filtered user left and has no events).
        _export_fail(export_id=export.pk, reason=exc.message, only=_owned(export))
    except Exception as exc:
        logger.exception("export %s failed", export.pk)
        reason = _reason(export, REASON_UNEXPECTED, error=f"{type(exc).__name__}: {exc}"[:300])
        _export_fail(export_id=export.pk, reason=reason, only=_owned(export))
    finally:
        if tmp_path is not None:
            try:
                os.unlink(tmp_path)
            except FileNotFoundError:
                pass
        if published_name is not None:
            _storage().delete(published_name)


def _export_fail(*, export_id: int, reason: str, only: Q | None = None) -> int:
    now = timezone.now()
    return Export.objects.filter(only if only is not None else Q(pk=export_id)).filter(
        status__in=Export.ACTIVE_STATUSES
    ).update(status=Export.Status.FAILED, error=reason, finished_at=now, heartbeat_at=now, file="")


def _export_files_delete(export: Export) -> None:
    """Delete every file of the export (its published file and any leftover of an attempt)."""
    storage = _storage()
    names = {export.file.name} if export.file else set()
    try:
        _dirs, files = storage.listdir(export.folder)
        names.update(export.folder + name for name in files)
    except (FileNotFoundError, NotADirectoryError):
        pass
    for name in names:
        try:
            storage.delete(name)
        except FileNotFoundError:
            pass


# --- housekeeping (beat) -------------------------------------------------------------------


def exports_sweep_stale(*, now=None) -> dict[str, int]:
    """Requeue or fail active exports whose worker is gone (stale heartbeat); records the reason.

    A running export whose heartbeat is older than ``EXPORT_STALE_SECONDS`` is queued again
    (its partial files deleted) until it has had ``EXPORT_MAX_ATTEMPTS`` attempts, then failed.
    A queued export untouched for ``EXPORT_QUEUED_STALE_SECONDS`` is enqueued again (the task
    is idempotent, a duplicate message does nothing), and failed after a day without a start.
    """
    now = now or timezone.now()
    running_cutoff = now - timedelta(seconds=stale_seconds())
    queued_cutoff = now - timedelta(seconds=queued_stale_seconds())
    candidates = Export.objects.filter(
        Q(status=Export.Status.RUNNING) & (Q(heartbeat_at__lt=running_cutoff) | Q(heartbeat_at__isnull=True))
        | Q(status=Export.Status.QUEUED) & (Q(heartbeat_at__lt=queued_cutoff) | Q(heartbeat_at__isnull=True))
    ).values_list("pk", flat=True)
    counts = {"requeued": 0, "failed": 0}
    for export_id in list(candidates):
        with transaction.atomic():
            export = Export.objects.select_for_update().select_related("workspace").filter(pk=export_id).first()
            if export is None:
                continue
            if export.status == Export.Status.RUNNING and export.heartbeat_at and export.heartbeat_at >= running_cutoff:
                continue
            if export.status == Export.Status.QUEUED and export.heartbeat_at and export.heartbeat_at >= queued_cutoff:
                continue
            if export.status not in Export.ACTIVE_STATUSES:
                continue
            give_up = None
            if export.status == Export.Status.RUNNING and export.attempts >= max_attempts():
                give_up = _reason(export, REASON_GAVE_UP, attempts=export.attempts)
            elif export.status == Export.Status.QUEUED and export.created_at < now - timedelta(seconds=queued_give_up_seconds()):
                give_up = _reason(export, REASON_NEVER_STARTED)
            # What the dead attempt may have left goes now, before a new attempt can publish.
            _export_files_delete(export)
            if give_up:
                _export_fail(export_id=export.pk, reason=give_up)
                counts["failed"] += 1
            else:
                task_id = str(uuid.uuid4())
                Export.objects.filter(pk=export.pk).update(
                    status=Export.Status.QUEUED,
                    task_id=task_id,
                    progress=0,
                    heartbeat_at=now,
                    error=_reason(
                        export, REASON_WORKER_LOST if export.status == Export.Status.RUNNING else REASON_QUEUED_AGAIN
                    ),
                )
                counts["requeued"] += 1
                transaction.on_commit(partial(_enqueue_quietly, export_id=export.pk, task_id=task_id))
        logger.warning("export %s: stale %s export swept (%s)", export.pk, export.status, "failed" if give_up else "requeued")
    return counts


def _enqueue_quietly(*, export_id: int, task_id: str) -> None:
    try:
        export_enqueue(export_id=export_id, task_id=task_id)
    except ExportQueueUnavailable:
        pass


def exports_expire(*, now=None) -> int:
    """Delete the files of succeeded exports past ``expires_at`` and mark them expired."""
    now = now or timezone.now()
    expired = 0
    for export in Export.objects.filter(status=Export.Status.SUCCEEDED, expires_at__lte=now).order_by("pk"):
        _export_files_delete(export)
        expired += Export.objects.filter(pk=export.pk, status=Export.Status.SUCCEEDED).update(
            status=Export.Status.EXPIRED, file=""
        )
    return expired
