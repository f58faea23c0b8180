import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Workspace


def upload_path(instance: "ContactImport", filename: str) -> str:
    # The user's file name is kept in ``file_name``; the stored name is random so two uploads
    # of "contactos.csv" never collide and no path can be guessed.
    return f"imports/{instance.workspace_id}/uploads/{uuid.uuid4().hex}.csv"


def error_rows_path(instance: "ContactImport", filename: str) -> str:
    return f"imports/{instance.workspace_id}/rejected/{uuid.uuid4().hex}.csv"


class ImportMode(models.TextChoices):
    ADD = "add", _("Add new contacts only")
    UPDATE = "update", _("Update existing contacts only")
    ADD_AND_UPDATE = "add_and_update", _("Add new and update existing contacts")


class ContactImport(models.Model):
    """One CSV file of contacts imported into a workspace (Configuraciones → Importación de datos).

    Life cycle: ``draft`` (uploaded in the page, waiting for the column mapping; never shown by
    the API) → ``queued`` → ``running`` → ``succeeded`` | ``failed``. The counters and
    ``processed_rows`` are committed together with each batch of rows, so a worker that dies
    mid-file resumes after the last committed batch without counting a row twice.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("contact import status", "Waiting for the column mapping")
        QUEUED = "queued", pgettext_lazy("contact import status", "Queued")
        RUNNING = "running", pgettext_lazy("contact import status", "Running")
        SUCCEEDED = "succeeded", pgettext_lazy("contact import status", "Succeeded")
        FAILED = "failed", pgettext_lazy("contact import status", "Failed")

    FINISHED = (Status.SUCCEEDED, Status.FAILED)

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="contact_imports")
    # Null for imports made with an API token (no person) or after the user was deleted.
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_by_name = models.CharField(_("uploaded by"), max_length=150, blank=True)
    file_name = models.CharField(_("file"), max_length=255)
    file = models.FileField(upload_to=upload_path, max_length=255, blank=True)
    file_size = models.PositiveBigIntegerField(default=0)
    encoding = models.CharField(max_length=20)
    delimiter = models.CharField(max_length=1)
    mode = models.CharField(_("mode"), max_length=20, choices=ImportMode.choices, default=ImportMode.ADD_AND_UPDATE)
    # ``headers`` as read from the file; ``mapping[i]`` is the contact field of column i
    # ("" = ignored). ``preview_rows`` are the first rows, shown in the mapping step.
    headers = models.JSONField(default=list)
    mapping = models.JSONField(default=list)
    preview_rows = models.JSONField(default=list)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    skipped_count = models.PositiveIntegerField(_("skipped"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    error_file = models.FileField(upload_to=error_rows_path, max_length=255, blank=True)
    error_message = models.TextField(blank=True)
    created_at = models.DateTimeField(_("date"), default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Set when a worker starts and after every committed batch: housekeeping re-sends the task
    # of an import whose worker went silent (the run resumes; see services).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # When the uploaded file and the rejected-rows file were deleted (retention, 7 days).
    files_purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("contact import")
        verbose_name_plural = _("contact imports")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["draft", "queued", "running", "succeeded", "failed"]),
                name="contact_import_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(mode__in=["add", "update", "add_and_update"]), name="contact_import_mode_valid"
            ),
            models.CheckConstraint(
                condition=Q(processed_rows__lte=models.F("total_rows")), name="contact_import_processed_le_total"
            ),
        ]
        indexes = [
            # The history table: a workspace's imports, newest first.
            models.Index(fields=["workspace", "-created_at", "-id"], name="contact_import_ws_time_idx"),
            # The retention task: finished imports whose files are still kept.
            models.Index(fields=["status", "finished_at"], name="contact_import_finished_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def progress(self) -> int:
        if self.status == self.Status.SUCCEEDED:
            return 100
        if not self.total_rows:
            return 0
        return min(100, self.processed_rows * 100 // self.total_rows)

    @property
    def files_expire_at(self):
        if self.finished_at is None:
            return None
        return self.finished_at + timedelta(days=settings_retention_days())

    @property
    def has_error_rows_file(self) -> bool:
        return bool(self.error_file) and self.files_purged_at is None


def settings_retention_days() -> int:
    return int(getattr(settings, "IMPORT_RETENTION_DAYS", 7))


class ContactImportRowError(models.Model):
    """A rejected row, kept while the import runs (written in the same transaction as the batch
    that rejected it, so a resumed import never lists a row twice). At the end they are written
    to the rejected-rows CSV and deleted."""

    contact_import = models.ForeignKey(ContactImport, on_delete=models.CASCADE, related_name="row_errors")
    line = models.PositiveIntegerField()
    reason = models.TextField()
    values = models.JSONField(default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contact_import", "line"], name="contact_import_row_error_line_unique")
        ]

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"
