"""Importación de datos in a real browser: upload a Spanish Excel CSV, fix the mapping of one
column, start, and watch the progress of a queued import turn into the result by polling
(static JS under the strict CSP). Leaves a screenshot in artifacts/data-import.png."""

import os

import pytest
from django.db import connections

from contacts.models import Contact
from crm.celery import app as celery_app
from imports.models import ContactImport
from imports.services import contact_import_create, contact_import_run
from tests.browser.conftest import CHROMIUM

from .conftest import HEADER, csv_upload

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-123456"  # tests.factories.UserFactory's password
SPANISH = (
    "Nombre;Apellido;Correo;Móvil personal;Asignado\r\n"
    "José;Pérez;jose@example.com;+34 600 123 456;bob@acme.example\r\n"
    "Lucía;Gómez;lucia@example.com;;\r\n"
).encode("cp1252")


@pytest.fixture(autouse=True)
def _needs_chromium():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")


@pytest.fixture
def browser(chromium):
    yield chromium
    connections.close_all()


def test_upload_map_start_and_follow_progress(live_server, browser, artifacts_dir, workspace, alice, bob):
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="es-MX")
    failed = []
    page.on("response", lambda r: failed.append((r.status, r.url)) if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    page.on("pageerror", lambda error: failed.append(("js", str(error))))
    # (failed resources are caught above with their URL; the console repeats them without it)
    page.on("console", lambda msg: failed.append(("console", msg.text)) if msg.type == "error" and "Failed to load resource" not in msg.text else None)

    page.goto(live_server.url + "/settings/data-import/")
    page.fill("#id_username", alice.email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/settings/data-import/")

    # upload → the mapping step with the preview
    page.set_input_files("#id_file", files=[{"name": "clientes.csv", "mimeType": "text/csv", "buffer": SPANISH}])
    page.click("form[enctype] button[type=submit]")
    page.wait_for_selector("#import-mapping-form")
    assert "José" in page.inner_text(".mapping-preview") and "Lucía" in page.inner_text(".mapping-preview")
    assert page.input_value("select[name=column_0]") == "first_name"
    assert page.input_value("select[name=column_3]") == ""  # "Móvil personal" is not recognised
    page.select_option("select[name=column_3]", "phone")
    page.screenshot(path=str(artifacts_dir / "data-import-mapping.png"), full_page=True)
    page.check("input[name=mode][value=add_and_update]")
    page.click("#import-mapping-form button[type=submit]")
    page.wait_for_selector(".import-status")
    assert page.inner_text("[data-field=status]") == "Completada"
    assert page.inner_text("dd[data-field=created]") == "2"
    assert Contact.objects.get(email="jose@example.com").phone == "+34600123456"

    # a queued import (no worker yet): the page polls and shows the result once it has run
    celery_app.conf.task_always_eager = False
    try:
        queued = contact_import_create(workspace=workspace, uploaded_file=csv_upload(HEADER + "Ana,,bad,,,\n"), uploaded_by=alice)
    finally:
        celery_app.conf.task_always_eager = True
    page.goto(live_server.url + f"/settings/data-import/{queued.pk}/")
    assert page.inner_text("[data-field=status]") == "En cola"
    contact_import_run(contact_import_id=queued.pk)
    page.locator("[data-field=status]", has_text="Completada").wait_for()
    page.wait_for_selector("[data-field=error_rows] a[href$='/error-rows']")
    assert page.inner_text("dd[data-field=errors]") == "1"

    page.goto(live_server.url + "/settings/data-import/")
    assert page.locator("table.import-history tbody tr").count() == 2
    page.screenshot(path=str(artifacts_dir / "data-import.png"), full_page=True)
    assert ContactImport.objects.filter(status="succeeded").count() == 2
    assert failed == []
