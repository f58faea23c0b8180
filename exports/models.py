from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import ApiToken, Workspace


def export_file_path(export: "Export", filename: str) -> str:
    """Every file of an export lives under its own folder, so a failed or stale attempt can
    delete whatever it left behind by listing that folder (works on S3 as on disk)."""
    return f"{Export.folder_for(workspace_id=export.workspace_id, export_id=export.pk)}{filename}"


# The file name of each kind's CSV, in the product's language (the seed's report names).
FILE_NAMES = {"assignments": "asignaciones", "conversations": "conversaciones", "responses": "respuestas",
              "resolutions": "resoluciones", "messages": "mensajes", "contacts": "contactos",
              "leaderboard": "tabla-de-clasificacion", "users": "usuarios", "broadcasts": "transmisiones"}


class Export(models.Model):
    """One Data Export job (report.md "Data Export"): queued → running → succeeded / failed,
    then ``expired`` once its file is deleted after ``EXPORT_RETENTION_DAYS``.

    ``file`` is set only in the same single UPDATE that marks the export ``succeeded``, after
    the whole CSV is in storage, so a row never points at a half-written file.
    """

    class Kind(models.TextChoices):
        ASSIGNMENTS = "assignments", _("Assignment log")
        CONVERSATIONS = "conversations", _("Conversations")
        RESPONSES = "responses", _("Responses")
        RESOLUTIONS = "resolutions", _("Resolutions")
        MESSAGES = "messages", _("Messages")
        CONTACTS = "contacts", _("Contacts")
        LEADERBOARD = "leaderboard", _("Leaderboard")
        USERS = "users", _("Users")
        BROADCASTS = "broadcasts", _("Broadcasts")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    ACTIVE_STATUSES = (Status.QUEUED, Status.RUNNING)

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="exports")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.ASSIGNMENTS)
    # The report parameters (``ReportParams.as_query()``) with the period resolved to fixed
    # ``start``/``end`` dates when requested, so a retry next day exports the same days.
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    excel_bom = models.BooleanField(_("for Excel (UTF-8 BOM)"), default=False)
    # Who asked: a member (``requested_by``) or an API token (``requested_by_token``, no user).
    # The task re-checks that this requester may still export in the workspace.
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="exports"
    )
    requested_by_token = models.ForeignKey(
        ApiToken, null=True, blank=True, on_delete=models.SET_NULL, related_name="exports"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    row_count = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    file = models.FileField(_("file"), upload_to=export_file_path, max_length=300, blank=True)
    size = models.PositiveBigIntegerField(_("size"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    task_id = models.CharField(_("task id"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    # Touched by the running task every few seconds; the housekeeping beat task requeues or
    # fails an active export whose heartbeat is stale (its worker died).
    heartbeat_at = models.DateTimeField(_("heartbeat"), null=True, blank=True)

    class Meta:
        verbose_name = _("data export")
        verbose_name_plural = _("data exports")
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="export_progress_0_100"),
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "succeeded", "failed", "expired"]),
                name="export_status_valid",
            ),
            # A published file only ever belongs to a succeeded export.
            models.CheckConstraint(
                condition=Q(file="") | Q(status="succeeded"), name="export_file_only_when_succeeded"
            ),
        ]
        indexes = [
            # The history (API list and the page): a workspace's exports, newest first.
            models.Index(fields=["workspace", "-created_at", "-id"], name="export_ws_created_idx"),
            # Housekeeping: active exports by heartbeat, succeeded ones by expiry.
            models.Index(fields=["status", "heartbeat_at"], name="export_status_heartbeat_idx"),
            models.Index(fields=["status", "expires_at"], name="export_status_expires_idx"),
        ]

    def __str__(self) -> str:
        return f"Export #{self.pk} {self.kind} ({self.status})"

    @staticmethod
    def folder_for(*, workspace_id: int, export_id: int) -> str:
        return f"exports/{workspace_id}/{export_id}/"

    @property
    def folder(self) -> str:
        return self.folder_for(workspace_id=self.workspace_id, export_id=self.pk)

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    @property
    def download_filename(self) -> str:
        start, end = self.filters.get("start", [""])[0:1], self.filters.get("end", [""])[0:1]
        span = f"-{start[0]}-{end[0]}" if start and end and start[0] and end[0] else ""
        return f"{FILE_NAMES.get(self.kind, self.kind)}{span}-{self.pk}.csv"
