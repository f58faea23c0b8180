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


# The formula triggers as code points, for the SQL twin of ``csv_safe_text``.
_SQL_TRIGGERS = "(" + ", ".join(str(ord(c)) for c in sorted(FORMULA_TRIGGERS)) + ")"


def _sql_name(name: str, id_expr: str) -> str:
    """The WHEN branches of the SQL twin of ``csv_safe_text(name or f"#{id}")`` (NOT NULL text).

    "#<id>" needs no guard (it never starts with a formula trigger): only a kept name gets the
    leading quote before = + - @ tab CR.
    """
    return (
        f"WHEN {name} = '' THEN '#' || {id_expr} "
        f"WHEN ascii({name}) IN {_SQL_TRIGGERS} THEN '''' || {name} ELSE {name}"
    )


def _sql_user(table: str, id_column: str, name_column: str) -> str:
    # NULL (not '') for an empty cell: COPY writes NULL as an empty cell and '' as "".
    user_id = f"{table}.{id_column}"
    return f"(CASE WHEN {user_id} IS NULL THEN NULL {_sql_name(f'{table}.{name_column}', user_id)} END)"


# What ``csv_copy_columns`` needs of the session running the COPY, set for its transaction only
# (``set_config(..., true)`` is ``SET LOCAL``); the parameter is the workspace timezone name.
# JIT off: compiling the row expressions buys nothing on a plain scan, and above
# ``jit_optimize_above_cost`` (millions of rows) it would cost hundreds of milliseconds.
COPY_SESSION_SQL = "SELECT set_config('TimeZone', %s, true), set_config('jit', 'off', true)"


def csv_copy_columns(table: str) -> list[str]:
    """The export's columns as SQL expressions, for ``COPY (...) TO STDOUT (FORMAT csv)``.

    With COPY's own quoting (minimal, as Python's csv writer) and ``crlf_rows`` for the line
    ends, the output is byte for byte what ``event_csv_row`` and ``csv.writer`` produce:
    ISO 8601 timestamps with the workspace's UTC offset, "#<id>" for names not kept, the formula
    guard, empty cells for missing values. The session TimeZone must be the workspace's
    (``COPY_SESSION_SQL``): one ``to_char`` per row prints the local time and its offset, a few
    times cheaper than converting with ``AT TIME ZONE`` (it cannot print an offset's seconds,
    which only local mean times before about 1920 have). ``tests/exports`` compares both paths
    on PostgreSQL. No ``%`` in these expressions: they take no parameters.
    """
    return [
        f"""to_char({table}.created_at, 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM')""",
        f"{table}.conversation_id",
        f"{table}.contact_id",
        # As in the report log: a contact whose name was not kept shows as "#<id>".
        f"(CASE {_sql_name(f'{table}.contact_name', f'{table}.contact_id')} END)",
        f"{table}.previous_assignee_id",
        _sql_user(table, "previous_assignee_id", "previous_assignee_name"),
        f"{table}.new_assignee_id",
        _sql_user(table, "new_assignee_id", "new_assignee_name"),
        # No guard: the database allows only the AssignmentSource values (a CHECK constraint),
        # none of which starts with a formula trigger.
        f"{table}.source",
        f"{table}.assigned_by_id",
        _sql_user(table, "assigned_by_id", "assigned_by_name"),
    ]


def crlf_rows(chunks: Iterable[bytes]) -> Iterable[bytes]:
    """COPY ends rows with LF; RFC 4180 (and Python's csv writer) with CRLF.

    A line feed ends a row unless it lies inside a quoted cell (an odd number of quote
    characters since the row began). Split at its quotes, a chunk gives pieces alternately
    outside and inside quotes (a doubled quote is an empty piece between two inside ones), so
    only the line feeds of the pieces outside become CRLF: the Python work is per quote, not
    per line. The state carries across chunk boundaries.
    """
    inside = False
    for chunk in chunks:
        chunk = bytes(chunk)
        if b'"' not in chunk:
            yield chunk if inside else chunk.replace(b"\n", b"\r\n")
            continue
        pieces = chunk.split(b'"')
        outside = 1 if inside else 0
        pieces[outside::2] = [piece.replace(b"\n", b"\r\n") for piece in pieces[outside::2]]
        inside ^= len(pieces) % 2 == 0  # an odd number of quotes in the chunk
        yield b'"'.join(pieces)
