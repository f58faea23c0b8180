"""The log every report ends with: a page of rows, newest first, of which only the newest
``LOG_ROW_CAP`` are reachable (more is a Data Export). docs/reports.md "What every report shares".
"""

from dataclasses import dataclass

from django.db.models import QuerySet

from ..periods import ReportPeriod
from .query import LOG_ROW_CAP, LogPageOutOfRange
from .states import state_of


@dataclass(frozen=True)
class LogPage:
    period: ReportPeriod
    state: str
    count: int  # matching rows reachable: at most LOG_ROW_CAP
    capped: bool  # more than LOG_ROW_CAP rows match
    page: int
    page_size: int
    rows: list

    @property
    def has_next(self) -> bool:
        return self.page * self.page_size < self.count

    @property
    def has_previous(self) -> bool:
        return self.page > 1


@dataclass(frozen=True)
class LogWindow:
    """Which rows of the matching set a page shows: ``ordered[offset:stop]``."""

    count: int
    capped: bool
    offset: int
    stop: int


def log_window(matching: QuerySet, *, page: int, page_size: int) -> LogWindow:
    """Count the matching rows (stopping at the cap + 1: a COUNT over a LIMIT subquery, so millions
    of rows are not counted for each page) and place the page; a page past the last matching row
    raises ``LogPageOutOfRange`` (the first page of nothing is an empty page)."""
    matches = matching.order_by()[: LOG_ROW_CAP + 1].count()
    count = min(matches, LOG_ROW_CAP)
    offset = (page - 1) * page_size
    if page > 1 and offset >= count:
        raise LogPageOutOfRange(page)
    return LogWindow(count=count, capped=matches > LOG_ROW_CAP, offset=offset, stop=min(offset + page_size, LOG_ROW_CAP))


def log_page(*, period: ReportPeriod, window: LogWindow, page: int, page_size: int, rows: list) -> LogPage:
    return LogPage(period, state_of(window.count), window.count, window.capped, page, page_size, rows)


def log_page_empty(*, period: ReportPeriod, state: str, page: int, page_size: int) -> LogPage:
    return LogPage(period, state, 0, False, page, page_size, [])
