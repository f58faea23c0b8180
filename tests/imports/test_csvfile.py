"""Reading the CSV: encoding, delimiter, header names and the column mapping."""

import io

import pytest

from imports.csvfile import CsvFileError, guess_mapping, inspect_csv, mapping_problem


def inspect(content: bytes, max_rows: int = 200_000):
    return inspect_csv(io.BytesIO(content), max_rows=max_rows)


@pytest.mark.parametrize(
    ("content", "encoding", "delimiter"),
    [
        ("first_name,email\nJosé,jose@example.com\n".encode(), "utf-8-sig", ","),
        ("\ufeffNombre;Correo\r\nJosé;jose@example.com\r\n".encode(), "utf-8-sig", ";"),
        ("Nombre;Correo\r\nJosé;jose@example.com\r\n".encode("cp1252"), "cp1252", ";"),
        # 0x81 is undefined in cp1252: only Latin-1 reads it
        (b"Nombre;Correo\r\nJos\xe9\x81;jose@example.com\r\n", "latin-1", ";"),
        ("Nombre\tCorreo\nJosé\tjose@example.com\n".encode(), "utf-8-sig", "\t"),
        # one column: nothing to sniff, the comma fallback
        (b"first_name\nAna\nLuis\n", "utf-8-sig", ","),
        # commas inside unquoted tags do not fool the detection of ";"
        (b"Nombre;Etiquetas\nAna;vip, nuevo, norte\nLuis;a, b\n", "utf-8-sig", ";"),
        # Excel's "sep=" hint line
        (b"sep=;\r\nNombre;Correo\r\nAna;a@example.com\r\n", "utf-8-sig", ";"),
    ],
)
def test_encoding_and_delimiter(content, encoding, delimiter):
    result = inspect(content)

    assert (result.encoding, result.delimiter) == (encoding, delimiter)
    assert result.headers[0] in ("first_name", "Nombre")


def test_utf8_accent_split_across_chunks_is_still_utf8():
    # "é" is two bytes; put it across the 64 KiB chunk boundary.
    head = b"first_name\n"
    filler = b"a" * (64 * 1024 - len(head) - 1)
    content = head + filler + "é\n".encode()

    assert inspect(content).encoding == "utf-8-sig"


def test_preview_and_total_skip_blank_lines():
    content = b"first_name,email\n\nAna,a@example.com\n,\nLuis,l@example.com\n"

    result = inspect(content)

    assert result.total_rows == 2
    assert result.preview_rows == [["Ana", "a@example.com"], ["Luis", "l@example.com"]]


def test_max_rows():
    with pytest.raises(CsvFileError, match=" 3 "):
        inspect(b"first_name\na\nb\nc\nd\n", max_rows=3)
    assert inspect(b"first_name\na\nb\nc\n", max_rows=3).total_rows == 3


def test_unbalanced_quote_giant_field_is_rejected():
    content = b'first_name,email\n"Ana,a@example.com\n' + b"x" * (200 * 1024) + b"\n"

    with pytest.raises(CsvFileError, match="2"):
        inspect(content)


@pytest.mark.parametrize(
    ("headers", "mapping"),
    [
        (["first_name", "last_name", "email", "phone", "tags", "assignee"], ["first_name", "last_name", "email", "phone", "tags", "assignee"]),
        (["Nombre", "Apellido", "Correo", "Teléfono", "Etiquetas", "Asignado"], ["first_name", "last_name", "email", "phone", "tags", "assignee"]),
        (["NOMBRE", "Apellidos", "Correo electrónico", "Teléfono móvil", "Etiqueta", "Cesionario"], ["first_name", "last_name", "email", "phone", "tags", "assignee"]),
        (["First Name", "Last Name", "E-mail", "Phone Number", "Labels", "Assignee"], ["first_name", "last_name", "email", "phone", "tags", "assignee"]),
        (["Email", "Correo", "Notas", "Asignado a"], ["email", "", "", "assignee"]),
    ],
)
def test_guess_mapping(headers, mapping):
    assert guess_mapping(headers) == mapping


def test_mapping_problems():
    assert mapping_problem(["first_name", "", "email"]) is None
    assert mapping_problem(["", "tags"]) is not None
    assert mapping_problem(["email", "email"]) is not None
    assert mapping_problem(["password"]) is not None
