import hashlib
import secrets
import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext_lazy as _


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not a known IANA timezone."), params={"value": value})


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra):
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in with email and password; belongs to workspaces through Membership."""

    class Availability(models.TextChoices):
        ONLINE = "online", _("Online")
        AWAY = "away", _("Away")

    email = models.EmailField(_("email"), unique=True)
    name = models.CharField(_("name"), max_length=150, blank=True)
    availability = models.CharField(
        _("availability"), max_length=10, choices=Availability.choices, default=Availability.ONLINE
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=dj_timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.name or self.email


class Workspace(models.Model):
    """The tenant: every row of the CRM belongs to exactly one workspace."""

    class Language(models.TextChoices):
        ES = "es", "Español"
        EN = "en", "English"

    class AgentVisibility(models.TextChoices):
        ASSIGNED_AND_UNASSIGNED = "assigned_and_unassigned", _("Only their assigned contacts and unassigned ones")
        ALL = "all", _("All contacts")

    name = models.CharField(_("name"), max_length=150)
    timezone = models.CharField(
        _("timezone"), max_length=64, default="America/Mexico_City", validators=[validate_timezone]
    )
    language = models.CharField(_("language"), max_length=5, choices=Language.choices, default=Language.ES)
    # Configuraciones → Agentes (owners only). What agents see is applied by one selector,
    # ``contacts.selectors.contact_visibility``; what they may reassign by one rule,
    # ``assignments.rules.assignment_refusal`` (docs/security.md "Agents"). Database defaults
    # too, so rows written by code (or migrations) that predate the fields get the defaults.
    agent_visibility = models.CharField(
        _("agents can see"), max_length=30, choices=AgentVisibility.choices,
        default=AgentVisibility.ASSIGNED_AND_UNASSIGNED, db_default=AgentVisibility.ASSIGNED_AND_UNASSIGNED,
    )
    agents_can_reassign = models.BooleanField(
        _("agents can reassign to other agents"), default=False, db_default=False
    )
    # Reportes → Tabla de Clasificación: off, an agent sees only their own row; on, every row
    # with names (docs/reports.md "Tabla de Clasificación"). Owners and managers always see all.
    agents_see_leaderboard = models.BooleanField(
        _("agents see the whole leaderboard"), default=False, db_default=False
    )
    created_at = models.DateTimeField(_("created at"), default=dj_timezone.now)

    class Meta:
        verbose_name = _("workspace")
        verbose_name_plural = _("workspaces")

    def __str__(self) -> str:
        return self.name

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        MANAGER = "manager", _("Manager")
        AGENT = "agent", _("Agent")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.AGENT)
    restrict_data_export = models.BooleanField(_("restrict data export"), default=False)
    created_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["workspace", "user"], name="membership_unique_user_per_workspace"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.workspace} ({self.role})"

    @property
    def is_admin(self) -> bool:
        return self.role in (self.Role.OWNER, self.Role.MANAGER)

    @property
    def can_export(self) -> bool:
        return self.role == self.Role.OWNER or (self.role == self.Role.MANAGER and not self.restrict_data_export)


class Team(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(_("name"), max_length=150)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="teams", blank=True)
    created_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="team_unique_name_per_workspace")]

    def __str__(self) -> str:
        return self.name


class ApiToken(models.Model):
    """A workspace Developer API token. Only its SHA-256 is stored; the token is shown once."""

    PREFIX = "crm_"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100, default="API")
    key_hash = models.CharField(max_length=64, unique=True)
    key_prefix = models.CharField(max_length=12)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=dj_timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.key_prefix}… ({self.workspace})"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def issue(cls, *, workspace: Workspace, name: str = "API", created_by=None) -> tuple["ApiToken", str]:
        key = cls.PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(
            workspace=workspace, name=name, key_hash=cls.hash_key(key), key_prefix=key[:12], created_by=created_by
        )
        return token, key

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class WorkspaceFileDeletion(models.Model):
    """A stored file (or folder) of a deleted workspace, still to be removed from storage.

    The rows that named the files cascade away with the workspace, so the apps that keep files
    (exports, imports) record their names here first, in the deleting transaction (a
    ``pre_delete`` receiver of ``Workspace``); ``accounts.tasks.workspace_files_delete`` drains
    the table through the storage API, retrying until storage answers. No foreign key: the
    row must outlive its workspace.
    """

    workspace_id = models.BigIntegerField(_("workspace id"))
    # "<app_label>.<Model>.<field>" of the FileField whose storage holds the file.
    field = models.CharField(_("file field"), max_length=100)
    name = models.CharField(_("name"), max_length=300)
    # A folder is emptied recursively (``listdir``): leftovers of unfinished attempts too.
    is_folder = models.BooleanField(_("folder"), default=False)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=dj_timezone.now)

    class Meta:
        verbose_name = _("file of a deleted workspace")
        verbose_name_plural = _("files of deleted workspaces")
        constraints = [
            models.UniqueConstraint(fields=["field", "name"], name="workspace_file_deletion_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.field}:{self.name}"
