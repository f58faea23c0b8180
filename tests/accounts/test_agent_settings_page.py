"""Configuraciones → Agentes (/settings/agents/): owners only; defaults are the restrictive ones."""

import pytest

from accounts.models import Workspace

pytestmark = pytest.mark.django_db

URL = "/settings/agents/"


def test_defaults_are_own_and_unassigned_contacts_and_no_reassigning(workspace):
    assert workspace.agent_visibility == Workspace.AgentVisibility.ASSIGNED_AND_UNASSIGNED
    assert workspace.agents_can_reassign is False


def test_owner_sees_the_page_in_spanish_and_saves_both_settings(alice_client, workspace):
    body = alice_client.get(URL).content.decode()
    assert "Los agentes pueden ver" in body
    assert "Todos los contactos" in body and "Solo sus contactos asignados y los sin asignar" in body
    assert "Los agentes pueden reasignar a otros agentes" in body
    assert 'href="/settings/agents/" aria-current="page"' in body

    response = alice_client.post(URL, {"agent_visibility": "all", "agents_can_reassign": "on"})

    assert response.status_code == 302 and response["Location"] == URL
    workspace.refresh_from_db()
    assert (workspace.agent_visibility, workspace.agents_can_reassign) == ("all", True)
    alice_client.post(URL, {"agent_visibility": "assigned_and_unassigned"})
    workspace.refresh_from_db()
    assert (workspace.agent_visibility, workspace.agents_can_reassign) == ("assigned_and_unassigned", False)


def test_an_unknown_value_is_refused_with_the_form_again(alice_client, workspace):
    response = alice_client.post(URL, {"agent_visibility": "everything"})
    assert response.status_code == 200
    workspace.refresh_from_db()
    assert workspace.agent_visibility == Workspace.AgentVisibility.ASSIGNED_AND_UNASSIGNED


@pytest.mark.parametrize("persona", ["dave_client", "erin_client", "bob_client"])
def test_managers_and_agents_get_403(persona, request, workspace):
    client = request.getfixturevalue(persona)
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"agent_visibility": "all", "agents_can_reassign": "on"}).status_code == 403
    workspace.refresh_from_db()
    assert workspace.agent_visibility == Workspace.AgentVisibility.ASSIGNED_AND_UNASSIGNED


def test_only_owners_get_the_link_in_the_settings_menu(alice_client, dave_client):
    assert 'href="/settings/agents/"' in alice_client.get("/settings/general/").content.decode()
    assert 'href="/settings/agents/"' not in dave_client.get("/settings/general/").content.decode()


def test_charlie_changes_only_his_own_workspace(charlie_client, workspace, other_workspace):
    charlie_client.post(URL, {"agent_visibility": "all"})
    workspace.refresh_from_db()
    other_workspace.refresh_from_db()
    assert workspace.agent_visibility == Workspace.AgentVisibility.ASSIGNED_AND_UNASSIGNED
    assert other_workspace.agent_visibility == Workspace.AgentVisibility.ALL
