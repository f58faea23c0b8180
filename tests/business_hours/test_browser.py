"""Fuera de Horario in a real browser, on a phone (390×844) and a laptop (1366×768): no sideways
scrolling, every weekday's fields usable, an invalid time shown on its day after a submit, a
valid week saved. Leaves screenshots in artifacts/business-hours-*.png (git-ignored)."""

import pytest
from django.db import connections

from business_hours.models import BusinessHours
from tests.browser.conftest import (  # noqa: F401  (the shared browser fixtures)
    CHROMIUM,
    allow_orm_beside_playwright,
    artifacts_dir,
    chromium,
    one_request_at_a_time_on_sqlite,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-123456"  # tests.factories.UserFactory's password
URL = "/settings/business-hours/"


@pytest.fixture(autouse=True)
def _needs_chromium():
    import os

    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")


@pytest.fixture
def browser(workspace, alice, chromium):  # noqa: F811
    """The shared chromium, requested after the data (see tests/browser/conftest.py). The
    test's own reads while Playwright's loop runs open a connection of their own: closed here,
    or PostgreSQL cannot drop the test database."""
    yield chromium
    connections.close_all()


def _watch(page) -> list:
    problems = []
    page.on("pageerror", lambda error: problems.append(("js", str(error))))
    page.on("console", lambda msg: problems.append(("console", msg.text))
            if msg.type == "error" and not msg.text.startswith("Failed to load resource") else None)
    page.on("response", lambda r: problems.append((r.status, r.url))
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    return problems


def _log_in(page, live_server, user):
    page.goto(live_server.url + URL)
    page.fill("#id_username", user.email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**" + URL)


def _no_sideways_scroll(page, width):
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # Every input is inside the screen (none pushed off to the right).
    rights = page.evaluate("[...document.querySelectorAll('.bh-form input')].map((i) => i.getBoundingClientRect().right)")
    assert rights and max(rights) <= width


@pytest.mark.parametrize(("label", "viewport"), [
    ("phone", {"width": 390, "height": 844}), ("laptop", {"width": 1366, "height": 768}),
])
def test_owner_edits_the_week_at_any_width(
    label, viewport, live_server, browser, artifacts_dir, workspace, alice  # noqa: F811
):
    page = browser.new_page(viewport=viewport, locale="es-MX")
    problems = _watch(page)
    _log_in(page, live_server, alice)
    assert page.locator("h1").inner_text() == "Fuera de Horario"
    _no_sideways_scroll(page, viewport["width"])
    page.screenshot(path=str(artifacts_dir / f"business-hours-{label}.png"), full_page=True)

    # A wrong time on Tuesday: shown on Tuesday's row, nothing saved.
    page.check("#id_enabled")
    page.fill("#id_tue_to1", "25:00")
    page.click(".bh-form button[type=submit]")
    page.wait_for_selector("#day-tue .bh-day-errors")
    assert "24:00" in page.locator("#day-tue .bh-day-errors").inner_text()
    assert page.locator(".bh-day-errors").count() == 1
    _no_sideways_scroll(page, viewport["width"])
    page.screenshot(path=str(artifacts_dir / f"business-hours-{label}-error.png"), full_page=True)
    assert not BusinessHours.objects.exists()

    # Fixed, with a lunch break on Monday and Saturday mornings open.
    page.fill("#id_tue_to1", "18:00")
    page.fill("#id_mon_to1", "14:00")
    page.fill("#id_mon_from2", "16:00")
    page.fill("#id_mon_to2", "19:00")
    page.check("#id_sat_open")
    page.fill("#id_sat_from1", "10:00")
    page.fill("#id_sat_to1", "14:00")
    page.click(".bh-form button[type=submit]")
    page.wait_for_selector(".flash li")
    row = BusinessHours.objects.get(workspace=workspace)
    assert row.enabled is True
    assert row.schedule["mon"] == [["09:00", "14:00"], ["16:00", "19:00"]]
    assert row.schedule["tue"] == [["09:00", "18:00"]]
    assert row.schedule["sat"] == [["10:00", "14:00"]]
    assert row.schedule["sun"] == []
    _no_sideways_scroll(page, viewport["width"])

    assert problems == []
    page.close()
