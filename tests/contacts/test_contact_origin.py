"""How a contact was created and when it was first seen, recorded at the source (Reportes →
Contactos, docs/reports.md "Contactos")."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.utils import timezone

from contacts.models import Contact, ContactOrigin
from contacts.services import (
    ConversationError,
    contact_create,
    conversation_open,
    message_create,
    message_send,
)
from imports import services as import_services
from integrations.services import channel_create, channel_inbound_receive
from tests.factories import UserFactory


def test_the_developer_api_records_api_and_a_session_records_the_user(token_client, alice_client, alice):
    # when
    by_token = token_client.post("/api/v1/contacts", {"first_name": "Tok"}, format="json")
    by_session = alice_client.post("/api/v1/contacts", {"first_name": "Ses"}, format="json")

    # then
    assert by_token.status_code == by_session.status_code == 201
    token_made = Contact.objects.get(pk=by_token.json()["id"])
    session_made = Contact.objects.get(pk=by_session.json()["id"])
    assert (token_made.origin, token_made.created_by_id, token_made.created_channel_id) == ("api", None, None)
    assert (session_made.origin, session_made.created_by_id, session_made.created_channel_id) == ("user", alice.pk, None)


def test_an_inbound_message_records_the_channel_once(workspace):
    web, _ = channel_create(workspace=workspace, name="Web chat")
    app, _ = channel_create(workspace=workspace, name="App")

    first = channel_inbound_receive(channel=web, text="Hola", phone="+5215599990001", first_name="Rosa")
    again = channel_inbound_receive(channel=app, text="Otra vez", phone="+5215599990001")

    contact = Contact.objects.get(pk=first.contact.pk)
    assert first.contact_created and not again.contact_created
    assert again.contact.pk == contact.pk
    # the second channel changes nothing: the origin and the creation channel never change
    assert (contact.origin, contact.created_channel_id) == ("channel", web.pk)
    assert contact.first_seen_at == first.message.created_at


def test_an_import_row_records_import(workspace, bob):
    outcome, _ = import_services.contact_import_row(
        workspace=workspace, mode="add_and_update", values={"first_name": "Imp", "email": "imp@example.com"},
        members=import_services._Members(workspace))

    assert outcome == "created"
    assert Contact.objects.get(email="imp@example.com").origin == "import"


@pytest.mark.parametrize("kwargs, field", [
    ({"origin": "unknown"}, "origin"),
    ({"origin": "workflow"}, "origin"),
    ({"origin": "channel"}, "channel_id"),
    ({"origin": "api", "channel_id": 3}, "channel_id"),
    ({"origin": "user"}, "created_by"),
])
def test_the_write_path_refuses_an_origin_it_cannot_record(workspace, kwargs, field):
    with pytest.raises(ConversationError) as caught:
        contact_create(workspace=workspace, first_name="X", **kwargs)
    assert caught.value.field == field
    assert not Contact.objects.exists()


def test_created_by_is_kept_only_for_user(workspace, alice):
    made = contact_create(workspace=workspace, origin="import", first_name="X", created_by=alice)
    assert made.created_by_id is None


def test_first_seen_is_the_earliest_incoming_message(workspace, alice):
    now = timezone.now()
    contact = contact_create(workspace=workspace, origin=ContactOrigin.USER, created_by=alice, first_name="Ana",
                             at=now - timedelta(days=10))
    # an outgoing message is not the contact being seen
    message_send(contact=contact, text="Hola", sender_kind="api", at=now - timedelta(days=9))
    contact.refresh_from_db()
    assert contact.first_seen_at is None

    conversation, _ = conversation_open(contact=contact)
    message_create(conversation=conversation, direction="in", text="a", sender_kind="contact",
                   at=now - timedelta(days=5))
    message_create(conversation=conversation, direction="in", text="b", sender_kind="contact",
                   at=now - timedelta(days=4))
    contact.refresh_from_db()
    assert contact.first_seen_at == now - timedelta(days=5)

    # a back-dated message moves it earlier (still within the open conversation)
    message_create(conversation=conversation, direction="in", text="c", sender_kind="contact",
                   at=now - timedelta(days=6))
    contact.refresh_from_db()
    assert contact.first_seen_at == now - timedelta(days=6)


def test_the_admin_cannot_add_contacts_outside_the_write_path(ana):
    admin = UserFactory(email="root@acme.example", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    assert client.get("/admin/contacts/contact/add/").status_code == 403
    assert client.get(f"/admin/contacts/contact/{ana.pk}/change/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_existing_contacts_get_unknown_and_first_seen_from_their_messages():
    before, after = [("contacts", "0005_conversation_rollup")], [("contacts", "0007_contact_first_seen_backfill")]
    executor = MigrationExecutor(connection)
    try:
        executor.migrate(before)
        old = executor.loader.project_state(before).apps
        workspace = old.get_model("accounts", "Workspace").objects.create(name="Vieja", timezone="UTC")
        Contact_, Conversation = old.get_model("contacts", "Contact"), old.get_model("contacts", "Conversation")
        Message = old.get_model("contacts", "Message")
        wrote, silent = (Contact_.objects.create(workspace=workspace, first_name=n) for n in ("Wrote", "Silent"))
        t0 = timezone.now() - timedelta(days=3)
        for contact, direction, kind, at in [(wrote, "out", "api", t0), (wrote, "in", "contact", t0 + timedelta(hours=2)),
                                             (wrote, "in", "contact", t0 + timedelta(hours=5)),
                                             (silent, "out", "api", t0)]:
            conversation = Conversation.objects.filter(contact=contact).first() or Conversation.objects.create(
                workspace=workspace, contact=contact, opened_at=t0)
            Message.objects.create(workspace=workspace, conversation=conversation, direction=direction,
                                   sender_kind=kind, text="x", created_at=at)

        executor = MigrationExecutor(connection)
        executor.migrate(after)
        new = executor.loader.project_state(after).apps.get_model("contacts", "Contact").objects

        assert new.get(pk=wrote.pk).origin == new.get(pk=silent.pk).origin == "unknown"
        assert new.get(pk=wrote.pk).first_seen_at == t0 + timedelta(hours=2)
        assert new.get(pk=silent.pk).first_seen_at is None
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
