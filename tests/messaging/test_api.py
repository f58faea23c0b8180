"""The conversations API: list with filters, close, and messages (the page's polling)."""

import pytest

from assignments.models import AssignmentEvent
from contacts.models import Conversation, Message
from contacts.services import message_create

from .conftest import open_conversation

pytestmark = pytest.mark.django_db

LIST = "/api/v1/conversations"


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def close_url(conversation) -> str:
    return f"/api/v1/conversations/{conversation.pk}/close"


def messages_url(conversation) -> str:
    return f"/api/v1/conversations/{conversation.pk}/messages"


def assert_error(response, status, field=None):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"message", "errors"} and body["message"]
    if field:
        assert field in body["errors"]


# --- list ----------------------------------------------------------------------------------


def test_list_shape_and_workspace_offset(alice_client, bob, bob_conversation):
    response = alice_client.get(LIST)

    [row] = response.json()["results"]
    assert response.json()["count"] == 1
    assert row["id"] == bob_conversation.pk
    assert row["status"] == "open"
    assert row["contact"]["id"] == bob_conversation.contact_id and row["contact"]["name"] == "Bruno Prieto"
    assert row["assignee"] == {"id": bob.pk, "name": "Bob", "email": "bob@acme.example"}
    assert row["last_message_text"] == "Hola, quisiera información"
    assert row["opened_at"].endswith("-06:00")  # America/Mexico_City
    assert row["closed_at"] is None and row["bot_paused"] is False


def test_list_filters_by_status_and_assignee(alice_client, bob, frank, bob_conversation, frank_conversation, unassigned_conversation):
    alice_client.post(close_url(frank_conversation))

    assert ids(alice_client.get(LIST)) == {bob_conversation.pk, unassigned_conversation.pk}
    assert ids(alice_client.get(LIST, {"status": "closed"})) == {frank_conversation.pk}
    assert ids(alice_client.get(LIST, {"assignee": "none"})) == {unassigned_conversation.pk}
    assert ids(alice_client.get(LIST, {"assignee": bob.pk})) == {bob_conversation.pk}
    assert ids(alice_client.get(LIST, {"assignee": frank.pk, "status": "closed"})) == {frank_conversation.pk}
    assert ids(alice_client.get(LIST, {"assignee": "me"})) == set()


def test_agent_is_scoped_like_the_inboxes(bob_client, bob, frank, bob_conversation, frank_conversation, unassigned_conversation):
    assert ids(bob_client.get(LIST)) == {bob_conversation.pk, unassigned_conversation.pk}
    assert ids(bob_client.get(LIST, {"assignee": "me"})) == {bob_conversation.pk}
    assert ids(bob_client.get(LIST, {"assignee": "none"})) == {unassigned_conversation.pk}
    assert ids(bob_client.get(LIST, {"assignee": frank.pk})) == set()


def test_token_sees_all_but_has_no_me(token_client, bob_conversation, frank_conversation, unassigned_conversation):
    assert ids(token_client.get(LIST)) == {bob_conversation.pk, frank_conversation.pk, unassigned_conversation.pk}
    assert_error(token_client.get(LIST, {"assignee": "me"}), 400, "assignee")


def test_charlie_gets_his_own_empty_list(charlie_client, bob_conversation, unassigned_conversation):
    response = charlie_client.get(LIST)

    assert response.status_code == 200
    assert response.json()["count"] == 0 and response.json()["results"] == []


@pytest.mark.parametrize(
    "params, field",
    [
        ({"status": "pending"}, "status"),
        ({"status": ""}, "status"),
        ({"assignee": "somebody"}, "assignee"),
        ({"assignee": ""}, "assignee"),
        ({"assignee": "-3"}, "assignee"),
        ({"assignee": "99999999999999999999999999"}, "assignee"),
        ({"assignee": "987654"}, "assignee"),
        ({"page": "0"}, "page"),
        ({"page": "abc"}, "page"),
        ({"page_size": "1000"}, "page_size"),
        ({"page": "50"}, "page"),
    ],
)
def test_bad_list_parameters_are_400(params, field, alice_client, unassigned_conversation):
    assert_error(alice_client.get(LIST, params), 400, field)


def test_assignee_of_another_workspace_is_400(alice_client, charlie):
    assert_error(alice_client.get(LIST, {"assignee": charlie.pk}), 400, "assignee")


def test_list_pagination(alice_client, workspace):
    for n in range(3):
        open_conversation(workspace, first_name=f"Cliente{n}")

    first = alice_client.get(LIST, {"page_size": 2}).json()
    second = alice_client.get(LIST, {"page_size": 2, "page": 2}).json()

    assert first["count"] == 3 and len(first["results"]) == 2 and first["next"]
    assert len(second["results"]) == 1 and second["next"] is None


def test_anonymous_is_401_and_non_member_403(anon_client, outsider_client):
    assert_error(anon_client.get(LIST), 401)
    assert_error(outsider_client.get(LIST), 403)


# --- close ---------------------------------------------------------------------------------


def test_close_with_note_in_a_session(bob_client, bob, bob_conversation):
    events = AssignmentEvent.objects.count()

    response = bob_client.post(close_url(bob_conversation), {"note": "Pedido reenviado"}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "closed" and body["closing_note"] == "Pedido reenviado" and body["closed_at"]
    bob_conversation.refresh_from_db()
    assert bob_conversation.closed_by == bob
    assert AssignmentEvent.objects.count() == events


def test_close_without_body_with_a_token(token_client, unassigned_conversation):
    response = token_client.post(close_url(unassigned_conversation))

    assert response.status_code == 200
    unassigned_conversation.refresh_from_db()
    assert unassigned_conversation.status == Conversation.Status.CLOSED
    assert unassigned_conversation.closed_by is None


def test_closing_twice_keeps_the_first_close(alice_client, unassigned_conversation):
    alice_client.post(close_url(unassigned_conversation), {"note": "primera"}, format="json")
    again = alice_client.post(close_url(unassigned_conversation), {"note": "segunda"}, format="json")

    assert again.status_code == 200 and again.json()["closing_note"] == "primera"


def test_close_is_404_for_other_agents_and_other_workspaces(
    bob_client, charlie_client, token_client, frank_conversation, charlie_conversation, unassigned_conversation
):
    assert_error(bob_client.post(close_url(frank_conversation)), 404)
    assert_error(bob_client.post(close_url(charlie_conversation)), 404)
    assert_error(charlie_client.post(close_url(unassigned_conversation)), 404)
    assert_error(token_client.post(close_url(charlie_conversation)), 404)
    assert_error(bob_client.post("/api/v1/conversations/99999999999999999999999/close"), 404)
    assert_error(bob_client.post("/api/v1/conversations/abc/close"), 404)
    assert not Conversation.objects.filter(status=Conversation.Status.CLOSED).exists()


@pytest.mark.parametrize(
    "body, content_type",
    [
        ('{"note": ', "application/json"),
        ('["note"]', "application/json"),
        ('{"note": {"a": 1}}', "application/json"),
        ('{"note": "a\\u0000b"}', "application/json"),
        ('{"note": "' + "x" * 2001 + '"}', "application/json"),
    ],
)
def test_bad_close_bodies_are_400(body, content_type, alice_client, unassigned_conversation):
    response = alice_client.post(close_url(unassigned_conversation), body, content_type=content_type)

    assert_error(response, 400)
    unassigned_conversation.refresh_from_db()
    assert unassigned_conversation.status == Conversation.Status.OPEN


def test_close_needs_csrf_in_a_session(bob):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    client.force_login(bob)
    conversation = open_conversation(bob.memberships.get().workspace)

    assert_error(client.post(close_url(conversation), {}, format="json"), 403)


def test_close_refuses_get(alice_client, unassigned_conversation):
    assert_error(alice_client.get(close_url(unassigned_conversation)), 405)


# --- messages (polling) ------------------------------------------------------------------------


def test_messages_oldest_first_and_after(alice_client, bob, bob_conversation):
    reply = message_create(conversation=bob_conversation, direction=Message.Direction.OUT, text="Con gusto",
                           sender_kind="user", author=bob)
    first = Message.objects.filter(conversation=bob_conversation).order_by("pk").first()

    rows = alice_client.get(messages_url(bob_conversation)).json()["results"]
    newer = alice_client.get(messages_url(bob_conversation), {"after": first.pk}).json()["results"]

    assert [r["text"] for r in rows] == ["Hola, quisiera información", "Con gusto"]
    assert rows[0]["author"] is None and rows[0]["direction"] == "in"
    assert newer == [
        {"id": reply.pk, "direction": "out", "text": "Con gusto", "author": {"id": bob.pk, "name": "Bob"},
         "created_at": newer[0]["created_at"]}
    ]
    assert alice_client.get(messages_url(bob_conversation), {"after": reply.pk}).json()["results"] == []
    assert len(alice_client.get(messages_url(bob_conversation), {"after": 0}).json()["results"]) == 2


@pytest.mark.parametrize("after", ["x", "-1", "1.5", "99999999999999999999999"])
def test_messages_bad_after_is_400(after, alice_client, bob_conversation):
    assert_error(alice_client.get(messages_url(bob_conversation), {"after": after}), 400, "after")


def test_messages_are_404_for_other_agents_and_workspaces(
    bob_client, charlie_client, frank_conversation, charlie_conversation, unassigned_conversation
):
    assert_error(bob_client.get(messages_url(frank_conversation)), 404)
    assert_error(bob_client.get(messages_url(charlie_conversation)), 404)
    assert_error(charlie_client.get(messages_url(unassigned_conversation)), 404)
    assert ids(bob_client.get(messages_url(unassigned_conversation)))


def test_messages_non_member_403(outsider_client, unassigned_conversation):
    assert_error(outsider_client.get(messages_url(unassigned_conversation)), 403)


def test_schema_documents_the_conversation_endpoints(alice_client):
    response = alice_client.get("/api/schema/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    text = response.content.decode()
    for path in ("/api/v1/conversations", "/api/v1/conversations/{conversation_id}/close",
                 "/api/v1/conversations/{conversation_id}/messages"):
        assert path in text
