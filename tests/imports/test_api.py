"""POST/GET /api/v1/imports: roles, tenancy, bad files (every 4xx is the JSON shape)."""

import pytest

from contacts.models import Contact
from imports.models import ContactImport

from .conftest import HEADER, csv_upload

GOOD = HEADER + "Ana,,ana@example.com,,,\n"


def assert_error_shape(response, status):
    assert response.status_code == status, response.content[:300]
    body = response.json()
    assert set(body) == {"message", "errors"} and body["message"]
    return body


def test_owner_uploads_and_follows_an_import(alice_client, upload, alice):
    response = upload(alice_client, GOOD)

    assert response.status_code == 202
    body = response.json()
    assert {"id", "status"} <= set(body) and body["status"] == "queued"
    detail = alice_client.get(f"/api/v1/imports/{body['id']}").json()
    assert {"id", "status", "created", "updated", "errors", "error_rows_url", "progress", "total"} <= set(detail)
    assert (detail["status"], detail["created"], detail["error_rows_url"]) == ("succeeded", 1, None)
    assert detail["uploaded_by"] == {"id": alice.pk, "name": "Alice"}
    assert detail["file_name"] == "contactos.csv"
    assert detail["created_at"].endswith("-06:00")  # America/Mexico_City


def test_history_lists_newest_first(alice_client, upload, charlie_client):
    first = upload(alice_client, GOOD, name="uno.csv").json()["id"]
    second = upload(alice_client, GOOD, name="dos.csv").json()["id"]

    rows = alice_client.get("/api/v1/imports").json()["results"]

    assert [row["id"] for row in rows] == [second, first]
    assert charlie_client.get("/api/v1/imports").json()["results"] == []


def test_manager_may_import(dave_client, upload):
    assert upload(dave_client, GOOD).status_code == 202


def test_api_token_imports_without_a_user(token_client, upload, workspace):
    body = upload(token_client, GOOD).json()

    detail = token_client.get(f"/api/v1/imports/{body['id']}").json()
    assert (detail["status"], detail["uploaded_by"]) == ("succeeded", None)
    assert Contact.objects.filter(workspace=workspace, email="ana@example.com").exists()


def test_agent_gets_403_everywhere(bob_client, alice_client, upload):
    own = upload(alice_client, GOOD).json()["id"]

    assert_error_shape(upload(bob_client, GOOD), 403)
    assert_error_shape(bob_client.get("/api/v1/imports"), 403)
    assert_error_shape(bob_client.get(f"/api/v1/imports/{own}"), 403)
    assert_error_shape(bob_client.get(f"/api/v1/imports/{own}/error-rows"), 403)
    assert ContactImport.objects.count() == 1


def test_anonymous_gets_401(anon_client, db):
    assert_error_shape(anon_client.post("/api/v1/imports", {"file": csv_upload(GOOD)}, format="multipart"), 401)
    assert_error_shape(anon_client.get("/api/v1/imports"), 401)
    assert_error_shape(anon_client.get("/api/v1/imports/1"), 401)


def test_another_workspace_gets_404(alice_client, charlie_client, upload):
    body = upload(alice_client, HEADER + "Ana,,bad-email,,,\n").json()
    assert alice_client.get(f"/api/v1/imports/{body['id']}/error-rows").status_code == 200

    assert_error_shape(charlie_client.get(f"/api/v1/imports/{body['id']}"), 404)
    assert_error_shape(charlie_client.get(f"/api/v1/imports/{body['id']}/error-rows"), 404)


@pytest.mark.parametrize("path", ["/api/v1/imports/0", "/api/v1/imports/99999999999999999999999", "/api/v1/imports/abc"])
def test_unknown_ids_are_404(alice_client, path):
    assert_error_shape(alice_client.get(path), 404)


def test_error_rows_of_an_import_without_rejections_is_404(alice_client, upload):
    body = upload(alice_client, GOOD).json()

    assert_error_shape(alice_client.get(f"/api/v1/imports/{body['id']}/error-rows"), 404)


def test_error_rows_download_is_a_csv_attachment(alice_client, upload):
    body = upload(alice_client, HEADER + "Ana,,bad-email,,,\n", name="clientes.csv").json()

    response = alice_client.get(f"/api/v1/imports/{body['id']}/error-rows")

    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="clientes-filas-rechazadas.csv"' in response["Content-Disposition"]
    assert response.getvalue().startswith(b"\xef\xbb\xbfL\xc3\xadnea,Motivo,first_name")


def test_too_big_file_is_rejected_before_reading_it(alice_client, settings):
    content = (HEADER + "Ana,,ana@example.com,,,\n").encode() + b"x" * (20 * 1024 * 1024)

    body = assert_error_shape(alice_client.post("/api/v1/imports", {"file": csv_upload(content)}, format="multipart"), 400)

    assert "20 MB" in body["message"] and body["errors"]["file"]
    assert not ContactImport.objects.exists()


def test_file_just_over_the_limit_is_counted_while_streaming(alice_client, settings):
    # The Content-Length allows some multipart overhead; the file bytes themselves are counted.
    settings.IMPORT_MAX_FILE_BYTES = 1000
    content = HEADER.encode() + b"Ana,,ana@example.com,,,\n" * 50

    body = assert_error_shape(alice_client.post("/api/v1/imports", {"file": csv_upload(content)}, format="multipart"), 400)

    assert body["errors"]["file"]


def test_token_too_big_file_is_400(token_client):
    content = b"first_name\n" + b"a\n" * (10 * 1024 * 1024 + 1)

    assert_error_shape(token_client.post("/api/v1/imports", {"file": csv_upload(content)}, format="multipart"), 400)


@pytest.mark.parametrize(
    ("content", "name", "words"),
    [
        (b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 100, "contactos.xlsx", "Excel"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "foto.csv", "imagen"),
        (bytes(range(256)) * 10, "datos.csv", "binario"),
        (b"", "vacio.csv", "vacío"),
        (b"\n\n\n", "blancos.csv", "no tiene filas"),
        (b"ana@example.com,Ana\nluis@example.com,Luis\n", "sin-encabezado.csv", "encabezado"),
        (b"columna1,columna2\nx,y\n", "columnas.csv", "encabezado"),
        (HEADER.encode(), "solo-encabezado.csv", "ningún contacto"),
        ("first_name,email\n".encode("utf-16"), "utf16.csv", "UTF-16"),
    ],
)
def test_unusable_files_are_400_with_a_clear_message(alice_client, content, name, words):
    response = alice_client.post("/api/v1/imports", {"file": csv_upload(content, name)}, format="multipart")

    body = assert_error_shape(response, 400)
    assert words in body["message"] and body["errors"]["file"]
    assert not ContactImport.objects.exists()


@pytest.mark.slow
def test_more_than_200000_rows_is_400(alice_client):
    content = b"first_name\n" + b"a\n" * 200_001

    body = assert_error_shape(alice_client.post("/api/v1/imports", {"file": csv_upload(content)}, format="multipart"), 400)

    assert "200,000" in body["message"]


@pytest.mark.slow
def test_exactly_200000_rows_is_accepted(alice_client, settings):
    content = b"first_name\n" + b"a\n" * 200_000

    # Not run here (eager without on_commit execution): only the upload checks are measured.
    response = alice_client.post("/api/v1/imports", {"file": csv_upload(content)}, format="multipart")

    assert response.status_code == 202
    assert ContactImport.objects.get().total_rows == 200_000


def test_missing_file_unknown_mode_and_json_body_are_400(alice_client):
    assert_error_shape(alice_client.post("/api/v1/imports", {}, format="multipart"), 400)
    body = assert_error_shape(
        alice_client.post("/api/v1/imports", {"file": csv_upload(GOOD), "mode": "replace"}, format="multipart"), 400
    )
    assert "mode" in body["errors"]
    assert alice_client.post("/api/v1/imports", {"file": "x"}, format="json").status_code in (400, 415)
    assert_error_shape(
        alice_client.post("/api/v1/imports", b"--x\r\ngarbage", content_type="multipart/form-data; boundary=x"), 400
    )


def test_session_upload_needs_the_csrf_token(alice, upload):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    client.force_login(alice)

    assert_error_shape(client.post("/api/v1/imports", {"file": csv_upload(GOOD)}, format="multipart"), 403)


def test_schema_documents_the_import_endpoints(client, db):
    schema = client.get("/api/schema/?format=json").json()

    assert {"/api/v1/imports", "/api/v1/imports/{import_id}", "/api/v1/imports/{import_id}/error-rows"} <= set(schema["paths"])


@pytest.mark.parametrize("client_name", ["alice_client", "token_client"])
def test_oversized_form_field_and_form_encoded_body_are_json_4xx(request, client_name):
    client = request.getfixturevalue(client_name)

    assert_error_shape(client.post("/api/v1/imports", {"file": "x" * (6 * 1024 * 1024)}, format="multipart"), 400)
    response = client.post("/api/v1/imports", "file=" + "x" * 100, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415 and set(response.json()) == {"message", "errors"}


def test_agent_upload_is_refused_before_the_body_is_read(bob_client):
    content = b"first_name\n" + b"a\n" * (11 * 1024 * 1024)

    body = assert_error_shape(bob_client.post("/api/v1/imports", {"file": csv_upload(content)}, format="multipart"), 403)

    assert "20 MB" not in body["message"]


def test_mapping_names_the_field_of_unrecognised_columns(alice_client, workspace, django_capture_on_commit_callbacks):
    content = "Persona,Mail,Móvil personal,Notas\nAna,ana@example.com,+52 55 1234 5678,x\n"
    data = {"file": csv_upload(content), "mapping": '{"Persona": "first_name", "Móvil personal": "phone", "Mail": ""}'}

    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post("/api/v1/imports", data, format="multipart")

    assert response.status_code == 202
    contact = Contact.objects.get(workspace=workspace)
    assert (contact.first_name, contact.email, contact.phone) == ("Ana", "", "+525512345678")


@pytest.mark.parametrize(
    "mapping", ['{"Nope": "email"}', '{"Persona": "password"}', "[1, 2]", "{not json", '{"Persona": 3}']
)
def test_bad_mapping_is_400(alice_client, mapping):
    data = {"file": csv_upload("Persona,email\nAna,ana@example.com\n"), "mapping": mapping}

    body = assert_error_shape(alice_client.post("/api/v1/imports", data, format="multipart"), 400)

    assert list(body["errors"]) == ["mapping"]
    assert not ContactImport.objects.exists()
