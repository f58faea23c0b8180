"""report.md "Period": presets and custom ranges in the workspace timezone, DST-correct."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from crm.api import ApiError
from reports.periods import PRESETS, ReportPeriod, report_period_resolve
from tests.factories import WorkspaceFactory


@pytest.fixture
def new_york(db):
    return WorkspaceFactory(name="NY", timezone="America/New_York")


@pytest.fixture
def mexico(db):
    return WorkspaceFactory(name="MX", timezone="America/Mexico_City")


# 2026-11-24 10:30 UTC is 04:30 in Mexico City (UTC-6): still the 24th there.
@time_machine.travel(datetime(2026, 11, 24, 10, 30, tzinfo=UTC), tick=False)
@pytest.mark.parametrize(
    ("preset", "start", "end"),
    [
        ("today", date(2026, 11, 24), date(2026, 11, 24)),
        ("yesterday", date(2026, 11, 23), date(2026, 11, 23)),
        ("last_7_days", date(2026, 11, 18), date(2026, 11, 24)),
        ("last_14_days", date(2026, 11, 11), date(2026, 11, 24)),
        ("last_30_days", date(2026, 10, 26), date(2026, 11, 24)),
        ("this_month", date(2026, 11, 1), date(2026, 11, 24)),
        ("last_month", date(2026, 10, 1), date(2026, 10, 31)),
    ],
)
def test_each_preset_on_a_frozen_clock(mexico, preset, start, end):
    period = report_period_resolve(workspace=mexico, period=preset)

    assert (period.start, period.end, period.timezone) == (start, end, "America/Mexico_City")
    # Mexico City has no DST since 2022: every day is 24 h, starting 06:00 UTC.
    assert period.start_utc == datetime(start.year, start.month, start.day, 6, tzinfo=UTC)
    assert period.end_utc - period.start_utc == timedelta(days=(end - start).days + 1)


def test_presets_are_listed_in_the_order_of_the_page():
    assert PRESETS == ("today", "yesterday", "last_7_days", "last_14_days", "last_30_days", "this_month", "last_month")


@time_machine.travel(datetime(2026, 11, 24, 10, 30, tzinfo=UTC), tick=False)
def test_default_is_last_7_days(mexico):
    assert report_period_resolve(workspace=mexico) == ReportPeriod(date(2026, 11, 18), date(2026, 11, 24),
                                                                  "America/Mexico_City")


@time_machine.travel(datetime(2026, 11, 25, 3, 30, tzinfo=UTC), tick=False)
def test_today_is_the_workspace_date_not_the_utc_date(mexico):
    # 03:30 UTC on the 25th is 21:30 on the 24th in Mexico City.
    assert report_period_resolve(workspace=mexico, period="today").start == date(2026, 11, 24)


@time_machine.travel(datetime(2026, 3, 11, 15, 0, tzinfo=UTC), tick=False)
def test_last_7_days_over_the_spring_forward_week_in_new_york(new_york):
    # 2026-03-08 02:00 EST jumps to 03:00 EDT: that day has 23 hours.
    period = report_period_resolve(workspace=new_york, period="last_7_days")

    assert (period.start, period.end) == (date(2026, 3, 5), date(2026, 3, 11))
    assert period.start_utc == datetime(2026, 3, 5, 5, tzinfo=UTC)  # midnight EST (UTC-5)
    assert period.end_utc == datetime(2026, 3, 12, 4, tzinfo=UTC)  # midnight EDT (UTC-4)
    assert period.end_utc - period.start_utc == timedelta(hours=7 * 24 - 1)


@time_machine.travel(datetime(2026, 3, 8, 12, 0, tzinfo=UTC), tick=False)
def test_the_spring_forward_day_has_23_hours(new_york):
    period = report_period_resolve(workspace=new_york, period="today")

    assert period.start == date(2026, 3, 8)
    assert period.end_utc - period.start_utc == timedelta(hours=23)


@time_machine.travel(datetime(2026, 11, 2, 12, 0, tzinfo=UTC), tick=False)
def test_the_fall_back_day_has_25_hours(new_york):
    period = report_period_resolve(workspace=new_york, period="yesterday")

    assert period.start == date(2026, 11, 1)
    assert (period.start_utc, period.end_utc) == (datetime(2026, 11, 1, 4, tzinfo=UTC), datetime(2026, 11, 2, 5, tzinfo=UTC))


@pytest.mark.parametrize(
    ("now", "preset", "start", "end"),
    [
        # On the 1st, this_month is that single day and last_month the whole previous month.
        (datetime(2026, 3, 1, 17, tzinfo=UTC), "this_month", date(2026, 3, 1), date(2026, 3, 1)),
        (datetime(2026, 3, 1, 17, tzinfo=UTC), "last_month", date(2026, 2, 1), date(2026, 2, 28)),
        (datetime(2028, 3, 15, 17, tzinfo=UTC), "last_month", date(2028, 2, 1), date(2028, 2, 29)),
        # January: last month is December of the previous year.
        (datetime(2027, 1, 1, 17, tzinfo=UTC), "last_month", date(2026, 12, 1), date(2026, 12, 31)),
        (datetime(2027, 1, 1, 17, tzinfo=UTC), "yesterday", date(2026, 12, 31), date(2026, 12, 31)),
        (datetime(2026, 3, 2, 17, tzinfo=UTC), "last_7_days", date(2026, 2, 24), date(2026, 3, 2)),
        (datetime(2026, 3, 31, 17, tzinfo=UTC), "last_30_days", date(2026, 3, 2), date(2026, 3, 31)),
        # 02:00 UTC on April 1st is still March 31st in New York (EDT, UTC-4).
        (datetime(2026, 4, 1, 2, tzinfo=UTC), "this_month", date(2026, 3, 1), date(2026, 3, 31)),
        (datetime(2026, 4, 1, 4, tzinfo=UTC), "this_month", date(2026, 4, 1), date(2026, 4, 1)),
    ],
)
def test_month_boundaries_in_new_york(new_york, now, preset, start, end):
    with time_machine.travel(now, tick=False):
        period = report_period_resolve(workspace=new_york, period=preset)

    assert (period.start, period.end) == (start, end)


def test_last_month_spanning_the_march_dst_change_counts_its_real_hours(new_york):
    period = report_period_resolve(workspace=new_york, period="last_month", today=date(2026, 4, 10))

    assert (period.start, period.end) == (date(2026, 3, 1), date(2026, 3, 31))
    assert period.end_utc - period.start_utc == timedelta(days=31, hours=-1)


def test_custom_range_is_inclusive_and_may_span_366_days(new_york):
    period = report_period_resolve(workspace=new_york, start="2025-11-24", end="2026-11-24")

    assert period.days == 366
    assert period.as_dict() == {"start": "2025-11-24", "end": "2026-11-24", "timezone": "America/New_York"}


def test_previous_period_has_equal_length_just_before():
    period = ReportPeriod(date(2026, 11, 18), date(2026, 11, 24), "America/Mexico_City")

    assert period.previous() == ReportPeriod(date(2026, 11, 11), date(2026, 11, 17), "America/Mexico_City")
    month = ReportPeriod(date(2026, 3, 1), date(2026, 3, 31), "UTC")
    assert month.previous() == ReportPeriod(date(2026, 1, 29), date(2026, 2, 28), "UTC")


def test_a_date_object_range_is_accepted(new_york):
    period = report_period_resolve(workspace=new_york, start=date(2026, 1, 1), end=date(2026, 1, 31))
    assert period.days == 31


def test_midnight_in_a_dst_gap_starts_the_day_at_the_jump():
    # America/Santiago springs forward at 00:00 (2026-09-06): the day begins at 01:00 local.
    period = ReportPeriod(date(2026, 9, 6), date(2026, 9, 6), "America/Santiago")

    assert period.start_utc == datetime(2026, 9, 6, 4, tzinfo=UTC)
    assert period.end_utc - period.start_utc == timedelta(hours=23)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"start": "2026-13-01", "end": "2026-12-31"}, "start"),
        ({"start": "2026-01-01", "end": "mañana"}, "end"),
        ({"start": "20260101", "end": "2026-01-02"}, "start"),
        ({"start": "2026-01-01T00:00", "end": "2026-01-02"}, "start"),
        ({"start": "2026-02-30", "end": "2026-03-02"}, "start"),
        ({"start": "0001-01-01", "end": "0001-01-02"}, "start"),
        ({"start": "9999-12-30", "end": "9999-12-31"}, "start"),
        ({"start": "2026-01-10", "end": "2026-01-09"}, "end"),
        ({"start": "2025-01-01", "end": "2026-01-02"}, "end"),
        ({"start": "2026-01-01"}, "end"),
        ({"end": "2026-01-01"}, "start"),
        ({"period": "today", "start": "2026-01-01", "end": "2026-01-02"}, "period"),
        ({"period": "last_7_days", "end": "2026-01-02"}, "period"),
        ({"period": "last_year"}, "period"),
        ({"period": "TODAY"}, "period"),
    ],
)
def test_bad_periods_are_400_naming_the_field(new_york, kwargs, field):
    with pytest.raises(ApiError) as caught:
        report_period_resolve(workspace=new_york, today=date(2026, 11, 24), **kwargs)

    assert caught.value.status_code == 400
    assert field in caught.value.errors
    assert caught.value.message
