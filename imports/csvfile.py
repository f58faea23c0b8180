"""Reading the contacts CSV: encoding, delimiter, header and the column mapping.

Everything here streams: a 20 MB file is read in chunks and parsed record by record, so
memory stays flat whatever the file size. Spanish Excel writes ``;``-separated files in
cp1252 (often with a BOM when saved as "CSV UTF-8"); other tools write UTF-8 with commas.
"""

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

CHUNK_SIZE = 64 * 1024
SAMPLE_SIZE = 64 * 1024
PREVIEW_ROWS = 5
# csv's default limit (128 KiB per field) is far above any contact field; a bigger field
# means the file is not a contacts CSV (or has an unbalanced quote) and is rejected.
FIELD_SIZE_LIMIT = 128 * 1024

CONTACT_FIELDS = ["first_name", "last_name", "email", "phone", "tags", "assignee"]
FIELD_LABELS = {
    "first_name": pgettext_lazy("contact field", "First name"),
    "last_name": pgettext_lazy("contact field", "Last name"),
    "email": pgettext_lazy("contact field", "Email"),
    "phone": pgettext_lazy("contact field", "Phone"),
    "tags": pgettext_lazy("contact field", "Tags"),
    "assignee": pgettext_lazy("contact field", "Assignee"),
}
# Header names people use, compared after ``header_key`` (lower case, no accents, no spaces,
# dashes or underscores). Spanish first: the labels of the app and of Spanish Excel templates.
HEADER_SYNONYMS = {
    "first_name": [
        "first_name", "firstname", "first", "givenname", "name", "nombre", "nombres", "primernombre",
        "nombredepila", "contactfirstname",
    ],
    "last_name": [
        "last_name", "lastname", "last", "surname", "familyname", "apellido", "apellidos",
        "primerapellido", "contactlastname",
    ],
    "email": [
        "email", "emailaddress", "mail", "correo", "correoelectronico", "direcciondecorreo",
        "direcciondecorreoelectronico", "emailcontacto", "contactemail",
    ],
    "phone": [
        "phone", "phonenumber", "telephone", "tel", "mobile", "mobilephone", "cell", "cellphone",
        "whatsapp", "telefono", "numerodetelefono", "celular", "movil", "telefonomovil", "contactphone",
    ],
    "tags": ["tags", "tag", "labels", "label", "etiquetas", "etiqueta"],
    "assignee": [
        "assignee", "assignedto", "assigned", "owner", "agent", "asignado", "asignadoa", "cesionario",
        "responsable", "agente", "usuarioasignado",
    ],
}
_SYNONYM_INDEX = {header_alias: name for name, aliases in HEADER_SYNONYMS.items() for header_alias in aliases}
# A column mapped to one of the workspace's custom contact fields: "custom.<key>".
CUSTOM_PREFIX = "custom."


def field_labels(custom_fields: dict[str, str] | None = None) -> dict:
    """The fields a column can go to: the contact's own and the workspace's custom fields
    (``{key: label}``) as ``custom.<key>``."""
    return {**FIELD_LABELS, **{f"{CUSTOM_PREFIX}{key}": label for key, label in (custom_fields or {}).items()}}

_MAGIC_BINARY = [
    (b"PK\x03\x04", gettext_lazy("This is an Excel workbook or a ZIP file, not a CSV. In Excel use “Save as” → “CSV”.")),
    (b"\xd0\xcf\x11\xe0", gettext_lazy("This is an old Excel (.xls) file, not a CSV. In Excel use “Save as” → “CSV”.")),
    (b"%PDF", gettext_lazy("This is a PDF file, not a CSV.")),
    (b"\x89PNG", gettext_lazy("This is an image, not a CSV.")),
    (b"\xff\xd8\xff", gettext_lazy("This is an image, not a CSV.")),
    (b"GIF8", gettext_lazy("This is an image, not a CSV.")),
]
_CONTROL_BYTES = set(range(0, 32)) - {9, 10, 12, 13}
# A header cell that is a phone number (or any long number) means the first row is data.
_PHONE_LIKE = re.compile(r"\+?\d[\d\s\-().]{5,}")


class CsvFileError(ValueError):
    """The file cannot be imported; ``message`` is a sentence for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class MappingError(CsvFileError):
    """The column mapping given with the upload names a missing header or an unknown field."""


@dataclass
class CsvInspection:
    encoding: str
    delimiter: str
    headers: list[str]
    mapping: list[str]
    preview_rows: list[list[str]] = field(default_factory=list)
    total_rows: int = 0


def header_key(name: str) -> str:
    text = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode("ascii").lower()
    text = re.sub(r"[\s\-_.:/()]+", "", text)
    return "first_name" if text == "firstname" else text


def guess_mapping(headers: list[str], custom_keys=()) -> list[str]:
    """The contact field of each column ("" = ignored); each field goes to its first column. A
    header that is a custom field's key (compared as ``header_key`` compares: case, accents,
    spaces and ``_`` aside) goes to that field, unless it names a contact field of its own."""
    custom = {header_key(key): f"{CUSTOM_PREFIX}{key}" for key in custom_keys}
    mapping: list[str] = []
    taken: set[str] = set()
    for header in headers:
        key = header_key(header)
        name = _SYNONYM_INDEX.get(key) or _SYNONYM_INDEX.get(key.replace("_", ""), "") or custom.get(key, "")
        if name in taken:
            name = ""
        if name:
            taken.add(name)
        mapping.append(name)
    return mapping


def mapping_apply(headers: list[str], mapping: list[str], overrides: dict[str, str], custom_keys=()) -> list[str]:
    """The guessed mapping with some columns set by header name (``{"Móvil": "phone"}``,
    ``{"Plan": "custom.plan"}``; "" ignores a column). A field given to a column is taken from any
    guessed one. Raises CsvFileError for a header the file does not have or an unknown field."""
    known = set(CONTACT_FIELDS) | {f"{CUSTOM_PREFIX}{key}" for key in custom_keys}
    result = list(mapping)
    chosen: set[int] = set()
    for header, name in overrides.items():
        name = name or ""
        if name and name not in known:
            raise MappingError(_("Unknown contact field: %(field)s.") % {"field": name})
        matches = [index for index, value in enumerate(headers) if value == header]
        if not matches:
            raise MappingError(_("The file has no column “%(header)s”.") % {"header": header})
        result[matches[0]] = name
        chosen.add(matches[0])
    for index, name in enumerate(result):
        if index not in chosen and name and any(result[other] == name for other in chosen):
            result[index] = ""
    return result


def mapping_problem(mapping: list[str], custom_fields: dict[str, str] | None = None) -> str | None:
    """Why a mapping cannot be used, or None. ``custom_fields``: the workspace's ``{key: label}``."""
    labels = field_labels(custom_fields)
    used = [name for name in mapping if name]
    unknown = [name for name in used if name not in labels]
    if unknown:
        return _("Unknown contact field: %(field)s.") % {"field": unknown[0]}
    duplicated = sorted({name for name in used if used.count(name) > 1})
    if duplicated:
        return _("Each contact field can come from one column only (%(field)s is chosen twice).") % {
            "field": labels[duplicated[0]]
        }
    if not {"first_name", "email", "phone"} & set(used):
        return _(
            "No column holds a first name, an email or a phone. The first row of the file must be a "
            "header with column names such as first_name, last_name, email, phone, tags, assignee "
            "(or Nombre, Apellido, Correo, Teléfono, Etiquetas, Asignado)."
        )
    return None


def _detect_encoding(raw) -> str:
    """UTF-8 (with or without BOM) if the whole file decodes as UTF-8, else cp1252, else Latin-1.

    Reads the file once in chunks; a NUL byte or many control bytes mean a binary file.
    """
    raw.seek(0)
    head = raw.read(8)
    if not head:
        raise CsvFileError(_("The file is empty."))
    for magic, message in _MAGIC_BINARY:
        if head.startswith(magic):
            raise CsvFileError(str(message))
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise CsvFileError(_("The file is in UTF-16. Save it as “CSV UTF-8” and upload it again."))
    raw.seek(0)
    utf8 = codecs.getincrementaldecoder("utf-8")()
    utf8_ok = cp1252_ok = True
    first = True
    while chunk := raw.read(CHUNK_SIZE):
        if b"\x00" in chunk:
            raise CsvFileError(_("This is a binary file, not a CSV text file."))
        if first:
            control = sum(1 for byte in chunk if byte in _CONTROL_BYTES)
            if control > max(2, len(chunk) // 100):
                raise CsvFileError(_("This is a binary file, not a CSV text file."))
            first = False
        if utf8_ok:
            try:
                utf8.decode(chunk)
            except UnicodeDecodeError:
                utf8_ok = False
        if cp1252_ok and not utf8_ok:
            try:
                chunk.decode("cp1252")
            except UnicodeDecodeError:
                cp1252_ok = False
        if not utf8_ok and not cp1252_ok:
            break
    if utf8_ok:
        try:
            utf8.decode(b"", final=True)
            return "utf-8-sig"
        except UnicodeDecodeError:
            utf8_ok = False
    if cp1252_ok:
        # The chunks read before UTF-8 failed were not checked against cp1252 yet.
        raw.seek(0)
        try:
            while chunk := raw.read(CHUNK_SIZE):
                chunk.decode("cp1252")
            return "cp1252"
        except UnicodeDecodeError:
            pass
    return "latin-1"


def _first_line(sample: str) -> str:
    for line in sample.splitlines():
        if line.strip():
            return line
    return ""


def _detect_delimiter(sample: str) -> str:
    """``,`` or ``;`` (or tab): csv.Sniffer first; if its answer is absent from the header
    line (it guesses wrong on one-column files or commas inside tags), count in the header."""
    header = _first_line(sample)
    # Excel's own hint line, "sep=;", names the delimiter (the reader skips that line).
    hint = re.fullmatch(r"\ufeff?sep=(.)", header.strip(), flags=re.IGNORECASE)
    if hint:
        return hint.group(1)
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
        if delimiter in header:
            return delimiter
    except csv.Error:
        pass
    counts = {candidate: header.count(candidate) for candidate in (";", ",", "\t")}
    best = max(counts, key=lambda candidate: counts[candidate])
    return best if counts[best] else ","


def open_text(raw, encoding: str) -> io.TextIOWrapper:
    raw.seek(0)
    return io.TextIOWrapper(raw, encoding=encoding, newline="", errors="strict")


class RecordReader:
    """Records of the file with the line number each starts on; blank lines are skipped."""

    def __init__(self, text, delimiter: str):
        csv.field_size_limit(FIELD_SIZE_LIMIT)
        self._delimiter = delimiter
        self._reader = csv.reader(text, delimiter=delimiter, strict=False)

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        start = 1
        while True:
            try:
                record = next(self._reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise CsvFileError(
                    _("Line %(line)s cannot be read as CSV (%(reason)s).") % {"line": start, "reason": exc}
                ) from exc
            line = start
            start = self._reader.line_num + 1
            if not any(value.strip() for value in record):
                continue
            if line == 1 and self._is_separator_hint(record):
                continue
            yield line, record

    def _is_separator_hint(self, record: list[str]) -> bool:
        text = self._delimiter.join(record).strip().lstrip("\ufeff").lower()
        return text == f"sep={self._delimiter}"


def inspect_csv(raw, *, max_rows: int) -> CsvInspection:
    """Check a CSV upload (binary file object, seekable) and describe it, or raise CsvFileError.

    Reads the file twice in chunks: once to choose the encoding, once to count the records.
    """
    encoding = _detect_encoding(raw)
    text = open_text(raw, encoding)
    try:
        sample = text.read(SAMPLE_SIZE)
        delimiter = _detect_delimiter(sample)
        text.seek(0)
        records = iter(RecordReader(text, delimiter))
        first = next(records, None)
        if first is None:
            raise CsvFileError(_("The file has no rows."))
        headers = [value.strip() for value in first[1]]
        # A UTF-8 BOM in front of a cp1252 file (editors that add one to any "CSV"): drop it.
        for bom in ("\ufeff", codecs.BOM_UTF8.decode("latin-1")):
            if headers and headers[0].startswith(bom):
                headers[0] = headers[0][len(bom):].strip()
        while headers and not headers[-1]:
            headers.pop()
        if not any(headers):
            raise CsvFileError(_("The first row of the file must be a header with the column names."))
        if any("@" in value or _PHONE_LIKE.fullmatch(value) for value in headers):
            raise CsvFileError(
                _("The first row looks like a contact, not a header. Add a first row with the column names.")
            )
        inspection = CsvInspection(encoding=encoding, delimiter=delimiter, headers=headers, mapping=guess_mapping(headers))
        for _line, record in records:
            inspection.total_rows += 1
            if inspection.total_rows > max_rows:
                raise CsvFileError(
                    _("The file has more than %(max)s rows. Split it into smaller files.") % {"max": f"{max_rows:,}"}
                )
            if len(inspection.preview_rows) < PREVIEW_ROWS:
                inspection.preview_rows.append([value.strip()[:200] for value in record[: len(headers)]])
        if not inspection.total_rows:
            raise CsvFileError(_("The file has a header but no contacts."))
        return inspection
    except UnicodeDecodeError as exc:  # pragma: no cover - the encoding was checked on the whole file
        raise CsvFileError(_("The file is not valid text.")) from exc
    finally:
        text.detach()
