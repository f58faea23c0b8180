"""Configuraciones → Fuera de Horario: the weekly business hours of a workspace.

One row per workspace at most; no row means "no business hours" (always open). The schedule
is a JSON object in the API's shape, ``{"mon": [["09:00", "18:00"]], …, "sun": []}``, written
only by ``business_hours.services.business_hours_set``, which judges it with
``business_hours.schedule.schedule_parse``: the database only ever holds canonical schedules
(all seven weekdays, sorted, non-overlapping ranges). The wall times are read in the
workspace's timezone (``Workspace.timezone``), which is not copied here: changing the timezone
in General settings keeps the opening hours as the clock shows them.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Workspace

from .schedule import WEEKDAYS


class BusinessHours(models.Model):
    # The schedule belongs to the workspace: it goes when the workspace goes.
    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE, related_name="business_hours")
    # Off: the reports count every hour as business time (the schedule is kept for later).
    enabled = models.BooleanField(_("enabled"), default=False)
    schedule = models.JSONField(_("schedule"), default=dict)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("business hours")
        verbose_name_plural = _("business hours")
        constraints = [
            # The service writes every weekday key; a row without them was written around it.
            models.CheckConstraint(condition=Q(schedule__has_keys=list(WEEKDAYS)), name="business_hours_all_weekdays"),
        ]

    def __str__(self) -> str:
        return f"{self.workspace} ({'on' if self.enabled else 'off'})"
