"""Row exports of the reports (Data Export kinds other than the assignment log).

A report registers what its export needs: its filters (to validate the stored query), the CSV
columns, how many rows there will be (progress) and the rows themselves, newest first, with no
cap. ``exports.services`` runs any registered kind through the same job (progress, atomic
publication, expiry); CSV-injection quoting is applied there to every text cell.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ReportExport:
    kind: str
    filters: tuple
    columns: list[str]
    count: Callable  # (*, workspace, actor, query) -> int
    rows: Callable  # (*, workspace, actor, query, batch) -> Iterable[list]
    # A report with sortable rows: its columns and default order (``sort`` is then part of the
    # stored query, and the rows come in that order).
    sorts: tuple = ()
    default_sort: str | None = None


REPORT_EXPORTS: dict[str, ReportExport] = {}


def report_export_register(export: ReportExport) -> ReportExport:
    REPORT_EXPORTS[export.kind] = export
    return export


def report_export_get(kind: str) -> ReportExport | None:
    # The report modules register themselves when imported (reports.apps.ReportsConfig.ready).
    return REPORT_EXPORTS.get(kind)
