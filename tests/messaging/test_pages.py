"""The Messages pages: inboxes, the conversation view and its forms (all source ``user``)."""

import re

import pytest
from django.apps import apps
from django.urls import reverse

from assignments.models import AssignmentEvent, AssignmentSource
from contacts.models import Conversation, Message
from tests.factories import agent_settings

from .conftest import open_conversation

pytestmark = pytest.mark.django_db


def conv_url(conversation, action=None):
    if action is None:
        return reverse("messaging:conversation", args=[conversation.pk])
    return reverse(f"messaging:{action}", args=[conversation.pk])


def listed_ids(response) -> set[int]:
    return {int(x) for x in re.findall(r'data-conversation="(\d+)"', response.content.decode())}


def user_events(contact):
    return list(AssignmentEvent.objects.filter(contact=contact, source=AssignmentSource.USER).order_by("id"))


# --- inboxes -------------------------------------------------------------------------------


def test_agent_inboxes_show_theirs_and_unassigned_never_other_agents(
    bob_client, bob_conversation, unassigned_conversation, frank_conversation
):
    mine = bob_client.get("/messages/?inbox=mine")
    unassigned = bob_client.get("/messages/?inbox=unassigned")
    everything = bob_client.get("/messages/?inbox=all")

    assert mine.status_code == 200
    assert listed_ids(mine) == {bob_conversation.pk}
    assert listed_ids(unassigned) == {unassigned_conversation.pk}
    assert listed_ids(everything) == {bob_conversation.pk, unassigned_conversation.pk}
    assert "Fabiola" not in everything.content.decode()


def test_admin_all_inbox_shows_every_open_conversation(
    alice_client, bob_conversation, unassigned_conversation, frank_conversation, charlie_conversation
):
    response = alice_client.get("/messages/?inbox=all")

    assert listed_ids(response) == {bob_conversation.pk, unassigned_conversation.pk, frank_conversation.pk}
    assert listed_ids(alice_client.get("/messages/?inbox=mine")) == set()  # nothing assigned to Alice


def test_closed_filter_lists_closed_conversations_only(alice_client, alice, bob_conversation, unassigned_conversation):
    alice_client.post(conv_url(bob_conversation, "close"), {"note": "Resuelto"})

    closed = alice_client.get("/messages/?inbox=all&status=closed")
    open_ = alice_client.get("/messages/?inbox=all&status=open")

    assert listed_ids(closed) == {bob_conversation.pk}
    assert listed_ids(open_) == {unassigned_conversation.pk}


def current_inbox(response) -> str:
    return re.search(r'aria-current="page" data-inbox="(\w+)"', response.content.decode()).group(1)


def test_messages_land_on_my_conversations_when_i_have_some(bob_client, bob_conversation, unassigned_conversation):
    response = bob_client.get("/messages/")

    assert current_inbox(response) == "mine"
    assert listed_ids(response) == {bob_conversation.pk}


def test_messages_land_on_unassigned_when_mine_is_empty(alice_client, bob_conversation, unassigned_conversation):
    # given: nothing is assigned to Alice (an owner on her first visit), one conversation waits
    # when
    response = alice_client.get("/messages/")

    # then: she sees it instead of "Mis conversaciones 0" beside an empty pane
    assert current_inbox(response) == "unassigned"
    assert listed_ids(response) == {unassigned_conversation.pk}
    # the tabs, the status filter and the conversation links keep that inbox
    assert f'href="{conv_url(unassigned_conversation)}?inbox=unassigned&amp;status=open"' in response.content.decode()


def test_messages_land_on_all_when_mine_and_unassigned_are_empty(alice_client, bob_conversation):
    response = alice_client.get("/messages/")

    assert current_inbox(response) == "all"
    assert listed_ids(response) == {bob_conversation.pk}


def test_messages_stay_on_my_conversations_when_nothing_is_open(alice_client, alice):
    assert current_inbox(alice_client.get("/messages/")) == "mine"


def test_an_inbox_chosen_explicitly_is_kept_even_when_empty(alice_client, unassigned_conversation):
    response = alice_client.get("/messages/?inbox=mine")

    assert current_inbox(response) == "mine"
    assert listed_ids(response) == set()


def test_a_conversation_opened_without_an_inbox_lists_the_landing_inbox(alice_client, unassigned_conversation):
    response = alice_client.get(conv_url(unassigned_conversation))

    assert current_inbox(response) == "unassigned"
    assert listed_ids(response) == {unassigned_conversation.pk}


@pytest.mark.parametrize(("language", "shown"), [("es", "2 dic 2026 14:05"), ("en", "Dec 2, 2026 14:05")])
def test_conversation_dates_use_the_app_format(alice_client, workspace, unassigned_conversation, language, shown):
    # 20:05 UTC is 14:05 in Mexico City, the workspace's timezone
    workspace.language = language
    workspace.save(update_fields=["language"])
    unassigned_conversation.messages.update(created_at="2026-12-02T20:05:00Z")

    html = alice_client.get(conv_url(unassigned_conversation)).content.decode()

    assert f'<time datetime="2026-12-02T14:05:00-06:00">{shown}</time>' in html


def test_inbox_labels_are_spanish(bob_client, unassigned_conversation):
    body = bob_client.get("/messages/").content.decode()

    for label in ("Mis conversaciones", "Sin asignar", "Todas"):
        assert label in body


def test_unknown_inbox_parameters_fall_back_to_defaults(bob_client, bob_conversation):
    response = bob_client.get("/messages/?inbox=%00nope&status=bogus&page=99999999999999999999")

    assert response.status_code == 200
    assert listed_ids(response) == {bob_conversation.pk}


def test_charlie_sees_only_his_own_workspace(charlie_client, charlie_conversation, unassigned_conversation):
    response = charlie_client.get("/messages/?inbox=all")

    assert listed_ids(response) == {charlie_conversation.pk}


def test_anonymous_goes_to_login_and_non_member_gets_403(anon_client, outsider_client, unassigned_conversation):
    response = anon_client.get("/messages/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")

    assert outsider_client.get("/messages/").status_code == 403
    assert outsider_client.get(conv_url(unassigned_conversation)).status_code == 403


# --- conversation view ---------------------------------------------------------------------


def test_conversation_page_shows_messages_and_the_actions(bob_client, unassigned_conversation):
    response = bob_client.get(conv_url(unassigned_conversation))
    body = response.content.decode()

    assert response.status_code == 200
    assert "Hola, quisiera información" in body
    assert "Cerrar conversación" in body
    assert 'name="assignee"' in body
    assert "Pausar el Chatbot" not in body  # no Dialogflow bot in this workspace
    assert 'id="conversation-poll"' in body and "<script>" not in body


def test_other_agents_and_other_workspaces_conversations_are_404(
    bob_client, charlie_client, frank_conversation, charlie_conversation, unassigned_conversation
):
    assert bob_client.get(conv_url(frank_conversation)).status_code == 404
    assert bob_client.get(conv_url(charlie_conversation)).status_code == 404
    assert charlie_client.get(conv_url(unassigned_conversation)).status_code == 404
    assert bob_client.get("/messages/99999999999999999999999/").status_code == 404


@pytest.mark.parametrize("action", ["reply", "assign", "close", "bot"])
def test_agents_cannot_act_on_other_agents_or_other_workspaces(
    action, bob, bob_client, frank, frank_conversation, charlie_conversation
):
    data = {"text": "hola", "assignee": str(bob.pk), "note": "x", "paused": "1"}

    assert bob_client.post(conv_url(frank_conversation, action), data).status_code == 404
    assert bob_client.post(conv_url(charlie_conversation, action), data).status_code == 404

    frank_conversation.refresh_from_db()
    charlie_conversation.refresh_from_db()
    assert frank_conversation.status == charlie_conversation.status == Conversation.Status.OPEN
    assert frank_conversation.contact.assignee == frank
    assert charlie_conversation.contact.assignee is None
    assert not Message.objects.filter(direction=Message.Direction.OUT).exists()
    assert not AssignmentEvent.objects.filter(source=AssignmentSource.USER).exists()


def test_charlie_cannot_act_on_alices_workspace(charlie, charlie_client, unassigned_conversation):
    for action in ("reply", "assign", "close"):
        response = charlie_client.post(conv_url(unassigned_conversation, action), {"text": "x", "assignee": charlie.pk})
        assert response.status_code == 404
    unassigned_conversation.refresh_from_db()
    assert unassigned_conversation.status == Conversation.Status.OPEN
    assert unassigned_conversation.contact.assignee is None


def test_pages_refuse_get_on_actions(bob_client, unassigned_conversation):
    assert bob_client.get(conv_url(unassigned_conversation, "reply")).status_code == 405


# --- reply -------------------------------------------------------------------------------


def test_reply_to_unassigned_contact_assigns_it_to_the_sender(bob, bob_client, unassigned_conversation):
    response = bob_client.post(conv_url(unassigned_conversation, "reply") + "?inbox=unassigned", {"text": "¡Hola! Con gusto."})

    assert response.status_code == 302
    assert response["Location"] == conv_url(unassigned_conversation) + "?inbox=unassigned&status=open"
    contact = unassigned_conversation.contact
    contact.refresh_from_db()
    assert contact.assignee == bob
    [event] = user_events(contact)
    assert event.previous_assignee_id is None
    assert event.new_assignee_id == bob.pk
    assert event.assigned_by_id == bob.pk and event.assigned_by_name == "Bob"
    assert event.conversation_id == unassigned_conversation.pk
    message = Message.objects.get(direction=Message.Direction.OUT)
    assert (message.author, message.text, message.conversation_id) == (bob, "¡Hola! Con gusto.", unassigned_conversation.pk)
    # Bob now finds it in "Mis conversaciones".
    assert listed_ids(bob_client.get("/messages/?inbox=mine")) == {unassigned_conversation.pk}


def test_reply_to_an_assigned_contact_writes_no_event(alice_client, bob, bob_conversation):
    before = AssignmentEvent.objects.count()

    alice_client.post(conv_url(bob_conversation, "reply"), {"text": "Le ayudo yo"})

    bob_conversation.contact.refresh_from_db()
    assert bob_conversation.contact.assignee == bob
    assert AssignmentEvent.objects.count() == before


def test_empty_or_huge_reply_is_refused_with_a_message(bob_client, unassigned_conversation):
    empty = bob_client.post(conv_url(unassigned_conversation, "reply"), {"text": "   "}, follow=True)
    huge = bob_client.post(conv_url(unassigned_conversation, "reply"), {"text": "x" * 4001}, follow=True)

    assert "Escriba un mensaje primero." in empty.content.decode() or "Write a message first." in empty.content.decode()
    assert huge.status_code == 200
    assert not Message.objects.filter(direction=Message.Direction.OUT).exists()
    assert not AssignmentEvent.objects.exists()


def test_nul_characters_are_dropped_not_a_server_error(bob_client, unassigned_conversation):
    bob_client.post(conv_url(unassigned_conversation, "reply"), {"text": "ho\x00la"})
    bob_client.post(conv_url(unassigned_conversation, "close"), {"note": "\x00fin"})

    assert Message.objects.get(direction=Message.Direction.OUT).text == "hola"
    unassigned_conversation.refresh_from_db()
    assert unassigned_conversation.closing_note == "fin"


def test_reply_to_a_closed_conversation_opens_a_new_one(alice, alice_client, bob_conversation):
    alice_client.post(conv_url(bob_conversation, "close"))

    response = alice_client.post(conv_url(bob_conversation, "reply"), {"text": "¿Sigue ahí?"})

    new = Conversation.objects.get(contact=bob_conversation.contact, status=Conversation.Status.OPEN)
    assert new.pk != bob_conversation.pk
    assert response["Location"].startswith(conv_url(new))


# --- assign, reassign, unassign ------------------------------------------------------------


def test_assign_reassign_unassign_write_user_events_with_assigned_by(alice, alice_client, bob, frank, unassigned_conversation):
    contact = unassigned_conversation.contact

    alice_client.post(conv_url(unassigned_conversation, "assign"), {"assignee": str(bob.pk)})
    alice_client.post(conv_url(unassigned_conversation, "assign"), {"assignee": str(frank.pk)})
    alice_client.post(conv_url(unassigned_conversation, "assign"), {"assignee": "none"})

    events = user_events(contact)
    assert [(e.previous_assignee_id, e.new_assignee_id) for e in events] == [
        (None, bob.pk),
        (bob.pk, frank.pk),
        (frank.pk, None),
    ]
    assert {e.assigned_by_id for e in events} == {alice.pk}
    assert {e.assigned_by_name for e in events} == {"Alice"}
    assert {e.conversation_id for e in events} == {unassigned_conversation.pk}
    contact.refresh_from_db()
    assert contact.assignee is None


def test_assigning_the_current_assignee_writes_nothing(alice_client, bob, bob_conversation):
    before = AssignmentEvent.objects.count()

    response = alice_client.post(conv_url(bob_conversation, "assign"), {"assignee": str(bob.pk)}, follow=True)

    assert AssignmentEvent.objects.count() == before
    assert response.status_code == 200


def test_agent_takes_and_unassigns_a_conversation_they_see(bob, bob_client, unassigned_conversation):
    bob_client.post(conv_url(unassigned_conversation, "assign"), {"assignee": str(bob.pk)})
    bob_client.post(conv_url(unassigned_conversation, "assign"), {"assignee": "none"})

    events = user_events(unassigned_conversation.contact)
    assert [(e.new_assignee_id, e.assigned_by_id) for e in events] == [(bob.pk, bob.pk), (None, bob.pk)]


def test_agent_hands_over_to_another_agent_then_loses_access(bob, bob_client, frank, bob_conversation, workspace):
    # Handing over needs "Los agentes pueden reasignar a otros agentes" (off by default).
    agent_settings(workspace, reassign=True)
    response = bob_client.post(conv_url(bob_conversation, "assign") + "?inbox=mine", {"assignee": str(frank.pk)})

    assert response.status_code == 302
    assert response["Location"] == "/messages/?inbox=mine&status=open"
    [event] = user_events(bob_conversation.contact)
    assert (event.previous_assignee_id, event.new_assignee_id, event.assigned_by_id) == (bob.pk, frank.pk, bob.pk)
    assert bob_client.get(conv_url(bob_conversation)).status_code == 404


@pytest.mark.parametrize("value", ["", "abc", "999999", "99999999999999999999999", "-1"])
def test_assigning_a_non_member_is_refused(value, alice_client, unassigned_conversation):
    response = alice_client.post(conv_url(unassigned_conversation, "assign"), {"assignee": value}, follow=True)

    assert response.status_code == 200
    assert not AssignmentEvent.objects.exists()


def test_assigning_charlie_from_another_workspace_is_refused(alice_client, charlie, unassigned_conversation):
    alice_client.post(conv_url(unassigned_conversation, "assign"), {"assignee": str(charlie.pk)})

    unassigned_conversation.contact.refresh_from_db()
    assert unassigned_conversation.contact.assignee is None
    assert not AssignmentEvent.objects.exists()


# --- close -----------------------------------------------------------------------------------


def test_close_with_a_note_keeps_the_assignee_and_writes_no_event(bob, bob_client, bob_conversation):
    before = AssignmentEvent.objects.count()

    response = bob_client.post(conv_url(bob_conversation, "close"), {"note": "Se envió la guía de tallas"})

    assert response.status_code == 302
    bob_conversation.refresh_from_db()
    assert bob_conversation.status == Conversation.Status.CLOSED
    assert bob_conversation.closing_note == "Se envió la guía de tallas"
    assert bob_conversation.closed_by == bob
    assert bob_conversation.contact.assignee == bob
    assert AssignmentEvent.objects.count() == before
    page = bob_client.get(conv_url(bob_conversation)).content.decode()
    assert "Se envió la guía de tallas" in page


def test_close_without_note_and_twice(alice_client, unassigned_conversation):
    alice_client.post(conv_url(unassigned_conversation, "close"))
    again = alice_client.post(conv_url(unassigned_conversation, "close"), {"note": "otra"})

    assert again.status_code == 302
    unassigned_conversation.refresh_from_db()
    assert unassigned_conversation.status == Conversation.Status.CLOSED
    assert unassigned_conversation.closing_note == ""


# --- chatbot toggle --------------------------------------------------------------------------


def test_bot_toggle_refused_without_a_configured_bot(alice_client, unassigned_conversation):
    response = alice_client.post(conv_url(unassigned_conversation, "bot"), {"paused": "1"})

    assert response.status_code == 302
    unassigned_conversation.refresh_from_db()
    assert unassigned_conversation.bot_paused is False


def test_bot_toggle_with_a_configured_bot(alice_client, workspace, unassigned_conversation):
    try:
        integration_model = apps.get_model("integrations", "DialogflowIntegration")
    except LookupError:
        pytest.skip("the Dialogflow integration is not installed")
    integration = integration_model(workspace=workspace)
    integration.secret_set(integration_model.secret_new())
    integration.save()

    page = alice_client.get(conv_url(unassigned_conversation)).content.decode()
    assert "Pausar el Chatbot" in page
    alice_client.post(conv_url(unassigned_conversation, "bot"), {"paused": "1"})
    unassigned_conversation.refresh_from_db()
    assert unassigned_conversation.bot_paused is True
    paused_page = alice_client.get(conv_url(unassigned_conversation)).content.decode()
    assert "Reanudar el Chatbot" in paused_page and "Chatbot en pausa" in paused_page
    alice_client.post(conv_url(unassigned_conversation, "bot"), {"paused": "0"})
    unassigned_conversation.refresh_from_db()
    assert unassigned_conversation.bot_paused is False
    # A closed conversation has no bot to pause.
    alice_client.post(conv_url(unassigned_conversation, "close"))
    assert "Pausar el Chatbot" not in alice_client.get(conv_url(unassigned_conversation)).content.decode()


# --- CSRF --------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["reply", "assign", "close", "bot"])
def test_page_forms_need_the_csrf_token(action, bob, bob_csrf_client, unassigned_conversation):
    data = {"text": "hola", "assignee": str(bob.pk), "note": "x", "paused": "1"}

    response = bob_csrf_client.post(conv_url(unassigned_conversation, action), data)

    assert response.status_code == 403
    unassigned_conversation.refresh_from_db()
    assert unassigned_conversation.status == Conversation.Status.OPEN
    assert unassigned_conversation.contact.assignee is None
    assert not Message.objects.filter(direction=Message.Direction.OUT).exists()


def test_page_form_with_the_csrf_token_works(bob, bob_csrf_client, unassigned_conversation):
    page = bob_csrf_client.get(conv_url(unassigned_conversation))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)

    response = bob_csrf_client.post(
        conv_url(unassigned_conversation, "reply"), {"text": "hola", "csrfmiddlewaretoken": token}
    )

    assert response.status_code == 302
    unassigned_conversation.contact.refresh_from_db()
    assert unassigned_conversation.contact.assignee == bob


def test_conversation_of_a_returning_assigned_contact_lands_in_the_assignee_inbox(workspace, bob, bob_client):
    conversation = open_conversation(workspace, assignee=bob, first_name="Vuelve")

    assert conversation.pk in listed_ids(bob_client.get("/messages/?inbox=mine"))


def test_english_workspace_gets_english_labels(workspace, bob_client, unassigned_conversation):
    workspace.language = "en"
    workspace.save(update_fields=["language"])

    body = bob_client.get(conv_url(unassigned_conversation) + "?inbox=unassigned").content.decode()

    for label in ("My conversations", "Unassigned", "All", "Close conversation", "Send"):
        assert label in body
    assert "Mis conversaciones" not in body


def test_outgoing_messages_show_their_delivery_status_failed_with_the_reason(alice_client, alice, bob_conversation):
    from contacts.services import message_delivery_queue, message_status_record
    from messaging.services import conversation_reply

    failed = conversation_reply(conversation=bob_conversation, author=alice, text="Primera")
    read = conversation_reply(conversation=bob_conversation, author=alice, text="Segunda")
    plain = conversation_reply(conversation=bob_conversation, author=alice, text="Tercera")  # no channel delivers it
    for message, status in ((failed, "failed"), (read, "read")):
        message_delivery_queue(message=message, channel_id=1)
        message_status_record(message=message, status=status, reason="HTTP 422: número no válido")

    page = alice_client.get(f"/messages/{bob_conversation.pk}/").content.decode()

    item = re.search(rf'data-message-id="{failed.pk}".*?</li>', page, re.S).group(0)
    assert 'class="delivery delivery-failed"' in item and "Fallido: HTTP 422: número no válido" in item
    assert 'title="Estado de entrega: Fallido"' in item
    assert "Leído" in re.search(rf'data-message-id="{read.pk}".*?</li>', page, re.S).group(0)
    assert "data-delivery" not in re.search(rf'data-message-id="{plain.pk}".*?</li>', page, re.S).group(0)
    incoming = Message.objects.filter(conversation=bob_conversation, direction="in").first()
    assert "data-delivery" not in re.search(rf'data-message-id="{incoming.pk}".*?</li>', page, re.S).group(0)
