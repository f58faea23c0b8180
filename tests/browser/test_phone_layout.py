"""Every page outside the reports on a phone (390×844) and on a laptop (1366×768): no page is
wider than the screen, and on the phone the header's menu button reaches every section, by
mouse and by keyboard (Enter opens, Escape closes and gives the focus back to the button).
Without JavaScript the menu is a wrapped list, still reachable.

Leaves one screenshot per page and width in artifacts/phone-layout/ (git-ignored): look at them.
"""

import os
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone

from accounts.models import Membership, Team
from exports.models import Export
from imports.services import contact_import_create
from integrations.services import api_token_create, channel_create, dialogflow_integration_create
from tests.browser.conftest import CHROMIUM
from tests.factories import member
from tests.imports.conftest import csv_upload
from tests.messaging.conftest import open_conversation
from workflows.services import workflow_create_from_template, workflow_run

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-123456"  # tests.factories.UserFactory's password
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}


@pytest.fixture(autouse=True)
def _needs_chromium():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")


@pytest.fixture
def filled_workspace(workspace, alice, bob):
    """Alice's workspace with something on every page: the widest content each page can hold
    (long names, a workflow with several steps, an export, an import, tokens and channels).
    Nothing is assigned to Alice, so her Mensajes opens on "Sin asignar"."""
    sales = [member(workspace, Membership.Role.AGENT, email=f"ventas{i}@acme.example", name=f"Ventas {i}")
             for i in (1, 2)]
    Team.objects.create(workspace=workspace, name="Ventas").members.set(sales)
    conversation = open_conversation(
        workspace, first_name="Rosa María", last_name="Prieto de la Fuente", email="rosa.maria.prieto@ejemplo.com.mx",
        phone="+52 55 1234 5678", text="¿Tienen envío a Monterrey? Necesito 40 piezas para el próximo lunes.",
    )
    bobs = open_conversation(workspace, first_name="Bruno", text="Hola", assignee=bob)
    workflow, *_ = [workflow_create_from_template(workspace=workspace, key=key, created_by=alice)
                    for key in ("sales_auto_assign", "after_hours_message", "close_conversation")]
    workflow_run(workflow=workflow, conversation=bobs)  # Bruno stays Bob's: the step does not reassign
    Export.objects.create(
        workspace=workspace, requested_by=alice, filters={"start": ["2026-11-01"], "end": ["2026-11-30"]},
        status=Export.Status.SUCCEEDED, progress=100, row_count=123456, size=9_876_543,
        expires_at=timezone.now() + timedelta(days=7),
    )
    imported = contact_import_create(
        workspace=workspace, uploaded_by=alice,
        uploaded_file=csv_upload("first_name,last_name,email\nAna,López,ana@example.com\nLuis,,no-es-un-correo\n",
                                 name="clientes-noviembre-2026-exportados-del-sistema-anterior.csv"),
    )
    draft = contact_import_create(  # uploaded on the page, waiting for its columns to be checked
        workspace=workspace, uploaded_by=alice, start=False,
        uploaded_file=csv_upload("Nombre,Apellido,Correo electrónico del cliente,Teléfono móvil,Etiquetas,Asignado\n"
                                 "José,Pérez,jose.perez@ejemplo.com.mx,+52 55 1234 5678,mayoreo,bob@acme.example\n"),
    )
    api_token_create(workspace=workspace, name="Integración con el ERP de la bodega central", created_by=alice)
    channel_create(workspace=workspace, name="WhatsApp Business", created_by=alice)
    dialogflow_integration_create(workspace=workspace, name="Bot de ventas", created_by=alice)
    return {"conversation": conversation, "workflow": workflow, "import": imported, "draft": draft}


@pytest.fixture
def shots(artifacts_dir):
    folder = artifacts_dir / "phone-layout"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture
def browser(filled_workspace, chromium):
    """The shared chromium, requested after the data (see tests/browser/conftest.py)."""
    yield chromium
    connections.close_all()


def pages(data) -> list[tuple[str, str]]:
    """(name, path) of every page outside the reports an owner can open."""
    return [
        ("messages", "/messages/"),
        ("conversation", f"/messages/{data['conversation'].pk}/"),
        ("contacts", "/contacts/"),
        ("workflows", "/workflows/"),
        ("workflow-editor", f"/workflows/{data['workflow'].pk}/"),
        ("workflow-new", "/workflows/new/"),
        ("workflow-delete", f"/workflows/{data['workflow'].pk}/delete/"),
        ("settings-general", "/settings/general/"),
        ("data-export", "/settings/data-export/"),
        ("data-import", "/settings/data-import/"),
        ("data-import-detail", f"/settings/data-import/{data['import'].pk}/"),
        ("data-import-mapping", f"/settings/data-import/{data['draft'].pk}/"),
        ("developer-api", "/settings/developer-api/"),
        ("integrations", "/settings/integrations/"),
        ("business-hours", "/settings/business-hours/"),
    ]


def watch(page) -> list:
    """Failed requests and script errors of the page (a CSP violation is a console error)."""
    problems = []
    page.on("response", lambda r: problems.append((r.status, r.url)) if r.status >= 400 else None)
    page.on("pageerror", lambda error: problems.append(("js", str(error))))
    page.on("console", lambda m: problems.append(("console", m.text))
            if m.type == "error" and "Failed to load resource" not in m.text else None)
    return problems


def overflow(page) -> dict:
    """How much wider than the window the document is, and the widest elements that stick out."""
    return page.evaluate("""() => {
        const width = window.innerWidth;
        const out = [...document.querySelectorAll("body *")]
            .filter((el) => el.getBoundingClientRect().right > width + 0.5)
            // only the outermost offender of each branch
            .filter((el) => !(el.parentElement && el.parentElement.getBoundingClientRect().right > width + 0.5))
            .slice(0, 5)
            .map((el) => `${el.tagName.toLowerCase()}.${el.className}: ${Math.round(el.getBoundingClientRect().right)}`);
        return {scrollWidth: document.documentElement.scrollWidth, innerWidth: width, offenders: out};
    }""")


def log_in(page, base_url, user):
    page.goto(base_url + "/accounts/login/")
    page.fill("#id_username", user.email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_no_page_is_wider_than_the_screen(live_server, browser, shots, filled_workspace, alice, viewport):
    page = browser.new_page(viewport=viewport, locale="es-MX")
    problems = watch(page)
    too_wide = {}

    page.goto(live_server.url + "/accounts/login/")
    page.screenshot(path=str(shots / f"login-{viewport['width']}.png"), full_page=True)
    if (size := overflow(page))["scrollWidth"] > size["innerWidth"]:
        too_wide["login"] = size
    log_in(page, live_server.url, alice)

    sections = {"messages": "Mensajes", "conversation": "Mensajes", "contacts": "Contactos"}
    for name, path in pages(filled_workspace):
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        # the menu marks the section the page belongs to
        current = page.locator('.mainnav a[aria-current="page"]')
        assert current.count() == 1, name
        assert current.text_content().strip() == sections.get(name, "Flujos" if "workflow" in name else "Configuraciones"), name
        page.screenshot(path=str(shots / f"{name}-{viewport['width']}.png"), full_page=True)
        if (size := overflow(page))["scrollWidth"] > size["innerWidth"]:
            too_wide[name] = size

    assert not too_wide, "\n".join(f"{name}: {size}" for name, size in too_wide.items())
    assert problems == []


def test_menu_button_reaches_every_section_on_a_phone(live_server, browser, shots, filled_workspace, alice):
    from playwright.sync_api import expect

    page = browser.new_page(viewport=PHONE, locale="es-MX")
    problems = watch(page)
    log_in(page, live_server.url, alice)
    page.goto(live_server.url + "/messages/")
    button = page.get_by_role("button", name="Menú")
    nav = page.get_by_role("navigation", name="Navegación principal")

    # Closed at first: the sections are behind the button, which says so.
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(nav.get_by_role("link", name="Reportes")).to_be_hidden()

    # A tap opens it: every section is there, whole, one under the other.
    button.click()
    expect(button).to_have_attribute("aria-expanded", "true")
    for name in ("Mensajes", "Contactos", "Reportes", "Flujos", "Configuraciones"):
        link = nav.get_by_role("link", name=name)
        expect(link).to_be_visible()
        box = link.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], name
    page.screenshot(path=str(shots / "menu-open-390.png"))
    nav.get_by_role("link", name="Configuraciones").click()
    page.wait_for_url("**/settings/general/")
    expect(button).to_have_attribute("aria-expanded", "false")

    # By keyboard: Enter on the button opens it, Tab walks into the links, Escape closes it
    # and brings the focus back to the button.
    button.focus()
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Tab")
    expect(nav.get_by_role("link", name="Mensajes")).to_be_focused()
    page.keyboard.press("Escape")
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(button).to_be_focused()
    expect(nav.get_by_role("link", name="Mensajes")).to_be_hidden()

    # And on to Reportes by keyboard only: Enter, three Tabs (Mensajes, Contactos, Reportes), Enter.
    page.keyboard.press("Enter")
    for _ in range(3):
        page.keyboard.press("Tab")
    expect(nav.get_by_role("link", name="Reportes")).to_be_focused()
    assert problems == []  # (the report page itself is judged by its own tests)
    page.keyboard.press("Enter")
    page.wait_for_url("**/reports/assignments/**")


def test_menu_button_leaves_the_laptop_header_alone(live_server, browser, filled_workspace, alice):
    from playwright.sync_api import expect

    page = browser.new_page(viewport=LAPTOP, locale="es-MX")
    log_in(page, live_server.url, alice)
    page.goto(live_server.url + "/contacts/")
    expect(page.get_by_role("button", name="Menú")).to_be_hidden()
    nav = page.get_by_role("navigation", name="Navegación principal")
    for name in ("Mensajes", "Contactos", "Reportes", "Flujos", "Configuraciones"):
        expect(nav.get_by_role("link", name=name)).to_be_visible()
    assert page.locator(".topbar").bounding_box()["height"] == 52


def test_favicon_answers_at_the_address_browsers_probe(live_server, browser):
    page = browser.new_page()
    icon = page.request.get(live_server.url + "/favicon.ico")  # follows the redirect
    assert icon.ok and icon.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in icon.body()


def test_without_javascript_the_phone_menu_is_a_wrapped_list(live_server, browser, shots, filled_workspace, alice):
    from playwright.sync_api import expect

    context = browser.new_context(viewport=PHONE, locale="es-MX", java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server.url, alice)
    page.goto(live_server.url + "/workflows/")
    expect(page.get_by_role("button", name="Menú")).to_be_hidden()
    nav = page.get_by_role("navigation", name="Navegación principal")
    for name in ("Mensajes", "Contactos", "Reportes", "Flujos", "Configuraciones"):
        link = nav.get_by_role("link", name=name)
        expect(link).to_be_visible()
        box = link.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], name
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(shots / "menu-no-javascript-390.png"))
    context.close()
