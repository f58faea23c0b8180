"""The states every report component reports (docs/reports.md "States")."""

from .. import periods

STATE_OK = "ok"
STATE_NO_DATA = "no_data"
STATE_NOT_APPLICABLE = "not_applicable"
STATES = (STATE_OK, STATE_NO_DATA, STATE_NOT_APPLICABLE)


def period_before_workspace(*, workspace, period: periods.ReportPeriod) -> bool:
    """True when the period ends before the day the workspace was created (its data starts then)."""
    return period.end < workspace.created_at.astimezone(period.tz).date()


def state_of(total: int) -> str:
    return STATE_OK if total else STATE_NO_DATA
