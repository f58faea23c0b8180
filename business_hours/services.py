"""Writes of Fuera de Horario: one service, used by the settings page and the API alike."""

from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User, Workspace

from .models import BusinessHours
from .schedule import ScheduleInvalid, WeeklySchedule, schedule_parse


@transaction.atomic
def business_hours_set(
    *, workspace: Workspace, enabled: bool, schedule: Mapping | WeeklySchedule, updated_by: User | None = None
) -> BusinessHours:
    """Replace the workspace's business hours (raises ``ScheduleInvalid`` with errors by field).

    ``schedule`` is ``{"mon": [["09:00", "18:00"]], …}`` (a weekday left out is closed; see
    ``schedule_parse``) or a parsed ``WeeklySchedule``. Turning business hours on needs at
    least one open range: a week closed throughout would make every business time zero.
    """
    if not isinstance(enabled, bool):
        raise ScheduleInvalid({"enabled": [_("Must be true or false.")]})
    parsed = schedule if isinstance(schedule, WeeklySchedule) else schedule_parse(schedule)
    if enabled and parsed.is_closed_all_week:
        raise ScheduleInvalid({"schedule": [_("Open at least one day, or turn business hours off.")]})
    row, _created = BusinessHours.objects.update_or_create(
        workspace=workspace,
        defaults={"enabled": enabled, "schedule": parsed.to_json(), "updated_by": updated_by,
                  "updated_at": timezone.now()},
    )
    # The recorded business seconds of Resoluciones follow the new schedule (until they do, the
    # report derives them from the events: contacts/resolutions.py).
    from contacts.tasks import resolution_business_recompute_task

    transaction.on_commit(lambda: resolution_business_recompute_task.delay(workspace.pk))
    return row
