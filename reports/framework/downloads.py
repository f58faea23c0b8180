"""A report table as a synchronous CSV download (a small table, not Data Export's jobs).

UTF-8, RFC 4180 (CRLF line ends, minimal quoting), a header row; a text cell starting with
``= + - @``, tab or carriage return gets a leading single quote (OWASP CSV injection, as the
exports do).
"""

import csv
import io
from collections.abc import Iterable

from django.http import HttpResponse

FORMULA_TRIGGERS = frozenset("=+-@\t\r")


def csv_cell(value):
    """A cell as written: None empty, numbers as digits, formula-looking text quoted."""
    if value is None:
        return ""
    if isinstance(value, str) and value and value[0] in FORMULA_TRIGGERS:
        return "'" + value
    return value


def csv_download(*, filename: str, header: list[str], rows: Iterable[list], extra_headers: dict | None = None
                 ) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    response = HttpResponse(buffer.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    for name, value in (extra_headers or {}).items():
        response[name] = value
    return response
