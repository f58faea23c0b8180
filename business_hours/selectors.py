"""Reads of Fuera de Horario. The reports call ``business_hours_get`` once per request and pass
its ``effective_schedule`` and ``timezone`` to ``business_seconds_between`` per row."""

from dataclasses import dataclass

from accounts.models import Workspace

from .models import BusinessHours
from .schedule import ALWAYS_CLOSED, WeeklySchedule, schedule_parse


@dataclass(frozen=True)
class BusinessHoursSettings:
    enabled: bool
    schedule: WeeklySchedule
    timezone: str  # the workspace's IANA name, in which the schedule's wall times are read

    @property
    def effective_schedule(self) -> WeeklySchedule | None:
        """The schedule the reports apply: ``None`` (always open) when business hours are off
        or were never set up."""
        return self.schedule if self.enabled else None


def business_hours_get(*, workspace: Workspace) -> BusinessHoursSettings:
    """The workspace's business hours; a workspace that never set them is "off", no ranges."""
    row = BusinessHours.objects.filter(workspace=workspace).first()
    if row is None:
        return BusinessHoursSettings(enabled=False, schedule=ALWAYS_CLOSED, timezone=workspace.timezone)
    # Stored canonical by the service, so this parse cannot fail; it rebuilds the typed form.
    return BusinessHoursSettings(
        enabled=row.enabled, schedule=schedule_parse(row.schedule), timezone=workspace.timezone
    )
