"""What agents see and may reassign, per the workspace's Configuraciones → Agentes.

"Los agentes pueden ver" is applied by one selector (``contacts.selectors.contact_visibility``)
on every surface: the Contactos list, the contacts API (detail, search-as-you-type, writes), the
Mensajes inboxes and conversation, the conversations API. A hidden contact is a 404, as if it
did not exist. "Los agentes pueden reasignar a otros agentes" is one rule
(``assignments.rules.assignment_refusal``) where agents assign: Mensajes and the assignee endpoint.
"""

import pytest

from assignments.models import AssignmentEvent
from tests.factories import agent_settings

from .conftest import open_conversation

pytestmark = pytest.mark.django_db


@pytest.fixture
def convs(workspace, bob, frank):
    return {
        "mine": open_conversation(workspace, assignee=bob, first_name="Mia"),
        "free": open_conversation(workspace, first_name="Libre"),
        "theirs": open_conversation(workspace, assignee=frank, first_name="Ajena"),
    }


def _api_names(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["contact"]["name"] if "contact" in row else row["name"] for row in response.json()["results"]}


def _surfaces(client, convs) -> dict[str, set[str] | int]:
    """What the agent gets on every surface that reads contacts, conversations and messages."""
    theirs = convs["theirs"]
    return {
        "contacts page": {n for n in ("Mia", "Libre", "Ajena") if f"{n} Prieto" in client.get("/contacts/").content.decode()},
        "contacts api": {n.split()[0] for n in _api_names(client.get("/api/v1/contacts"))},
        "search": {n.split()[0] for n in _api_names(client.get("/api/v1/contacts", {"search": "Ajena"}))},
        # the id may also match digits of other phones: only whether the hidden contact is found
        "search by id": "Ajena" in {n.split()[0] for n in _api_names(client.get("/api/v1/contacts", {"search": str(theirs.contact_id)}))},
        "inbox all": {n for n in ("Mia", "Libre", "Ajena") if f"{n} Prieto" in client.get("/messages/?inbox=all").content.decode()},
        "conversations api": {n.split()[0] for n in _api_names(client.get("/api/v1/conversations"))},
        "contact detail": client.get(f"/api/v1/contacts/id:{theirs.contact_id}").status_code,
        "contact by email": client.get(f"/api/v1/contacts/email:{theirs.contact.email}").status_code,
        "contact patch": client.patch(f"/api/v1/contacts/id:{theirs.contact_id}", {"last_name": "X"}, format="json").status_code,
        "contact message": client.post(f"/api/v1/contacts/id:{theirs.contact_id}/messages", {"text": "Hola"}, format="json").status_code,
        "conversation page": client.get(f"/messages/{theirs.pk}/").status_code,
        "conversation messages": client.get(f"/api/v1/conversations/{theirs.pk}/messages").status_code,
        "conversation close": client.post(f"/api/v1/conversations/{theirs.pk}/close", {}, format="json").status_code,
    }


def test_by_default_an_agent_sees_only_their_own_and_unassigned_contacts_everywhere(bob_client, convs):
    seen = _surfaces(bob_client, convs)

    assert seen == {
        "contacts page": {"Mia", "Libre"}, "contacts api": {"Mia", "Libre"}, "search": set(), "search by id": False,
        "inbox all": {"Mia", "Libre"}, "conversations api": {"Mia", "Libre"},
        "contact detail": 404, "contact by email": 404, "contact patch": 404, "contact message": 404,
        "conversation page": 404, "conversation messages": 404, "conversation close": 404,
    }
    detail = bob_client.get(f"/api/v1/contacts/id:{convs['theirs'].contact_id}")
    assert set(detail.json()) == {"message", "errors"} and "Ajena" not in detail.content.decode()


def test_with_all_contacts_an_agent_sees_every_contact_and_conversation(bob_client, workspace, convs):
    agent_settings(workspace, see_all=True)

    seen = _surfaces(bob_client, convs)

    assert seen == {
        "contacts page": {"Mia", "Libre", "Ajena"}, "contacts api": {"Mia", "Libre", "Ajena"}, "search": {"Ajena"},
        "search by id": True, "inbox all": {"Mia", "Libre", "Ajena"}, "conversations api": {"Mia", "Libre", "Ajena"},
        "contact detail": 200, "contact by email": 200, "contact patch": 200, "contact message": 201,
        "conversation page": 200, "conversation messages": 200, "conversation close": 200,
    }


def test_owners_managers_and_tokens_see_everything_whatever_the_setting(alice_client, dave_client, token_client, convs):
    for client in (alice_client, dave_client, token_client):
        assert {n.split()[0] for n in _api_names(client.get("/api/v1/contacts"))} == {"Mia", "Libre", "Ajena"}
        assert client.get(f"/api/v1/contacts/id:{convs['theirs'].contact_id}").status_code == 200


# --- "Los agentes pueden reasignar a otros agentes" ------------------------------------------


def _assign(client, conversation, assignee):
    value = None if assignee is None else assignee.pk
    return client.post(f"/api/v1/contacts/id:{conversation.contact_id}/assignee", {"assignee": value}, format="json")


def test_without_reassigning_an_agent_takes_unassigned_and_releases_their_own(bob_client, bob, convs):
    assert _assign(bob_client, convs["free"], bob).json()["changed"] is True
    assert _assign(bob_client, convs["mine"], None).json()["changed"] is True


def test_without_reassigning_an_agent_may_not_hand_a_contact_to_a_colleague(bob_client, alice, frank, convs):
    for conversation in (convs["free"], convs["mine"]):
        response = _assign(bob_client, conversation, frank)
        assert response.status_code == 403
        body = response.json()
        assert set(body) == {"message", "errors"} and "solo a sí mismos" in body["message"]
        assert body["errors"] == {"assignee": [body["message"]]}
    assert not AssignmentEvent.objects.filter(assigned_by__isnull=False).exists()


def test_seeing_all_is_not_moving_a_colleagues_contact(bob_client, bob, workspace, convs):
    agent_settings(workspace, see_all=True)

    take = _assign(bob_client, convs["theirs"], bob)
    release = _assign(bob_client, convs["theirs"], None)

    assert take.status_code == release.status_code == 403
    assert "asignado a otro miembro" in take.json()["message"]
    convs["theirs"].contact.refresh_from_db()
    assert convs["theirs"].contact.assignee.name == "Frank"


def test_with_reassigning_on_an_agent_may_move_what_they_see(bob_client, bob, frank, alice, workspace, convs):
    agent_settings(workspace, reassign=True)
    assert _assign(bob_client, convs["free"], frank).json()["changed"] is True
    # still only what they see: a colleague's contact stays hidden (404) unless they see all
    assert _assign(bob_client, convs["theirs"], bob).status_code == 404
    agent_settings(workspace, see_all=True)
    assert _assign(bob_client, convs["theirs"], alice).json()["changed"] is True


def test_mensajes_offers_an_agent_only_what_the_rule_allows(bob_client, bob, frank, alice, workspace, convs):
    free = bob_client.get(f"/messages/{convs['free'].pk}/").content.decode()
    mine = bob_client.get(f"/messages/{convs['mine'].pk}/").content.decode()

    assert f'<option value="{bob.pk}"' in free and f'<option value="{frank.pk}"' not in free
    assert 'value="none"' not in free
    assert 'value="none"' in mine and f'<option value="{alice.pk}"' not in mine

    agent_settings(workspace, see_all=True)
    theirs = bob_client.get(f"/messages/{convs['theirs'].pk}/").content.decode()
    assert 'name="assignee"' not in theirs
    assert "solo los propietarios y gerentes pueden reasignarla" in theirs

    agent_settings(workspace, reassign=True)
    theirs = bob_client.get(f"/messages/{convs['theirs'].pk}/").content.decode()
    assert f'<option value="{alice.pk}"' in theirs and 'value="none"' in theirs


def test_mensajes_refuses_a_crafted_reassignment_with_403_and_the_reason(bob_client, frank, workspace, convs):
    response = bob_client.post(f"/messages/{convs['free'].pk}/assign/", {"assignee": str(frank.pk)})

    assert response.status_code == 403
    assert "solo a sí mismos" in response.content.decode()
    convs["free"].contact.refresh_from_db()
    assert convs["free"].contact.assignee is None


def test_owners_reassign_anything_whatever_the_setting(alice_client, frank, bob, convs):
    assert _assign(alice_client, convs["theirs"], bob).json()["changed"] is True
    response = alice_client.post(f"/messages/{convs['mine'].pk}/assign/", {"assignee": str(frank.pk)})
    assert response.status_code == 302
