"""The pure business-hours arithmetic (business_hours/schedule.py): plain weeks, DST days in
America/New_York, Europe/Madrid and America/Santiago (2026 rules), and the schedule's parser."""

import time as clock
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from business_hours.schedule import (
    MAX_INTERVALS_PER_DAY,
    WEEKDAYS,
    ScheduleInvalid,
    WeeklySchedule,
    business_hours_is_open,
    business_seconds_between,
    schedule_parse,
)

HOUR = 3600
OFFICE = schedule_parse({day: [["09:00", "18:00"]] for day in WEEKDAYS[:5]})  # Mon–Fri, 45 h a week
EVERY_DAY = schedule_parse({day: [["09:00", "18:00"]] for day in WEEKDAYS})
ROUND_THE_CLOCK = schedule_parse({day: [["00:00", "24:00"]] for day in WEEKDAYS})


def local(tz: str, *args) -> datetime:
    """A wall-clock time in ``tz`` (the first occurrence of a repeated one), as UTC."""
    return datetime(*args, tzinfo=ZoneInfo(tz)).astimezone(UTC)


def only(day: str, *ranges) -> WeeklySchedule:
    return schedule_parse({day: [list(r) for r in ranges]})


def seconds(schedule, tz, start, end) -> int:
    return business_seconds_between(schedule=schedule, tz=tz, start=start, end=end)


def whole_day(schedule, tz, year, month, day) -> int:
    """Business seconds of the schedule on one local day (a span well around it)."""
    start = datetime(year, month, day, tzinfo=UTC) - timedelta(days=2)
    return seconds(schedule, tz, start, start + timedelta(days=5))


# --- plain weeks (America/Mexico_City: no DST since 2022) -------------------------------------

MX = "America/Mexico_City"


def test_plain_day_counts_only_the_open_hours():
    # 2026-11-23 is a Monday.
    assert seconds(OFFICE, MX, local(MX, 2026, 11, 23, 8), local(MX, 2026, 11, 23, 19)) == 9 * HOUR
    assert seconds(OFFICE, MX, local(MX, 2026, 11, 23, 10), local(MX, 2026, 11, 23, 11, 30)) == 90 * 60
    assert seconds(OFFICE, MX, local(MX, 2026, 11, 23, 18), local(MX, 2026, 11, 23, 23)) == 0


def test_overnight_gap_is_not_counted():
    # Monday 17:00 → Tuesday 10:00: one hour each side of the closed night.
    assert seconds(OFFICE, MX, local(MX, 2026, 11, 23, 17), local(MX, 2026, 11, 24, 10)) == 2 * HOUR


def test_weekend_is_not_counted():
    # Friday 17:00 → Monday 10:00.
    assert seconds(OFFICE, MX, local(MX, 2026, 11, 20, 17), local(MX, 2026, 11, 23, 10)) == 2 * HOUR
    # Saturday noon → Sunday noon: closed throughout.
    assert seconds(OFFICE, MX, local(MX, 2026, 11, 21, 12), local(MX, 2026, 11, 22, 12)) == 0


def test_multi_week_span():
    start = local(MX, 2026, 11, 2)  # a Monday, midnight
    assert seconds(OFFICE, MX, start, start + timedelta(weeks=4)) == 4 * 45 * HOUR
    # Thirteen weeks and a bit: the bit (Monday 09:00–12:30) adds 3.5 h.
    end = start + timedelta(weeks=13, hours=12, minutes=30)
    assert seconds(OFFICE, MX, start, end) == 13 * 45 * HOUR + 3 * HOUR + 30 * 60


def test_two_ranges_a_day_and_touching_ranges():
    lunch = schedule_parse({"mon": [["16:00", "19:00"], ["09:00", "14:00"]]})
    assert seconds(lunch, MX, local(MX, 2026, 11, 23), local(MX, 2026, 11, 24)) == 8 * HOUR
    touching = schedule_parse({"mon": [["09:00", "12:00"], ["12:00", "18:00"]]})
    assert seconds(touching, MX, local(MX, 2026, 11, 23), local(MX, 2026, 11, 24)) == 9 * HOUR


def test_midnight_close_joins_the_next_day_without_double_counting():
    night = schedule_parse({"mon": [["22:00", "24:00"]], "tue": [["00:00", "02:00"]]})
    assert seconds(night, MX, local(MX, 2026, 11, 23, 12), local(MX, 2026, 11, 24, 12)) == 4 * HOUR
    assert business_hours_is_open(schedule=night, tz=MX, at=local(MX, 2026, 11, 24, 0))
    assert not business_hours_is_open(schedule=night, tz=MX, at=local(MX, 2026, 11, 24, 2))


def test_end_before_or_at_start_is_zero():
    at = local(MX, 2026, 11, 23, 10)
    assert seconds(OFFICE, MX, at, at) == 0
    assert seconds(OFFICE, MX, at, at - timedelta(hours=5)) == 0
    assert seconds(None, MX, at, at - timedelta(hours=5)) == 0


def test_no_schedule_is_always_open():
    start = local(MX, 2026, 11, 21, 3)  # a Saturday night
    assert seconds(None, MX, start, start + timedelta(days=3, seconds=7)) == 3 * 24 * HOUR + 7
    assert business_hours_is_open(schedule=None, tz=MX, at=start)


def test_closed_all_week_is_zero():
    closed = schedule_parse({})
    assert closed.is_closed_all_week
    assert seconds(closed, MX, local(MX, 2026, 11, 23), local(MX, 2026, 12, 23)) == 0
    assert not business_hours_is_open(schedule=closed, tz=MX, at=local(MX, 2026, 11, 23, 10))


def test_rounds_down_to_the_second_and_accepts_any_offset():
    start = local(MX, 2026, 11, 23, 9) + timedelta(microseconds=600_000)
    end = local(MX, 2026, 11, 23, 9, 0, 10)
    assert seconds(OFFICE, MX, start, end) == 9  # 9.4 s
    in_madrid = start.astimezone(ZoneInfo("Europe/Madrid"))
    assert seconds(OFFICE, MX, in_madrid, end + timedelta(hours=1)) == seconds(OFFICE, MX, start, end + timedelta(hours=1))


def test_a_mapping_schedule_is_parsed():
    assert seconds({"mon": [["09:00", "10:00"]]}, MX, local(MX, 2026, 11, 23), local(MX, 2026, 11, 24)) == HOUR
    with pytest.raises(ScheduleInvalid):
        seconds({"mon": [["10:00", "09:00"]]}, MX, local(MX, 2026, 11, 23), local(MX, 2026, 11, 24))


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        seconds(OFFICE, MX, datetime(2026, 11, 23, 9), datetime(2026, 11, 23, 10))


def test_is_open_is_half_open():
    assert not business_hours_is_open(schedule=OFFICE, tz=MX, at=local(MX, 2026, 11, 23, 8, 59, 59))
    assert business_hours_is_open(schedule=OFFICE, tz=MX, at=local(MX, 2026, 11, 23, 9))
    assert business_hours_is_open(schedule=OFFICE, tz=MX, at=local(MX, 2026, 11, 23, 17, 59, 59))
    assert not business_hours_is_open(schedule=OFFICE, tz=MX, at=local(MX, 2026, 11, 23, 18))
    assert not business_hours_is_open(schedule=OFFICE, tz=MX, at=local(MX, 2026, 11, 21, 12))  # Saturday


def test_a_year_is_fast():
    start = datetime(2026, 1, 1, tzinfo=UTC)
    began = clock.perf_counter()
    for _ in range(20):
        total = seconds(OFFICE, "America/New_York", start, start + timedelta(days=365))
    per_call = (clock.perf_counter() - began) / 20
    assert total == (261 * 9) * HOUR  # 2026 has 261 weekdays
    assert per_call < 0.02, f"{per_call * 1000:.1f} ms for a year"


# --- DST: America/New_York (2026-03-08 spring forward at 02:00, 2026-11-01 fall back at 02:00) --

NY = "America/New_York"


def test_new_york_spring_forward_day():
    # 2026-03-08 is a Sunday; the clocks jump 02:00 → 03:00.
    assert whole_day(only("sun", ("09:00", "18:00")), NY, 2026, 3, 8) == 9 * HOUR
    assert whole_day(only("sun", ("00:00", "24:00")), NY, 2026, 3, 8) == 23 * HOUR
    # The jump inside the range: real elapsed time.
    assert whole_day(only("sun", ("01:00", "04:00")), NY, 2026, 3, 8) == 2 * HOUR
    # A range that starts at a wall time that never happens starts at the jump (03:00 EDT).
    assert whole_day(only("sun", ("02:30", "05:00")), NY, 2026, 3, 8) == 2 * HOUR
    # A range entirely inside the skipped hour is empty.
    assert whole_day(only("sun", ("02:15", "02:45")), NY, 2026, 3, 8) == 0
    assert business_hours_is_open(schedule=only("sun", ("02:30", "05:00")), tz=NY,
                                  at=datetime(2026, 3, 8, 7, 0, tzinfo=UTC))  # 03:00 EDT


def test_new_york_fall_back_day():
    # 2026-11-01 is a Sunday; 01:00–02:00 happens twice (EDT, then EST).
    assert whole_day(only("sun", ("09:00", "18:00")), NY, 2026, 11, 1) == 9 * HOUR
    assert whole_day(only("sun", ("00:00", "24:00")), NY, 2026, 11, 1) == 25 * HOUR
    assert whole_day(only("sun", ("01:00", "03:00")), NY, 2026, 11, 1) == 3 * HOUR
    # A repeated wall time is its first occurrence: 01:30–01:45 EDT only.
    repeated = only("sun", ("01:30", "01:45"))
    assert whole_day(repeated, NY, 2026, 11, 1) == 15 * 60
    assert business_hours_is_open(schedule=repeated, tz=NY, at=datetime(2026, 11, 1, 5, 35, tzinfo=UTC))
    assert not business_hours_is_open(schedule=repeated, tz=NY, at=datetime(2026, 11, 1, 6, 35, tzinfo=UTC))


def test_new_york_span_across_both_changes():
    # Mon–Fri 09:00–18:00 never contains a change (they happen on Sunday nights), so every
    # weekday is 9 real hours, in EST and EDT alike.
    start, end = local(NY, 2026, 3, 2), local(NY, 2026, 11, 9)  # Mondays, 36 weeks apart
    assert seconds(OFFICE, NY, start, end) == 36 * 45 * HOUR
    assert seconds(ROUND_THE_CLOCK, NY, start, end) == int((end - start).total_seconds())


# --- DST: Europe/Madrid (2026-03-29 02:00 → 03:00, 2026-10-25 03:00 → 02:00) -------------------

MADRID = "Europe/Madrid"


def test_madrid_spring_forward_day():
    assert whole_day(only("sun", ("09:00", "18:00")), MADRID, 2026, 3, 29) == 9 * HOUR
    assert whole_day(only("sun", ("00:00", "24:00")), MADRID, 2026, 3, 29) == 23 * HOUR
    assert whole_day(only("sun", ("01:00", "04:00")), MADRID, 2026, 3, 29) == 2 * HOUR


def test_madrid_fall_back_day():
    assert whole_day(only("sun", ("09:00", "18:00")), MADRID, 2026, 10, 25) == 9 * HOUR
    assert whole_day(only("sun", ("00:00", "24:00")), MADRID, 2026, 10, 25) == 25 * HOUR
    assert whole_day(only("sun", ("01:00", "04:00")), MADRID, 2026, 10, 25) == 4 * HOUR
    # The days around are plain.
    assert whole_day(only("sat", ("00:00", "24:00")), MADRID, 2026, 10, 24) == 24 * HOUR
    assert whole_day(only("mon", ("00:00", "24:00")), MADRID, 2026, 10, 26) == 24 * HOUR


def test_madrid_span_starting_inside_the_changed_range():
    # Sunday 2026-10-25 01:00 CEST–04:00 CET is 23:00–03:00 UTC, 4 real hours; from the
    # second 02:30 (02:30 CET, 01:30 UTC) on, 1.5 h are left; from the first (00:30 UTC), 2.5 h.
    day = only("sun", ("01:00", "04:00"))
    end = datetime(2026, 10, 26, tzinfo=UTC)
    assert seconds(day, MADRID, datetime(2026, 10, 25, 1, 30, tzinfo=UTC), end) == 90 * 60
    assert seconds(day, MADRID, datetime(2026, 10, 25, 0, 30, tzinfo=UTC), end) == 150 * 60


# --- DST: America/Santiago (midnight is skipped on 2026-09-06; 23:00 of 2026-04-04 repeats) -----

SANTIAGO = "America/Santiago"


def test_santiago_day_whose_midnight_is_skipped():
    # 2026-09-06 (Sunday) starts at 01:00 -03: the clocks jump from 24:00 of Saturday.
    assert whole_day(only("sun", ("00:00", "24:00")), SANTIAGO, 2026, 9, 6) == 23 * HOUR
    assert whole_day(only("sun", ("00:00", "09:00")), SANTIAGO, 2026, 9, 6) == 8 * HOUR
    assert whole_day(only("sun", ("09:00", "18:00")), SANTIAGO, 2026, 9, 6) == 9 * HOUR
    assert whole_day(only("sun", ("00:00", "00:30")), SANTIAGO, 2026, 9, 6) == 0
    # Saturday until midnight and Sunday from midnight meet at the jump, counted once.
    night = schedule_parse({"sat": [["18:00", "24:00"]], "sun": [["00:00", "09:00"]]})
    assert whole_day(night, SANTIAGO, 2026, 9, 6) == 14 * HOUR
    assert business_hours_is_open(schedule=night, tz=SANTIAGO, at=datetime(2026, 9, 6, 4, 0, tzinfo=UTC))
    assert business_hours_is_open(schedule=night, tz=SANTIAGO, at=datetime(2026, 9, 6, 3, 59, 59, tzinfo=UTC))


def test_santiago_day_whose_last_hour_repeats():
    # 2026-04-04 (Saturday): at 24:00 -03 the clocks go back to 23:00 -04.
    assert whole_day(only("sat", ("18:00", "24:00")), SANTIAGO, 2026, 4, 4) == 7 * HOUR
    assert whole_day(only("sat", ("00:00", "24:00")), SANTIAGO, 2026, 4, 4) == 25 * HOUR
    assert whole_day(only("sun", ("00:00", "24:00")), SANTIAGO, 2026, 4, 5) == 24 * HOUR


@pytest.mark.parametrize("tz", [NY, MADRID, SANTIAGO, "Australia/Lord_Howe", "UTC"])
def test_round_the_clock_is_calendar_time_for_a_whole_year(tz):
    start, end = datetime(2026, 1, 1, 7, 13, tzinfo=UTC), datetime(2027, 1, 1, 3, 2, tzinfo=UTC)
    assert seconds(ROUND_THE_CLOCK, tz, start, end) == int((end - start).total_seconds())


# --- against a minute-by-minute count --------------------------------------------------------

RANGES = st.lists(
    st.tuples(st.integers(0, 1439), st.integers(1, 1440)).filter(lambda r: r[0] < r[1]), max_size=3
)


def _no_overlaps(ranges):
    kept = []
    for opens, closes in sorted(ranges):
        if not kept or opens >= kept[-1][1]:
            kept.append((opens, closes))
    return kept


def _hhmm(minute):
    return f"{minute // 60:02d}:{minute % 60:02d}"


SCHEDULES = st.lists(RANGES.map(_no_overlaps), min_size=7, max_size=7).map(
    lambda days: schedule_parse({key: [[_hhmm(o), _hhmm(c)] for o, c in ranges] for key, ranges in zip(WEEKDAYS, days, strict=True)})
)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(schedule=SCHEDULES, offset=st.integers(0, 4 * 24 * 60), length=st.integers(0, 3 * 24 * 60))
def test_matches_a_minute_by_minute_count_without_dst(schedule, offset, length):
    # Mexico City keeps one offset all year: a minute is open when its local wall time is in a range.
    start = datetime(2026, 11, 20, 6, tzinfo=UTC) + timedelta(minutes=offset)
    end = start + timedelta(minutes=length)
    zone = ZoneInfo(MX)
    expected = 0
    for minute in range(length):
        wall = (start + timedelta(minutes=minute)).astimezone(zone)
        m = wall.hour * 60 + wall.minute
        expected += any(o <= m < c for o, c in schedule.days[wall.weekday()])
    assert seconds(schedule, MX, start, end) == expected * 60


@settings(max_examples=40, deadline=None, derandomize=True)
@given(schedule=SCHEDULES, tz=st.sampled_from([NY, MADRID, SANTIAGO]), offset=st.integers(0, 2 * 24 * 60),
       length=st.integers(0, 2 * 24 * 60))
def test_seconds_agree_with_is_open_across_dst(schedule, tz, offset, length):
    # Around each zone's 2026 changes: the day-by-day sum (fast path) and the instant test
    # (careful path) must agree minute by minute.
    change = {NY: datetime(2026, 11, 1, 6, tzinfo=UTC), MADRID: datetime(2026, 3, 29, 1, tzinfo=UTC),
              SANTIAGO: datetime(2026, 9, 6, 4, tzinfo=UTC)}[tz]
    start = change - timedelta(days=1) + timedelta(minutes=offset)
    end = start + timedelta(minutes=length)
    open_minutes = sum(
        business_hours_is_open(schedule=schedule, tz=tz, at=start + timedelta(minutes=m)) for m in range(length)
    )
    assert seconds(schedule, tz, start, end) == open_minutes * 60


# --- the parser ------------------------------------------------------------------------------


def test_parse_sorts_and_keeps_every_weekday():
    parsed = schedule_parse({"tue": [["16:00", "19:00"], ["09:00", "14:00"]], "sun": []})
    assert parsed.to_json() == {
        "mon": [], "tue": [["09:00", "14:00"], ["16:00", "19:00"]], "wed": [], "thu": [], "fri": [],
        "sat": [], "sun": [],
    }
    assert schedule_parse(parsed.to_json()) == parsed
    assert schedule_parse({"mon": [["00:00", "24:00"]]}).days[0] == ((0, 1440),)


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ([], "schedule"),
        ("mon 9-18", "schedule"),
        ({"monday": []}, "schedule"),
        ({"mon": "09:00-18:00"}, "schedule.mon"),
        ({"mon": {"open": "09:00"}}, "schedule.mon"),
        ({"mon": [["25:00", "26:00"]]}, "schedule.mon.0"),
        ({"mon": [["24:00", "24:00"]]}, "schedule.mon.0"),
        ({"mon": [["09:00", "24:01"]]}, "schedule.mon.0"),
        ({"mon": [["9:00", "18:00"]]}, "schedule.mon.0"),
        ({"mon": [["09:60", "18:00"]]}, "schedule.mon.0"),
        ({"mon": [["０９:００", "18:00"]]}, "schedule.mon.0"),
        ({"mon": [["09:00\n", "18:00"]]}, "schedule.mon.0"),
        ({"mon": [["18:00", "09:00"]]}, "schedule.mon.0"),
        ({"mon": [["09:00", "09:00"]]}, "schedule.mon.0"),
        ({"mon": [[900, 1800]]}, "schedule.mon.0"),
        ({"mon": [[None, None]]}, "schedule.mon.0"),
        ({"mon": [["09:00"]]}, "schedule.mon.0"),
        ({"mon": [["09:00", "12:00", "18:00"]]}, "schedule.mon.0"),
        ({"mon": ["09:00", "18:00"]}, "schedule.mon.0"),
        ({"mon": [["09:00", "13:00"], ["12:00", "18:00"]]}, "schedule.mon"),
        ({"mon": [["09:00", "18:00"], ["09:00", "18:00"]]}, "schedule.mon"),
        ({"mon": [["09:00", "10:00"]] * (MAX_INTERVALS_PER_DAY + 1)}, "schedule.mon"),
    ],
)
def test_parse_refuses_with_the_field_at_fault(value, field):
    with pytest.raises(ScheduleInvalid) as caught:
        schedule_parse(value)
    assert field in caught.value.errors, caught.value.errors
    assert all(isinstance(reason, str) and reason for reasons in caught.value.errors.values() for reason in reasons)


def test_parse_of_a_huge_body_stays_small():
    garbage = {f"day{i}" * 50: [] for i in range(10_000)}
    garbage["mon"] = [["09:00", "10:00"]] * 100_000
    with pytest.raises(ScheduleInvalid) as caught:
        schedule_parse(garbage)
    errors = caught.value.errors
    assert set(errors) == {"schedule", "schedule.mon"}
    assert len(errors["schedule"][0]) < 300  # five unknown keys named, shortened


def test_missing_and_null_weekdays_are_closed():
    assert schedule_parse({"mon": None}).is_closed_all_week
    assert schedule_parse({}).to_json()["sun"] == []
