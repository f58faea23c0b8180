"""The Asignaciones page's states in a real browser: the 10,000-row notice, the state messages,
loading skeletons, a failed component with its retry, the custom range, and an agent's view.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Membership, Workspace
from assignments.models import AssignmentEvent, AssignmentSource
from tests.factories import ContactFactory, member
from tests.reports.conftest import build_event

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-123456"  # tests.factories.UserFactory's password
SETTLED = """() => ['metrics', 'bar', 'pie', 'log'].every(
    (name) => document.getElementById(name + '-body').getAttribute('aria-busy') === 'false')"""


@pytest.fixture
def busy_workspace(db):
    """A workspace with more events this week than the log can list (10,000)."""
    workspace = Workspace.objects.create(name="Busy", timezone="America/Bogota", language="es",
                                         created_at=timezone.now() - timedelta(days=400))
    owner = member(workspace, Membership.Role.OWNER, email="owner@busy.example", name="Olga")
    agent = member(workspace, Membership.Role.AGENT, email="agent@busy.example", name="Andrés")
    contact = ContactFactory(workspace=workspace, first_name="Rosa", last_name="Luna")
    now = timezone.now()
    events = [build_event(workspace, now - timedelta(seconds=20 * i), source=AssignmentSource.WORKFLOW,
                          new=owner, contact=contact) for i in range(10_040)]
    events += [build_event(workspace, now - timedelta(minutes=i + 1), source=AssignmentSource.API, new=agent,
                           previous=owner, contact=contact) for i in range(3)]
    AssignmentEvent.objects.bulk_create(events, batch_size=2000)
    return workspace, owner, agent


def log_in(page, base_url, email):
    page.goto(base_url + "/accounts/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/reports/assignments/")


def test_report_states_in_the_browser(busy_workspace, live_server, chromium, artifacts_dir):
    workspace, owner, agent = busy_workspace
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, reduced_motion="reduce")
    page = context.new_page()
    base = live_server.url

    # Loading: skeletons stand in place of each component while its data is on the way.
    held = []
    page.route("**/api/v1/reports/assignments/summary*", lambda route: held.append(route))
    log_in(page, base, "owner@busy.example")
    page.wait_for_function("() => document.querySelector('#metrics-body .skeleton') !== null")
    assert page.get_attribute("#metrics-body", "aria-busy") == "true"
    page.wait_for_function("""() => ['bar', 'log'].every(
        (name) => document.getElementById(name + '-body').getAttribute('aria-busy') === 'false')""")
    assert page.get_attribute("#metrics-body", "aria-busy") == "true"

    # An error in one component: the others stay; the message says what went wrong; retry works.
    assert held, "the summary request was held"
    # The cards' request fails; the distinct counts' own request (``include=distinct``) goes on.
    for route in held:
        if "include=distinct" in route.request.url:
            route.continue_()
        else:
            route.fulfill(status=400, content_type="application/json",
                          body='{"message": "Algo salió mal con el período.", "errors": {"period": ["No válido."]}}')
    page.unroute("**/api/v1/reports/assignments/summary*")
    page.wait_for_selector("#metrics-body .component-error")
    assert "Algo salió mal con el período." in page.inner_text("#metrics-body")
    assert "Frecuencia y fecha: No válido." in page.inner_text("#metrics-body")
    assert page.locator("#bar-body canvas").count() == 1
    page.click("#metrics-body [data-action=retry]")
    page.wait_for_selector("#metrics-body [data-total]")
    page.wait_for_function(SETTLED)
    assert page.get_attribute("#metrics-body [data-total]", "data-total") == "10043"

    # More than 10,000 rows: the log says so and points to Data Export with the current filters.
    summary = page.locator("#log-summary")
    assert summary.get_attribute("data-capped") == "true"
    assert summary.get_attribute("data-count") == "10000"
    assert "Mostrando 1–50 de 10.000 (máximo)." in summary.inner_text()
    assert page.get_attribute("#log-summary a", "href") == "/settings/data-export/?period=last_7_days"
    assert page.inner_text("#log-body [data-page='200']") == "200"
    assert page.get_attribute("#export-button", "href") == "/settings/data-export/?period=last_7_days"
    page.click("#log-body [data-page='200']")
    page.wait_for_function("() => new URLSearchParams(location.search).get('page') === '200'")
    page.wait_for_function(SETTLED)
    assert "Mostrando 9.951–10.000 de 10.000 (máximo)." in page.inner_text("#log-summary")
    assert page.is_disabled("#log-body [data-page=next]")
    page.screenshot(path=str(artifacts_dir / "report-capped.png"))

    # A custom range from the picker: before the workspace's data start → "no data" everywhere.
    page.click("#period-button")
    page.fill("#range-start", "2020-01-01")
    page.fill("#range-end", "2020-01-31")
    page.click(".range-form [type=submit]")
    page.wait_for_function("() => new URLSearchParams(location.search).get('start') === '2020-01-01'")
    page.wait_for_function(SETTLED)
    assert page.locator("[data-state=no_data]").count() == 4
    assert page.inner_text("#log-body") == "Los filtros seleccionados no tienen datos aplicables"
    assert "1 ene 2020 – 31 ene 2020 · America/Bogota" in page.inner_text("#report-range")
    assert "1 ene 2020 – 31 ene 2020" in page.inner_text("#period-button")
    # An end before the start is refused in the picker itself.
    page.click("#period-button")
    page.fill("#range-start", "2020-02-10")
    page.fill("#range-end", "2020-02-01")
    page.click(".range-form [type=submit]")
    assert page.is_visible(".range-form .field-error")

    # Asignado por el usuario with a Fuente that excludes Usuario → "not applicable" in place.
    page.goto(f"{base}/reports/assignments/?source=api&assigned_by={owner.pk}")
    page.wait_for_function(SETTLED)
    assert page.locator("[data-state=not_applicable]").count() == 4
    assert "Los filtros seleccionados no son aplicables aquí" in page.inner_text("#metrics-body")

    # Asignado a with "Sin asignar" from the filter menu (no unassignments here → no data).
    page.goto(f"{base}/reports/assignments/")
    page.wait_for_function(SETTLED)
    page.click("#add-filter-button")
    page.click("#add-filter-menu [data-filter=assignee]")
    page.check("#f-assignee-none")
    page.click("[data-action=apply]")
    page.wait_for_function("() => new URLSearchParams(location.search).get('assignee') === 'none'")
    page.wait_for_function(SETTLED)
    assert "Asignado a: Sin asignar" in page.inner_text("#chips")
    # The chip reopens its editor; removing the chip removes the filter.
    page.click("#chips .chip-label")
    assert page.is_checked("#f-assignee-none")
    page.keyboard.press("Escape")
    page.click("#chips .chip-remove")
    page.wait_for_function("() => !new URLSearchParams(location.search).has('assignee')")

    # Contacto: search as you type (contacts API), pick, apply.
    page.click("#add-filter-button")
    page.click("#add-filter-menu [data-filter=contact]")
    page.fill("#filter-editor .editor-search", "Rosa")
    page.click("#contact-results [data-contact]")
    page.click("[data-action=apply]")
    page.wait_for_function("() => new URLSearchParams(location.search).has('contact')")
    page.wait_for_function(SETTLED)
    assert "Contacto: Rosa Luna" in page.inner_text("#chips")
    assert page.get_attribute("#metrics-body [data-total]", "data-total") == "10043"

    # Id. de conversación: typed ids; an id of no conversation is the API's 400, shown in place.
    page.click("#add-filter-button")
    page.click("#add-filter-menu [data-filter=conversation]")
    page.fill("#conversation-input", "abc")
    page.keyboard.press("Enter")
    assert page.is_visible("#filter-editor .field-error")
    page.fill("#conversation-input", "987654")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")  # an empty box and Enter applies
    page.wait_for_function("() => new URLSearchParams(location.search).get('conversation') === '987654'")
    page.wait_for_function(SETTLED)
    assert "Id. de conversación: #987654" in page.inner_text("#chips")
    assert page.locator("#log-body .component-error").count() == 1
    assert "conversation" in page.inner_text("#log-body").lower() or "conversación" in page.inner_text("#log-body")
    context.close()

    # An agent sees only their own events and no Exportar button.
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, reduced_motion="reduce")
    page = context.new_page()
    log_in(page, base, "agent@busy.example")
    page.wait_for_function(SETTLED)
    assert page.get_attribute("#metrics-body [data-total]", "data-total") == "3"
    assert page.locator("#export-button").count() == 0
    assert page.get_attribute("#log-summary", "data-capped") == "false"
    context.close()
