"""The report's period: presets and custom ranges as calendar days in the workspace timezone.

report.md "Period": a range is the half-open UTC interval [start 00:00 local, (end + 1 day)
00:00 local), so DST days of 23 or 25 hours are counted exactly. The page, the report API and
the exports all resolve periods here.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone as dj_timezone
from django.utils.translation import gettext as _

from crm.api import ApiError

TODAY = "today"
YESTERDAY = "yesterday"
LAST_7_DAYS = "last_7_days"
LAST_14_DAYS = "last_14_days"
LAST_30_DAYS = "last_30_days"
THIS_MONTH = "this_month"
LAST_MONTH = "last_month"

PRESETS = (TODAY, YESTERDAY, LAST_7_DAYS, LAST_14_DAYS, LAST_30_DAYS, THIS_MONTH, LAST_MONTH)
DEFAULT_PRESET = LAST_7_DAYS
# report.md: a custom range spans at most 366 days (both ends inclusive).
MAX_SPAN_DAYS = 366
# Dates outside these bounds cannot be a real report range and would overflow date arithmetic
# (the previous period, the day after the end).
MIN_DATE = date(1970, 1, 1)
MAX_DATE = date(9998, 12, 31)


@dataclass(frozen=True)
class ReportPeriod:
    """Calendar days ``start``..``end`` (inclusive) in the IANA ``timezone``."""

    start: date
    end: date
    timezone: str

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def start_utc(self) -> datetime:
        return local_midnight(self.start, self.tz).astimezone(UTC)

    @property
    def end_utc(self) -> datetime:
        """The exclusive end: 00:00 local of the day after ``end``."""
        return local_midnight(self.end + timedelta(days=1), self.tz).astimezone(UTC)

    def previous(self) -> "ReportPeriod":
        """The period of equal length (in calendar days) just before this one (the trend arrow)."""
        return ReportPeriod(
            start=self.start - timedelta(days=self.days),
            end=self.start - timedelta(days=1),
            timezone=self.timezone,
        )

    def as_dict(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "timezone": self.timezone}


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """00:00 of ``day`` in ``tz``.

    Where a DST gap swallows midnight (e.g. America/Santiago), fold=0 maps the missing wall time
    with the offset in force before the gap, which is exactly the instant the day begins.
    """
    return datetime.combine(day, time.min, tzinfo=tz)


def workspace_today(workspace) -> date:
    return dj_timezone.now().astimezone(ZoneInfo(workspace.timezone)).date()


def _preset_range(preset: str, today: date) -> tuple[date, date]:
    if preset == TODAY:
        return today, today
    if preset == YESTERDAY:
        day = today - timedelta(days=1)
        return day, day
    if preset in (LAST_7_DAYS, LAST_14_DAYS, LAST_30_DAYS):
        # "Last N days" = today and the N-1 calendar days before it.
        n = {LAST_7_DAYS: 7, LAST_14_DAYS: 14, LAST_30_DAYS: 30}[preset]
        return today - timedelta(days=n - 1), today
    if preset == THIS_MONTH:
        return today.replace(day=1), today
    # LAST_MONTH: the whole previous calendar month.
    last_day = today.replace(day=1) - timedelta(days=1)
    return last_day.replace(day=1), last_day


def _parse_date(value, field: str, errors: dict) -> date | None:
    if isinstance(value, datetime):
        errors[field] = [_("Use a date in the form YYYY-MM-DD.")]
        return None
    if isinstance(value, date):
        parsed = value
    else:
        text = str(value).strip()
        try:
            # Exactly YYYY-MM-DD: fromisoformat would also take "20261124" or week dates.
            if len(text) != 10 or text[4] != "-" or text[7] != "-":
                raise ValueError
            parsed = date.fromisoformat(text)
        except ValueError:
            errors[field] = [_("Use a date in the form YYYY-MM-DD.")]
            return None
    if not MIN_DATE <= parsed <= MAX_DATE:
        errors[field] = [
            _("The date must be between %(min)s and %(max)s.") % {"min": MIN_DATE.isoformat(), "max": MAX_DATE.isoformat()}
        ]
        return None
    return parsed


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def report_period_resolve(*, workspace, period=None, start=None, end=None, today: date | None = None) -> ReportPeriod:
    """The report's period from a preset name or a custom ``start``/``end`` range.

    ``start``/``end`` are ``YYYY-MM-DD`` strings or dates; ``today`` defaults to the current date
    in the workspace timezone. Without any of them the period is ``last_7_days``. Raises
    ``ApiError`` (400) with field errors for bad dates, an end before the start, a span over
    366 days, a preset together with a range, or an unknown preset.
    """
    tz_name = workspace.timezone
    if today is None:
        today = workspace_today(workspace)
    errors: dict[str, list[str]] = {}

    has_preset = not _blank(period)
    has_range = not _blank(start) or not _blank(end)
    if has_preset and has_range:
        errors["period"] = [_("Choose a preset period or a start and end date, not both.")]
        raise ApiError(_("Choose a preset period or a start and end date, not both."), errors)

    if has_range:
        if _blank(start):
            errors["start"] = [_("A custom range needs a start date.")]
        if _blank(end):
            errors["end"] = [_("A custom range needs an end date.")]
        start_date = None if _blank(start) else _parse_date(start, "start", errors)
        end_date = None if _blank(end) else _parse_date(end, "end", errors)
        if start_date and end_date and not errors:
            if end_date < start_date:
                errors["end"] = [_("The end date may not be before the start date.")]
            elif (end_date - start_date).days + 1 > MAX_SPAN_DAYS:
                errors["end"] = [_("A range may span at most %(days)s days.") % {"days": MAX_SPAN_DAYS}]
        if errors:
            raise ApiError(_period_message(errors), errors)
        return ReportPeriod(start=start_date, end=end_date, timezone=tz_name)

    preset = str(period).strip() if has_preset else DEFAULT_PRESET
    if preset not in PRESETS:
        errors["period"] = [_("Unknown period %(value)s. Choose one of: %(choices)s.") % {
            "value": preset[:40], "choices": ", ".join(PRESETS)}]
        raise ApiError(_period_message(errors), errors)
    first, last = _preset_range(preset, today)
    return ReportPeriod(start=first, end=last, timezone=tz_name)


def _period_message(errors: dict[str, list[str]]) -> str:
    if len(errors) == 1:
        field, reasons = next(iter(errors.items()))
        return _("%(field)s: %(reason)s") % {"field": field, "reason": reasons[0]}
    return _("The report period is not valid.")
