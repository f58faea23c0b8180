"""The lifecycle migrations: existing messages get a sender kind; no event is backfilled."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("contacts", "0001_initial")]
AFTER = [("contacts", "0004_message_sender_kind_constraints")]


@pytest.fixture
def migrator():
    executor = MigrationExecutor(connection)
    yield executor
    # leave the database at the latest state, whatever migrations come after these
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_existing_messages_are_classified_and_no_events_are_written(migrator):
    executor = migrator
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Workspace, User = old.get_model("accounts", "Workspace"), old.get_model("accounts", "User")
    Contact, Conversation = old.get_model("contacts", "Contact"), old.get_model("contacts", "Conversation")
    Message = old.get_model("contacts", "Message")
    workspace = Workspace.objects.create(name="Vieja", timezone="America/Mexico_City", language="es")
    user = User.objects.create(email="old@acme.example", name="Old")
    contact = Contact.objects.create(workspace=workspace, first_name="Ana")
    conversation = Conversation.objects.create(workspace=workspace, contact=contact)
    made = {
        "contact": Message.objects.create(workspace=workspace, conversation=conversation, direction="in", text="a"),
        "user": Message.objects.create(workspace=workspace, conversation=conversation, direction="out", text="b",
                                       author=user),
        "api": Message.objects.create(workspace=workspace, conversation=conversation, direction="out", text="c"),
    }

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps

    messages = new.get_model("contacts", "Message").objects
    assert {kind: messages.get(pk=m.pk).sender_kind for kind, m in made.items()} == {
        "contact": "contact", "user": "user", "api": "api"}
    assert not messages.filter(response_seconds__isnull=False).exists()
    stored = new.get_model("contacts", "Conversation").objects.get(pk=conversation.pk)
    assert (stored.opened_source, stored.closed_source, stored.first_response_at) == ("contact", "", None)
    assert not new.get_model("contacts", "ConversationEvent").objects.exists()
