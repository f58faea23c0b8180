"""Contactos: a searchable (same search as the Developer API), paginated list of the workspace's contacts for every member."""

import re

import pytest

from assignments.models import AssignmentSource
from assignments.services import contact_assign
from tests.factories import ContactFactory, agent_settings

from .conftest import open_conversation

pytestmark = pytest.mark.django_db

URL = "/contacts/"


def names(response) -> list[str]:
    assert response.status_code == 200
    return re.findall(r"<td>([^<]+) <span class=\"muted\">#\d+</span></td>", response.content.decode())


@pytest.fixture
def people(workspace, other_workspace, bob, frank):
    ana = ContactFactory(workspace=workspace, first_name="Ana", last_name="Luna", email="ana@cliente.mx",
                         phone="+5215511111111", tags=["vip", "mayoreo"])
    beto = ContactFactory(workspace=workspace, first_name="Beto", last_name="Sol", email="beto@cliente.mx",
                          phone="+5215522222222")
    frida = ContactFactory(workspace=workspace, first_name="Frida", last_name="Mar", email="frida@cliente.mx",
                           phone="+5215533333333")
    ContactFactory(workspace=other_workspace, first_name="Ana", last_name="Globex", email="ana@globex.example")
    contact_assign(contact=beto, assignee=bob, source=AssignmentSource.API)
    contact_assign(contact=frida, assignee=frank, source=AssignmentSource.API)
    return {"ana": ana, "beto": beto, "frida": frida}


def test_agents_see_every_contact_with_the_columns(bob_client, workspace, people):
    # Configuraciones → Agentes: "Los agentes pueden ver: todos los contactos".
    agent_settings(workspace, see_all=True)
    response = bob_client.get(URL)
    body = response.content.decode()

    assert sorted(names(response)) == ["Ana Luna", "Beto Sol", "Frida Mar"]
    for text in ("ana@cliente.mx", "+5215511111111", "vip", "mayoreo", "Frank", "Contactos", "Asignado a"):
        assert text in body


@pytest.mark.parametrize(
    "query, expected",
    [
        ("ana luna", ["Ana Luna"]),
        ("BETO@", ["Beto Sol"]),
        ("22222", ["Beto Sol"]),
        ("nadie", []),
    ],
)
def test_search_by_name_email_phone(query, expected, alice_client, people):
    assert names(alice_client.get(URL, {"q": query})) == expected


def test_search_by_id(alice_client, people):
    assert names(alice_client.get(URL, {"q": f"#{people['frida'].pk}"})) == ["Frida Mar"]


def test_agents_see_only_their_own_and_unassigned_contacts_by_default(bob_client, frank, people):
    response = bob_client.get(URL)

    assert sorted(names(response)) == ["Ana Luna", "Beto Sol"]
    assert "frida@cliente.mx" not in response.content.decode()
    # Another member's contacts are nothing to filter by: the filter offers no other members.
    assert f'<option value="{frank.pk}"' not in response.content.decode()
    assert names(bob_client.get(URL, {"assignee": frank.pk})) == []
    assert names(bob_client.get(URL, {"q": "Frida"})) == []


def test_filter_by_assignee(bob_client, workspace, bob, frank, people):
    agent_settings(workspace, see_all=True)
    assert names(bob_client.get(URL, {"assignee": "me"})) == ["Beto Sol"]
    assert names(bob_client.get(URL, {"assignee": "none"})) == ["Ana Luna"]
    assert names(bob_client.get(URL, {"assignee": frank.pk})) == ["Frida Mar"]


@pytest.mark.parametrize("params", [{"assignee": "zzz"}, {"assignee": "999999999999999999999"}, {"page": "abc"},
                                    {"page": "-4"}, {"q": "x" * 5000}, {"q": "\x00"}])
def test_odd_parameters_never_fail(params, alice_client, people):
    assert alice_client.get(URL, params).status_code == 200


def test_charlie_sees_only_his_workspace(charlie_client, people):
    assert names(charlie_client.get(URL, {"q": "ana"})) == ["Ana Globex"]


def test_assignee_of_another_workspace_is_ignored(charlie_client, bob, people):
    assert names(charlie_client.get(URL, {"assignee": bob.pk})) == ["Ana Globex"]


def test_pagination(alice_client, workspace):
    for n in range(30):
        ContactFactory(workspace=workspace, first_name=f"Cliente{n:02d}", last_name="X")

    first = alice_client.get(URL)
    second = alice_client.get(URL, {"page": 2})

    assert len(names(first)) == 25 and len(names(second)) == 5
    assert "Página 1 de 2" in first.content.decode()


def test_links_only_to_conversations_the_agent_may_open(bob_client, workspace, bob, frank):
    mine = open_conversation(workspace, assignee=bob, first_name="Mio")
    theirs = open_conversation(workspace, assignee=frank, first_name="Ajeno")
    free = open_conversation(workspace, first_name="Libre")

    body = bob_client.get(URL).content.decode()

    assert f"/messages/{mine.pk}/" in body
    assert f"/messages/{free.pk}/" in body
    assert f"/messages/{theirs.pk}/" not in body


def test_anonymous_redirected_and_non_member_403(anon_client, outsider_client):
    assert anon_client.get(URL).status_code == 302
    assert outsider_client.get(URL).status_code == 403


def test_main_navigation_marks_contacts_not_messages(bob_client, workspace, people):
    agent_settings(workspace, see_all=True)
    body = bob_client.get(URL).content.decode()

    assert '<a href="/contacts/" aria-current="page">' in body
    assert '<a href="/messages/" aria-current="page">' not in body
    assert "3 contactos" in body
