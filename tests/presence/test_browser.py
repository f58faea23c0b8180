"""The header's status menu in a real browser, on a phone (390×844) and a laptop (1366×768):
the page is no wider than the screen, the menu is inside it, choosing "Ausente" submits the form
(base.js, no inline script) and the dot turns amber; without JavaScript the "Cambiar estado"
button does it. Leaves screenshots in artifacts/presence-*.png (git-ignored)."""

import os

import pytest
from django.db import connections

from presence.models import AgentStatus
from tests.browser.conftest import (  # noqa: F401  (the shared browser fixtures)
    CHROMIUM,
    allow_orm_beside_playwright,
    artifacts_dir,
    chromium,
    one_request_at_a_time_on_sqlite,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-123456"  # tests.factories.UserFactory's password
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}


@pytest.fixture(autouse=True)
def _needs_chromium():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")


@pytest.fixture
def browser(workspace, bob, chromium):  # noqa: F811
    yield chromium
    connections.close_all()


def _log_in(page, base_url, user):
    page.goto(base_url + "/accounts/login/?next=/messages/")
    page.fill("#id_username", user.email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/messages/")


def _watch(page) -> list:
    problems = []
    page.on("pageerror", lambda error: problems.append(("js", str(error))))
    page.on("console", lambda msg: problems.append(("console", msg.text))
            if msg.type == "error" and not msg.text.startswith("Failed to load resource") else None)
    return problems


def _fits(page, width):
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    box = page.locator("form.status-menu").bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= width


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_status_menu_in_the_header(live_server, browser, artifacts_dir, workspace, bob, viewport):  # noqa: F811
    from playwright.sync_api import expect

    page = browser.new_page(viewport=viewport, locale="es-MX")
    problems = _watch(page)
    _log_in(page, live_server.url, bob)
    if viewport is PHONE:
        # on a phone the user box is behind the "Menú" button
        page.get_by_role("button", name="Menú").click()
    select = page.get_by_label("Estado de actividad")
    expect(select).to_be_visible()
    expect(page.locator(".status-dot.status-online")).to_be_visible()
    _fits(page, viewport["width"])
    page.screenshot(path=str(artifacts_dir / f"presence-menu-{viewport['width']}.png"), full_page=True)

    select.select_option(label="Ausente")
    page.wait_for_url("**/messages/")
    page.wait_for_selector(".status-dot.status-away", state="attached")
    if viewport is PHONE:
        page.get_by_role("button", name="Menú").click()
    _fits(page, viewport["width"])
    assert AgentStatus.objects.get(user=bob).status == "away"
    assert problems == []


def test_without_javascript_the_button_submits(live_server, browser, workspace, bob):  # noqa: F811
    context = browser.new_context(viewport=PHONE, locale="es-MX", java_script_enabled=False)
    page = context.new_page()
    _log_in(page, live_server.url, bob)
    # no script: no menu button, the menu is a wrapped list; the noscript button is there
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.select_option("#status-menu", "offline")
    page.get_by_role("button", name="Cambiar estado").click()
    page.wait_for_url("**/messages/")
    assert page.locator(".status-dot.status-offline").count() == 1
    assert AgentStatus.objects.get(user=bob).status == "offline"
    context.close()
