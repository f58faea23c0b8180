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


def _sql_guard(expr: str) -> str:
    """SQL twin of ``csv_safe_text``: a leading quote before a formula trigger (= + - @ tab CR)."""
    return f"(CASE WHEN ascii({expr}) IN (61, 43, 45, 64, 9, 13) THEN '''' || {expr} ELSE {expr} END)"


def _sql_user(table: str, id_column: str, name_column: str) -> str:
    # NULL (not '') for an empty cell: COPY writes NULL as an empty cell and '' as "".
    name = f"coalesce(nullif({table}.{name_column}, ''), '#' || {table}.{id_column})"
    return f"(CASE WHEN {table}.{id_column} IS NULL THEN NULL ELSE {_sql_guard(name)} END)"


def csv_copy_columns(table: str) -> list[str]:
    """The export's columns as SQL expressions, for ``COPY (...) TO STDOUT (FORMAT csv)``.

    With COPY's own quoting (minimal, as Python's csv writer) and ``crlf_rows`` for the line
    ends, the output is byte for byte what ``event_csv_row`` and ``csv.writer`` produce:
    ISO 8601 timestamps with the workspace's UTC offset, "#<id>" for names not kept, the formula
    guard, empty cells for missing values. Every ``%s`` takes the workspace timezone name
    (``%%`` is a literal percent sign). ``tests/exports`` compares both paths on PostgreSQL.
    """
    local = f"({table}.created_at AT TIME ZONE %s)"
    minutes = f"(extract(epoch from {local} - ({table}.created_at AT TIME ZONE 'UTC'))::int / 60)"
    timestamp = (
        f"replace(left({local}::text, 19), ' ', 'T') || (CASE WHEN {minutes} < 0 THEN '-' ELSE '+' END) || "
        f"lpad((abs({minutes}) / 60)::text, 2, '0') || ':' || lpad((abs({minutes}) %% 60)::text, 2, '0')"
    )
    contact_name = f"coalesce(nullif({table}.contact_name, ''), '#' || {table}.contact_id)"
    return [
        timestamp,
        f"{table}.conversation_id",
        f"{table}.contact_id",
        _sql_guard(contact_name),
        f"{table}.previous_assignee_id",
        _sql_user(table, "previous_assignee_id", "previous_assignee_name"),
        f"{table}.new_assignee_id",
        _sql_user(table, "new_assignee_id", "new_assignee_name"),
        _sql_guard(f"{table}.source"),
        f"{table}.assigned_by_id",
        _sql_user(table, "assigned_by_id", "assigned_by_name"),
    ]


def crlf_rows(chunks: Iterable[bytes]) -> Iterable[bytes]:
    """COPY ends rows with LF; RFC 4180 (and Python's csv writer) with CRLF.

    A line feed ends a row unless it lies inside a quoted cell (an odd number of quote
    characters since the row began). Chunks without a quote take the fast path; the state
    carries across chunk boundaries.
    """
    inside = False
    for chunk in chunks:
        chunk = bytes(chunk)
        if not inside and b'"' not in chunk:
            yield chunk.replace(b"\n", b"\r\n")
            continue
        pieces = chunk.split(b"\n")
        out = [pieces[0]]
        inside ^= pieces[0].count(b'"') % 2 == 1
        for piece in pieces[1:]:
            out.append(b"\n" if inside else b"\r\n")
            out.append(piece)
            inside ^= piece.count(b'"') % 2 == 1
        yield b"".join(out)
