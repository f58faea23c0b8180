"""Dialogflow ES fulfillment webhook: integration secret, WebhookRequest parsing, source bot."""

import pytest

from accounts.models import User
from assignments.models import AssignmentEvent, AssignmentSource
from assignments.services import contact_assign
from tests.factories import ConversationFactory, TeamFactory
from tests.integrations.conftest import assert_error


def url(integration):
    return f"/api/v1/integrations/dialogflow/{integration.pk}/webhook"


def webhook_request(action="assign", parameters=None, contact_id=None, session_contact=None):
    body = {
        "responseId": "resp-1",
        "session": f"projects/acme-bot/agent/sessions/{'contact-' + str(session_contact) if session_contact else 'abc123'}",
        "queryResult": {"queryText": "Quiero hablar con alguien", "action": action, "parameters": parameters or {},
                        "intent": {"displayName": "handover"}},
    }
    if contact_id is not None:
        body["originalDetectIntentRequest"] = {"source": "crm", "payload": {"contact_id": contact_id}}
    return body


def post(client, integration, secret, body, **kwargs):
    return client.post(url(integration), body, format="json", HTTP_AUTHORIZATION=f"Bearer {secret}", **kwargs)


def test_bot_assigns_by_email_with_source_bot(anon_client, bot, ana, bob):
    integration, secret = bot
    conversation = ConversationFactory(contact=ana)
    response = post(anon_client, integration, secret, webhook_request(parameters={"assignee": "bob@acme.example"},
                                                                      contact_id=ana.pk))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["fulfillmentText"] == "Bob te atenderá en breve."
    crm = body["payload"]["crm"]
    assert crm["changed"] is True and crm["event"]["source"] == "bot" and crm["event"]["source_label"] == "Bot"
    assert crm["event"]["assigned_by"] is None and crm["event"]["conversation_id"] == conversation.pk
    event = AssignmentEvent.objects.get()
    assert (event.source, event.new_assignee_id, event.assigned_by_id, event.conversation_id) == (
        "bot", bob.pk, None, conversation.pk)


def test_bot_finds_contact_by_session_and_assigns_by_id(anon_client, bot, ana, alice, workspace):
    workspace.language = "en"
    workspace.save()
    integration, secret = bot
    # Dialogflow sends @sys.number parameters as floats.
    body = post(anon_client, integration, secret, webhook_request(parameters={"assignee": float(alice.pk)},
                                                                  session_contact=ana.pk)).json()
    assert body["fulfillmentText"] == "Alice will help you shortly."
    assert AssignmentEvent.objects.get().new_assignee_id == alice.pk


def test_bot_unassigns(anon_client, bot, ana, bob):
    integration, secret = bot
    contact_assign(contact=ana, assignee=bob, source=AssignmentSource.API)
    body = post(anon_client, integration, secret, webhook_request(action="unassign", contact_id=str(ana.pk))).json()
    assert body["payload"]["crm"]["changed"] is True and body["payload"]["crm"]["contact"]["assignee"] is None
    assert body["fulfillmentText"]
    event = AssignmentEvent.objects.latest("id")
    assert (event.source, event.previous_assignee_id, event.new_assignee_id) == ("bot", bob.pk, None)
    # Unassigning again writes nothing.
    body = post(anon_client, integration, secret, webhook_request(action="unassign", contact_id=ana.pk)).json()
    assert body["payload"]["crm"]["changed"] is False and AssignmentEvent.objects.count() == 2


def test_bot_team_round_robin_takes_turns(anon_client, bot, workspace, bob, dave):
    integration, secret = bot
    team = TeamFactory(workspace=workspace, name="Ventas")
    team.members.add(bob, dave)
    from tests.factories import ContactFactory

    contacts = [ContactFactory(workspace=workspace) for _ in range(4)]
    for contact in contacts:
        response = post(anon_client, integration, secret, webhook_request(parameters={"team": team.pk},
                                                                           contact_id=contact.pk))
        assert response.status_code == 200, response.content
    picked = list(AssignmentEvent.objects.order_by("id").values_list("new_assignee_id", flat=True))
    assert sorted(picked[:2]) == sorted([bob.pk, dave.pk]) and picked[2:] == picked[:2]
    assert set(AssignmentEvent.objects.values_list("source", flat=True)) == {"bot"}


def test_bot_team_only_online_with_nobody_online_keeps_the_queue(anon_client, bot, workspace, bob, ana):
    integration, secret = bot
    User.objects.filter(pk=bob.pk).update(availability=User.Availability.AWAY)
    team = TeamFactory(workspace=workspace, name="Soporte")
    team.members.add(bob)
    body = post(anon_client, integration, secret,
                webhook_request(parameters={"team": str(team.pk), "only_online": True}, contact_id=ana.pk)).json()
    assert body["payload"]["crm"]["changed"] is False and body["payload"]["crm"]["event"] is None
    assert "ocupados" in body["fulfillmentText"]
    assert not AssignmentEvent.objects.exists()


def test_wrong_or_missing_secret_is_401(anon_client, bot, globex_bot, ana, bob, token_client, workspace):
    integration, secret = bot
    body = webhook_request(parameters={"assignee": bob.pk}, contact_id=ana.pk)
    assert_error(post(anon_client, integration, secret + "x", body), 401)
    assert_error(anon_client.post(url(integration), body, format="json"), 401)
    # Another integration's secret, or a workspace API token, is not this integration's secret.
    assert_error(post(anon_client, integration, globex_bot[1], body), 401)
    from tests.factories import api_token

    assert_error(post(anon_client, integration, api_token(workspace), body), 401)
    assert not AssignmentEvent.objects.exists()


def test_rotated_secret_replaces_the_old_one(anon_client, bot, ana, bob):
    from integrations.services import secret_rotate

    integration, old = bot
    new = secret_rotate(holder=integration)
    body = webhook_request(parameters={"assignee": bob.pk}, contact_id=ana.pk)
    assert_error(post(anon_client, integration, old, body), 401)
    assert post(anon_client, integration, new, body).status_code == 200


@pytest.mark.parametrize("integration_id", ["999999", "abc", "9" * 30, "-1", "0"])
def test_unknown_integration_is_404(anon_client, bot, integration_id):
    response = anon_client.post(f"/api/v1/integrations/dialogflow/{integration_id}/webhook", {}, format="json",
                                HTTP_AUTHORIZATION=f"Bearer {bot[1]}")
    assert_error(response, 404)


def test_charlies_contact_is_404(anon_client, bot, globex_contact, bob):
    integration, secret = bot
    assert_error(post(anon_client, integration, secret, webhook_request(parameters={"assignee": bob.pk},
                                                                        contact_id=globex_contact.pk)), 404)


def test_charlies_integration_cannot_touch_alices_contact(anon_client, globex_bot, ana, charlie):
    integration, secret = globex_bot
    assert_error(post(anon_client, integration, secret, webhook_request(parameters={"assignee": charlie.pk},
                                                                        contact_id=ana.pk)), 404)
    assert not AssignmentEvent.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ([], "non_field_errors"),
        ({}, "queryResult"),
        ({"queryResult": "assign"}, "queryResult"),
        ({"queryResult": {"parameters": {}}}, "queryResult.action"),
        ({"queryResult": {"action": "transfer"}}, "queryResult.action"),
        ({"queryResult": {"action": "assign", "parameters": []}}, "queryResult.parameters"),
        ({"queryResult": {"action": "unassign"}}, "originalDetectIntentRequest.payload.contact_id"),
        ({"queryResult": {"action": "unassign"}, "session": "projects/x/sessions/contact-abc"}, "session"),
        ({"queryResult": {"action": "unassign"}, "originalDetectIntentRequest": {"payload": {"contact_id": "9" * 30}}},
         "originalDetectIntentRequest.payload.contact_id"),
        ({"queryResult": {"action": "unassign"}, "originalDetectIntentRequest": {"payload": {"contact_id": True}}},
         "originalDetectIntentRequest.payload.contact_id"),
        ({"queryResult": {"action": "unassign"}, "originalDetectIntentRequest": "x"}, "originalDetectIntentRequest"),
        ({"queryResult": {"action": "unassign"}, "originalDetectIntentRequest": {"payload": [1]}},
         "originalDetectIntentRequest.payload"),
    ],
)
def test_bad_payload_is_400_with_reason(anon_client, bot, ana, body, field):
    integration, secret = bot
    assert_error(post(anon_client, integration, secret, body), 400, field)


@pytest.mark.parametrize(
    ("parameters", "field"),
    [
        ({}, "queryResult.parameters"),
        ({"assignee": "", "team": ""}, "queryResult.parameters"),
        ({"assignee": "nobody@acme.example"}, "queryResult.parameters.assignee"),
        ({"assignee": 2**70}, "queryResult.parameters.assignee"),
        ({"assignee": 1.5}, "queryResult.parameters.assignee"),
        ({"assignee": "Bob"}, "queryResult.parameters.assignee"),
        ({"team": 999999}, "queryResult.parameters.team"),
        ({"team": "ventas"}, "queryResult.parameters.team"),
        ({"assignee": "bob@acme.example", "team": 1}, "queryResult.parameters"),
    ],
)
def test_bad_assign_parameters_are_400(anon_client, bot, ana, bob, parameters, field):
    integration, secret = bot
    assert_error(post(anon_client, integration, secret, webhook_request(parameters=parameters, contact_id=ana.pk)),
                 400, field)
    assert not AssignmentEvent.objects.exists()


def test_charlies_team_and_user_are_rejected(anon_client, bot, ana, other_workspace, charlie):
    integration, secret = bot
    team = TeamFactory(workspace=other_workspace, name="Globex team")
    team.members.add(charlie)
    assert_error(post(anon_client, integration, secret, webhook_request(parameters={"team": team.pk},
                                                                        contact_id=ana.pk)), 400)
    assert_error(post(anon_client, integration, secret, webhook_request(parameters={"assignee": charlie.email},
                                                                        contact_id=ana.pk)), 400)
    assert not AssignmentEvent.objects.exists()


def test_malformed_json_is_400(anon_client, bot):
    integration, secret = bot
    response = anon_client.post(url(integration), data="{not json", content_type="application/json",
                                HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert_error(response, 400)


def test_session_cookie_is_not_enough(alice_client, bot, ana, bob):
    integration, _ = bot
    assert_error(alice_client.post(url(integration), webhook_request(parameters={"assignee": bob.pk},
                                                                     contact_id=ana.pk), format="json"), 401)


def test_secrets_are_hashed_at_rest(bot):
    integration, secret = bot
    integration.refresh_from_db()
    assert secret not in integration.secret_hash and integration.secret_prefix == secret[:12]
    assert integration.secret_matches(secret) and not integration.secret_matches(secret[:-1])
    assert not integration.secret_matches("")


def test_nul_characters_are_400(anon_client, bot, ana):
    integration, secret = bot
    for parameters in ({"assignee": "bob\x00@acme.example"}, {"team": "1\x00"}):
        assert_error(post(anon_client, integration, secret, webhook_request(parameters=parameters, contact_id=ana.pk)),
                     400)
    assert_error(post(anon_client, integration, secret, webhook_request(action="unassign", contact_id="1\x00")), 400)


def test_the_webhook_is_rate_limited(settings, anon_client, bot, ana):
    from django.core.cache import cache

    settings.INTEGRATIONS_WEBHOOK_RATE = "1/min"
    cache.clear()
    integration, secret = bot
    body = webhook_request(action="unassign", contact_id=ana.pk)
    assert post(anon_client, integration, secret, body).status_code == 200
    assert_error(post(anon_client, integration, secret, body), 429)


def test_paused_chatbot_neither_speaks_nor_assigns(anon_client, bot, ana, bob):
    # given an agent paused the bot on Ana's open conversation (Mensajes → Pausar el Chatbot)
    integration, secret = bot
    ConversationFactory(contact=ana, bot_paused=True)
    # when Dialogflow asks to hand over
    response = post(anon_client, integration, secret, webhook_request(parameters={"assignee": "bob@acme.example"},
                                                                      contact_id=ana.pk))
    # then nothing is said and nothing recorded
    assert response.status_code == 200
    assert response.json()["fulfillmentText"] == "" and response.json()["payload"]["crm"]["changed"] is False
    assert not AssignmentEvent.objects.exists()
