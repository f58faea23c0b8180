"""Custom contact fields: /api/v1/contact-fields (definitions), the values through the contacts
API, and deleting a definition with its values."""

import pytest

from contacts.custom_fields import custom_field_create, custom_values_clean
from contacts.models import Contact, CustomField
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def _assert_400(response, field):
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == {"message", "errors"} and body["message"], body
    assert field in body["errors"], body


@pytest.fixture
def plan(workspace):
    return custom_field_create(workspace=workspace, key="plan", label="Plan")


def test_an_owner_defines_a_field_and_every_member_reads_it(alice_client, bob_client):
    response = alice_client.post("/api/v1/contact-fields", {"key": "numero_cliente", "label": " Número de cliente "},
                                 format="json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["key"], created["label"], created["variable"]) == (
        "numero_cliente", "Número de cliente", "{{contact.custom.numero_cliente}}")
    listed = bob_client.get("/api/v1/contact-fields").json()
    assert [f["key"] for f in listed["results"]] == ["numero_cliente"]
    assert bob_client.get(f"/api/v1/contact-fields/{created['id']}").status_code == 200


@pytest.mark.parametrize(("body", "field"), [
    ({"key": "Plan", "label": "Plan"}, "key"),
    ({"key": "1plan", "label": "Plan"}, "key"),
    ({"key": "plan-tipo", "label": "Plan"}, "key"),
    ({"key": "x" * 51, "label": "Plan"}, "key"),
    ({"key": "email", "label": "Correo"}, "key"),
    ({"key": 7, "label": "Plan"}, "key"),
    ({"label": "Plan"}, "key"),
    ({"key": "plan"}, "label"),
    ({"key": "plan", "label": "   "}, "label"),
    ({"key": "plan", "label": "x" * 101}, "label"),
])
def test_bad_definitions_are_400(alice_client, body, field):
    _assert_400(alice_client.post("/api/v1/contact-fields", body, format="json"), field)


def test_a_key_is_unique_in_the_workspace_and_fixed(alice_client, charlie_client, plan):
    _assert_400(alice_client.post("/api/v1/contact-fields", {"key": "plan", "label": "Otro"}, format="json"), "key")
    # another workspace has its own keys
    assert charlie_client.post("/api/v1/contact-fields", {"key": "plan", "label": "Plan"}, format="json").status_code == 201
    _assert_400(alice_client.patch(f"/api/v1/contact-fields/{plan.pk}", {"key": "tier"}, format="json"), "key")
    response = alice_client.patch(f"/api/v1/contact-fields/{plan.pk}", {"label": "Plan contratado"}, format="json")
    assert response.status_code == 200 and response.json()["label"] == "Plan contratado"
    _assert_400(alice_client.post("/api/v1/contact-fields", ["plan"], format="json"), "non_field_errors")


def test_agents_cannot_change_definitions(bob_client, plan):
    for response in (
        bob_client.post("/api/v1/contact-fields", {"key": "tier", "label": "Tier"}, format="json"),
        bob_client.patch(f"/api/v1/contact-fields/{plan.pk}", {"label": "X"}, format="json"),
        bob_client.delete(f"/api/v1/contact-fields/{plan.pk}"),
    ):
        assert response.status_code == 403
        assert set(response.json()) == {"message", "errors"}
    assert CustomField.objects.filter(pk=plan.pk, label="Plan").exists()


def test_another_workspaces_field_is_404(charlie_client, plan):
    for response in (
        charlie_client.get(f"/api/v1/contact-fields/{plan.pk}"),
        charlie_client.patch(f"/api/v1/contact-fields/{plan.pk}", {"label": "X"}, format="json"),
        charlie_client.delete(f"/api/v1/contact-fields/{plan.pk}"),
    ):
        assert response.status_code == 404
        assert set(response.json()) == {"message", "errors"}
    assert charlie_client.get("/api/v1/contact-fields").json()["count"] == 0


def test_deleting_a_field_deletes_its_values(alice_client, workspace, other_workspace, plan):
    tier = custom_field_create(workspace=workspace, key="tier", label="Tier")
    custom_field_create(workspace=other_workspace, key="plan", label="Plan")
    ana = ContactFactory(workspace=workspace, custom_fields={"plan": "Oro", "tier": "1"})
    beto = ContactFactory(workspace=workspace, custom_fields={"tier": "2"})
    gus = ContactFactory(workspace=other_workspace, custom_fields={"plan": "Oro"})
    assert alice_client.delete(f"/api/v1/contact-fields/{plan.pk}").status_code == 204
    assert Contact.objects.get(pk=ana.pk).custom_fields == {"tier": "1"}
    assert Contact.objects.get(pk=beto.pk).custom_fields == {"tier": "2"}
    assert Contact.objects.get(pk=gus.pk).custom_fields == {"plan": "Oro"}  # another workspace's field
    assert CustomField.objects.filter(pk=tier.pk).exists()


# --- values through the contacts API ---


def test_values_are_set_on_create_and_merged_on_update(alice_client, workspace, plan):
    custom_field_create(workspace=workspace, key="tier", label="Tier")
    response = alice_client.post("/api/v1/contacts", {"first_name": "Ana", "custom_fields": {"plan": "  Oro ", "tier": ""}},
                                 format="json")
    assert response.status_code == 201, response.content
    contact = response.json()
    assert contact["custom_fields"] == {"plan": "Oro"}
    url = f"/api/v1/contacts/id:{contact['id']}"
    assert alice_client.patch(url, {"custom_fields": {"tier": "1"}}, format="json").json()["custom_fields"] == {
        "plan": "Oro", "tier": "1"}
    assert alice_client.patch(url, {"custom_fields": {"plan": None}}, format="json").json()["custom_fields"] == {
        "tier": "1"}
    assert alice_client.patch(url, {"last_name": "R"}, format="json").json()["custom_fields"] == {"tier": "1"}
    assert alice_client.get(url).json()["custom_fields"] == {"tier": "1"}


@pytest.mark.parametrize(("custom", "field"), [
    ({"nivel": "1"}, "custom_fields.nivel"),
    ({"plan": 3}, "custom_fields.plan"),
    ({"plan": ["Oro"]}, "custom_fields.plan"),
    ({"plan": "x" * 501}, "custom_fields.plan"),
    (["plan"], "custom_fields"),
    ("plan=Oro", "custom_fields"),
])
def test_bad_values_are_400(alice_client, ana, plan, custom, field):
    _assert_400(alice_client.post("/api/v1/contacts", {"first_name": "Eva", "custom_fields": custom}, format="json"),
                field)
    _assert_400(alice_client.patch(f"/api/v1/contacts/id:{ana.pk}", {"custom_fields": custom}, format="json"), field)
    assert Contact.objects.get(pk=ana.pk).custom_fields == {}


def test_another_workspaces_key_is_unknown(alice_client, other_workspace):
    custom_field_create(workspace=other_workspace, key="plan", label="Plan")
    _assert_400(alice_client.post("/api/v1/contacts", {"first_name": "Eva", "custom_fields": {"plan": "Oro"}},
                                  format="json"), "custom_fields.plan")


def test_an_agent_fills_values_on_a_contact_they_see(bob_client, workspace, plan):
    contact = ContactFactory(workspace=workspace)
    response = bob_client.patch(f"/api/v1/contacts/id:{contact.pk}", {"custom_fields": {"plan": "Plata"}}, format="json")
    assert response.status_code == 200 and response.json()["custom_fields"] == {"plan": "Plata"}


def test_values_clean_strips_nul_and_refuses_nothing_valid(workspace, plan):
    assert custom_values_clean(workspace=workspace, values={"plan": "O\x00ro"}) == {"plan": "Oro"}


def test_errors_speak_the_workspace_language_spanish_first(alice_client, plan):
    response = alice_client.post("/api/v1/contact-fields", {"key": "plan", "label": "Plan"}, format="json")
    assert response.json()["message"] == "Ya existe un campo personalizado con esta clave."
    response = alice_client.post("/api/v1/contacts", {"first_name": "Eva", "custom_fields": {"nivel": "1"}}, format="json")
    assert response.json()["errors"]["custom_fields.nivel"] == [
        "Campo personalizado desconocido: nivel. Defínalo primero (campos personalizados de contactos)."]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_patches_of_different_keys_both_land(workspace, alice):
    from rest_framework.test import APIClient

    from tests.contacts.test_conversation_lifecycle_postgres import run_at_once

    keys = [f"campo_{i}" for i in range(6)]
    for key in keys:
        custom_field_create(workspace=workspace, key=key, label=key)
    contact = ContactFactory(workspace=workspace)

    def patch(index):
        client = APIClient()
        client.force_login(alice)
        response = client.patch(f"/api/v1/contacts/id:{contact.pk}", {"custom_fields": {keys[index]: str(index)}},
                                format="json")
        assert response.status_code == 200, response.content

    run_at_once(patch, len(keys))
    assert Contact.objects.get(pk=contact.pk).custom_fields == {key: str(i) for i, key in enumerate(keys)}
