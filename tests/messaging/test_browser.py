"""Mensajes in a real browser: an agent logs in, takes an unassigned conversation by replying
and finds it in "Mis conversaciones"; a new incoming message appears without reloading.
Leaves a screenshot in artifacts/messages.png.
"""

import os

import pytest
from django.db import connections

from assignments.models import AssignmentEvent, AssignmentSource
from contacts.models import Message
from contacts.services import message_create
from tests.browser.conftest import CHROMIUM

from .conftest import open_conversation

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-123456"  # tests.factories.UserFactory's password


@pytest.fixture(autouse=True)
def _needs_chromium():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")


@pytest.fixture
def messages_browser(chromium):
    """The shared headless chromium; afterwards, the database connection that ORM calls made
    beside Playwright's loop opened is closed, or PostgreSQL refuses to drop the test database."""
    yield chromium
    connections.close_all()


def test_agent_takes_an_unassigned_conversation_by_replying(live_server, messages_browser, artifacts_dir, settings, workspace, bob, alice):
    settings.MESSAGES_POLL_SECONDS = 1
    conversation = open_conversation(workspace, first_name="Rosa", last_name="Prieto", text="¿Tienen envío a Monterrey?")
    open_conversation(workspace, assignee=alice, first_name="Oculta", last_name="DeAlicia")
    page = messages_browser.new_page(viewport={"width": 1280, "height": 800}, locale="es-MX")
    failed = []  # requests of our pages that failed (the browser's own favicon probe aside)
    page.on("response", lambda r: failed.append((r.status, r.url)) if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    page.on("pageerror", lambda error: failed.append(("js", str(error))))

    # Log in as the agent through the login form; it brings Bob back to Mensajes.
    page.goto(live_server.url + "/messages/")
    assert "/accounts/login/" in page.url
    page.fill("#id_username", bob.email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/messages/**")

    # "Mis conversaciones" is empty, so Mensajes opens on "Sin asignar", where the conversation waits.
    assert page.locator("a[data-inbox=unassigned]").get_attribute("aria-current") == "page"
    item = page.locator(f'.conv-list [data-conversation="{conversation.pk}"]')
    assert "Rosa Prieto" in item.inner_text()
    assert page.locator("text=Oculta").count() == 0  # Alice's conversation is not Bob's to see
    item.click()
    page.wait_for_selector("#reply-text")
    assert "¿Tienen envío a Monterrey?" in page.locator("#message-list").inner_text()

    # Reply: the contact becomes Bob's.
    page.fill("#reply-text", "¡Hola Rosa! Sí, enviamos a todo México.")
    page.click(".reply-form button[type=submit]")
    page.wait_for_selector("text=¡Hola Rosa! Sí, enviamos a todo México.")
    assert page.locator("#assignee option:checked").inner_text().startswith("Bob")

    # "Mis conversaciones" now lists it.
    page.click("a[data-inbox=mine]")
    page.wait_for_url("**inbox=mine**")
    mine = page.locator(".conv-list [data-conversation]")
    assert mine.count() == 1 and "Rosa Prieto" in mine.first.inner_text()
    mine.first.click()
    page.wait_for_selector("#reply-text")

    # A new incoming message shows up without reloading (the page polls the API).
    message_create(conversation=conversation, direction=Message.Direction.IN, text="¡Perfecto, gracias!",
                   sender_kind="contact")
    page.wait_for_selector("#message-list >> text=¡Perfecto, gracias!", timeout=10_000)

    page.screenshot(path=str(artifacts_dir / "messages.png"), full_page=True)

    [event] = AssignmentEvent.objects.filter(contact=conversation.contact)
    assert event.source == AssignmentSource.USER
    assert (event.previous_assignee_id, event.new_assignee_id, event.assigned_by_id) == (None, bob.pk, bob.pk)
    assert event.conversation_id == conversation.pk
    assert failed == []
