"""Every entry point records the conversation lifecycle through contacts.services (issue 12).

Inbound channel, Mensajes (reply, close), the Developer API (messages, close), workflows
(send_message, close_conversation) and the Dialogflow bot (close): each writes exactly the
expected events with the right source, user, assignee, channel and seconds.
"""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from contacts.models import Conversation, ConversationEvent, Message
from contacts.services import conversation_open, message_create
from integrations.services import channel_create, dialogflow_integration_create
from tests.factories import ContactFactory
from workflows.services import workflow_create

T0 = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def events(*fields):
    return list(ConversationEvent.objects.order_by("created_at", "id").values_list(*fields))


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def channel(workspace):
    return channel_create(workspace=workspace, name="Web chat")


def inbound(client, channel, text="Hola", phone="+5215599990000"):
    ch, secret = channel
    response = client.post(f"/api/v1/channels/{ch.pk}/inbound", {"contact": {"phone": phone, "first_name": "Rosa"},
                                                                "text": text},
                           format="json", HTTP_X_CHANNEL_SECRET=secret)
    assert response.status_code == 202, response.content
    return response.json()


def page_client(user):
    client = Client()
    client.force_login(user)
    return client


# --- inbound channel ------------------------------------------------------------------------


def test_inbound_channel_opens_with_source_contact_and_the_channel(clock, anon_client, channel, workspace, bob):
    # an enabled workflow assigns new conversations to Bob: the opening saw nobody assigned
    workflow_create(workspace=workspace, name="A Bob", enabled=True,
                    steps=[{"type": "assign_to", "mode": "user", "user": bob.pk}])

    body = inbound(anon_client, channel)
    clock.shift(timedelta(minutes=3))
    again = inbound(anon_client, channel, text="¿Hay alguien?")

    conversation = Conversation.objects.get(pk=body["conversation_id"])
    assert again["conversation_id"] == conversation.pk and again["opened"] is False
    assert (conversation.opened_source, conversation.channel_id) == ("contact", channel[0].pk)
    assert conversation.awaiting_reply_since == T0  # the first unanswered message
    assert events("kind", "source", "channel_id", "assignee_id", "user_id", "created_at") == [
        ("opened", "contact", channel[0].pk, None, None, T0)]
    assert set(Message.objects.values_list("direction", "sender_kind")) == {("in", "contact")}


# --- Mensajes (a logged-in user) ----------------------------------------------------------------


def test_mensajes_reply_is_the_first_response_and_close_is_by_the_user(clock, anon_client, channel, bob):
    conversation_id = inbound(anon_client, channel)["conversation_id"]
    client = page_client(bob)
    clock.shift(timedelta(minutes=12, seconds=30))

    client.post(reverse("messaging:reply", args=[conversation_id]), {"text": "¡Hola! ¿En qué le ayudo?"})
    clock.shift(timedelta(minutes=20))
    client.post(reverse("messaging:close", args=[conversation_id]), {"note": "Resuelto"})

    reply = Message.objects.get(direction="out")
    assert (reply.sender_kind, reply.author_id, reply.response_seconds) == ("user", bob.pk, 750)
    conversation = Conversation.objects.get(pk=conversation_id)
    assert (conversation.first_response_by_id, conversation.closed_source, conversation.closed_by_id) == (
        bob.pk, "user", bob.pk)
    # the reply assigned the unassigned contact to Bob before it was recorded as the response
    assert events("kind", "source", "user_id", "assignee_id", "seconds_since_open", "note") == [
        ("opened", "contact", None, None, None, ""),
        ("first_response", "user", bob.pk, bob.pk, 750, ""),
        ("closed", "user", bob.pk, bob.pk, 750 + 1200, "Resuelto"),
    ]


# --- Developer API ----------------------------------------------------------------------------


def test_api_message_with_a_token_opens_with_source_api_and_is_no_response(clock, token_client, anon_client,
                                                                          channel):
    body = inbound(anon_client, channel)
    contact_id = body["contact_id"]
    clock.shift(timedelta(minutes=1))

    response = token_client.post(f"/api/v1/contacts/id:{contact_id}/messages", {"text": "Recibido"}, format="json")

    assert response.status_code == 201, response.content
    message = Message.objects.get(direction="out")
    assert (message.sender_kind, message.author_id, message.response_seconds) == ("api", None, None)
    assert Conversation.objects.get(pk=body["conversation_id"]).awaiting_reply_since == T0
    assert events("kind") == [("opened",)]


def test_api_message_to_a_contact_without_a_conversation_opens_it(clock, token_client, bob_client, bob, workspace):
    rosa, luis = ContactFactory(workspace=workspace), ContactFactory(workspace=workspace)

    token_client.post(f"/api/v1/contacts/id:{rosa.pk}/messages", {"text": "Hola"}, format="json")
    bob_client.post(f"/api/v1/contacts/id:{luis.pk}/messages", {"text": "Hola"}, format="json")

    assert events("contact_id", "kind", "source", "user_id") == [
        (rosa.pk, "opened", "api", None), (luis.pk, "opened", "user", bob.pk)]
    assert Conversation.objects.get(contact=luis).opened_by_id == bob.pk
    assert Message.objects.get(conversation__contact=luis).sender_kind == "user"


def test_api_message_in_a_session_is_a_persons_response(clock, bob_client, bob, anon_client, channel):
    body = inbound(anon_client, channel)
    clock.shift(timedelta(seconds=45))

    bob_client.post(f"/api/v1/contacts/id:{body['contact_id']}/messages", {"text": "Hola"}, format="json")

    assert Message.objects.get(direction="out").response_seconds == 45
    assert events("kind", "user_id", "seconds_since_open")[-1] == ("first_response", bob.pk, 45)


def test_api_close_with_a_token_is_source_api_and_in_a_session_source_user(clock, token_client, bob_client, bob,
                                                                          workspace):
    from assignments.services import contact_assign

    rosa, luis = ContactFactory(workspace=workspace), ContactFactory(workspace=workspace)
    first, _ = conversation_open(contact=rosa)
    second, _ = conversation_open(contact=luis)
    contact_assign(contact=luis, assignee=bob, source="api")  # Bob, an agent, sees his conversations
    clock.shift(timedelta(hours=1))

    closed_by_token = token_client.post(f"/api/v1/conversations/{first.pk}/close", {"note": "fin"}, format="json")
    closed_by_bob = bob_client.post(f"/api/v1/conversations/{second.pk}/close", {}, format="json")

    assert closed_by_token.status_code == closed_by_bob.status_code == 200
    closed = ConversationEvent.objects.filter(kind="closed").order_by("id")
    assert list(closed.values_list("conversation_id", "source", "user_id", "note", "seconds_since_open")) == [
        (first.pk, "api", None, "fin", 3600), (second.pk, "user", bob.pk, "", 3600)]
    assert list(closed.values_list("assignee_id", "assignee_name")) == [(None, ""), (bob.pk, "Bob")]
    assert Conversation.objects.get(pk=first.pk).closed_source == "api"


# --- workflows ----------------------------------------------------------------------------------


def test_workflow_message_and_close_are_workflow_and_no_response(clock, anon_client, channel, workspace):
    workflow_create(workspace=workspace, name="Fuera de horario", enabled=True, steps=[
        {"type": "send_message", "text": "Estamos fuera de horario"},
        {"type": "close_conversation", "note": "Cerrada por flujo"},
    ])

    body = inbound(anon_client, channel)

    sent = Message.objects.get(direction="out")
    assert (sent.sender_kind, sent.author_id, sent.response_seconds) == ("workflow", None, None)
    conversation = Conversation.objects.get(pk=body["conversation_id"])
    assert (conversation.closed_source, conversation.first_response_at) == ("workflow", None)
    assert events("kind", "source", "note", "seconds_since_open", "channel_id") == [
        ("opened", "contact", "", None, channel[0].pk),
        ("closed", "workflow", "Cerrada por flujo", 0, channel[0].pk),
    ]


def test_workflow_message_to_a_contact_without_a_conversation_opens_with_source_workflow(clock, workspace):
    from contacts.services import message_send

    contact = ContactFactory(workspace=workspace)
    message_send(contact=contact, text="Promoción", sender_kind="workflow")

    assert events("kind", "source", "user_id") == [("opened", "workflow", None)]


# --- Dialogflow bot ---------------------------------------------------------------------------


@pytest.fixture
def bot(workspace):
    return dialogflow_integration_create(workspace=workspace)


def bot_post(client, bot, contact, action="close", parameters=None):
    integration, secret = bot
    body = {"session": f"projects/p/agent/sessions/contact-{contact.pk}",
            "queryResult": {"action": action, "parameters": parameters or {}}}
    return client.post(f"/api/v1/integrations/dialogflow/{integration.pk}/webhook", body, format="json",
                       HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_bot_close_closes_the_open_conversation_with_source_bot(clock, anon_client, bot, workspace, bob):
    contact = ContactFactory(workspace=workspace)
    conversation, _ = conversation_open(contact=contact)
    message_create(conversation=conversation, direction="in", text="Gracias, es todo", sender_kind="contact")
    clock.shift(timedelta(minutes=4))

    response = bot_post(anon_client, bot, contact, parameters={"note": "El bot resolvió la duda"})
    again = bot_post(anon_client, bot, contact)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["payload"]["crm"]["changed"] is True and body["payload"]["crm"]["event"] is None
    assert body["fulfillmentText"].startswith("Gracias por escribirnos")
    # a retried or repeated close answers the same and writes nothing
    assert again.json()["payload"]["crm"]["changed"] is False
    assert again.json()["fulfillmentText"] == body["fulfillmentText"]
    conversation.refresh_from_db()
    assert (conversation.status, conversation.closed_source, conversation.closing_note) == (
        "closed", "bot", "El bot resolvió la duda")
    assert events("kind", "source", "user_id", "note", "seconds_since_open") == [
        ("opened", "contact", None, "", None), ("closed", "bot", None, "El bot resolvió la duda", 240)]


def test_bot_close_does_nothing_while_the_bot_is_paused(anon_client, bot, workspace):
    contact = ContactFactory(workspace=workspace)
    conversation, _ = conversation_open(contact=contact)
    Conversation.objects.filter(pk=conversation.pk).update(bot_paused=True)

    response = bot_post(anon_client, bot, contact)

    assert response.json()["fulfillmentText"] == "" and response.json()["payload"]["crm"]["changed"] is False
    assert Conversation.objects.get(pk=conversation.pk).status == "open"
    assert events("kind") == [("opened",)]


@pytest.mark.parametrize("note", [12, ["x"], "x" * 2001])
def test_bot_close_with_a_bad_note_is_400(anon_client, bot, workspace, note):
    contact = ContactFactory(workspace=workspace)
    conversation_open(contact=contact)

    response = bot_post(anon_client, bot, contact, parameters={"note": note})

    assert response.status_code == 400
    assert "queryResult.parameters.note" in response.json()["errors"]
    assert not ConversationEvent.objects.filter(kind="closed").exists()


def test_bot_unknown_action_names_close(anon_client, bot, workspace):
    response = bot_post(anon_client, bot, ContactFactory(workspace=workspace), action="reopen")

    assert response.status_code == 400
    assert "close" in response.json()["message"]
