"""Flujos in a real browser: an admin starts from the sales template, edits its steps with the
step editor (strict CSP: only our static script) and saves; the saved steps are what the editor
showed. Leaves a screenshot in artifacts/workflows.png."""

import pytest

from tests.browser.conftest import (  # noqa: F401  (the shared browser fixtures)
    CHROMIUM,
    allow_orm_beside_playwright,
    artifacts_dir,
    chromium,
    one_request_at_a_time_on_sqlite,
)
from workflows.models import Workflow

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-123456"  # tests.factories.UserFactory's password


@pytest.fixture(autouse=True)
def _needs_chromium():
    import os

    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")


def test_admin_builds_a_workflow_from_the_sales_template(
    live_server, chromium, artifacts_dir, workspace, alice, bob, sales_team  # noqa: F811
):
    page = chromium.new_page(viewport={"width": 1280, "height": 900}, locale="es-MX")
    problems = []
    page.on("pageerror", lambda error: problems.append(("js", str(error))))
    # Console errors other than failed loads (those are judged by the response hook, which
    # forgives the browser's own favicon probe) — e.g. a CSP violation.
    page.on("console", lambda msg: problems.append(("console", msg.text))
            if msg.type == "error" and not msg.text.startswith("Failed to load resource") else None)
    page.on("response", lambda r: problems.append((r.status, r.url))
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)

    page.goto(live_server.url + "/workflows/")
    page.fill("#id_username", alice.email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/workflows/")

    # One click on "Asignación automática para equipos de ventas" opens a disabled draft.
    page.locator("form.wf-template", has_text="Asignación automática para equipos de ventas").locator(
        "button").click()
    page.wait_for_selector("#step-list .wf-step")
    assert page.locator("#steps-raw").is_hidden()
    step = page.locator("#step-list .wf-step").nth(0)
    assert step.locator('[data-field="type"]').input_value() == "assign_to"
    assert step.locator('[data-field="team"]').input_value() == str(sales_team.pk)
    assert step.locator('[data-field="only_online"]').is_checked()
    assert step.locator('[data-field="user"]').is_hidden()

    # Add "Agregar etiqueta", move it first, then a "Enviar mensaje" that is removed again.
    page.click("#step-add")
    added = page.locator("#step-list .wf-step").nth(1)
    added.locator('[data-field="type"]').select_option("add_tag")
    added.locator('[data-field="tag"]').fill("ventas")
    added.locator('[data-action="up"]').click()
    page.click("#step-add")
    page.locator("#step-list .wf-step").nth(2).locator('[data-action="remove"]').click()

    # The assignment goes to Bob himself, at most 3 open contacts.
    assign = page.locator("#step-list .wf-step").nth(1)
    assign.locator('[data-field="mode"]').select_option("user")
    assign.locator('[data-field="user"]').select_option(str(bob.pk))
    assign.locator('[data-field="max_open"]').fill("3")
    page.check("#id_enabled")
    page.screenshot(path=str(artifacts_dir / "workflows.png"), full_page=True)
    page.click("#workflow-form button[type=submit]")
    page.wait_for_url("**/workflows/")

    workflow = Workflow.objects.get()
    assert workflow.enabled is True
    assert workflow.steps == [
        {"type": "add_tag", "tag": "ventas"},
        {"type": "assign_to", "mode": "user", "user": bob.pk, "only_online": True, "reassign": False,
         "max_open": 3},
    ]
    assert "Agregar etiqueta: ventas" in page.locator(f"#workflow-{workflow.pk}").inner_text()
    page.screenshot(path=str(artifacts_dir / "workflows-list.png"), full_page=True)

    # A step the server refuses is marked in its row.
    page.goto(live_server.url + f"/workflows/{workflow.pk}/")
    page.wait_for_selector("#step-list .wf-step")
    page.locator("#step-list .wf-step").nth(0).locator('[data-field="tag"]').fill("")
    page.click("#workflow-form button[type=submit]")
    page.wait_for_selector(".wf-step.wf-invalid")
    assert "obligatorio" in page.locator(".wf-step.wf-invalid").inner_text()
    assert not problems, problems
