"""Weekly business hours: the schedule's shape, its validation, and the time arithmetic the
Respuestas and Resoluciones reports use. Pure functions: no database, no request.

A schedule gives, for each weekday (Monday=0 … Sunday=6, ``datetime.weekday()``), zero or more
half-open intervals ``[open, close)`` of local wall-clock time in the workspace timezone,
``"HH:MM"`` with ``close > open`` and ``"24:00"`` allowed as a close (midnight at the end of
that day). Intervals of one day do not overlap; an interval never crosses midnight (22:00–02:00
is written as 22:00–24:00 plus 00:00–02:00 the next day).

How a wall-clock time becomes an instant (docs/business-hours.md, "DST"): a time ``T`` of
local day ``D`` is the *first instant at which the local clock reads ``D T`` or later*:

- a time that exists once is that instant;
- a time that happens twice (the repeated hour of a fall-back day) is its first occurrence;
- a time that does not exist (skipped by a spring-forward jump) is the instant of the jump.

So an interval is the real time elapsed between its opening and its closing instants: a
09:00–18:00 day is 9 real hours unless the clocks change inside it (then 8 or 10); an
interval entirely inside a skipped hour is empty. The mapping only ever moves forward, so
intervals of consecutive days never overlap and nothing is counted twice.

``None`` as a schedule means "always open": a workspace with no business hours, or with them
disabled, counts every second (business time equals calendar time).
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # index = datetime.weekday()
DAY_MINUTES = 24 * 60
# A day needs two or three ranges in practice; the cap keeps a hostile body cheap to judge.
MAX_INTERVALS_PER_DAY = 8

_OPEN_RE = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")  # [0-9], not \d: no other scripts' digits
_MINUTE = 60_000_000  # microseconds
_DAY_US = DAY_MINUTES * _MINUTE
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
_ONE_DAY = timedelta(days=1)


class ScheduleInvalid(ValueError):
    """Why a schedule was refused, by field: ``{"schedule.mon.0": ["…"], "schedule.tue": ["…"]}``."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("invalid business hours schedule")
        self.errors = errors


@dataclass(frozen=True, slots=True)
class WeeklySchedule:
    """Seven tuples (Monday first) of ``(open, close)`` minutes after local midnight, sorted,
    not overlapping, ``0 <= open < close <= 1440``. Build it with ``schedule_parse``."""

    days: tuple[tuple[tuple[int, int], ...], ...]

    @property
    def is_closed_all_week(self) -> bool:
        return not any(self.days)

    def to_json(self) -> dict[str, list[list[str]]]:
        """The API's and the database's shape: every weekday key, ``[["09:00", "18:00"], …]``."""
        return {
            key: [[_minute_text(o), _minute_text(c)] for o, c in intervals]
            for key, intervals in zip(WEEKDAYS, self.days, strict=True)
        }


ALWAYS_CLOSED = WeeklySchedule(days=((),) * 7)


def _minute_text(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _time_parse(value, *, closing: bool) -> int | None:
    """Minutes after midnight of an ``"HH:MM"`` string, or None; ``"24:00"`` only as a close."""
    if not isinstance(value, str) or len(value) != 5:
        return None
    if closing and value == "24:00":
        return DAY_MINUTES
    match = _OPEN_RE.fullmatch(value)
    if match is None:
        return None
    return int(match.group(1)) * 60 + int(match.group(2))


def _key_text(key) -> str:
    # Unknown keys are echoed in the error: short and printable, whatever was sent.
    text = key if isinstance(key, str) else repr(key)
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    return text if len(text) <= 20 else text[:19] + "…"


def schedule_parse(value) -> WeeklySchedule:
    """The schedule of an API body or a form, judged strictly; raises ``ScheduleInvalid``.

    ``value`` is ``{"mon": [["09:00", "18:00"]], …}``; a weekday left out is closed. Errors are
    keyed ``schedule`` (the whole), ``schedule.<day>`` (the day: not a list, overlaps) and
    ``schedule.<day>.<index>`` (one interval, by its position in the list sent).
    """
    if not isinstance(value, Mapping):
        raise ScheduleInvalid({"schedule": [_("Must be an object with a list of time ranges per weekday (mon … sun).")]})
    errors: dict[str, list[str]] = {}
    unknown = [key for key in value if key not in WEEKDAYS]
    if unknown:
        listed = ", ".join(_key_text(key) for key in unknown[:5]) + (", …" if len(unknown) > 5 else "")
        errors["schedule"] = [
            _("Unknown weekdays: %(keys)s. Use mon, tue, wed, thu, fri, sat and sun.") % {"keys": listed}
        ]
    days = []
    for key in WEEKDAYS:
        intervals = _day_parse(key, value.get(key, []), errors)
        days.append(intervals)
    if errors:
        raise ScheduleInvalid(errors)
    return WeeklySchedule(days=tuple(days))


def _day_parse(key: str, raw, errors: dict[str, list[str]]) -> tuple[tuple[int, int], ...]:
    field = f"schedule.{key}"
    if raw is None:
        return ()
    if not isinstance(raw, list):
        errors[field] = [_("Must be a list of time ranges, e.g. [[\"09:00\", \"18:00\"]].")]
        return ()
    if len(raw) > MAX_INTERVALS_PER_DAY:
        errors[field] = [_("At most %(max)s time ranges per day.") % {"max": MAX_INTERVALS_PER_DAY}]
        return ()
    intervals = []
    for index, pair in enumerate(raw):
        interval = _interval_parse(pair, f"{field}.{index}", errors)
        if interval is not None:
            intervals.append(interval)
    intervals.sort()
    for (open_a, close_a), (open_b, close_b) in zip(intervals, intervals[1:], strict=False):
        if open_b < close_a:  # half-open: 09:00–12:00 and 12:00–18:00 touch, they do not overlap
            errors.setdefault(field, []).append(
                _("The ranges %(a)s and %(b)s overlap.") % {
                    "a": f"{_minute_text(open_a)}–{_minute_text(close_a)}",
                    "b": f"{_minute_text(open_b)}–{_minute_text(close_b)}",
                }
            )
    return tuple(intervals)


def _interval_parse(pair, field: str, errors: dict[str, list[str]]) -> tuple[int, int] | None:
    if not isinstance(pair, list | tuple) or len(pair) != 2:
        errors[field] = [_("Must be a pair of times [opens, closes], e.g. [\"09:00\", \"18:00\"].")]
        return None
    opens = _time_parse(pair[0], closing=False)
    closes = _time_parse(pair[1], closing=True)
    reasons = []
    if opens is None:
        reasons.append(_("The opening time must be HH:MM between 00:00 and 23:59."))
    if closes is None:
        reasons.append(_("The closing time must be HH:MM between 00:01 and 24:00."))
    if opens is not None and closes is not None and closes <= opens:
        reasons.append(_("The closing time must be after the opening time."))
    if reasons:
        errors[field] = reasons
        return None
    return opens, closes


# --- time arithmetic ------------------------------------------------------------------------


@lru_cache(maxsize=256)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _zone_of(tz: str | tzinfo) -> tzinfo:
    return _zone(tz) if isinstance(tz, str) else tz


def _schedule_of(schedule) -> WeeklySchedule | None:
    if schedule is None or isinstance(schedule, WeeklySchedule):
        return schedule
    return schedule_parse(schedule)


def _us(moment: datetime) -> int:
    """Microseconds since the epoch of an aware datetime (exact integers, no float rounding)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("business hours need aware datetimes (UTC), not naive ones")
    return (moment - _EPOCH) // _US


def _naive_us(moment: datetime) -> int:
    return (moment - _EPOCH.replace(tzinfo=None)) // _US


def _wall_to_instant_us(zone: tzinfo, naive: datetime) -> int:
    """The first instant at which the local clock reads ``naive`` or later (module docstring)."""
    aware = naive.replace(tzinfo=zone)  # fold=0: the first occurrence of a repeated time
    instant = aware.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == naive:
        return _us(instant)
    # Skipped by a spring-forward jump: with fold=0 the time is read with the offset before the
    # jump (an instant after it), with fold=1 with the offset after (an instant before it).
    # The jump lies between; tzdata transitions fall on whole seconds, so bisect seconds.
    after = _us(instant) // 1_000_000
    before = _us(aware.replace(fold=1).astimezone(UTC)) // 1_000_000
    offset_before = datetime.fromtimestamp(before, UTC).astimezone(zone).utcoffset()
    while after - before > 1:
        middle = (before + after) // 2
        if datetime.fromtimestamp(middle, UTC).astimezone(zone).utcoffset() == offset_before:
            before = middle
        else:
            after = middle
    return after * 1_000_000


def _overlap(opens: int, closes: int, start: int, end: int) -> int:
    return max(0, min(closes, end) - max(opens, start))


def business_seconds_between(
    *, schedule: "WeeklySchedule | Mapping | None", tz: str | tzinfo, start: datetime, end: datetime
) -> int:
    """Whole seconds of ``[start, end)`` that fall inside the schedule's open intervals.

    ``start`` and ``end`` are aware datetimes (UTC from the database; any offset works);
    ``tz`` is the workspace's IANA timezone, in which the schedule's wall times are read,
    exactly across DST (module docstring). ``schedule=None`` means always open, so the answer
    is the calendar time. ``end <= start`` gives 0. The result is rounded down to the second.

    Pass the ``WeeklySchedule`` of ``business_hours_get(...).effective_schedule``; a mapping in
    the API's shape is accepted too, but is parsed (and judged) on every call.

    Cost: one loop step per local day of the span (a few microseconds), not per minute, so a
    report can call it per conversation over spans of months.
    """
    start_us, end_us = _us(start), _us(end)
    if end_us <= start_us:
        return 0
    parsed = _schedule_of(schedule)
    if parsed is None:
        return (end_us - start_us) // 1_000_000
    if parsed.is_closed_all_week:
        return 0
    zone = _zone_of(tz)
    # One day either side: a span's first and last local dates bound its intervals, but around
    # a clock change at midnight the neighbouring day's intervals may touch the span too.
    first = start.astimezone(zone).date() - _ONE_DAY
    last = end.astimezone(zone).date() + _ONE_DAY
    weekday = first.weekday()
    day_totals = [sum(closes - opens for opens, closes in intervals) * _MINUTE for intervals in parsed.days]
    # Aware arithmetic on the same tzinfo is wall-clock arithmetic: midnight + 1 day is the
    # next local midnight, whatever the clocks do in between.
    midnight = datetime.combine(first, time(), tzinfo=zone)
    midnight_us = _naive_us(midnight.replace(tzinfo=None))
    offset = midnight.utcoffset()
    total = 0
    for _day in range((last - first).days + 1):
        next_midnight = midnight + _ONE_DAY
        next_offset = next_midnight.utcoffset()
        intervals = parsed.days[weekday]
        if intervals and next_offset == offset:
            # Both midnights have the same UTC offset, so no clock change today (tzdata never
            # changes and restores the offset within one day): plain arithmetic, and a day
            # wholly inside the span adds its precomputed total. Only the one or two days a
            # year with a change take the careful path below.
            base = midnight_us - offset // _US
            if start_us <= base and base + _DAY_US <= end_us:
                total += day_totals[weekday]
            else:
                for opens, closes in intervals:
                    total += _overlap(base + opens * _MINUTE, base + closes * _MINUTE, start_us, end_us)
        elif intervals:
            naive = midnight.replace(tzinfo=None)
            for opens, closes in intervals:
                total += _overlap(
                    _wall_to_instant_us(zone, naive + timedelta(minutes=opens)),
                    _wall_to_instant_us(zone, naive + timedelta(minutes=closes)),
                    start_us, end_us,
                )
        midnight, midnight_us, offset = next_midnight, midnight_us + _DAY_US, next_offset
        weekday = (weekday + 1) % 7
    return total // 1_000_000


def business_hours_is_open(*, schedule: "WeeklySchedule | Mapping | None", tz: str | tzinfo, at: datetime) -> bool:
    """Whether the instant ``at`` (aware) is inside an open interval; always True for
    ``schedule=None`` (always open). Intervals are half-open: open at 09:00, closed at 18:00."""
    at_us = _us(at)
    parsed = _schedule_of(schedule)
    if parsed is None:
        return True
    zone = _zone_of(tz)
    local_day = at.astimezone(zone).date()
    # The day before and after too: around a clock change at midnight their intervals may
    # hold ``at``. Three days, so the careful mapping throughout.
    for delta in (-1, 0, 1):
        day = local_day + timedelta(days=delta)
        midnight = datetime.combine(day, time())
        for opens, closes in parsed.days[day.weekday()]:
            if (_wall_to_instant_us(zone, midnight + timedelta(minutes=opens)) <= at_us
                    < _wall_to_instant_us(zone, midnight + timedelta(minutes=closes))):
                return True
    return False
