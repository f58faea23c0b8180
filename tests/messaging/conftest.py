"""Conversations for the Messages module tests, made through the real services."""

import pytest
from django.test import Client

from accounts.models import Membership
from assignments.models import AssignmentSource
from assignments.services import contact_assign
from contacts.models import Message
from contacts.services import conversation_open, message_create
from tests.browser.conftest import (  # noqa: F401  (the shared browser fixtures, for test_browser)
    allow_orm_beside_playwright,
    artifacts_dir,
    chromium,
    one_request_at_a_time_on_sqlite,
)
from tests.factories import ContactFactory, UserFactory, member


def open_conversation(workspace, *, assignee=None, first_name="Rosa", text="Hola, quisiera información", **contact_kw):
    """A contact of ``workspace`` who wrote in (an open conversation), assigned through the API source."""
    contact = ContactFactory(workspace=workspace, first_name=first_name, last_name=contact_kw.pop("last_name", "Prieto"), **contact_kw)
    conversation, _ = conversation_open(contact=contact)
    message_create(conversation=conversation, direction=Message.Direction.IN, text=text, sender_kind="contact")
    if assignee is not None:
        contact_assign(contact=contact, assignee=assignee, source=AssignmentSource.API)
    conversation.refresh_from_db()
    return conversation


@pytest.fixture
def frank(workspace):
    """Another agent of Alice's workspace."""
    return member(workspace, Membership.Role.AGENT, email="frank@acme.example", name="Frank")


@pytest.fixture
def unassigned_conversation(workspace):
    return open_conversation(workspace, first_name="Rosa")


@pytest.fixture
def bob_conversation(workspace, bob):
    return open_conversation(workspace, assignee=bob, first_name="Bruno")


@pytest.fixture
def frank_conversation(workspace, frank):
    return open_conversation(workspace, assignee=frank, first_name="Fabiola")


@pytest.fixture
def charlie_conversation(other_workspace, charlie):
    return open_conversation(other_workspace, first_name="Carmen")


@pytest.fixture
def outsider_client(db):
    """A logged-in user who belongs to no workspace."""
    client = Client()
    client.force_login(UserFactory(email="nobody@example.com"))
    return client


@pytest.fixture
def bob_csrf_client(bob):
    """Bob in a browser-like client that enforces CSRF like the real pages do."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(bob)
    return client

