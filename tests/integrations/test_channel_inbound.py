"""Custom inbound channel webhook: X-Channel-Secret, find or create the contact, open, store, workflows."""

import pytest

from assignments.models import AssignmentEvent, AssignmentSource
from assignments.services import contact_assign
from contacts.models import Contact, Conversation, Message
from contacts.services import conversation_close
from tests.integrations.conftest import assert_error


def url(channel):
    return f"/api/v1/channels/{channel.pk}/inbound"


def post(client, channel, secret, body, **kwargs):
    return client.post(url(channel), body, format="json", HTTP_X_CHANNEL_SECRET=secret, **kwargs)


@pytest.fixture
def assign_to_bob_workflow(workspace, bob):
    from workflows.services import workflow_create

    return workflow_create(
        workspace=workspace, name="Asignar a Bob", enabled=True,
        steps=[{"type": "assign_to", "mode": "user", "user": bob.pk}],
    )


def test_new_contact_opens_a_conversation(anon_client, channel, workspace):
    ch, secret = channel
    response = post(anon_client, ch, secret, {"contact": {"phone": "+5215599990000", "first_name": "Rosa",
                                                          "last_name": "Díaz"}, "text": "Hola"})
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["opened"] is True
    contact = Contact.objects.get(pk=body["contact_id"])
    assert (contact.workspace, contact.name, contact.phone, contact.assignee) == (workspace, "Rosa Díaz",
                                                                                  "+5215599990000", None)
    conversation = Conversation.objects.get(pk=body["conversation_id"])
    assert conversation.contact == contact and conversation.status == "open"
    message = Message.objects.get()
    assert (message.direction, message.text, message.conversation_id, message.author) == ("in", "Hola",
                                                                                          conversation.pk, None)
    assert not AssignmentEvent.objects.exists()


def test_second_message_reuses_the_open_conversation(anon_client, channel, ana):
    ch, secret = channel
    first = post(anon_client, ch, secret, {"contact": {"email": "ANA@cliente.mx"}, "text": "uno"}).json()
    second = post(anon_client, ch, secret, {"contact": {"phone": ana.phone}, "text": "dos"}).json()
    assert first["contact_id"] == second["contact_id"] == ana.pk
    assert first["opened"] is True and second["opened"] is False
    assert first["conversation_id"] == second["conversation_id"]
    assert Message.objects.count() == 2 and Contact.objects.count() == 1


def test_email_wins_over_phone(anon_client, channel, ana, workspace):
    from tests.factories import ContactFactory

    other = ContactFactory(workspace=workspace, email="otro@cliente.mx", phone="+5215577778888")
    ch, secret = channel
    body = post(anon_client, ch, secret, {"contact": {"email": ana.email, "phone": other.phone}, "text": "x"}).json()
    assert body["contact_id"] == ana.pk


def test_new_contact_without_name_is_named_after_its_address(anon_client, channel):
    ch, secret = channel
    body = post(anon_client, ch, secret, {"contact": {"email": "sin.nombre@cliente.mx"}, "text": "x"}).json()
    assert Contact.objects.get(pk=body["contact_id"]).first_name == "sin.nombre"


def test_new_conversation_fires_workflows(anon_client, channel, assign_to_bob_workflow, bob):
    ch, secret = channel
    body = post(anon_client, ch, secret, {"contact": {"phone": "+5215599990000"}, "text": "Hola"}).json()
    event = AssignmentEvent.objects.get()
    assert (event.source, event.new_assignee_id, event.conversation_id, event.assigned_by_id) == (
        "workflow", bob.pk, body["conversation_id"], None)
    assert Contact.objects.get(pk=body["contact_id"]).assignee_id == bob.pk


def test_message_in_an_open_conversation_fires_no_workflow(anon_client, channel, ana, assign_to_bob_workflow):
    from tests.factories import ConversationFactory

    ConversationFactory(contact=ana)
    ch, secret = channel
    body = post(anon_client, ch, secret, {"contact": {"email": ana.email}, "text": "sigo aquí"}).json()
    assert body["opened"] is False and not AssignmentEvent.objects.exists()


def test_returning_contact_with_an_assignee_writes_no_event(anon_client, channel, ana, alice, assign_to_bob_workflow):
    """Seed FAQ: the returning contact lands in their assignee's inbox; no assignment event."""
    # given: Ana was assigned to Alice in an earlier, now closed conversation
    ch, secret = channel
    first = post(anon_client, ch, secret, {"contact": {"email": ana.email}, "text": "hola"}).json()
    contact_assign(contact=ana, assignee=alice, source=AssignmentSource.API)
    conversation_close(conversation=Conversation.objects.get(pk=first["conversation_id"]), source="api")
    events_before = AssignmentEvent.objects.count()
    # when: she writes again
    body = post(anon_client, ch, secret, {"contact": {"phone": ana.phone}, "text": "de vuelta"}).json()
    # then: a new conversation, still Alice's, and no new event
    assert body["opened"] is True and body["conversation_id"] != first["conversation_id"]
    assert AssignmentEvent.objects.count() == events_before
    ana.refresh_from_db()
    assert ana.assignee_id == alice.pk


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": "x"}, "contact"),
        ({"contact": {}, "text": "x"}, "contact.phone"),
        ({"contact": {"phone": "5512345678"}, "text": "x"}, "contact.phone"),
        ({"contact": {"phone": "+52 1 55"}, "text": "x"}, "contact.phone"),
        ({"contact": {"email": "nope"}, "text": "x"}, "contact.email"),
        ({"contact": "ana@cliente.mx", "text": "x"}, "contact.non_field_errors"),
        ({"contact": {"email": "a@b.mx"}}, "text"),
        ({"contact": {"email": "a@b.mx"}, "text": "  "}, "text"),
        ({"contact": {"email": "a@b.mx"}, "text": "x" * 10001}, "text"),
        ({"contact": {"email": "a@b.mx", "first_name": "x" * 151}, "text": "x"}, "contact.first_name"),
        ([1, 2], "non_field_errors"),
    ],
)
def test_bad_body_is_400(anon_client, channel, body, field):
    ch, secret = channel
    assert_error(post(anon_client, ch, secret, body), 400, field)
    assert not Contact.objects.exists() and not Message.objects.exists()


def test_malformed_json_is_400(anon_client, channel):
    ch, secret = channel
    assert_error(anon_client.post(url(ch), data="{nope", content_type="application/json",
                                  HTTP_X_CHANNEL_SECRET=secret), 400)


def test_wrong_or_missing_secret_is_401(anon_client, channel, globex_channel, token_client):
    ch, secret = channel
    body = {"contact": {"phone": "+5215599990000"}, "text": "x"}
    assert_error(post(anon_client, ch, "chs_wrong", body), 401)
    assert_error(anon_client.post(url(ch), body, format="json"), 401)
    assert_error(post(anon_client, ch, globex_channel[1], body), 401)
    # An API token or a session does not replace the channel secret.
    assert_error(token_client.post(url(ch), body, format="json"), 401)
    assert not Contact.objects.exists()


@pytest.mark.parametrize("channel_id", ["999999", "x", "9" * 30, "0"])
def test_unknown_channel_is_404(anon_client, channel, channel_id):
    response = anon_client.post(f"/api/v1/channels/{channel_id}/inbound", {"contact": {"phone": "+5215599990000"},
                                                                           "text": "x"}, format="json",
                                HTTP_X_CHANNEL_SECRET=channel[1])
    assert_error(response, 404)


def test_charlies_channel_never_reaches_alices_contacts(anon_client, globex_channel, ana, other_workspace):
    ch, secret = globex_channel
    body = post(anon_client, ch, secret, {"contact": {"email": ana.email}, "text": "x"}).json()
    created = Contact.objects.get(pk=body["contact_id"])
    assert created.pk != ana.pk and created.workspace == other_workspace
    assert not Conversation.objects.filter(contact=ana).exists()


def test_rotated_channel_secret(anon_client, channel):
    from integrations.services import secret_rotate

    ch, old = channel
    new = secret_rotate(holder=ch)
    body = {"contact": {"phone": "+5215599990000"}, "text": "x"}
    assert_error(post(anon_client, ch, old, body), 401)
    assert post(anon_client, ch, new, body).status_code == 202


def test_nul_characters_are_400(anon_client, channel):
    ch, secret = channel
    assert_error(post(anon_client, ch, secret, {"contact": {"email": "a\x00@b.mx"}, "text": "x"}), 400, "contact.email")
    assert_error(post(anon_client, ch, secret, {"contact": {"phone": "+5215599990000", "first_name": "A\x00"},
                                                "text": "x"}), 400, "contact.first_name")
    assert_error(post(anon_client, ch, secret, {"contact": {"phone": "+5215599990000"}, "text": "\x00"}), 400, "text")


def test_each_channel_webhook_is_rate_limited(settings, anon_client, channel, workspace):
    from django.core.cache import cache

    from integrations.services import channel_create

    settings.INTEGRATIONS_WEBHOOK_RATE = "2/min"
    cache.clear()
    ch, secret = channel
    body = {"contact": {"phone": "+5215599990000"}, "text": "x"}
    assert post(anon_client, ch, secret, body).status_code == 202
    assert post(anon_client, ch, secret, body).status_code == 202
    response = post(anon_client, ch, secret, body)
    assert_error(response, 429)
    assert "Retry-After" in response
    # Another channel has its own budget.
    other, other_secret = channel_create(workspace=workspace, name="Otro")
    assert post(anon_client, other, other_secret, body).status_code == 202


def test_wrong_secrets_do_not_use_up_the_channels_budget(settings, anon_client, channel):
    from django.core.cache import cache

    settings.INTEGRATIONS_WEBHOOK_RATE = "1/min"
    cache.clear()
    ch, secret = channel
    body = {"contact": {"phone": "+5215599990000"}, "text": "x"}
    for _ in range(3):
        assert_error(post(anon_client, ch, "wrong", body), 401)
    assert post(anon_client, ch, secret, body).status_code == 202
