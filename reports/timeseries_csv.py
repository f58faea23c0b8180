"""The Asignaciones bar chart's buckets as CSV (docs/reports.md "Asignaciones: additions"):
one row per bucket × source present in the range, the same numbers as the time series."""

import csv
import io

from .rows import source_label
from .selectors import AssignmentTimeseries

COLUMNS = ("bucket_start", "interval", "timezone", "source", "source_label", "count")
# OWASP "CSV Injection": a text cell starting with one of these is a formula to spreadsheet apps
# (the same guard as Data Export's files).
FORMULA_TRIGGERS = frozenset("=+-@\t\r")


def _safe(text: str) -> str:
    return "'" + text if text and text[0] in FORMULA_TRIGGERS else text


def timeseries_csv_text(series: AssignmentTimeseries) -> str:
    """RFC 4180 text (CRLF line ends, header first): buckets oldest first, in each the sources
    largest first as in the chart's legend, zeros included. Only the header when nothing matches
    (``no_data``) or a filter cannot apply (``not_applicable``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    timezone = series.period.timezone
    labels = {source: _safe(source_label(source)) for source in series.sources}
    for bucket in series.buckets:
        start = bucket.start.isoformat()  # the workspace's offset at that instant (DST-aware)
        for source in series.sources:
            writer.writerow((start, series.interval, timezone, source, labels[source], bucket.counts.get(source, 0)))
    return out.getvalue()


def timeseries_csv_filename(series: AssignmentTimeseries) -> str:
    return f"asignaciones-series-{series.period.start.isoformat()}-{series.period.end.isoformat()}.csv"
