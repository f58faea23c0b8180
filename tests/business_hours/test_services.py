"""business_hours_set / business_hours_get: one row per workspace, judged before it is written."""

import pytest
from django.db import IntegrityError, transaction

from business_hours.models import BusinessHours
from business_hours.schedule import WEEKDAYS, ScheduleInvalid, WeeklySchedule
from business_hours.selectors import business_hours_get
from business_hours.services import business_hours_set

WEEKDAYS_9_TO_6 = {day: [["09:00", "18:00"]] for day in WEEKDAYS[:5]}


def test_never_set_is_off_and_always_open(workspace):
    settings = business_hours_get(workspace=workspace)
    assert settings.enabled is False
    assert settings.schedule.is_closed_all_week
    assert settings.effective_schedule is None  # always open
    assert settings.timezone == "America/Mexico_City"


def test_set_then_replace_keeps_one_row(workspace, alice):
    business_hours_set(workspace=workspace, enabled=True, schedule=WEEKDAYS_9_TO_6, updated_by=alice)
    row = business_hours_set(workspace=workspace, enabled=True, schedule={"sat": [["10:00", "14:00"]]})
    assert BusinessHours.objects.filter(workspace=workspace).count() == 1
    assert row.schedule == {"mon": [], "tue": [], "wed": [], "thu": [], "fri": [], "sat": [["10:00", "14:00"]], "sun": []}
    settings = business_hours_get(workspace=workspace)
    assert isinstance(settings.effective_schedule, WeeklySchedule)
    assert settings.effective_schedule.days[5] == ((600, 840),)


def test_disabled_keeps_the_schedule_but_counts_always(workspace):
    business_hours_set(workspace=workspace, enabled=False, schedule=WEEKDAYS_9_TO_6)
    settings = business_hours_get(workspace=workspace)
    assert settings.schedule.days[0] == ((540, 1080),)
    assert settings.effective_schedule is None


def test_workspaces_do_not_share_hours(workspace, other_workspace):
    business_hours_set(workspace=workspace, enabled=True, schedule=WEEKDAYS_9_TO_6)
    assert business_hours_get(workspace=other_workspace).enabled is False
    assert business_hours_get(workspace=other_workspace).timezone == "Europe/Madrid"


@pytest.mark.parametrize(
    ("enabled", "schedule", "field"),
    [
        (True, {"mon": [["09:00", "25:00"]]}, "schedule.mon.0"),
        (True, {"mon": [["09:00", "13:00"], ["12:00", "18:00"]]}, "schedule.mon"),
        (True, {"lunes": [["09:00", "18:00"]]}, "schedule"),
        (True, {}, "schedule"),  # on, but closed all week
        ("yes", WEEKDAYS_9_TO_6, "enabled"),
        (1, WEEKDAYS_9_TO_6, "enabled"),
    ],
)
def test_invalid_input_writes_nothing(workspace, enabled, schedule, field):
    business_hours_set(workspace=workspace, enabled=False, schedule=WEEKDAYS_9_TO_6)
    with pytest.raises(ScheduleInvalid) as caught:
        business_hours_set(workspace=workspace, enabled=enabled, schedule=schedule)
    assert field in caught.value.errors
    row = BusinessHours.objects.get(workspace=workspace)
    assert row.enabled is False and row.schedule["mon"] == [["09:00", "18:00"]]


def test_off_and_closed_all_week_is_allowed(workspace):
    business_hours_set(workspace=workspace, enabled=False, schedule={})
    assert business_hours_get(workspace=workspace).effective_schedule is None


def test_database_refuses_a_second_row_per_workspace(workspace):
    business_hours_set(workspace=workspace, enabled=False, schedule={})
    with pytest.raises(IntegrityError), transaction.atomic():
        BusinessHours.objects.create(workspace=workspace, schedule={day: [] for day in WEEKDAYS})


def test_database_refuses_a_schedule_without_every_weekday(workspace):
    with pytest.raises(IntegrityError), transaction.atomic():
        BusinessHours.objects.create(workspace=workspace, schedule={"mon": [["09:00", "18:00"]]})


def test_rows_go_with_their_workspace(workspace):
    business_hours_set(workspace=workspace, enabled=True, schedule=WEEKDAYS_9_TO_6)
    workspace.delete()
    assert not BusinessHours.objects.exists()
