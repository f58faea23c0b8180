"""The CSV file: columns, RFC 4180 quoting, OWASP CSV-injection guard, BOM for Excel."""

from datetime import UTC, datetime

import pytest

from accounts.context import Actor
from accounts.models import Membership, Workspace
from assignments.models import AssignmentEvent, AssignmentSource
from exports.csv_format import COLUMNS, csv_safe_text
from exports.models import Export
from exports.services import export_request
from tests.exports.conftest import read_csv
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "text, expected",
    [
        ("=1+1", "'=1+1"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-2", "'-2"),
        ("@cmd", "'@cmd"),
        ("\tTab", "'\tTab"),
        ("\rReturn", "'\rReturn"),
        ("José Pérez", "José Pérez"),
        ("a=1", "a=1"),
        ("", ""),
    ],
)
def test_formula_triggers_are_prefixed_with_a_quote(text, expected):
    assert csv_safe_text(text) == expected


def run_export(workspace, user, filters=None, *, excel=False, capture):
    membership = Membership.objects.get(workspace=workspace, user=user)
    with capture(execute=True):
        export = export_request(actor=Actor.for_membership(membership), filters=filters or {}, excel_bom=excel)
    export.refresh_from_db()
    assert export.status == Export.Status.SUCCEEDED, export.error
    with export.file.open("rb") as fh:
        return export, fh.read()


def event(workspace, at, contact, name, *, source=AssignmentSource.USER, new=None, new_name="", by=None, by_name=""):
    return AssignmentEvent(
        workspace=workspace, created_at=at, source=source, contact_id=contact.pk, contact_name=name,
        new_assignee_id=new.pk if new else None, new_assignee_name=new_name,
        assigned_by_id=by.pk if by else None, assigned_by_name=by_name,
    )


def test_injection_cells_and_awkward_names_round_trip_through_csv_reader(
    workspace, alice, django_capture_on_commit_callbacks
):
    # given: names that a spreadsheet would run as formulas, and one with comma, quote, newline
    contact = ContactFactory(workspace=workspace)
    at = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
    names = ["=1+1", "+SUM(A1)", "-2", "@cmd", "\tTab", 'Pérez, "Pepe"\nsegunda línea', "Zoë ñandú"]
    AssignmentEvent.objects.bulk_create(
        [event(workspace, at, contact, name, new=alice, new_name=name, by=alice, by_name="=HYPERLINK(\"x\")")
         for name in names]
    )
    # when
    export, data = run_export(workspace, alice, {"start": "2026-11-20", "end": "2026-11-20"},
                              capture=django_capture_on_commit_callbacks)
    # then
    rows = read_csv(data)
    assert rows[0] == list(COLUMNS)
    assert export.row_count == len(names) == len(rows) - 1
    got = {row[3] for row in rows[1:]}
    assert got == {"'=1+1", "'+SUM(A1)", "'-2", "'@cmd", "'\tTab", 'Pérez, "Pepe"\nsegunda línea', "Zoë ñandú"}
    for row in rows[1:]:
        assert len(row) == len(COLUMNS)
        assert row[7] == row[3]  # new assignee name, guarded the same way
        assert row[10] == "'=HYPERLINK(\"x\")"
        assert row[9] == str(alice.pk)
    # RFC 4180: the awkward name is quoted with doubled quotes and rows end in CRLF
    assert b'"P\xc3\xa9rez, ""Pepe""\nsegunda l\xc3\xadnea"' in data
    assert data.endswith(b"\r\n")
    assert not data.startswith(b"\xef\xbb\xbf")


def test_columns_and_values_of_a_row(workspace, alice, dave, django_capture_on_commit_callbacks):
    contact = ContactFactory(workspace=workspace, first_name="José", last_name="Pérez")
    at = datetime(2026, 11, 20, 15, 4, 5, 123456, tzinfo=UTC)
    AssignmentEvent.objects.create(
        workspace=workspace, created_at=at, source=AssignmentSource.USER, contact_id=contact.pk,
        contact_name="José Pérez", conversation_id=77, previous_assignee_id=dave.pk, previous_assignee_name="Dave",
        new_assignee_id=None, assigned_by_id=alice.pk, assigned_by_name="Alice",
    )
    AssignmentEvent.objects.create(
        workspace=workspace, created_at=at.replace(hour=16), source=AssignmentSource.WORKFLOW, contact_id=contact.pk,
        contact_name="", new_assignee_id=dave.pk, new_assignee_name="",
    )
    _, data = run_export(workspace, alice, {"start": "2026-11-20", "end": "2026-11-20"},
                         capture=django_capture_on_commit_callbacks)
    header, newest, oldest = read_csv(data)
    assert header == [
        "timestamp", "conversation_id", "contact_id", "contact_name", "previous_assignee_id", "previous_assignee",
        "new_assignee_id", "new_assignee", "source", "assigned_by_id", "assigned_by",
    ]
    # Mexico City is UTC-6 in November; empty values are empty cells; names not kept show #id
    assert newest == ["2026-11-20T10:04:05-06:00", "", str(contact.pk), f"#{contact.pk}", "", "",
                      str(dave.pk), f"#{dave.pk}", "workflow", "", ""]
    assert oldest == ["2026-11-20T09:04:05-06:00", "77", str(contact.pk), "José Pérez", str(dave.pk), "Dave",
                      "", "", "user", str(alice.pk), "Alice"]


def test_timestamps_use_the_workspace_offset_across_dst(alice, workspace, django_capture_on_commit_callbacks):
    Workspace.objects.filter(pk=workspace.pk).update(timezone="Europe/Madrid")
    workspace.refresh_from_db()
    contact = ContactFactory(workspace=workspace)
    AssignmentEvent.objects.bulk_create([
        event(workspace, datetime(2026, 10, 24, 12, 0, tzinfo=UTC), contact, "a", source=AssignmentSource.API),
        event(workspace, datetime(2026, 10, 26, 12, 0, tzinfo=UTC), contact, "b", source=AssignmentSource.API),
    ])
    _, data = run_export(workspace, alice, {"start": "2026-10-24", "end": "2026-10-26"},
                         capture=django_capture_on_commit_callbacks)
    stamps = [row[0] for row in read_csv(data)[1:]]
    assert stamps == ["2026-10-26T13:00:00+01:00", "2026-10-24T14:00:00+02:00"]


def test_excel_option_adds_a_utf8_bom(workspace, alice, django_capture_on_commit_callbacks):
    contact = ContactFactory(workspace=workspace)
    AssignmentEvent.objects.bulk_create([event(workspace, datetime(2026, 11, 20, tzinfo=UTC), contact, "Ñoño")])
    export, data = run_export(workspace, alice, {"start": "2026-11-19", "end": "2026-11-20"}, excel=True,
                              capture=django_capture_on_commit_callbacks)
    assert export.excel_bom
    assert data.startswith(b"\xef\xbb\xbftimestamp,")
    assert read_csv(data)[1][3] == "Ñoño"
    assert export.size == len(data)


def test_empty_selection_gives_a_header_only_file(workspace, alice, django_capture_on_commit_callbacks):
    export, data = run_export(workspace, alice, {"period": "today"}, capture=django_capture_on_commit_callbacks)
    assert export.row_count == 0
    assert read_csv(data) == [list(COLUMNS)]
