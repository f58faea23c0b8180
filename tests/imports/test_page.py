"""Configuraciones → Importación de datos: upload → column mapping with preview → start → progress."""

import re

import pytest
from django.test import Client

from contacts.models import Contact
from imports.models import ContactImport

from .conftest import HEADER, csv_upload

SPANISH = (
    "Nombre;Apellido;Correo;Móvil personal;Notas;Asignado\r\n"
    "José;Pérez;jose@example.com;+34 600 123 456;cliente antiguo;bob@acme.example\r\n"
    "Lucía;Gómez;lucia@example.com;;;\r\n"
).encode("cp1252")


@pytest.fixture
def alice_page(client, alice):
    client.force_login(alice)
    return client


def test_page_shows_the_upload_form_and_history(alice_page, upload, alice_client):
    upload(alice_client, HEADER + "Ana,,bad-email,,,\n", name="clientes.csv")

    response = alice_page.get("/settings/data-import/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Importación de datos" in html and 'enctype="multipart/form-data"' in html
    assert "clientes.csv" in html and "Alice" in html and "Completada" in html
    assert re.search(r'href="/api/v1/imports/\d+/error-rows"', html)
    # strict CSP: no inline scripts, only files and JSON data blocks
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_upload_mapping_preview_and_start(alice_page, workspace, bob, django_capture_on_commit_callbacks):
    # when: the file is uploaded
    response = alice_page.post("/settings/data-import/", {"file": csv_upload(SPANISH, "clientes.csv")})

    # then: the mapping step with the detected columns and a preview
    contact_import = ContactImport.objects.get()
    assert contact_import.status == "draft"
    assert response.status_code == 302 and response.url == f"/settings/data-import/{contact_import.pk}/"
    page = alice_page.get(response.url).content.decode()
    assert "José" in page and "Pérez" in page and "Lucía" in page
    assert re.search(r'name="column_0"[^>]*>.*?<option value="first_name" selected>', page, re.S)
    assert re.search(r'name="column_5"[^>]*>.*?<option value="assignee" selected>', page, re.S)
    assert not Contact.objects.exists()

    # when: the user maps the unrecognised "Móvil personal" column to phone and starts
    mapping = {f"column_{i}": name for i, name in enumerate(["first_name", "last_name", "email", "phone", "", "assignee"])}
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_page.post(f"/settings/data-import/{contact_import.pk}/", {**mapping, "mode": "add_and_update"})

    # then: the import ran and its page shows the result
    assert response.status_code == 302
    contact_import.refresh_from_db()
    assert (contact_import.status, contact_import.created_count, contact_import.error_count) == ("succeeded", 2, 0)
    jose = Contact.objects.get(workspace=workspace, email="jose@example.com")
    assert (jose.first_name, jose.phone, jose.assignee) == ("José", "+34600123456", bob)
    page = alice_page.get(response.url).content.decode()
    assert "Completada" in page and "imports/data_import.js" in page
    # a started import cannot be started again
    assert alice_page.post(f"/settings/data-import/{contact_import.pk}/", {**mapping, "mode": "add"}).status_code == 200
    assert ContactImport.objects.get().mode == "add_and_update"


def test_running_import_page_polls_the_api(alice_page, workspace, alice):
    from imports.services import contact_import_create

    contact_import = contact_import_create(workspace=workspace, uploaded_file=csv_upload(HEADER + "Ana,,,,,\n"), uploaded_by=alice)

    html = alice_page.get(f"/settings/data-import/{contact_import.pk}/").content.decode()

    assert f'data-import-poll="/api/v1/imports/{contact_import.pk}"' in html
    assert 'id="import-status-labels" type="application/json"' in html


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        (["first_name", "email", "email", "", "", ""], "dos veces"),
        (["", "last_name", "", "", "", ""], "Ninguna columna"),
    ],
)
def test_bad_mapping_is_refused(alice_page, mapping, message):
    alice_page.post("/settings/data-import/", {"file": csv_upload(SPANISH)})
    contact_import = ContactImport.objects.get()

    response = alice_page.post(
        f"/settings/data-import/{contact_import.pk}/",
        {**{f"column_{i}": name for i, name in enumerate(mapping)}, "mode": "add"},
    )

    assert response.status_code == 400 and message in response.content.decode()
    contact_import.refresh_from_db()
    assert contact_import.status == "draft"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"PK\x03\x04" + b"\x00" * 50, "Excel"),
        (b"", "vacío"),
        (b"ana@example.com;Ana\n", "encabezado"),
        (b"Ana;+52 55 1234 5678\nLuis;+52 55 1234 0000\n", "encabezado"),
    ],
)
def test_unusable_upload_shows_the_reason(alice_page, content, message):
    response = alice_page.post("/settings/data-import/", {"file": csv_upload(content)})

    assert response.status_code == 400 and message in response.content.decode()
    assert not ContactImport.objects.exists()


def test_too_big_upload_shows_the_limit(alice_page, settings):
    settings.IMPORT_MAX_FILE_BYTES = 1024 * 1024
    content = b"first_name\n" + b"a\n" * (1024 * 1024)

    response = alice_page.post("/settings/data-import/", {"file": csv_upload(content)})

    assert response.status_code == 400 and "1 MB" in response.content.decode()
    assert not ContactImport.objects.exists()


def test_upload_needs_the_csrf_token(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)

    assert client.post("/settings/data-import/", {"file": csv_upload(SPANISH)}).status_code == 403
    assert not ContactImport.objects.exists()


def test_agent_gets_403(client, bob, alice, workspace):
    from imports.services import contact_import_create

    contact_import = contact_import_create(workspace=workspace, uploaded_file=csv_upload(SPANISH), uploaded_by=alice, start=False)
    client.force_login(bob)

    assert client.get("/settings/data-import/").status_code == 403
    assert client.post("/settings/data-import/", {"file": csv_upload(SPANISH)}).status_code == 403
    assert client.get(f"/settings/data-import/{contact_import.pk}/").status_code == 403
    assert ContactImport.objects.count() == 1


def test_anonymous_goes_to_login(client, db):
    response = client.get("/settings/data-import/")

    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_another_workspace_sees_its_own_empty_history_and_404(client, charlie, alice, workspace):
    from imports.services import contact_import_create

    contact_import = contact_import_create(workspace=workspace, uploaded_file=csv_upload(SPANISH, "de-alice.csv"), uploaded_by=alice, start=False)
    client.force_login(charlie)

    page = client.get("/settings/data-import/")
    assert page.status_code == 200 and "de-alice.csv" not in page.content.decode()
    assert client.get(f"/settings/data-import/{contact_import.pk}/").status_code == 404


def test_drafts_are_not_in_the_api(alice_page, alice_client):
    alice_page.post("/settings/data-import/", {"file": csv_upload(SPANISH)})
    draft = ContactImport.objects.get()

    assert alice_client.get("/api/v1/imports").json()["results"] == []
    assert alice_client.get(f"/api/v1/imports/{draft.pk}").status_code == 404


def test_the_help_is_a_short_list(alice_page):
    html = alice_page.get("/settings/data-import/").content.decode()

    help_list = re.search(r'<ul class="help import-help">(.*?)</ul>', html, re.S).group(1)
    # (the thousands separator is a no-break space)
    items = [item.strip().replace("\xa0", " ") for item in re.findall(r"<li>(.*?)</li>", help_list, re.S)]
    assert len(items) == 5
    assert items[0] == "Un contacto por fila; la primera fila lleva los nombres de las columnas."
    assert items[3] == "Hasta 20 MB y 200 000 filas; UTF-8 o Latin-1; comas o punto y coma (como lo guarda Excel)."
