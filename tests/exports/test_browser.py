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


def _overflow(page) -> dict:
    """How much wider than the window the document is, and the outermost elements sticking out."""
    return page.evaluate("""() => {
        const width = window.innerWidth;
        const out = [...document.querySelectorAll("body *")]
            .filter((el) => el.getBoundingClientRect().right > width + 0.5 && !el.closest(".table-scroll"))
            .filter((el) => !(el.parentElement && el.parentElement.getBoundingClientRect().right > width + 0.5))
            .slice(0, 5)
            .map((el) => `${el.tagName.toLowerCase()}.${el.className}: ${Math.round(el.getBoundingClientRect().right)}`);
        return {scrollWidth: document.documentElement.scrollWidth, innerWidth: width, offenders: out};
    }""")


@pytest.mark.parametrize("width, height", [(390, 844), (1366, 900)], ids=["phone", "desktop"])
def test_owner_picks_a_kind_and_assignees_with_the_checkbox_picker(
    live_server, export_browser, artifacts_dir, workspace, alice, dave, width, height
):
    from playwright.sync_api import expect

    from tests.factories import member

    # given: enough members for the assignee list to get its search box, one with a long name
    for index in range(8):
        member(workspace, email=f"agente{index}@acme.example", name=f"Agente {index}")
    member(workspace, email="larga@acme.example", name="María Fernanda de los Ángeles Villaseñor Quintanilla")
    page = export_browser.new_page(viewport={"width": width, "height": height}, locale="es-MX")
    problems = []
    page.on("response", lambda r: problems.append((r.status, r.url)) if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    page.on("pageerror", lambda error: problems.append(("js", str(error))))
    page.on("console", lambda m: problems.append(("console", m.text))
            if m.type == "error" and not m.text.startswith("Failed to load resource") else None)
    page.goto(live_server.url + "/settings/data-export/?period=last_30_days")
    page.fill("#id_username", alice.email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/settings/data-export/**")

    # the assignment log is picked; the no-JavaScript "show its filters" button is not needed
    assert page.locator('input[name=kind][value=assignments]').is_checked()
    assert page.locator("[data-change-kind]").is_hidden()
    assert page.locator("select[multiple]").count() == 0

    # when: "Conversaciones" is picked, the form becomes its form (the period is kept)
    page.locator("label.kind-option", has_text="Conversaciones").click()
    page.wait_for_url("**kind=conversations**")
    assert page.locator('input[name=kind][value=conversations]').is_checked()
    assert page.locator("#export-period").input_value() == "last_30_days"
    assert page.locator('fieldset[data-param="channel"]').is_visible()
    assert page.locator('fieldset[data-param="closing_source"]').is_visible()
    assert page.locator("input[name=source]").count() == 0

    # the assignee list: search as you type, then tick Dave
    search = page.locator('[data-list-search="export-assignee-list"]')
    assert search.is_visible()
    search.fill("dav")
    assignees = page.locator("#export-assignee-list")
    expect(assignees.locator("li", has_text="Agente 0")).to_be_hidden()
    dave_row = assignees.locator("li", has_text="Dave")
    assert dave_row.is_visible()
    dave_row.locator("label").click()
    assert page.locator(f'input[name=assignee][value="{dave.pk}"]').is_checked()
    search.fill("")
    # the long name wraps inside the list instead of being cut or pushing the page wider
    long_name = assignees.locator("li", has_text="Villaseñor")
    assert long_name.is_visible()
    box = long_name.bounding_box()
    assert box["x"] + box["width"] <= width
    page.locator('input[name=closing_source][value=user]').check()
    assert (size := _overflow(page))["scrollWidth"] <= size["innerWidth"], size
    page.screenshot(path=str(artifacts_dir / f"data-export-kind-{width}.png"), full_page=True)

    # then: the export of conversations starts and the banner says it finished
    page.click("button:has-text('Iniciar exportación')")
    page.wait_for_selector("text=Exportación n.º")
    export = Export.objects.get()
    assert export.kind == "conversations" and export.filters["assignee"] == [str(dave.pk)]
    banner = page.locator(".flash li").first.inner_text()
    assert banner == f"Exportación n.º {export.pk}: completada.", banner
    row = page.locator(f'tr[data-export-id="{export.pk}"]')
    text = row.inner_text()
    assert "Conversaciones" in text and "Asignado a: Dave" in text and "Completada" in text
    # the form opens again with what was exported
    assert page.locator('input[name=kind][value=conversations]').is_checked()
    assert page.locator(f'input[name=assignee][value="{dave.pk}"]').is_checked()
    assert (size := _overflow(page))["scrollWidth"] <= size["innerWidth"], size
    page.screenshot(path=str(artifacts_dir / f"data-export-done-{width}.png"), full_page=True)
    assert problems == []
