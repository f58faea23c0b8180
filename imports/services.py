"""Data Import of contacts (api.md "Data Import", issue 7).

``contact_import_create`` checks and stores an upload; ``contact_import_start`` queues it with
the column mapping; ``contact_import_run`` (the Celery task's body) imports the rows.

Row rules: a row matches a contact on email (case-insensitive), then phone. Mode ``add``
only creates, ``update`` only updates, ``add_and_update`` both; a row the mode does not
allow is skipped. A row with a malformed email or phone, an unknown assignee, or no first
name for a new contact is rejected whole: it is fully validated before anything is written,
and written inside its own savepoint, so nothing of it remains if any part fails. Empty cells
leave the contact's values unchanged; tags are merged. A changed assignee goes through the
one write path, ``contact_assign``, with source ``contact_import`` — the same assignee writes
nothing, so importing a file twice writes no new events.
"""

import csv
import io
import logging
import os
import re
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.validators import EmailValidator
from django.db import DatabaseError, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts.models import User, Workspace
from accounts.selectors import member_user_get
from assignments.models import AssignmentSource
from assignments.services import AssignmentError, contact_assign
from contacts.custom_fields import CustomFieldError, custom_field_labels, custom_values_clean
from contacts.models import Contact, ContactOrigin
from contacts.selectors import contact_find, phone_is_e164
from contacts.services import contact_create, contact_update
from crm.api import ServiceUnavailable

from .csvfile import (
    CONTACT_FIELDS,
    CUSTOM_PREFIX,
    CsvFileError,
    RecordReader,
    guess_mapping,
    inspect_csv,
    mapping_apply,
    mapping_problem,
    open_text,
)
from .models import ContactImport, ContactImportRowError, ImportMode, settings_retention_days

logger = logging.getLogger(__name__)

# Rows per transaction: progress is committed (and a resumed run restarts) batch by batch.
BATCH_SIZE = 200
# A worker that has not committed a batch for this long is presumed dead (a batch of rows
# takes seconds); housekeeping then sends the task again and the run resumes.
STALE_AFTER = timedelta(minutes=10)
MAX_ATTEMPTS = 5
# Drafts (uploaded in the page, never started) are deleted after a day.
DRAFT_RETENTION = timedelta(days=1)
MAX_TAG_LENGTH = 100
_PHONE_FORMATTING = re.compile(r"[\s\-.()/]")
_email_validator = EmailValidator()


def batch_size() -> int:
    return max(1, int(getattr(settings, "IMPORT_BATCH_SIZE", BATCH_SIZE)))


def max_rows() -> int:
    return int(getattr(settings, "IMPORT_MAX_ROWS", 200_000))


class ImportStateError(ValueError):
    """The import is not in a state that allows the operation (e.g. starting it twice)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _binary(uploaded_file):
    """The binary file object under a Django ``File`` (what ``io.TextIOWrapper`` needs)."""
    inner = uploaded_file
    while isinstance(inner, File):
        inner = inner.file
    inner.seek(0)
    return inner


class ImportQueueUnavailable(ServiceUnavailable):
    """The job queue (Redis) is down when an import is started: 503, and the import is failed."""


def _send(pk: int) -> None:
    """Send the task; fail fast (one connection attempt, no publish retries) when Redis is down."""
    from .tasks import contact_import_run_task

    app = contact_import_run_task.app
    if app.conf.task_always_eager:
        contact_import_run_task.delay(pk)
        return
    with app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=0)
        contact_import_run_task.apply_async(args=[pk], retry=False, connection=connection)


def _enqueue(contact_import: ContactImport, *, fail_if_down: bool = False) -> None:
    """Send the import's task once its row is committed.

    With ``fail_if_down`` (a user starting an import) a down queue marks the import failed and
    raises ImportQueueUnavailable (503) instead of leaving it "queued" with nobody to run it.
    Housekeeping re-sends without it: a stale import then stays queued for the next sweep.
    """
    pk = contact_import.pk

    def send():
        try:
            _send(pk)
        except Exception as exc:  # kombu OperationalError, redis ConnectionError, OSError...
            logger.exception("could not queue contact import %s", pk)
            if not fail_if_down:
                return
            message = _("The job queue is unavailable; the import could not be started. Try again later.")
            ContactImport.objects.filter(pk=pk, status=ContactImport.Status.QUEUED).update(
                status=ContactImport.Status.FAILED, error_message=message, finished_at=timezone.now()
            )
            raise ImportQueueUnavailable(message) from exc

    transaction.on_commit(send)


def contact_import_create(
    *,
    workspace: Workspace,
    uploaded_file,
    uploaded_by: User | None = None,
    uploaded_by_name: str = "",
    mode: str = ImportMode.ADD_AND_UPDATE,
    start: bool = True,
    mapping_overrides: dict[str, str] | None = None,
) -> ContactImport:
    """Check the CSV (raises ``CsvFileError`` with a sentence for the user) and store it.

    With ``start`` (the API) the columns are mapped from the header names (and
    ``mapping_overrides``, header → field) and the import is queued; without it (the page) it waits as a draft for the user to confirm the mapping.
    """
    if mode not in ImportMode.values:
        raise CsvFileError(_("Unknown import mode."))
    inspection = inspect_csv(_binary(uploaded_file), max_rows=max_rows())
    custom = custom_field_labels(workspace=workspace)
    if custom:  # headers that are the workspace's custom field keys
        inspection.mapping = guess_mapping(inspection.headers, custom)
    if mapping_overrides:
        inspection.mapping = mapping_apply(inspection.headers, inspection.mapping, mapping_overrides, custom)
    if start:
        problem = mapping_problem(inspection.mapping, custom)
        if problem:
            raise CsvFileError(problem)
    file_name = os.path.basename((uploaded_file.name or "").replace("\\", "/"))[:255] or "import.csv"
    with transaction.atomic():
        contact_import = ContactImport(
            workspace=workspace,
            uploaded_by=uploaded_by,
            uploaded_by_name=(uploaded_by.display_name if uploaded_by else uploaded_by_name)[:150],
            file_name=file_name,
            file_size=uploaded_file.size or 0,
            encoding=inspection.encoding,
            delimiter=inspection.delimiter,
            mode=mode,
            headers=inspection.headers,
            mapping=inspection.mapping,
            preview_rows=inspection.preview_rows,
            total_rows=inspection.total_rows,
            status=ContactImport.Status.QUEUED if start else ContactImport.Status.DRAFT,
        )
        contact_import.file.save(file_name, File(_binary(uploaded_file)), save=False)
        contact_import.save()
        if start:
            _enqueue(contact_import, fail_if_down=True)
    return contact_import


@transaction.atomic
def contact_import_start(*, contact_import: ContactImport, mapping: list[str], mode: str) -> ContactImport:
    """Queue a draft import with the column mapping the user confirmed."""
    locked = ContactImport.objects.select_for_update().get(pk=contact_import.pk)
    if locked.status != ContactImport.Status.DRAFT:
        raise ImportStateError(_("This import has already been started."))
    if mode not in ImportMode.values:
        raise ImportStateError(_("Unknown import mode."))
    mapping = [name or "" for name in mapping]
    if len(mapping) != len(locked.headers):
        raise ImportStateError(_("The column mapping does not match the file's columns."))
    problem = mapping_problem(mapping, custom_field_labels(workspace=locked.workspace))
    if problem:
        raise ImportStateError(problem)
    locked.mapping = mapping
    locked.mode = mode
    locked.status = ContactImport.Status.QUEUED
    locked.save(update_fields=["mapping", "mode", "status"])
    _enqueue(locked, fail_if_down=True)
    return locked


# --- Rows -------------------------------------------------------------------------------


@dataclass
class CleanRow:
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""
    tags: list[str] = field(default_factory=list)
    assignee: User | None = None
    custom_fields: dict[str, str] = field(default_factory=dict)


def phone_normalize(value: str) -> str | None:
    """E.164 (``+5215512345678``) from common formatting (spaces, dashes, dots, brackets, a
    leading ``00``), or None when it is not an international number."""
    compact = _PHONE_FORMATTING.sub("", value)
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    return compact if phone_is_e164(compact) else None


def _shown(value: str) -> str:
    return value if len(value) <= 60 else value[:57] + "…"


class _Members:
    """Workspace members by the assignee cell (id or email), looked up once per distinct value;
    and the workspace's custom field keys, read once per run."""

    LIMIT = 10_000

    def __init__(self, workspace: Workspace):
        self.workspace = workspace
        self.cache: dict[str, User | None] = {}
        self.custom_keys = set(custom_field_labels(workspace=workspace))

    def get(self, ref: str) -> User | None:
        key = ref.strip().lower()
        if key not in self.cache:
            if len(self.cache) >= self.LIMIT:
                self.cache.clear()
            self.cache[key] = member_user_get(workspace=self.workspace, ref=key)
        return self.cache[key]


def _row_clean(values: dict[str, str], members: _Members) -> tuple[CleanRow, list[str]]:
    """Validate a row without writing anything; returns the clean values and the problems."""
    row = CleanRow()
    problems: list[str] = []
    row.first_name = values.get("first_name", "")
    row.last_name = values.get("last_name", "")
    for name, label in (("first_name", pgettext("contact field", "First name")), ("last_name", pgettext("contact field", "Last name"))):
        if len(values.get(name, "")) > 150:
            problems.append(_("%(field)s is longer than 150 characters.") % {"field": label})
    email = values.get("email", "")
    if email:
        try:
            _email_validator(email)
            row.email = email
        except ValidationError:
            problems.append(_("Invalid email address: “%(value)s”.") % {"value": _shown(email)})
    phone = values.get("phone", "")
    if phone:
        normalized = phone_normalize(phone)
        if normalized is None:
            problems.append(
                _("Invalid phone: “%(value)s” (use the international format with the country code, e.g. +52 55 1234 5678).")
                % {"value": _shown(phone)}
            )
        else:
            row.phone = normalized
    tags = values.get("tags", "")
    if tags:
        for tag in (part.strip() for part in tags.split(",")):
            if not tag or tag in row.tags:
                continue
            if len(tag) > MAX_TAG_LENGTH:
                problems.append(_("A tag is longer than %(max)s characters.") % {"max": MAX_TAG_LENGTH})
                break
            row.tags.append(tag)
    for name, value in values.items():
        # An empty cell leaves the contact's value as it is (as for the other fields).
        if name.startswith(CUSTOM_PREFIX) and value:
            key = name[len(CUSTOM_PREFIX):]
            try:
                row.custom_fields.update(custom_values_clean(workspace=members.workspace, values={key: value},
                                                            keys=members.custom_keys))
            except CustomFieldError as exc:
                problems.append(f"{key}: {exc.message}")
    assignee = values.get("assignee", "")
    if assignee:
        row.assignee = members.get(assignee)
        if row.assignee is None:
            problems.append(
                _("Unknown assignee: “%(value)s” is not the email or user id of a member of this workspace.")
                % {"value": _shown(assignee)}
            )
    return row, problems


def _contact_write(*, workspace: Workspace, contact: Contact | None, row: CleanRow) -> Contact:
    """Create the contact, or update the fields the row fills (tags merged) through the
    contacts services; an unchanged contact is not written at all (re-imports stay cheap)."""
    if contact is None:
        return contact_create(
            workspace=workspace,
            origin=ContactOrigin.IMPORT,
            first_name=row.first_name,
            last_name=row.last_name,
            email=row.email,
            phone=row.phone,
            tags=row.tags,
            custom_fields=row.custom_fields,
        )
    changes: dict = {}
    for name in ("first_name", "last_name", "email", "phone"):
        value = getattr(row, name)
        current = getattr(contact, name)
        # The email the contact was matched by may differ in case only: keep the stored one.
        if name == "email" and current.lower() == value.lower():
            continue
        if value and current != value:
            changes[name] = value
    current_tags = contact.tags if isinstance(contact.tags, list) else []
    merged = current_tags + [tag for tag in row.tags if tag not in current_tags]
    if merged != current_tags:
        changes["tags"] = merged
    current_custom = contact.custom_fields if isinstance(contact.custom_fields, dict) else {}
    if row.custom_fields and {**current_custom, **row.custom_fields} != current_custom:
        changes["custom_fields"] = {**current_custom, **row.custom_fields}
    if changes:
        contact = contact_update(contact=contact, **changes)
    return contact


def contact_import_row(*, workspace: Workspace, mode: str, values: dict[str, str], members: _Members) -> tuple[str, str]:
    """Import one row; returns ``(outcome, reason)`` with outcome created/updated/skipped/error.

    The caller runs this inside a transaction; the row's writes get their own savepoint.
    """
    row, problems = _row_clean(values, members)
    if problems:
        return "error", " ".join(problems)
    if not (row.email or row.phone or row.first_name):
        return "error", _("The row has no first name, email or phone.")
    contact = contact_find(workspace=workspace, email=row.email, phone=row.phone)
    if contact is None:
        if mode == ImportMode.UPDATE:
            return "skipped", ""
        if not row.first_name:
            return "error", _("A first name is required to create a contact.")
    elif mode == ImportMode.ADD:
        return "skipped", ""
    outcome = "created" if contact is None else "updated"
    try:
        with transaction.atomic():
            contact = _contact_write(workspace=workspace, contact=contact, row=row)
            if row.assignee is not None and contact.assignee_id != row.assignee.pk:
                contact_assign(contact=contact, assignee=row.assignee, source=AssignmentSource.CONTACT_IMPORT)
    except AssignmentError as exc:
        return "error", exc.message
    except DatabaseError:
        logger.exception("contact import row could not be saved")
        return "error", _("The row could not be saved.")
    return outcome, ""


# --- The run ----------------------------------------------------------------------------


class _Superseded(Exception):
    """Another worker has processed this batch already (a redelivered task); stop quietly."""


def _row_values(record: list[str], mapping: list[str]) -> dict[str, str]:
    values = {}
    for index, name in enumerate(mapping):
        if (name in CONTACT_FIELDS or name.startswith(CUSTOM_PREFIX)) and index < len(record):
            values[name] = record[index].strip()
    return values


def _batch_import(contact_import: ContactImport, batch: list[tuple[int, list[str]]], position: int, members: _Members) -> None:
    """One batch in one transaction: the rows (each in a savepoint), their rejected-row
    records and the counters commit together, so a resumed run continues exactly after it."""
    with transaction.atomic():
        locked = ContactImport.objects.select_for_update().get(pk=contact_import.pk)
        if locked.status != ContactImport.Status.RUNNING or locked.processed_rows != position:
            raise _Superseded()
        counts: Counter[str] = Counter()
        errors = []
        for line, record in batch:
            outcome, reason = contact_import_row(
                workspace=contact_import.workspace,
                mode=locked.mode,
                values=_row_values(record, locked.mapping),
                members=members,
            )
            counts[outcome] += 1
            if outcome == "error":
                errors.append(
                    ContactImportRowError(
                        contact_import_id=locked.pk, line=line, reason=reason, values=record[: max(len(locked.headers), 1) + 20]
                    )
                )
        ContactImportRowError.objects.bulk_create(errors)
        ContactImport.objects.filter(pk=locked.pk).update(
            processed_rows=F("processed_rows") + len(batch),
            created_count=F("created_count") + counts["created"],
            updated_count=F("updated_count") + counts["updated"],
            skipped_count=F("skipped_count") + counts["skipped"],
            error_count=F("error_count") + counts["error"],
            heartbeat_at=timezone.now(),
        )


def _rows_import(contact_import: ContactImport) -> None:
    members = _Members(contact_import.workspace)
    with contact_import.file.open("rb") as stored:
        text = open_text(_binary(stored), contact_import.encoding)
        try:
            records = iter(RecordReader(text, contact_import.delimiter))
            next(records, None)  # the header
            position = contact_import.processed_rows
            for _skipped in range(position):  # resuming: rows of the committed batches
                next(records, None)
            size = batch_size()
            batch: list[tuple[int, list[str]]] = []
            for line, record in records:
                batch.append((line, record))
                if len(batch) >= size:
                    _batch_import(contact_import, batch, position, members)
                    position += len(batch)
                    batch = []
            if batch:
                _batch_import(contact_import, batch, position, members)
        finally:
            text.detach()


def _error_rows_file_write(contact_import: ContactImport) -> str:
    """The rejected rows as CSV (line, reason, then the file's own columns); returns the stored
    name, or "" when no row was rejected. UTF-8 with BOM so Excel shows the accents."""
    rows = ContactImportRowError.objects.filter(contact_import=contact_import).order_by("line")
    if not rows.exists():
        return ""
    with tempfile.TemporaryFile() as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        writer = csv.writer(text, delimiter=contact_import.delimiter or ",")
        writer.writerow([pgettext("rejected rows file", "Line"), pgettext("rejected rows file", "Reason"), *contact_import.headers])
        for error in rows.iterator(chunk_size=2000):
            writer.writerow([error.line, error.reason, *error.values])
        text.flush()
        raw.seek(0)
        contact_import.error_file.save("rejected.csv", File(raw), save=False)
        text.detach()
    return contact_import.error_file.name


def _finish(contact_import: ContactImport, *, status: str, error_message: str = "") -> None:
    # Also for a failed run: the rows rejected before it stopped are worth showing.
    error_file = _error_rows_file_write(contact_import)
    with transaction.atomic():
        locked = ContactImport.objects.select_for_update().get(pk=contact_import.pk)
        if locked.is_finished:
            return
        locked.status = status
        locked.error_message = error_message
        locked.finished_at = timezone.now()
        locked.error_file = error_file
        upload = locked.file.name
        # The upload holds personal data and is not needed once the rows are in.
        locked.file = ""
        locked.save(update_fields=["status", "error_message", "finished_at", "error_file", "file"])
        ContactImportRowError.objects.filter(contact_import=locked).delete()
        transaction.on_commit(lambda: _storage_delete(locked.file.storage, upload))


def _storage_delete(storage, name: str) -> None:
    if not name:
        return
    try:
        storage.delete(name)
    except OSError:
        logger.warning("could not delete stored import file %s", name)


def contact_import_run(*, contact_import_id: int) -> ContactImport | None:
    """Import the rows of a queued import (the Celery task). Idempotent: a finished import
    is left alone; a running one (its worker died) resumes after its last committed batch."""
    with transaction.atomic():
        contact_import = (
            ContactImport.objects.select_for_update().select_related("workspace").filter(pk=contact_import_id).first()
        )
        if contact_import is None or contact_import.status not in (
            ContactImport.Status.QUEUED,
            ContactImport.Status.RUNNING,
        ):
            return contact_import
        if contact_import.attempts >= MAX_ATTEMPTS:
            give_up = True
        else:
            give_up = False
            if contact_import.status == ContactImport.Status.QUEUED:
                contact_import.status = ContactImport.Status.RUNNING
                contact_import.started_at = timezone.now()
            contact_import.attempts += 1
            contact_import.heartbeat_at = timezone.now()
            contact_import.save(update_fields=["status", "started_at", "attempts", "heartbeat_at"])
    if give_up:
        # The previous workers died on this file (e.g. out of memory): stop re-trying it.
        with translation.override(contact_import.workspace.language):
            _finish(
                contact_import,
                status=ContactImport.Status.FAILED,
                error_message=_("The import stopped repeatedly and was abandoned. The rows imported so far are kept."),
            )
        contact_import.refresh_from_db()
        return contact_import
    # Row reasons are written in the workspace language (Spanish first).
    with translation.override(contact_import.workspace.language):
        try:
            _rows_import(contact_import)
        except _Superseded:
            return contact_import
        except CsvFileError as exc:
            _finish(contact_import, status=ContactImport.Status.FAILED, error_message=exc.message)
        except (OSError, UnicodeDecodeError) as exc:
            logger.exception("contact import %s: the stored file cannot be read", contact_import.pk)
            _finish(
                contact_import,
                status=ContactImport.Status.FAILED,
                error_message=_("The uploaded file could not be read (%(reason)s).") % {"reason": exc.__class__.__name__},
            )
        except Exception:
            logger.exception("contact import %s failed", contact_import.pk)
            _finish(
                contact_import,
                status=ContactImport.Status.FAILED,
                error_message=_("The import stopped because of an internal error. The rows imported so far are kept."),
            )
        else:
            _finish(contact_import, status=ContactImport.Status.SUCCEEDED)
    contact_import.refresh_from_db()
    return contact_import


def contact_import_requeue_stale(*, now: datetime | None = None) -> int:
    """Send the task again for imports whose worker went silent (lost message, dead worker
    whose message was not redelivered). Safe with a live worker: the batch check in
    ``_batch_import`` lets only one runner advance. Returns the number re-sent."""
    now = now or timezone.now()
    stale = ContactImport.objects.filter(
        status__in=[ContactImport.Status.QUEUED, ContactImport.Status.RUNNING],
        created_at__lt=now - STALE_AFTER,
    ).filter(Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=now - STALE_AFTER))
    count = 0
    for contact_import in stale.iterator(chunk_size=200):
        # The heartbeat doubles as "last sent", so a backlog is not flooded with copies.
        ContactImport.objects.filter(pk=contact_import.pk).update(heartbeat_at=now)
        _enqueue(contact_import)
        count += 1
    return count


def contact_import_housekeeping(*, now: datetime | None = None) -> dict[str, int]:
    """Celery beat (every 5 minutes): re-send stale imports, then apply the retention."""
    return {
        "requeued": contact_import_requeue_stale(now=now),
        "purged": contact_import_files_purge(now=now),
    }


def contact_import_files_purge(*, now: datetime | None = None) -> int:
    """Retention: delete rejected-rows files (and any upload left) of imports finished more
    than ``IMPORT_RETENTION_DAYS`` (7) ago, and drafts never started after a day. Returns the
    number of imports touched. Safe to run any time and repeatedly (Celery beat, hourly)."""
    now = now or timezone.now()
    touched = 0
    expired = ContactImport.objects.filter(
        status__in=ContactImport.FINISHED,
        finished_at__lt=now - timedelta(days=settings_retention_days()),
        files_purged_at__isnull=True,
    )
    for contact_import in expired.iterator(chunk_size=200):
        for stored in (contact_import.error_file, contact_import.file):
            _storage_delete(stored.storage, stored.name)
        ContactImport.objects.filter(pk=contact_import.pk).update(error_file="", file="", files_purged_at=now)
        touched += 1
    drafts = ContactImport.objects.filter(status=ContactImport.Status.DRAFT, created_at__lt=now - DRAFT_RETENTION)
    for contact_import in drafts.iterator(chunk_size=200):
        _storage_delete(contact_import.file.storage, contact_import.file.name)
        contact_import.delete()
        touched += 1
    return touched
