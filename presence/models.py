"""Estado de Actividad: each member's status (online / away / offline) and its immutable history.

The rules (sources, the idle limit, how time per status is read from the events) are in
docs/presence.md. Everything here is written only by ``presence.services.agent_status_set``.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Workspace


class ImmutableEventError(Exception):
    pass


class AgentStatusValue(models.TextChoices):
    # A context of their own: the menu says "Online / Ausente / Desconectado" (the older
    # ``User.Availability`` labels translate "Online" as "En línea").
    ONLINE = "online", pgettext_lazy("agent status", "Online")
    AWAY = "away", pgettext_lazy("agent status", "Away")
    OFFLINE = "offline", pgettext_lazy("agent status", "Offline")


class AgentStatusSource(models.TextChoices):
    # The member in the app (the header's status menu).
    USER = "user", _("User")
    # The member through the API (PUT /api/v1/me/status, session user).
    API = "api", _("API")
    # Logging in puts an offline member (or one without a status yet) online.
    LOGIN = "login", _("Login")
    # Logging out puts the member of the session's workspace offline.
    LOGOUT = "logout", _("Logout")
    # The beat task ``presence.idle_sweep``: no request for AGENT_IDLE_MINUTES.
    IDLE = "idle", _("Inactivity")
    # The first request after an idle offline (the status before it comes back), or the first
    # request of a member who has no status yet.
    ACTIVITY = "activity", _("Activity")


class AgentStatus(models.Model):
    """The current status of one member (a user in one workspace) and when they were last seen.

    Per membership, not per user: a person in two workspaces works in the one that is active in
    their session, and round robin "only online" of the other must not pick them (see
    docs/presence.md "Several workspaces").
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="agent_statuses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent_statuses")
    status = models.CharField(_("status"), max_length=10, choices=AgentStatusValue.choices)
    # The source and instant of the change that set ``status`` (the last event's).
    source = models.CharField(_("source"), max_length=10, choices=AgentStatusSource.choices)
    changed_at = models.DateTimeField(_("changed at"))
    # The heartbeat: the last request of this member in this workspace, written at most once a
    # minute (services.member_seen). Null for rows that have never seen a request.
    last_seen_at = models.DateTimeField(_("last seen at"), null=True, blank=True)

    class Meta:
        verbose_name = _("agent status")
        verbose_name_plural = _("agent statuses")
        constraints = [
            # Also the row the write path locks (SELECT … FOR UPDATE) and routing's lookup.
            models.UniqueConstraint(fields=["workspace", "user"], name="agent_status_unique_member"),
            models.CheckConstraint(
                condition=models.Q(status__in=AgentStatusValue.values), name="agent_status_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(source__in=AgentStatusSource.values), name="agent_status_source_valid"
            ),
        ]
        indexes = [
            # The idle sweep: WHERE status IN ('online', 'away') AND last_seen_at < ?
            models.Index(fields=["status", "last_seen_at"], name="agent_status_sweep_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.workspace_id}: {self.status}"


class AgentStatusEvent(models.Model):
    """One change of a member's status. Immutable; written only by ``agent_status_set``.

    Per member the events form a chain: each event's ``previous_status`` is the prior event's
    ``new_status`` (null only on the member's first event). Time per status is read from it.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="agent_status_events")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent_status_events"
    )
    # Null (not ""): the member had no status before their first event.
    previous_status = models.CharField(  # noqa: DJ001
        _("previous status"), max_length=10, choices=AgentStatusValue.choices, null=True, blank=True
    )
    new_status = models.CharField(_("new status"), max_length=10, choices=AgentStatusValue.choices)
    source = models.CharField(_("source"), max_length=10, choices=AgentStatusSource.choices)
    created_at = models.DateTimeField(_("created at"), default=dj_timezone.now)

    class Meta:
        verbose_name = _("agent status event")
        verbose_name_plural = _("agent status events")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(new_status__in=AgentStatusValue.values), name="agent_status_event_new_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(previous_status__isnull=True)
                | models.Q(previous_status__in=AgentStatusValue.values),
                name="agent_status_event_previous_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(source__in=AgentStatusSource.values), name="agent_status_event_source_valid"
            ),
            # An event is a change: never "online → online".
            models.CheckConstraint(
                condition=models.Q(previous_status__isnull=True) | ~models.Q(previous_status=models.F("new_status")),
                name="agent_status_event_is_a_change",
            ),
        ]
        indexes = [
            # Per-user period scans (the Usuarios report, the chain): WHERE workspace = ? AND
            # user = ? AND created_at < ? ORDER BY created_at, id — and the last event before a
            # period's start (the status the period opens with).
            models.Index(fields=["workspace", "user", "created_at", "id"], name="agent_event_ws_user_time_idx"),
            # The whole team over a period: WHERE workspace = ? AND created_at BETWEEN ? AND ?
            models.Index(fields=["workspace", "created_at", "id"], name="agent_event_ws_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.workspace_id}: {self.previous_status} → {self.new_status} ({self.source})"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ImmutableEventError("agent status events are immutable")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableEventError("agent status events are immutable")


class AgentStatusDailyTotal(models.Model):
    """Seconds each member spent in each status per workspace-local day: the day rollup the
    Usuarios report reads (docs/reports.md "Usuarios").

    Written by ``agent_status_set`` in the same transaction as the change, under the member's
    row lock: a change closes the interval of the status it ends (from that status'
    ``changed_at`` to the change), split at the local midnights of the timezone recorded in
    ``AgentStatusRollupState``. The open interval (the current status, to now) is never here:
    the reports add it when they read.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("day"))
    status = models.CharField(_("status"), max_length=10, choices=AgentStatusValue.choices)
    seconds = models.PositiveIntegerField(_("seconds"))
    # The member's seconds in this status on every day up to and including this one: a period's
    # total is two lookups (the last row on or before its last day, minus the last row before
    # its first day) instead of a sum over every day (docs/performance.md "Usuarios").
    cumulative = models.PositiveBigIntegerField(_("cumulative seconds"))

    class Meta:
        verbose_name = _("agent status day total")
        verbose_name_plural = _("agent status day totals")
        constraints = [
            # The UPSERT's conflict target, and the "last row on or before a day" lookup of a
            # member's status (WHERE workspace, user, status AND day <= ? ORDER BY day DESC LIMIT 1).
            models.UniqueConstraint(fields=["workspace", "user", "status", "day"], name="agent_day_total_unique"),
            # At most 25 hours (a fall-back day).
            models.CheckConstraint(condition=models.Q(seconds__lte=90_000), name="agent_day_total_seconds_valid"),
        ]
        indexes = [
            # The report over a period: WHERE workspace = ? AND day BETWEEN ? AND ?
            models.Index(fields=["workspace", "day"], name="agent_day_total_ws_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.workspace_id} {self.day} {self.status}: {self.seconds} s"


class AgentStatusRollupState(models.Model):
    """The timezone ``AgentStatusDailyTotal`` of a workspace was counted in.

    The reports read the rollup only while it equals the workspace's timezone (otherwise the
    events, with the same numbers); ``presence.rollups.rollup_rebuild`` recounts it. No row:
    the workspace's events were never counted (e.g. they predate the rollup) — the events are read.
    """

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE, primary_key=True, related_name="+")
    timezone = models.CharField(_("timezone"), max_length=64)
    rebuilt_at = models.DateTimeField(_("rebuilt at"), null=True, blank=True)

    class Meta:
        verbose_name = _("agent status rollup state")
        verbose_name_plural = _("agent status rollup states")

    def __str__(self) -> str:
        return f"{self.workspace_id}: {self.timezone}"
