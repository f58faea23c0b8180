"""Contacts (Developer API): identifiers, create, read, update, tags, assignee, messages, throttling."""

import pytest
from django.core.cache import cache

from accounts.models import ApiToken
from assignments.models import AssignmentEvent, AssignmentSource
from assignments.services import contact_assign
from contacts.models import Contact, Conversation, Message
from tests.factories import ContactFactory, ConversationFactory, agent_settings

BASE = "/api/v1/contacts"


def url(identifier, suffix=""):
    return f"{BASE}/{identifier}{suffix}"


def assert_error(response, status_code, field=None):
    assert response.status_code == status_code, response.content
    body = response.json()
    assert set(body) == {"message", "errors"} and body["message"]
    if field:
        assert field in body["errors"], body


# --- identifiers ---


@pytest.mark.parametrize("ident", ["id:{pk}", "email:ana@cliente.mx", "email:ANA@Cliente.MX", "phone:+5215511112222"])
def test_get_by_each_identifier(token_client, ana, ident):
    response = token_client.get(url(ident.format(pk=ana.pk)))
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == ana.pk and body["name"] == "Ana López" and body["tags"] == ["vip"]
    assert body["assignee"] is None


def test_phone_identifier_percent_encoded(token_client, ana):
    assert token_client.get(url("phone:%2B5215511112222")).json()["id"] == ana.pk


@pytest.mark.parametrize(
    "ident",
    ["12", "id:abc", "id:-3", "id:0", "id:" + "9" * 30, "id:99999999999999999999", "email:nope", "phone:5511",
     "phone:+0123456", "fax:+5215511112222", "id:"],
)
def test_bad_identifier_is_400(token_client, ana, ident):
    assert_error(token_client.get(url(ident)), 400, "identifier")


@pytest.mark.parametrize("ident", ["id:999999999", "email:nobody@cliente.mx", "phone:+5215599999999"])
def test_unknown_contact_is_404(token_client, ana, ident):
    assert_error(token_client.get(url(ident)), 404)


def test_charlies_contact_is_404_for_alice_and_token(token_client, alice_client, globex_contact):
    for client in (token_client, alice_client):
        assert_error(client.get(url(f"id:{globex_contact.pk}")), 404)
        assert_error(client.get(url("email:gus@globex.example")), 404)
        assert_error(client.patch(url(f"id:{globex_contact.pk}"), {"first_name": "X"}, format="json"), 404)
        assert_error(client.post(url(f"id:{globex_contact.pk}", "/tags"), {"tags": ["x"]}, format="json"), 404)
        assert_error(client.post(url(f"id:{globex_contact.pk}", "/assignee"), {"assignee": None}, format="json"), 404)
        assert_error(client.post(url(f"id:{globex_contact.pk}", "/messages"), {"text": "hola"}, format="json"), 404)
    assert Contact.objects.get(pk=globex_contact.pk).first_name == "Gus"
    assert not Message.objects.exists()


def test_charlie_cannot_reach_alices_contact(charlie_client, ana):
    assert_error(charlie_client.get(url(f"id:{ana.pk}")), 404)


def test_no_credentials_401_and_bad_token_401(anon_client, ana):
    assert_error(anon_client.get(url(f"id:{ana.pk}")), 401)
    anon_client.credentials(HTTP_AUTHORIZATION="Bearer crm_not-a-token")
    assert_error(anon_client.get(url(f"id:{ana.pk}")), 401)
    assert_error(anon_client.post(url(f"id:{ana.pk}", "/assignee"), {"assignee": None}, format="json"), 401)


def test_revoked_token_401(workspace, anon_client, ana):
    token, key = ApiToken.issue(workspace=workspace)
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=token.created_at)
    anon_client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert_error(anon_client.get(url(f"id:{ana.pk}")), 401)


# --- create ---


def test_create_contact(token_client, workspace):
    response = token_client.post(
        BASE,
        {"first_name": " Rosa ", "last_name": "Díaz", "email": "rosa@cliente.mx", "phone": "+5215500001111",
         "tags": ["nuevo", "nuevo", " vip "]},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["first_name"] == "Rosa" and body["name"] == "Rosa Díaz"
    assert body["tags"] == ["nuevo", "vip"] and body["assignee"] is None
    contact = Contact.objects.get(pk=body["id"])
    assert contact.workspace == workspace and contact.phone == "+5215500001111"
    assert not AssignmentEvent.objects.exists()


def test_create_minimal_contact(alice_client):
    body = alice_client.post(BASE, {"first_name": "Solo"}, format="json").json()
    assert body["last_name"] == "" and body["email"] == "" and body["phone"] == "" and body["tags"] == []


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "first_name"),
        ({"first_name": "   "}, "first_name"),
        ({"first_name": "A", "email": "not-an-email"}, "email"),
        ({"first_name": "A", "phone": "5512345678"}, "phone"),
        ({"first_name": "A", "phone": "+52 55 1234"}, "phone"),
        ({"first_name": "A", "tags": "vip"}, "tags"),
        ({"first_name": "A", "tags": [{"x": 1}]}, "tags.0"),
        ({"first_name": "x" * 151}, "first_name"),
    ],
)
def test_create_rejects_bad_input(token_client, payload, field):
    assert_error(token_client.post(BASE, payload, format="json"), 400, field)
    assert not Contact.objects.exists()


def test_create_rejects_duplicate_email_in_workspace(token_client, ana, other_workspace):
    assert_error(token_client.post(BASE, {"first_name": "Otra", "email": "ANA@cliente.mx"}, format="json"), 400, "email")
    # The same email in another workspace is no duplicate.
    ContactFactory(workspace=other_workspace, email="rosa@cliente.mx")
    assert token_client.post(BASE, {"first_name": "Rosa", "email": "rosa@cliente.mx"}, format="json").status_code == 201


def test_malformed_json_is_400(token_client, ana):
    for target in (BASE, url(f"id:{ana.pk}", "/assignee"), url(f"id:{ana.pk}", "/tags"), url(f"id:{ana.pk}", "/messages")):
        assert_error(token_client.post(target, data="{not json", content_type="application/json"), 400)
        assert_error(token_client.post(target, data="[1, 2]", content_type="application/json"), 400)
    assert_error(token_client.patch(url(f"id:{ana.pk}"), data="{", content_type="application/json"), 400)


def test_agent_may_create(bob_client):
    assert bob_client.post(BASE, {"first_name": "Luis"}, format="json").status_code == 201


# --- update ---


def test_patch_changes_only_given_fields(token_client, ana):
    response = token_client.patch(url(f"email:{ana.email}"), {"last_name": "Pérez", "tags": ["a"]}, format="json")
    assert response.status_code == 200
    ana.refresh_from_db()
    assert (ana.first_name, ana.last_name, ana.tags, ana.email) == ("Ana", "Pérez", ["a"], "ana@cliente.mx")


def test_patch_never_sets_the_assignee(token_client, ana, bob):
    assert_error(token_client.patch(url(f"id:{ana.pk}"), {"assignee": bob.pk}, format="json"), 400, "assignee")
    ana.refresh_from_db()
    assert ana.assignee is None and not AssignmentEvent.objects.exists()


def test_patch_validation(token_client, ana, workspace):
    ContactFactory(workspace=workspace, email="taken@cliente.mx")
    assert_error(token_client.patch(url(f"id:{ana.pk}"), {"email": "taken@cliente.mx"}, format="json"), 400, "email")
    assert_error(token_client.patch(url(f"id:{ana.pk}"), {"phone": "12"}, format="json"), 400, "phone")
    assert_error(token_client.patch(url(f"id:{ana.pk}"), {"first_name": ""}, format="json"), 400, "first_name")
    # Keeping its own email is fine.
    assert token_client.patch(url(f"id:{ana.pk}"), {"email": "ana@cliente.mx"}, format="json").status_code == 200


# --- tags ---


def test_tags_add_and_remove(bob_client, ana):
    body = bob_client.post(url(f"id:{ana.pk}", "/tags"), {"tags": ["nuevo", "vip"]}, format="json").json()
    assert body["tags"] == ["vip", "nuevo"]
    body = bob_client.delete(url(f"id:{ana.pk}", "/tags"), {"tags": ["vip", "missing"]}, format="json").json()
    assert body["tags"] == ["nuevo"]


def test_tags_bad_input(token_client, ana):
    target = url(f"id:{ana.pk}", "/tags")
    assert_error(token_client.post(target, {}, format="json"), 400, "tags")
    assert_error(token_client.post(target, {"tags": []}, format="json"), 400, "tags")
    assert_error(token_client.post(target, {"tags": ["x" * 51]}, format="json"), 400)
    assert_error(token_client.delete(target, {"tags": "vip"}, format="json"), 400, "tags")


# --- assignee ---


def test_token_assigns_with_source_api_and_no_assigning_user(token_client, ana, bob):
    conversation = ConversationFactory(contact=ana)
    response = token_client.post(url(f"id:{ana.pk}", "/assignee"), {"assignee": bob.pk}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["changed"] is True
    event = body["event"]
    assert event["source"] == "api" and event["source_label"] == "Api"
    assert event["assigned_by"] is None and event["previous_assignee"] is None
    assert event["new_assignee"] == {"id": bob.pk, "name": "Bob"}
    assert event["conversation_id"] == conversation.pk and event["contact_id"] == ana.pk
    assert event["contact_name"] == "Ana López"
    # Timestamp in the workspace's offset (America/Mexico_City, UTC-6).
    assert event["timestamp"].endswith("-06:00")
    assert body["contact"]["assignee"]["id"] == bob.pk
    stored = AssignmentEvent.objects.get()
    assert (stored.source, stored.new_assignee_id, stored.assigned_by_id) == ("api", bob.pk, None)


def test_assign_by_email_then_again_changes_nothing(token_client, ana, bob):
    target = url(f"id:{ana.pk}", "/assignee")
    assert token_client.post(target, {"assignee": "BOB@acme.example"}, format="json").json()["changed"] is True
    body = token_client.post(target, {"assignee": bob.pk}, format="json").json()
    assert body == {"changed": False, "event": None, "contact": body["contact"]}
    assert AssignmentEvent.objects.count() == 1


def test_unassign_with_null(token_client, ana, bob, alice):
    contact_assign(contact=ana, assignee=bob, source=AssignmentSource.API)
    body = token_client.post(url(f"id:{ana.pk}", "/assignee"), {"assignee": None}, format="json").json()
    assert body["changed"] is True and body["contact"]["assignee"] is None
    assert body["event"]["previous_assignee"] == {"id": bob.pk, "name": "Bob"} and body["event"]["new_assignee"] is None


def test_session_assigns_with_source_user_and_the_user_as_assigner(alice_client, alice, ana, bob):
    body = alice_client.post(url(f"phone:{ana.phone}", "/assignee"), {"assignee": bob.email}, format="json").json()
    assert body["event"]["source"] == "user" and body["event"]["source_label"] == "Usuario"
    assert body["event"]["assigned_by"] == {"id": alice.pk, "name": "Alice"}
    assert AssignmentEvent.objects.get().assigned_by_id == alice.pk


def test_agent_session_may_assign(bob_client, bob, ana, alice, workspace):
    # Assigning to another member needs "Los agentes pueden reasignar a otros agentes".
    agent_settings(workspace, reassign=True)
    body = bob_client.post(url(f"id:{ana.pk}", "/assignee"), {"assignee": alice.pk}, format="json").json()
    assert body["event"]["assigned_by"]["id"] == bob.pk and body["event"]["source"] == "user"


def test_english_workspace_labels(token_client, workspace, ana, bob):
    workspace.language = "en"
    workspace.save()
    body = token_client.post(url(f"id:{ana.pk}", "/assignee"), {"assignee": bob.pk}, format="json").json()
    assert body["event"]["source_label"] == "API"
    body = token_client.post(url(f"id:{ana.pk}", "/assignee"), {"assignee": "x@y.z"}, format="json").json()
    assert body["message"] == "The assignee is not a member of this workspace."


@pytest.mark.parametrize(
    "payload",
    [{}, {"assignee": "nobody@acme.example"}, {"assignee": 999999999}, {"assignee": 2**70}, {"assignee": -1},
     {"assignee": True}, {"assignee": 1.5}, {"assignee": ""}, {"assignee": "not an email"}, {"assignee": [1]},
     {"assignee": {"id": 1}}, {"assignee": "9" * 40}],
)
def test_assign_bad_assignee_is_400(token_client, ana, payload):
    assert_error(token_client.post(url(f"id:{ana.pk}", "/assignee"), payload, format="json"), 400, "assignee")
    assert not AssignmentEvent.objects.exists()


def test_assign_charlie_is_400_unknown_assignee(token_client, ana, charlie):
    assert_error(token_client.post(url(f"id:{ana.pk}", "/assignee"), {"assignee": charlie.pk}, format="json"), 400,
                 "assignee")
    assert_error(token_client.post(url(f"id:{ana.pk}", "/assignee"), {"assignee": charlie.email}, format="json"), 400,
                 "assignee")


# --- messages ---


def test_token_message_opens_conversation_and_assigns_nobody(token_client, ana):
    response = token_client.post(url(f"id:{ana.pk}", "/messages"), {"text": "Hola Ana"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["direction"] == "out" and body["author"] is None and body["contact_id"] == ana.pk
    conversation = Conversation.objects.get(contact=ana)
    assert body["conversation_id"] == conversation.pk and conversation.status == "open"
    assert not AssignmentEvent.objects.exists()


def test_session_message_assigns_unassigned_contact_to_sender(bob_client, bob, ana):
    body = bob_client.post(url(f"id:{ana.pk}", "/messages"), {"text": "Hola"}, format="json").json()
    assert body["author"]["id"] == bob.pk
    event = AssignmentEvent.objects.get()
    assert (event.source, event.new_assignee_id, event.assigned_by_id) == ("user", bob.pk, bob.pk)


def test_message_reuses_open_conversation(token_client, ana):
    conversation = ConversationFactory(contact=ana)
    body = token_client.post(url(f"id:{ana.pk}", "/messages"), {"text": "otra"}, format="json").json()
    assert body["conversation_id"] == conversation.pk


@pytest.mark.parametrize("payload", [{}, {"text": ""}, {"text": "   "}, {"text": "x" * 10001}, {"text": None}])
def test_message_bad_input(token_client, ana, payload):
    assert_error(token_client.post(url(f"id:{ana.pk}", "/messages"), payload, format="json"), 400, "text")
    assert not Message.objects.exists()


# --- throttling ---


def test_token_is_throttled_with_a_clear_429(settings, token_client, ana, alice_client):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "api_token": "3/min"},
    }
    from accounts.throttling import ApiTokenRateThrottle

    previous = ApiTokenRateThrottle.THROTTLE_RATES
    ApiTokenRateThrottle.THROTTLE_RATES = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    try:
        cache.clear()
        for _ in range(3):
            assert token_client.get(url(f"id:{ana.pk}")).status_code == 200
        response = token_client.get(url(f"id:{ana.pk}"))
        assert_error(response, 429)
        assert "Retry-After" in response
        assert "segundos" in response.json()["message"]
        # Sessions are not limited by the token's rate.
        for _ in range(5):
            assert alice_client.get(url(f"id:{ana.pk}")).status_code == 200
    finally:
        ApiTokenRateThrottle.THROTTLE_RATES = previous


# --- NUL characters (PostgreSQL text cannot hold them): 400 or no match, never 500 ---


def test_nul_characters_never_cause_a_500(token_client, ana):
    assert token_client.get(BASE, {"search": "An\x00a"}).status_code == 200
    assert_error(token_client.get(url("email:ana\x00@cliente.mx")), 400, "identifier")
    assert_error(token_client.get(url("id:1%00")), 400, "identifier")
    assert_error(token_client.post(BASE, {"first_name": "A\x00"}, format="json"), 400, "first_name")
    assert_error(token_client.post(BASE, {"first_name": "A", "email": "a\x00@b.mx"}, format="json"), 400, "email")
    assert_error(token_client.patch(url(f"id:{ana.pk}"), {"tags": ["a\x00"]}, format="json"), 400)
    assert_error(token_client.post(url(f"id:{ana.pk}", "/assignee"), {"assignee": "bob\x00@acme.example"},
                                   format="json"), 400, "assignee")
    assert_error(token_client.post(url(f"id:{ana.pk}", "/messages"), {"text": "ho\x00la"}, format="json"), 400, "text")


def test_session_writes_need_the_csrf_token(alice, ana, bob):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    client.force_login(alice)
    assert_error(client.post(url(f"id:{ana.pk}", "/assignee"), {"assignee": bob.pk}, format="json"), 403)
    assert client.get(url(f"id:{ana.pk}")).status_code == 200
    assert not AssignmentEvent.objects.exists()
