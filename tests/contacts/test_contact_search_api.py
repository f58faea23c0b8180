import pytest

from assignments.models import AssignmentSource
from assignments.services import contact_assign
from tests.factories import ContactFactory

URL = "/api/v1/contacts"


@pytest.fixture
def contacts(workspace, bob):
    ana = ContactFactory(workspace=workspace, first_name="Ana", last_name="López", email="ana@cliente.mx",
                         phone="+5215511112222")
    beto = ContactFactory(workspace=workspace, first_name="Beto", last_name="Ruiz", email="beto@cliente.mx",
                          phone="+5215533334444")
    contact_assign(contact=beto, assignee=bob, source=AssignmentSource.API)
    return ana, beto


def test_search_matches_name_email_phone_and_id(alice_client, contacts):
    ana, beto = contacts
    assert [r["id"] for r in alice_client.get(URL, {"search": "ana lóp"}).json()["results"]] == [ana.pk]
    assert [r["id"] for r in alice_client.get(URL, {"search": "BETO@"}).json()["results"]] == [beto.pk]
    assert [r["id"] for r in alice_client.get(URL, {"search": "3333"}).json()["results"]] == [beto.pk]
    assert ana.pk in [r["id"] for r in alice_client.get(URL, {"search": str(ana.pk)}).json()["results"]]
    assert alice_client.get(URL, {"search": "zzz-nobody"}).json()["count"] == 0


def test_search_returns_the_contact_shape(token_client, contacts, bob):
    _, beto = contacts
    body = token_client.get(URL, {"search": "Beto"}).json()
    assert body["count"] == 1 and body["page"] == 1 and body["next"] is None
    row = body["results"][0]
    assert set(row) == {"id", "first_name", "last_name", "name", "email", "phone", "tags", "custom_fields", "assignee",
                        "created_at"}
    assert row["name"] == "Beto Ruiz"
    assert row["assignee"] == {"id": bob.pk, "name": "Bob", "email": "bob@acme.example"}


def test_search_without_text_lists_all_and_paginates(alice_client, contacts):
    body = alice_client.get(URL, {"page_size": 1}).json()
    assert body["count"] == 2 and len(body["results"]) == 1 and body["next"]
    assert alice_client.get(URL, {"page_size": "x"}).status_code == 400
    assert alice_client.get(URL, {"page": 99}).status_code == 400


def test_agents_may_search(bob_client, contacts):
    assert bob_client.get(URL, {"search": "Ana"}).json()["count"] == 1


def test_charlie_sees_only_his_workspace(charlie_client, contacts, other_workspace):
    ContactFactory(workspace=other_workspace, first_name="Ana", last_name="Globex")
    body = charlie_client.get(URL, {"search": "Ana"}).json()
    assert [r["last_name"] for r in body["results"]] == ["Globex"]
    assert charlie_client.get(URL, {"search": "ana@cliente.mx"}).json()["count"] == 0


def test_search_needs_credentials(anon_client, workspace):
    response = anon_client.get(URL)
    assert response.status_code == 401
    assert set(response.json()) == {"message", "errors"}


def test_huge_and_odd_search_text_is_harmless(alice_client, contacts):
    assert alice_client.get(URL, {"search": "9" * 40}).status_code == 200
    assert alice_client.get(URL, {"search": "%_\\'\""}).status_code == 200
