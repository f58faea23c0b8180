import json
from datetime import UTC, datetime

import pytest
from django.test import Client

from workflows.models import Workflow, WorkflowRun
from workflows.services import workflow_create

LIST = "/workflows/"


@pytest.fixture
def workflow(workspace, sales_team):
    return workflow_create(
        workspace=workspace, name="Ventas",
        steps=[{"type": "assign_to", "mode": "team", "team": sales_team.pk, "only_online": True, "max_open": 5}],
    )


def form(**overrides):
    data = {"name": "Bienvenida", "trigger": "conversation_opened", "enabled": "on",
            "steps": json.dumps([{"type": "send_message", "text": "Hola"}])}
    data.update(overrides)
    return data


def test_list_shows_workflows_their_steps_and_templates(alice_client, workflow):
    response = alice_client.get(LIST)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Flujos" in html and "Ventas" in html
    assert "Asignar a: equipo Ventas (Por turnos, solo usuarios en línea, como máximo 5 contactos abiertos)" in html
    assert "Asignación automática para equipos de ventas" in html
    assert "Mensajes de fuera de horario" in html and "Cerrar conversación" in html
    assert "<script>" not in html and "style=" not in html


def test_list_shows_the_last_run_in_the_app_date_format(alice_client, workspace, workflow):
    # 20:05 UTC on 2 December is 14:05 in Mexico City, the workspace's timezone
    WorkflowRun.objects.create(workspace=workspace, workflow=workflow, status="succeeded",
                               created_at=datetime(2026, 12, 2, 20, 5, tzinfo=UTC))

    html = alice_client.get(LIST).content.decode()

    assert ">2 dic 2026 14:05</time>" in html
    assert "02/12/2026" not in html


def test_create_page_and_post(alice_client, alice, workspace):
    page = alice_client.get("/workflows/new/")
    assert page.status_code == 200
    assert 'id="step-row-template"' in page.content.decode()

    response = alice_client.post("/workflows/new/", form())

    assert response.status_code == 302 and response["Location"] == LIST
    workflow = Workflow.objects.get()
    assert (workflow.workspace, workflow.name, workflow.enabled, workflow.created_by) == (
        workspace, "Bienvenida", True, alice)
    assert workflow.steps == [{"type": "send_message", "text": "Hola"}]


def test_invalid_steps_show_their_errors_and_keep_the_input(alice_client, charlie):
    steps = json.dumps([{"type": "assign_to", "mode": "user", "user": charlie.pk}])

    response = alice_client.post("/workflows/new/", form(steps=steps))

    assert response.status_code == 200
    html = response.content.decode()
    assert "steps.0.user: no es miembro" in html
    assert '"steps.0.user": ["no es miembro"]' in html  # for the step editor (json_script)
    assert not Workflow.objects.exists()


@pytest.mark.parametrize("steps", ["{nope", '{"type": "unassign"}', ""])
def test_malformed_steps_json_is_a_form_error(alice_client, steps):
    response = alice_client.post("/workflows/new/", form(steps=steps))

    assert response.status_code == 200
    assert not Workflow.objects.exists()


def test_edit_page_and_post(alice_client, workflow, bob):
    page = alice_client.get(f"/workflows/{workflow.pk}/")
    assert page.status_code == 200
    assert "Ventas" in page.content.decode()

    steps = json.dumps([{"type": "assign_to", "mode": "user", "user": bob.pk}, {"type": "add_tag", "tag": "vip"}])
    response = alice_client.post(f"/workflows/{workflow.pk}/", form(name="Para Bob", steps=steps, enabled=""))

    assert response.status_code == 302
    workflow.refresh_from_db()
    assert workflow.name == "Para Bob" and workflow.enabled is False
    assert [s["type"] for s in workflow.steps] == ["assign_to", "add_tag"]


def test_toggle_enables_and_disables(alice_client, workflow):
    assert alice_client.post(f"/workflows/{workflow.pk}/toggle/", {"enabled": "true"}).status_code == 302
    workflow.refresh_from_db()
    assert workflow.enabled is True
    # The same submit twice keeps the requested state.
    alice_client.post(f"/workflows/{workflow.pk}/toggle/", {"enabled": "true"})
    workflow.refresh_from_db()
    assert workflow.enabled is True

    alice_client.post(f"/workflows/{workflow.pk}/toggle/", {"enabled": "false"})
    workflow.refresh_from_db()
    assert workflow.enabled is False


def test_toggle_needs_post_and_csrf(alice, workflow):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(alice)

    assert strict.get(f"/workflows/{workflow.pk}/toggle/").status_code == 405
    assert strict.post(f"/workflows/{workflow.pk}/toggle/", {"enabled": "true"}).status_code == 403
    workflow.refresh_from_db()
    assert workflow.enabled is False


@pytest.mark.parametrize("key", ["sales_auto_assign", "after_hours_message", "close_conversation"])
def test_template_creates_a_disabled_draft_and_opens_it(alice_client, sales_team, key):
    response = alice_client.post(f"/workflows/templates/{key}/")

    workflow = Workflow.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/workflows/{workflow.pk}/"
    assert workflow.enabled is False
    assert workflow.name in {
        "Asignación automática para equipos de ventas", "Mensajes de fuera de horario", "Cerrar conversación"}
    assert alice_client.get(response["Location"]).status_code == 200


def test_unknown_template_is_404(alice_client):
    assert alice_client.post("/workflows/templates/teleport/").status_code == 404
    assert not Workflow.objects.exists()


def test_delete_asks_then_deletes(alice_client, workflow):
    page = alice_client.get(f"/workflows/{workflow.pk}/delete/")
    assert page.status_code == 200 and "Ventas" in page.content.decode()

    assert alice_client.post(f"/workflows/{workflow.pk}/delete/").status_code == 302
    assert not Workflow.objects.exists()


def test_manager_may_use_the_page(dave_client, workflow):
    assert dave_client.get(LIST).status_code == 200


def test_agent_gets_403_everywhere(bob_client, workflow):
    web = bob_client
    assert web.get(LIST).status_code == 403
    assert web.get("/workflows/new/").status_code == 403
    assert web.post("/workflows/new/", form()).status_code == 403
    assert web.get(f"/workflows/{workflow.pk}/").status_code == 403
    assert web.post(f"/workflows/{workflow.pk}/toggle/", {"enabled": "true"}).status_code == 403
    assert web.post(f"/workflows/{workflow.pk}/delete/").status_code == 403
    assert web.post("/workflows/templates/close_conversation/").status_code == 403
    workflow.refresh_from_db()
    assert workflow.enabled is False and Workflow.objects.count() == 1


def test_anonymous_goes_to_login(workflow):
    response = Client().get(LIST)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_charlie_gets_404_for_alices_workflow_and_sees_his_empty_list(charlie_client, workflow):
    web = charlie_client
    listing = web.get(LIST)
    assert listing.status_code == 200 and f"workflow-{workflow.pk}" not in listing.content.decode()
    assert web.get(f"/workflows/{workflow.pk}/").status_code == 404
    assert web.post(f"/workflows/{workflow.pk}/", form()).status_code == 404
    assert web.post(f"/workflows/{workflow.pk}/toggle/", {"enabled": "true"}).status_code == 404
    assert web.get(f"/workflows/{workflow.pk}/delete/").status_code == 404
    assert web.post(f"/workflows/{workflow.pk}/delete/").status_code == 404
    workflow.refresh_from_db()
    assert workflow.enabled is False and workflow.name == "Ventas"


def test_huge_ids_are_404(alice_client):
    assert alice_client.get(f"/workflows/{10**30}/").status_code == 404
