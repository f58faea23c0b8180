"""The contacts CSV import and the workspace's custom contact fields: a column whose header is a
field's key fills it; bad values reject their row, good rows are kept."""

import re

import pytest

from contacts.custom_fields import custom_field_create
from contacts.models import Contact
from imports.csvfile import guess_mapping, mapping_problem
from imports.models import ContactImport
from tests.factories import ContactFactory

from .conftest import csv_upload, parse_error_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def fields(workspace):
    custom_field_create(workspace=workspace, key="plan", label="Plan")
    custom_field_create(workspace=workspace, key="numero_cliente", label="Número de cliente")


def test_headers_that_are_custom_keys_are_mapped():
    headers = ["Nombre", "Correo", "plan", "Número Cliente", "Notas", "nombre"]
    assert guess_mapping(headers, ["plan", "numero_cliente"]) == [
        "first_name", "email", "custom.plan", "custom.numero_cliente", "", ""]
    assert guess_mapping(headers) == ["first_name", "email", "", "", "", ""]
    assert mapping_problem(["first_name", "custom.plan"], {"plan": "Plan"}) is None
    assert mapping_problem(["first_name", "custom.nivel"], {"plan": "Plan"})
    assert "Plan" in mapping_problem(["first_name", "custom.plan", "custom.plan"], {"plan": "Plan"})


def test_the_import_fills_custom_fields_and_reports_bad_rows(alice_client, upload, workspace, fields):
    existing = ContactFactory(workspace=workspace, first_name="María", email="maria@example.com",
                              custom_fields={"plan": "Plata", "numero_cliente": "77"})
    content = (
        "first_name,email,plan,numero_cliente\n"
        "Ana,ana@example.com, Oro ,A-1\n"  # 2 new, trimmed
        f"María,maria@example.com,Oro,\n"  # 3 update: plan changes, the empty cell keeps 77
        f"Luis,luis@example.com,{'x' * 501},L-1\n"  # 4 value too long: rejected, nothing written
        "Eva,eva@example.com,,\n"  # 5 new without values
    )
    response = upload(alice_client, content)
    assert response.status_code == 202, response.content
    detail = alice_client.get(f"/api/v1/imports/{response.json()['id']}").json()
    assert (detail["status"], detail["created"], detail["updated"], detail["errors"]) == ("succeeded", 2, 1, 1)
    values = dict(Contact.objects.filter(workspace=workspace).values_list("email", "custom_fields"))
    assert values == {
        "ana@example.com": {"plan": "Oro", "numero_cliente": "A-1"},
        "maria@example.com": {"plan": "Oro", "numero_cliente": "77"},
        "eva@example.com": {},
    }
    existing.refresh_from_db()
    rows = parse_error_rows(alice_client.get(detail["error_rows_url"]).getvalue())
    assert [row[0] for row in rows[1:]] == ["4"] and "plan" in rows[1][1] and "500" in rows[1][1]


def test_a_custom_field_can_be_chosen_for_a_column(alice_client, upload, workspace, fields):
    response = alice_client.post("/api/v1/imports", {
        "file": csv_upload("first_name,Nivel\nAna,Oro\n"), "mapping": '{"Nivel": "custom.plan"}'}, format="multipart")
    assert response.status_code == 202, response.content
    unknown = alice_client.post("/api/v1/imports", {
        "file": csv_upload("first_name,Nivel\nAna,Oro\n"), "mapping": '{"Nivel": "custom.nivel"}'}, format="multipart")
    assert unknown.status_code == 400 and set(unknown.json()) == {"message", "errors"}


def test_the_mapping_page_offers_the_custom_fields(client, alice, workspace, fields):
    client.force_login(alice)
    response = client.post("/settings/data-import/", {"file": csv_upload("Nombre,plan\nAna,Oro\n", "c.csv")})
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert re.search(r'name="column_1"[^>]*>.*?<option value="custom.plan" selected>Plan</option>', page, re.S)
    assert "Número de cliente" in page
    assert ContactImport.objects.get().mapping == ["first_name", "custom.plan"]
