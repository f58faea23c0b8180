"""Fixtures of the hardening tests: a workspace with one object of every kind the API exposes.

Everything is made through the real services (contacts, conversations, workflows, exports,
imports, channels, the Dialogflow integration), so the ids the fuzzer and the URL matrix use
exist and belong to Alice's workspace; Charlie's workspace gets its own copies for the 404 cases.
"""

from dataclasses import dataclass, field

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.context import Actor
from accounts.models import Membership
from assignments.models import AssignmentSource
from assignments.services import contact_assign
from broadcasts.services import broadcast_create, segment_create
from contacts.custom_fields import custom_field_create
from contacts.services import conversation_open, message_create
from exports.services import export_request
from imports.services import contact_import_create
from integrations.services import api_token_create, channel_create, dialogflow_integration_create
from tests.factories import ContactFactory, api_token
from workflows.services import workflow_create


@pytest.fixture(autouse=True)
def _clear_cache():
    """Throttle and login-failure counters live in the cache: every test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@dataclass
class Objects:
    """One workspace's objects, by kind (ids used in URLs)."""

    workspace: object
    owner: object
    token: str
    contact: object
    conversation: object
    workflow: object
    export: object
    contact_import: object
    channel: object
    channel_secret: str
    bot: object
    bot_secret: str
    api_token: object
    extra: dict = field(default_factory=dict)

    def ids(self) -> dict:
        return {
            "identifier": f"id:{self.contact.pk}",
            "conversation_id": self.conversation.pk,
            "workflow_id": self.workflow.pk,
            "export_id": self.export.pk,
            "import_id": self.contact_import.pk,
            "channel_id": self.channel.pk,
            "integration_id": self.bot.pk,
            "token_id": self.api_token.pk,
            "key": "sales_auto_assign",
            "segment_id": self.extra["segment"].pk,
            "broadcast_id": self.extra["broadcast"].pk,
            "field_id": self.extra["custom_field"].pk,
        }


def seed_workspace(workspace, owner, *, name_prefix="") -> Objects:
    """Contacts, an assignment, a conversation with messages, a workflow, an export, an import,
    a channel, a Dialogflow integration and an API token, all in ``workspace``."""
    contacts = [
        ContactFactory(workspace=workspace, first_name=f"{name_prefix}Ana", last_name=f"{name_prefix}Cliente", email=f"ana@{name_prefix.lower() or 'acme'}-cliente.mx"),
        ContactFactory(workspace=workspace, first_name=f"{name_prefix}Beto"),
        ContactFactory(workspace=workspace, first_name=f"{name_prefix}Carla"),
    ]
    # The conversation used in URLs is an unassigned contact's, which agents see too.
    conversation, _ = conversation_open(contact=contacts[0])
    message_create(conversation=conversation, direction="in", text="Hola", sender_kind="contact")
    conversation_open(contact=contacts[1])
    contact_assign(contact=contacts[1], assignee=owner, source=AssignmentSource.API)
    workflow = workflow_create(
        workspace=workspace, name="Round robin", steps=[{"type": "add_tag", "tag": "vip"}], created_by=owner
    )
    membership = Membership.objects.get(workspace=workspace, user=owner)
    export = export_request(actor=Actor.for_membership(membership), filters={"period": "last_30_days"})
    contact_import = contact_import_create(
        workspace=workspace,
        uploaded_file=SimpleUploadedFile(
            "c.csv", b"first_name,email\nDora,dora@cliente.mx\n,not-an-email\n", "text/csv"
        ),
        uploaded_by=owner,
    )
    channel, channel_secret = channel_create(workspace=workspace, name="Web chat")
    bot, bot_secret = dialogflow_integration_create(workspace=workspace)
    token_row, _ = api_token_create(workspace=workspace, name="Zapier", created_by=owner)
    segment = segment_create(workspace=workspace, name="Todos", filters={}, created_by=owner)
    broadcast = broadcast_create(workspace=workspace, name="Promo", channel_id=channel.pk, segment_id=segment.pk,
                                 text="Hola {{contact.first_name}}", created_by=owner)
    custom_field = custom_field_create(workspace=workspace, key="plan", label="Plan")
    return Objects(
        workspace=workspace, owner=owner, token=api_token(workspace), contact=contacts[0],
        conversation=conversation, workflow=workflow, export=export, contact_import=contact_import,
        channel=channel, channel_secret=channel_secret, bot=bot, bot_secret=bot_secret, api_token=token_row,
        extra={"contacts": contacts, "segment": segment, "broadcast": broadcast, "custom_field": custom_field},
    )


@pytest.fixture
def acme(workspace, alice, bob, dave, erin, django_capture_on_commit_callbacks) -> Objects:
    # The export and the import run (eagerly) when their transaction commits.
    with django_capture_on_commit_callbacks(execute=True):
        return seed_workspace(workspace, alice)


@pytest.fixture
def globex(other_workspace, charlie, django_capture_on_commit_callbacks) -> Objects:
    with django_capture_on_commit_callbacks(execute=True):
        return seed_workspace(other_workspace, charlie, name_prefix="G")

