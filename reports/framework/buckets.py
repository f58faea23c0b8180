"""Time-series buckets in the workspace timezone (docs/reports.md "Buckets").

Hours are consecutive real hours from local midnight, so a DST day has 23 or 25 of them; days,
weeks (Monday) and months start at local midnight. ``bucket_index_counts`` counts any queryset
into those buckets in the database, exactly across DST.
"""

from bisect import bisect_right
from datetime import UTC, date, datetime, timedelta

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncDay, TruncHour, TruncMonth, TruncWeek

from ..periods import ReportPeriod, local_midnight

INTERVALS = ("hour", "day", "week", "month")
# A time series longer than this is not a chart anyone can read (and is costly to build).
MAX_BUCKETS = 2_000
# Hours for a single day, days up to 92 days, weeks beyond.
DAILY_MAX_DAYS = 92


def default_interval(period: ReportPeriod) -> str:
    if period.days == 1:
        return "hour"
    if period.days <= DAILY_MAX_DAYS:
        return "day"
    return "week"


def _first_of_next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def bucket_starts(period: ReportPeriod, interval: str) -> list[datetime]:
    """The start of every bucket of the range, aware in the workspace timezone.

    Hours are consecutive real hours from local midnight, so a DST day has 23 or 25 of them
    (the repeated 01:00 appears twice, with its two offsets). Days, weeks (Monday) and months
    start at local midnight; the first week or month bucket starts at its calendar start even
    when that is before the range (only events inside the range count).
    """
    tz = period.tz
    if interval == "hour":
        first, stop = period.start_utc, period.end_utc
        hours = int((stop - first).total_seconds() // 3600)
        return [(first + timedelta(hours=i)).astimezone(tz) for i in range(hours)]
    if interval == "day":
        days = [period.start + timedelta(days=i) for i in range(period.days)]
    elif interval == "week":
        monday = period.start - timedelta(days=period.start.weekday())
        days = []
        while monday <= period.end:
            days.append(monday)
            monday += timedelta(days=7)
    else:  # month
        first = period.start.replace(day=1)
        days = []
        while first <= period.end:
            days.append(first)
            first = _first_of_next_month(first)
    return [local_midnight(day, tz) for day in days]


def bucket_count(period: ReportPeriod, interval: str) -> int:
    if interval == "hour":
        return int((period.end_utc - period.start_utc).total_seconds() // 3600)
    if interval == "day":
        return period.days
    if interval == "week":
        first_monday = period.start - timedelta(days=period.start.weekday())
        return (period.end - first_monday).days // 7 + 1
    return (period.end.year - period.start.year) * 12 + period.end.month - period.start.month + 1


def day_bucket_index(starts: list[datetime]):
    """A function mapping a local day to its bucket's index (day, week and month buckets)."""
    bucket_days = [start.date() for start in starts]
    return lambda day: bisect_right(bucket_days, day) - 1


_TRUNC = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}


def bucket_index_counts(rows: QuerySet, *, field: str, group: str | None, period: ReportPeriod,
                        interval: str, starts: list[datetime], distinct: str | None = None) -> list[dict]:
    """Count ``rows`` (already limited to the period) per bucket and per value of ``group``.

    ``distinct`` counts the distinct values of that field instead of the rows (e.g. the contacts
    of messages). Exact per bucket: each bucket is one database group (one local day / week /
    month, or one local × UTC hour).

    Returns one ``{group value: count}`` dict per bucket of ``starts`` (``{None: count}`` when
    ``group`` is None). Bucketing runs in the database in the workspace timezone (Django's
    Trunc functions with ``tzinfo`` work on PostgreSQL and SQLite). Truncating to the local hour
    merges the two 01:00 hours of a fall-back day; grouping by the UTC hour as well keeps them
    apart (exact for whole-hour offsets).
    """
    tz = period.tz
    per_bucket: list[dict] = [{} for _ in starts]
    group_fields = [group] if group else []
    rows = rows.order_by()
    counter = Count(distinct, distinct=True) if distinct else Count("pk")
    if interval == "hour":
        annotated = rows.annotate(_local=TruncHour(field, tzinfo=tz), _utc=TruncHour(field, tzinfo=UTC))
        result = annotated.values("_local", "_utc", *group_fields).annotate(_n=counter).values_list(
            "_local", "_utc", *group_fields, "_n")
        by_wall: dict[datetime, list[int]] = {}
        for index, start in enumerate(starts):
            by_wall.setdefault(start.replace(tzinfo=None, fold=0), []).append(index)
        utc_starts = [s.astimezone(UTC) for s in starts]
        for row in result:
            local, utc, n = row[0], row[1], row[-1]
            key = row[2] if group else None
            candidates = by_wall.get(local.replace(tzinfo=None, fold=0), [])
            if len(candidates) == 1:
                index = candidates[0]
            else:
                index = max(bisect_right(utc_starts, utc.astimezone(UTC)) - 1, 0)
            per_bucket[index][key] = per_bucket[index].get(key, 0) + n
        return per_bucket
    trunc = _TRUNC[interval]
    result = rows.annotate(_bucket=trunc(field, tzinfo=tz)).values("_bucket", *group_fields).annotate(
        _n=counter).values_list("_bucket", *group_fields, "_n")
    index_of = {start.date(): index for index, start in enumerate(starts)}
    for row in result:
        bucket, n = row[0], row[-1]
        key = row[1] if group else None
        index = index_of[bucket.astimezone(tz).date() if bucket.tzinfo else bucket.date()]
        per_bucket[index][key] = per_bucket[index].get(key, 0) + n
    return per_bucket
