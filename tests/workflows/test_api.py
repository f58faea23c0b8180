import pytest
from django.utils import translation

from accounts.models import Team
from assignments.models import AssignmentEvent
from tests.factories import WorkspaceFactory
from workflows.models import Workflow
from workflows.services import workflow_create

URL = "/api/v1/workflows"


@pytest.fixture(autouse=True)
def english(workspace, other_workspace):
    # Field errors compared in English; the API speaks the workspace language.
    type(workspace).objects.filter(pk__in=[workspace.pk, other_workspace.pk]).update(language="en")
    yield
    translation.activate("es")


@pytest.fixture
def workflow(workspace, sales_team):
    return workflow_create(
        workspace=workspace, name="Ventas",
        steps=[{"type": "assign_to", "mode": "team", "team": sales_team.pk, "only_online": True}],
    )


def body(**overrides):
    data = {"name": "Bienvenida", "enabled": True, "trigger": "conversation_opened",
            "steps": [{"type": "send_message", "text": "¡Hola!"}, {"type": "add_tag", "tag": "nuevo"}]}
    data.update(overrides)
    return data


def test_create_list_get_update_delete(alice_client, alice, workspace, bob):
    created = alice_client.post(URL, body(), format="json")
    assert created.status_code == 201, created.json()
    data = created.json()
    assert data["name"] == "Bienvenida" and data["enabled"] is True
    assert data["steps"] == [{"type": "send_message", "text": "¡Hola!"}, {"type": "add_tag", "tag": "nuevo"}]
    assert data["created_by"] == {"id": alice.pk, "name": "Alice"}

    listing = alice_client.get(URL).json()
    assert listing["count"] == 1 and listing["results"][0]["id"] == data["id"]
    assert alice_client.get(f"{URL}/{data['id']}").json()["name"] == "Bienvenida"

    steps = [{"type": "assign_to", "mode": "user", "user": bob.pk}]
    updated = alice_client.put(f"{URL}/{data['id']}", {"name": "Asignar a Bob", "steps": steps}, format="json")
    assert updated.status_code == 200, updated.json()
    assert updated.json()["enabled"] is True  # kept when left out
    assert updated.json()["steps"] == [{"type": "assign_to", "mode": "user", "user": bob.pk,
                                        "only_online": False, "reassign": False, "max_open": None}]

    toggled = alice_client.patch(f"{URL}/{data['id']}", {"enabled": False}, format="json")
    assert toggled.status_code == 200 and toggled.json()["enabled"] is False
    assert toggled.json()["name"] == "Asignar a Bob"

    assert alice_client.delete(f"{URL}/{data['id']}").status_code == 204
    assert not Workflow.objects.exists()


def test_manager_and_api_token_may_manage_workflows(dave_client, token_client, workflow):
    assert dave_client.get(f"{URL}/{workflow.pk}").status_code == 200
    created = token_client.post(URL, body(), format="json")
    assert created.status_code == 201
    assert created.json()["created_by"] is None


def test_agent_gets_403(bob_client, workflow):
    assert bob_client.get(URL).status_code == 403
    assert bob_client.post(URL, body(), format="json").status_code == 403
    response = bob_client.get(f"{URL}/{workflow.pk}")
    assert response.status_code == 403
    assert set(response.json()) == {"message", "errors"}
    assert bob_client.delete(f"{URL}/{workflow.pk}").status_code == 403
    assert Workflow.objects.filter(pk=workflow.pk).exists()


def test_anonymous_gets_401(anon_client):
    assert anon_client.get(URL).status_code == 401


def test_charlie_sees_his_own_empty_list_and_404_for_alices_workflow(charlie_client, workflow):
    assert charlie_client.get(URL).json()["count"] == 0
    for method in ("get", "put", "patch", "delete"):
        response = getattr(charlie_client, method)(f"{URL}/{workflow.pk}", body(), format="json")
        assert response.status_code == 404, method
        assert set(response.json()) == {"message", "errors"}
    workflow.refresh_from_db()
    assert workflow.name == "Ventas"


@pytest.mark.parametrize("ref", ["abc", "0", "-1", "99999999999999999999999", "1.5"])
def test_malformed_or_unknown_ids_are_404(alice_client, ref):
    response = alice_client.get(f"{URL}/{ref}")
    assert response.status_code == 404
    assert set(response.json()) == {"message", "errors"}


def test_steps_naming_users_and_teams_of_another_workspace_are_refused(alice_client, charlie, other_workspace):
    foreign = Team.objects.create(workspace=other_workspace, name="Ventas")
    steps = [
        {"type": "assign_to", "mode": "user", "user": charlie.pk},
        {"type": "assign_to", "mode": "team", "team": foreign.pk, "strategy": "fewest_open"},
    ]

    response = alice_client.post(URL, body(steps=steps), format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "steps.0.user": ["not a member"], "steps.1.team": ["not a team of this workspace"]
    }
    assert not Workflow.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (body(name=""), "name"),
        (body(name="x" * 151), "name"),
        ({"steps": [{"type": "unassign"}]}, "name"),
        ({"name": "x"}, "steps"),
        (body(trigger="message_received"), "trigger"),
        (body(enabled="maybe"), "enabled"),
        (body(steps={"type": "unassign"}), "steps"),
        (body(steps=[]), "steps"),
        (body(steps=[{"type": "send_message"}]), "steps.0.text"),
        (body(steps=[{"type": "assign_to", "mode": "user", "user": True}]), "steps.0.user"),
        (body(steps=[{"type": "assign_to", "mode": "team", "team": 10**30}]), "steps.0.team"),
        (body(steps=[{"type": "assign_to", "mode": "workspace", "max_open": -3}]), "steps.0.max_open"),
        (body(steps=[{"type": "assign_to", "mode": "nobody"}]), "steps.0.mode"),
        (body(steps=[None]), "steps.0"),
    ],
)
def test_invalid_bodies_get_field_errors(alice_client, payload, field):
    response = alice_client.post(URL, payload, format="json")

    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"], response.json()
    assert response.json()["message"]


@pytest.mark.parametrize("raw", ["[1, 2]", "{not json", '"text"', "null"])
def test_malformed_json_is_a_400(alice_client, raw):
    response = alice_client.post(URL, raw, content_type="application/json")

    assert response.status_code == 400
    assert set(response.json()) == {"message", "errors"}


def test_put_needs_name_and_steps(alice_client, workflow):
    response = alice_client.put(f"{URL}/{workflow.pk}", {"enabled": True}, format="json")

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"name", "steps"}


def test_invalid_update_changes_nothing(alice_client, workflow):
    response = alice_client.patch(f"{URL}/{workflow.pk}", {"name": "Nuevo", "steps": [{"type": "x"}]}, format="json")

    assert response.status_code == 400
    workflow.refresh_from_db()
    assert workflow.name == "Ventas"


def test_messages_speak_the_workspace_language(alice_client, workspace):
    type(workspace).objects.filter(pk=workspace.pk).update(language="es")

    response = alice_client.post(URL, body(steps=[{"type": "add_tag"}]), format="json")

    assert response.json()["errors"] == {"steps.0.tag": ["este campo es obligatorio"]}


def test_a_workflow_created_through_the_api_assigns_with_source_workflow(
    alice_client, workspace, sales_team, sales_agents
):
    from contacts.services import conversation_open
    from tests.factories import ContactFactory
    from workflows.services import workflow_trigger_conversation_opened

    steps = [{"type": "assign_to", "mode": "team", "team": sales_team.pk, "strategy": "round_robin"}]
    assert alice_client.post(URL, body(steps=steps), format="json").status_code == 201
    contact = ContactFactory(workspace=workspace)
    conversation, _ = conversation_open(contact=contact)

    workflow_trigger_conversation_opened(conversation=conversation)

    event = AssignmentEvent.objects.get()
    assert (event.source, event.new_assignee_id, event.conversation_id) == (
        "workflow", sales_agents[0].pk, conversation.pk)
    # It shows in the report log with an empty "Asignado por".
    log = alice_client.get("/api/v1/reports/assignments/log?period=today")
    assert log.status_code == 200
    row = log.json()["results"][0]
    assert row["source"] == "workflow" and row["assigned_by"] is None


def test_other_workspaces_workflows_never_leak_into_lists(alice_client, workspace):
    other = WorkspaceFactory()
    workflow_create(workspace=other, name="Ajeno", steps=[{"type": "unassign"}])

    assert alice_client.get(URL).json()["count"] == 0
