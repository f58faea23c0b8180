"""The CSV of the assignment log (report.md "Data Export"): columns, cells and injection guard."""

from collections.abc import Iterable
from datetime import tzinfo

from assignments.models import AssignmentEvent

COLUMNS = (
    "timestamp",
    "conversation_id",
    "contact_id",
    "contact_name",
    "previous_assignee_id",
    "previous_assignee",
    "new_assignee_id",
    "new_assignee",
    "source",
    "assigned_by_id",
    "assigned_by",
)

# The event fields one CSV row needs, read with ``values_list`` (no model instances: a
# million-row export must not build a million objects).
EVENT_FIELDS = (
    "id",
    "created_at",
    "conversation_id",
    "contact_id",
    "contact_name",
    "previous_assignee_id",
    "previous_assignee_name",
    "new_assignee_id",
    "new_assignee_name",
    "source",
    "assigned_by_id",
    "assigned_by_name",
)

# OWASP "CSV Injection": a cell starting with one of these is a formula to spreadsheet apps.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe_text(value: str) -> str:
    """Prefix a single quote to a text cell a spreadsheet would run as a formula."""
    if value and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _id(value: int | None) -> str:
    return "" if value is None else str(value)


def event_csv_row(values: tuple, tz: tzinfo) -> list[str]:
    """One CSV row from an ``EVENT_FIELDS`` tuple; empty values are empty cells."""
    (
        _pk,
        created_at,
        conversation_id,
        contact_id,
        contact_name,
        previous_id,
        previous_name,
        new_id,
        new_name,
        source,
        assigned_by_id,
        assigned_by_name,
    ) = values
    label = AssignmentEvent.user_label
    return [
        # ISO 8601 with the workspace's UTC offset, e.g. 2026-11-24T09:15:02-06:00.
        created_at.astimezone(tz).isoformat(timespec="seconds"),
        _id(conversation_id),
        _id(contact_id),
        # As in the report log: a contact whose name was not kept shows as "#<id>".
        csv_safe_text(contact_name or f"#{contact_id}"),
        _id(previous_id),
        csv_safe_text(label(previous_id, previous_name)),
        _id(new_id),
        csv_safe_text(label(new_id, new_name)),
        csv_safe_text(source),
        _id(assigned_by_id),
        csv_safe_text(label(assigned_by_id, assigned_by_name)),
    ]


def event_csv_rows(rows: Iterable[tuple], tz: tzinfo) -> Iterable[list[str]]:
    for values in rows:
        yield event_csv_row(values, tz)
