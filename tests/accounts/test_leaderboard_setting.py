"""Configuraciones → Agentes, "Los agentes ven la tabla de clasificación completa": off by default
(an agent sees only their own row of Reportes → Tabla de Clasificación), on = every row with
names; owners and managers always see every row; only owners change it."""

import pytest

from accounts.models import Workspace

pytestmark = pytest.mark.django_db

URL = "/settings/agents/"
BOARD = "/api/v1/reports/leaderboard/log"


def names(client):
    response = client.get(BOARD, {"sort": "name"})
    assert response.status_code == 200, response.content
    return [row["user"]["name"] for row in response.json()["results"]]


def activity(workspace, *users):
    """A sent message each, so the board has data (a board of zeros is no_data)."""
    from contacts.models import Message, SenderKind
    from contacts.services import conversation_open, message_create
    from tests.factories import ContactFactory

    for user in users:
        conv, _ = conversation_open(contact=ContactFactory(workspace=workspace))
        message_create(conversation=conv, direction=Message.Direction.OUT, text="Hola", sender_kind=SenderKind.USER,
                       author=user)


def test_off_by_default_an_agent_sees_only_their_row(workspace, alice, bob, dave, bob_client, alice_client,
                                                     dave_client):
    activity(workspace, alice, bob, dave)
    assert workspace.agents_see_leaderboard is False
    assert names(bob_client) == ["Bob"]
    assert names(alice_client) == names(dave_client) == ["Alice", "Bob", "Dave"]


def test_the_owner_turns_it_on_in_spanish_and_agents_see_every_row(workspace, alice, bob, dave, alice_client,
                                                                   bob_client, dave_client):
    activity(workspace, alice, bob, dave)
    body = alice_client.get(URL).content.decode()
    assert "Los agentes ven la tabla de clasificación completa" in body
    response = alice_client.post(URL, {"agent_visibility": "assigned_and_unassigned", "agents_see_leaderboard": "on"})
    assert response.status_code == 302
    workspace.refresh_from_db()
    assert workspace.agents_see_leaderboard is True and workspace.agents_can_reassign is False
    assert names(bob_client) == names(alice_client) == names(dave_client) == ["Alice", "Bob", "Dave"]
    # Off again: back to their own row; owners and managers unchanged.
    alice_client.post(URL, {"agent_visibility": "assigned_and_unassigned"})
    workspace.refresh_from_db()
    assert workspace.agents_see_leaderboard is False
    assert names(bob_client) == ["Bob"] and names(dave_client) == ["Alice", "Bob", "Dave"]


def test_only_owners_change_it(workspace, dave_client, bob_client):
    for client in (dave_client, bob_client):
        assert client.post(URL, {"agent_visibility": "all", "agents_see_leaderboard": "on"}).status_code == 403
    assert Workspace.objects.get(pk=workspace.pk).agents_see_leaderboard is False
