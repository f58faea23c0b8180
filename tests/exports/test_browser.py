"""Exportación de datos in a real browser: the custom range toggle, starting an export, the live
progress of a running export (the page polls the JSON API) and the download. Leaves a
screenshot in artifacts/data-export.png.
"""

import os

import pytest
from django.core.files.base import ContentFile
from django.db import connections
from django.utils import timezone

from exports.models import Export
from tests.browser.conftest import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS
from tests.exports.conftest import make_events, read_csv

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is not installed (apt-get install chromium)"),
]

PASSWORD = "pw-123456"  # tests.factories.UserFactory's password


@pytest.fixture
def export_browser(monkeypatch):
    """Headless chromium. Playwright's sync API runs an asyncio loop in the test thread; the
    ORM calls beside it are sequential, so Django is told they are safe. Afterwards the
    connections they opened are closed, or PostgreSQL refuses to drop the test database."""
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            # inside Playwright's loop, where those connections were opened
            connections.close_all()
            browser.close()


@pytest.fixture
def artifacts_dir():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def test_owner_exports_and_watches_progress(live_server, export_browser, artifacts_dir, workspace, alice, dave, contacts):
    from playwright.sync_api import expect

    make_events(workspace, 300, users=[alice, dave], contacts=contacts, days=5)
    page = export_browser.new_page(viewport={"width": 1280, "height": 900}, locale="es-MX", accept_downloads=True)
    problems = []
    page.on("response", lambda r: problems.append((r.status, r.url)) if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    page.on("pageerror", lambda error: problems.append(("js", str(error))))
    # (failed loads are reported by the response handler above, with their URL)
    page.on("console", lambda m: problems.append(("console", m.text))
            if m.type == "error" and not m.text.startswith("Failed to load resource") else None)

    # Coming from the report's Exportar button: the form is prefilled from the query string.
    page.goto(live_server.url + "/settings/data-export/?period=last_30_days&source=user&source=api")
    page.fill("#id_username", alice.email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/settings/data-export/**")
    assert page.locator("#export-period").input_value() == "last_30_days"
    assert page.locator('input[name=source][value=user]').is_checked()
    assert page.locator("#export-range").is_hidden()
    page.select_option("#export-period", "custom")
    assert page.locator("#export-range").is_visible()
    page.select_option("#export-period", "last_7_days")
    assert page.locator("#export-range").is_hidden()

    # Start: without Redis the export runs in-process and the history shows it done.
    page.check('input[name=excel]')
    page.click("button:has-text('Iniciar exportación')")
    page.wait_for_selector("text=Exportación n.º")
    export = Export.objects.get()
    row = page.locator(f'tr[data-export-id="{export.pk}"]')
    assert "Completada" in row.inner_text()
    with page.expect_download() as info:
        row.locator("a:has-text('Descargar')").click()
    with open(info.value.path(), "rb") as fh:
        rows = read_csv(fh.read())
    assert rows[0][0] == "timestamp" and len(rows) == export.row_count + 1
    assert {r[8] for r in rows[1:]} <= {"user", "api"}

    # A running export: the page polls it and the bar follows until it is done.
    running = Export.objects.create(
        workspace=workspace, requested_by=alice, status=Export.Status.RUNNING, progress=10,
        heartbeat_at=timezone.now(), filters=export.filters,
    )
    page.goto(live_server.url + "/settings/data-export/")
    bar = page.locator(f'tr[data-export-id="{running.pk}"] progress')
    assert bar.is_visible()
    Export.objects.filter(pk=running.pk).update(progress=55)
    # (expect polls from Playwright's own world: the page's CSP forbids evaluated strings)
    expect(bar).to_have_attribute("value", "55", timeout=10_000)
    page.screenshot(path=str(artifacts_dir / "data-export.png"), full_page=True)
    storage = Export._meta.get_field("file").storage
    name = storage.save(f"{running.folder}done.csv", ContentFile(b"timestamp\r\n"))
    now = timezone.now()
    Export.objects.filter(pk=running.pk).update(
        status=Export.Status.SUCCEEDED, progress=100, file=name, size=11, row_count=0, finished_at=now,
        expires_at=now + timezone.timedelta(days=7),
    )
    row = page.locator(f'tr[data-export-id="{running.pk}"]')
    row.locator("a:has-text('Descargar')").wait_for(timeout=10_000)
    assert "Completada" in row.inner_text()
    assert bar.is_hidden()
    assert problems == []
