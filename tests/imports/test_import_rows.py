"""The rows of an import: matching, modes, validation, counts, rejected rows and events."""

import pytest

from assignments.models import AssignmentEvent, AssignmentSource
from contacts.models import Contact
from imports import services
from imports.models import ContactImport
from tests.factories import ContactFactory

from .conftest import HEADER, csv_upload, parse_error_rows


def mixed_file(dave_id: int) -> str:
    return HEADER + "\n".join(
        [
            'Ana,López,ana@example.com,+52 55 1234 5678,"vip, nuevo",bob@acme.example',  # 2 new, → Bob
            "Luis,,luis@example.com,,,",  # 3 new, no assignee
            ",Gómez,MARIA@example.com,,cliente,ALICE@acme.example",  # 4 update by email, → Alice
            "Pedro,,,+52-55-1111-1111,,bob@acme.example",  # 5 update by phone, same assignee
            "Sin,Asignado,sin@example.com,,,nobody@acme.example",  # 6 unknown assignee
            "Mal,Correo,not-an-email,,,",  # 7 bad email
            "Mal,Tel,tel@example.com,12345,,",  # 8 bad phone
            ",,nuevo@example.com,,,",  # 9 new without first name
            "Otro,Ws,other@example.com,,,charlie@globex.example",  # 10 member of another workspace
            f"Dave,Id,daveid@example.com,,,{dave_id}",  # 11 new, → Dave by user id
            "",  # blank line: not a row
        ]
    )


def import_events(workspace):
    return AssignmentEvent.objects.filter(workspace=workspace, source=AssignmentSource.CONTACT_IMPORT)


def test_mixed_file_exact_counts_and_rejected_rows(alice_client, upload, workspace, alice, bob, dave, charlie, existing_contacts):
    maria, pedro = existing_contacts

    response = upload(alice_client, mixed_file(dave.pk))

    assert response.status_code == 202
    detail = alice_client.get(f"/api/v1/imports/{response.json()['id']}").json()
    assert detail["status"] == "succeeded"
    assert (detail["created"], detail["updated"], detail["errors"], detail["skipped"]) == (3, 2, 5, 0)
    assert (detail["total"], detail["processed"], detail["progress"]) == (10, 10, 100)

    ana = Contact.objects.get(workspace=workspace, email="ana@example.com")
    assert (ana.first_name, ana.last_name, ana.phone, ana.tags, ana.assignee) == ("Ana", "López", "+525512345678", ["vip", "nuevo"], bob)
    maria.refresh_from_db()
    assert (maria.first_name, maria.last_name, maria.tags, maria.assignee) == ("María", "Gómez", ["old", "cliente"], alice)
    pedro.refresh_from_db()
    assert pedro.assignee == bob
    # Rejected rows wrote nothing at all.
    for email in ["sin@example.com", "not-an-email", "tel@example.com", "nuevo@example.com", "other@example.com"]:
        assert not Contact.objects.filter(email__iexact=email).exists()
    assert Contact.objects.filter(workspace=workspace).count() == 5

    rows = parse_error_rows(alice_client.get(detail["error_rows_url"]).getvalue())
    assert rows[0][:2] == ["Línea", "Motivo"] and rows[0][2:] == HEADER.strip().split(",")
    by_line = {int(row[0]): row[1] for row in rows[1:]}
    assert sorted(by_line) == [6, 7, 8, 9, 10]
    assert "nobody@acme.example" in by_line[6] and "cesionario" in by_line[6].lower()
    assert "not-an-email" in by_line[7]
    assert "12345" in by_line[8]
    assert "nombre" in by_line[9].lower()
    assert "charlie@globex.example" in by_line[10]
    assert rows[1][2:] == ["Sin", "Asignado", "sin@example.com", "", "", "nobody@acme.example"]


def test_events_only_for_changed_assignees_and_none_on_reimport(alice_client, upload, workspace, alice, bob, dave, existing_contacts):
    maria, pedro = existing_contacts
    content = mixed_file(dave.pk)

    upload(alice_client, content)

    events = list(import_events(workspace).order_by("id"))
    assert [(e.contact.email, e.previous_assignee_id, e.new_assignee_id) for e in events] == [
        ("ana@example.com", None, bob.pk),
        ("maria@example.com", None, alice.pk),
        ("daveid@example.com", None, dave.pk),
    ]
    assert all(e.assigned_by_id is None and e.assigned_by_name == "" for e in events)

    # when: the same file again
    second = upload(alice_client, content).json()

    # then: everything matches, nothing changes hands, no new events of any source
    detail = alice_client.get(f"/api/v1/imports/{second['id']}").json()
    assert (detail["created"], detail["updated"], detail["errors"]) == (0, 5, 5)
    assert import_events(workspace).count() == 3
    assert AssignmentEvent.objects.filter(workspace=workspace).count() == 4  # + Pedro's API event
    maria.refresh_from_db()
    assert maria.tags == ["old", "cliente"]


def test_reassignment_records_previous_assignee(alice_client, upload, workspace, bob, dave, existing_contacts):
    _maria, pedro = existing_contacts

    upload(alice_client, HEADER + "Pedro,,,+525511111111,,dave@acme.example\n")

    event = import_events(workspace).get()
    assert (event.contact_id, event.previous_assignee_id, event.new_assignee_id) == (pedro.pk, bob.pk, dave.pk)


def test_empty_assignee_leaves_the_assignee_unchanged(alice_client, upload, workspace, bob, existing_contacts):
    _maria, pedro = existing_contacts

    upload(alice_client, HEADER + "Pedro,Ramírez,,+525511111111,,\n")

    pedro.refresh_from_db()
    assert (pedro.last_name, pedro.assignee) == ("Ramírez", bob)
    assert not import_events(workspace).exists()


@pytest.mark.parametrize(
    ("mode", "counts", "emails"),
    [
        ("add", (1, 0, 1), {"maria@example.com", "new@example.com"}),
        ("update", (0, 1, 1), {"maria@example.com"}),
        ("add_and_update", (1, 1, 0), {"maria@example.com", "new@example.com"}),
    ],
)
def test_modes(alice_client, upload, workspace, existing_contacts, mode, counts, emails):
    maria, _pedro = existing_contacts
    content = HEADER + "Mariana,,maria@example.com,,,\nNueva,,new@example.com,,,\n"

    body = upload(alice_client, content, mode=mode).json()

    detail = alice_client.get(f"/api/v1/imports/{body['id']}").json()
    assert (detail["mode"], detail["created"], detail["updated"], detail["skipped"]) == (mode, *counts)
    assert set(Contact.objects.filter(workspace=workspace).exclude(email="").values_list("email", flat=True)) == emails
    maria.refresh_from_db()
    assert maria.first_name == ("Mariana" if mode != "add" else "María")


def test_spanish_excel_file_cp1252_semicolon(alice_client, upload, workspace, bob):
    content = (
        "Nombre;Apellido;Correo;Teléfono;Etiquetas;Asignado\r\n"
        "José;Pérez;jose@example.com;+34 600 123 456;cliente, año nuevo;BOB@acme.example\r\n"
        "Íñigo;Muñoz;inigo@example.com;0034 600-000-001;;\r\n"
    ).encode("cp1252")

    body = upload(alice_client, content).json()

    detail = alice_client.get(f"/api/v1/imports/{body['id']}").json()
    assert (detail["created"], detail["updated"], detail["errors"]) == (2, 0, 0)
    jose = Contact.objects.get(workspace=workspace, email="jose@example.com")
    assert (jose.first_name, jose.last_name, jose.phone, jose.tags, jose.assignee) == (
        "José", "Pérez", "+34600123456", ["cliente", "año nuevo"], bob,
    )
    assert Contact.objects.get(email="inigo@example.com").phone == "+34600000001"
    imported = ContactImport.objects.get(pk=body["id"])
    assert (imported.encoding, imported.delimiter) == ("cp1252", ";")


def test_utf8_bom_semicolon_excel_file(alice_client, upload, workspace):
    content = "\ufeffNombre;Apellido;Correo electrónico;Cesionario\r\nJosé;Pérez;jose@example.com;\r\n".encode()

    body = upload(alice_client, content).json()

    assert alice_client.get(f"/api/v1/imports/{body['id']}").json()["created"] == 1
    assert Contact.objects.get(workspace=workspace, email="jose@example.com").first_name == "José"
    assert ContactImport.objects.get(pk=body["id"]).encoding == "utf-8-sig"


def test_utf8_bom_in_front_of_cp1252_bytes(alice_client, upload, workspace):
    content = b"\xef\xbb\xbf" + "Nombre;Apellido;Correo\r\nJosé;Pérez;jose@example.com\r\n".encode("cp1252")

    body = upload(alice_client, content).json()

    assert alice_client.get(f"/api/v1/imports/{body['id']}").json()["created"] == 1
    assert Contact.objects.get(workspace=workspace, email="jose@example.com").last_name == "Pérez"


def test_duplicate_rows_in_one_file_create_one_contact(alice_client, upload, workspace, bob):
    content = HEADER + "Ana,,ana@example.com,,a,bob@acme.example\nAna,,ANA@example.com,,b,bob@acme.example\n"

    body = upload(alice_client, content).json()

    detail = alice_client.get(f"/api/v1/imports/{body['id']}").json()
    assert (detail["created"], detail["updated"]) == (1, 1)
    assert Contact.objects.get(workspace=workspace).tags == ["a", "b"]
    assert import_events(workspace).count() == 1


def test_contacts_of_another_workspace_are_never_matched(alice_client, upload, workspace, other_workspace):
    theirs = ContactFactory(workspace=other_workspace, email="shared@example.com", first_name="Theirs")

    upload(alice_client, HEADER + "Ours,,shared@example.com,,,\n")

    theirs.refresh_from_db()
    assert theirs.first_name == "Theirs"
    assert Contact.objects.get(workspace=workspace).first_name == "Ours"


def test_rerunning_a_finished_import_does_nothing(alice_client, upload, workspace, bob):
    body = upload(alice_client, HEADER + "Ana,,ana@example.com,,,bob@acme.example\n").json()
    before = ContactImport.objects.get(pk=body["id"])

    again = services.contact_import_run(contact_import_id=body["id"])

    assert (again.status, again.created_count, again.finished_at) == ("succeeded", 1, before.finished_at)
    assert Contact.objects.filter(workspace=workspace).count() == 1
    assert import_events(workspace).count() == 1


def test_a_crashed_run_resumes_after_the_last_committed_batch(settings, workspace, alice, bob):
    # given: batches of 2 rows; a worker committed the first batch and died
    settings.IMPORT_BATCH_SIZE = 2
    rows = "".join(f"Persona{n},,p{n}@example.com,,,bob@acme.example\n" for n in range(5))
    contact_import = services.contact_import_create(
        workspace=workspace, uploaded_file=csv_upload(HEADER + rows), uploaded_by=alice, start=False
    )
    ContactImport.objects.filter(pk=contact_import.pk).update(status="running")
    contact_import.refresh_from_db()
    services._batch_import(
        contact_import,
        [(2, ["Persona0", "", "p0@example.com", "", "", "bob@acme.example"]),
         (3, ["Persona1", "", "p1@example.com", "", "", "bob@acme.example"])],
        0,
        services._Members(workspace),
    )

    # when: the task is delivered again
    result = services.contact_import_run(contact_import_id=contact_import.pk)

    # then: the other three rows are imported once, nothing twice
    assert (result.status, result.created_count, result.updated_count, result.processed_rows) == ("succeeded", 5, 0, 5)
    assert Contact.objects.filter(workspace=workspace).count() == 5
    assert import_events(workspace).count() == 5


def test_phone_normalisation():
    assert services.phone_normalize("+52 (55) 1234-5678") == "+525512345678"
    assert services.phone_normalize("0034 600.123.456") == "+34600123456"
    assert services.phone_normalize("5512345678") is None
    assert services.phone_normalize("+0123456789") is None
    assert services.phone_normalize("+1234567890123456") is None
    assert services.phone_normalize("+52 55 12ab 5678") is None


def test_excel_separator_hint_line_is_skipped(alice_client, upload, workspace):
    content = "sep=;\r\nNombre;Correo\r\nAna;ana@example.com\r\n;bad\r\n".encode("cp1252")

    body = upload(alice_client, content).json()

    detail = alice_client.get(f"/api/v1/imports/{body['id']}").json()
    assert (detail["total"], detail["created"], detail["errors"]) == (2, 1, 1)
    rows = parse_error_rows(alice_client.get(detail["error_rows_url"]).getvalue(), ";")
    assert rows[1][0] == "4"  # physical line numbers count the hint line
