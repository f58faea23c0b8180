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
    per_bucket: list[dict] = [{} for _ in starts]
    group_fields = [group] if group else []
    counter = Count(distinct, distinct=True) if distinct else Count("pk")
    index = _bucket_indexer(period, interval, starts)
    for row in _bucket_rows(rows, field=field, period=period, interval=interval, group_fields=group_fields,
                            aggregates={"_n": counter}):
        at, n = index(row), row[-1]
        key = row[-2] if group else None
        per_bucket[at][key] = per_bucket[at].get(key, 0) + n
    return per_bucket


def bucket_index_aggregates(rows: QuerySet, *, field: str, period: ReportPeriod, interval: str,
                            starts: list[datetime], aggregates: dict) -> list[dict]:
    """Several aggregates of ``rows`` per bucket in one query, e.g.
    ``{"sent": Count("pk", filter=Q(sent_at__isnull=False)), ...}``: one ``{name: value}`` dict per
    bucket of ``starts`` (every name present, 0 in a bucket without rows). ``field`` may name an
    annotation of ``rows``. Buckets as ``bucket_index_counts`` (exact across DST); the
    aggregates must add up across the database groups of one bucket (counts and sums do)."""
    names = list(aggregates)
    per_bucket = [dict.fromkeys(names, 0) for _ in starts]
    index = _bucket_indexer(period, interval, starts)
    for row in _bucket_rows(rows, field=field, period=period, interval=interval, group_fields=[],
                            aggregates=aggregates):
        values = row[len(row) - len(names):]
        bucket = per_bucket[index(row)]
        for name, value in zip(names, values, strict=True):
            bucket[name] += value or 0
    return per_bucket


def _bucket_rows(rows: QuerySet, *, field: str, period: ReportPeriod, interval: str, group_fields: list,
                 aggregates: dict):
    """The database groups: ``(_local, _utc, *group, *aggregates)`` per local × UTC hour, or
    ``(_bucket, *group, *aggregates)`` per local day / week / month."""
    tz = period.tz
    rows = rows.order_by()
    if interval == "hour":
        annotated = rows.annotate(_local=TruncHour(field, tzinfo=tz), _utc=TruncHour(field, tzinfo=UTC))
        return annotated.values("_local", "_utc", *group_fields).annotate(**aggregates).values_list(
            "_local", "_utc", *group_fields, *aggregates)
    trunc = _TRUNC[interval]
    return rows.annotate(_bucket=trunc(field, tzinfo=tz)).values("_bucket", *group_fields).annotate(
        **aggregates).values_list("_bucket", *group_fields, *aggregates)


def _bucket_indexer(period: ReportPeriod, interval: str, starts: list[datetime]):
    """A function from a ``_bucket_rows`` row to the index of its bucket in ``starts``."""
    tz = period.tz
    if interval == "hour":
        by_wall: dict[datetime, list[int]] = {}
        for index, start in enumerate(starts):
            by_wall.setdefault(start.replace(tzinfo=None, fold=0), []).append(index)
        utc_starts = [s.astimezone(UTC) for s in starts]

        def hour_index(row) -> int:
            local, utc = row[0], row[1]
            candidates = by_wall.get(local.replace(tzinfo=None, fold=0), [])
            if len(candidates) == 1:
                return candidates[0]
            return max(bisect_right(utc_starts, utc.astimezone(UTC)) - 1, 0)

        return hour_index
    index_of = {start.date(): index for index, start in enumerate(starts)}

    def day_index(row) -> int:
        bucket = row[0]
        return index_of[bucket.astimezone(tz).date() if bucket.tzinfo else bucket.date()]

    return day_index
