"""The CSV of the assignment log (report.md "Data Export"): columns, cells and injection guard."""

from collections.abc import Iterable
from datetime import tzinfo

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
FORMULA_TRIGGERS = frozenset("=+-@\t\r")


def csv_safe_text(value: str) -> str:
    """Prefix a single quote to a text cell a spreadsheet would run as a formula."""
    if value and value[0] in FORMULA_TRIGGERS:
        return "'" + value
    return value


def _user(user_id: int | None, name: str) -> str:
    # The name kept with the event, "#<id>" when none was kept (AssignmentEvent.user_label).
    if user_id is None:
        return ""
    return csv_safe_text(name or f"#{user_id}")


def event_csv_row(values: tuple, tz: tzinfo) -> list:
    """One CSV row from an ``EVENT_FIELDS`` tuple; empty values are empty cells.

    Ids stay ints and missing ids None: the csv writer prints ints as digits and None as an
    empty cell. This runs once per exported row, so it stays plain.
    """
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
    return [
        # ISO 8601 with the workspace's UTC offset, e.g. 2026-11-24T09:15:02-06:00.
        created_at.astimezone(tz).isoformat(timespec="seconds"),
        conversation_id,
        contact_id,
        # As in the report log: a contact whose name was not kept shows as "#<id>".
        csv_safe_text(contact_name or f"#{contact_id}"),
        previous_id,
        _user(previous_id, previous_name),
        new_id,
        _user(new_id, new_name),
        csv_safe_text(source),
        assigned_by_id,
        _user(assigned_by_id, assigned_by_name),
    ]


def event_csv_rows(rows: Iterable[tuple], tz: tzinfo) -> Iterable[list]:
    for values in rows:
        yield event_csv_row(values, tz)
