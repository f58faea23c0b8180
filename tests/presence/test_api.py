"""GET / PUT /api/v1/me/status, and GET /api/v1/users' status."""

from datetime import UTC, datetime

import pytest
import time_machine

from presence.models import AgentStatus, AgentStatusEvent

URL = "/api/v1/me/status"
T0 = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(T0, tick=False):
        yield


def test_get_my_status(bob_client, workspace, bob):
    response = bob_client.get(URL)
    assert response.status_code == 200
    # Acme's offset (America/Mexico_City, UTC-6)
    assert response.json() == {"status": "online", "source": "login", "changed_at": "2026-12-01T09:00:00-06:00",
                               "last_seen_at": "2026-12-01T09:00:00-06:00"}


def test_put_sets_my_status_with_source_api(bob_client, workspace, bob):
    response = bob_client.put(URL, {"status": "away"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "away" and response.json()["source"] == "api"
    assert response.json()["changed"] is True
    event = AgentStatusEvent.objects.filter(user=bob).latest("id")
    assert (event.previous_status, event.new_status, event.source) == ("online", "away", "api")
    # the same again: no change, no event
    again = bob_client.put(URL, {"status": "away"}, format="json")
    assert again.status_code == 200 and again.json()["changed"] is False
    assert AgentStatusEvent.objects.filter(user=bob).count() == 2


def test_put_offline_then_get(alice_client, workspace, alice):
    assert alice_client.put(URL, {"status": "offline"}, format="json").json()["status"] == "offline"
    assert alice_client.get(URL).json()["status"] == "offline"


@pytest.mark.parametrize("body", [{"status": "busy"}, {"status": ""}, {}, {"status": None}, {"status": ["online"]},
                                  {"status": 1}])
def test_bad_input_is_400_naming_the_field(bob_client, body):
    response = bob_client.put(URL, body, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"message", "errors"} and "status" in response.json()["errors"]


def test_malformed_json_is_400(bob_client):
    response = bob_client.generic("PUT", URL, "{status", content_type="application/json")
    assert response.status_code == 400 and set(response.json()) == {"message", "errors"}


def test_anonymous_is_401(anon_client):
    for response in (anon_client.get(URL), anon_client.put(URL, {"status": "away"}, format="json")):
        assert response.status_code == 401 and response.json()["message"]


def test_an_api_token_has_no_status_403(token_client):
    for response in (token_client.get(URL), token_client.put(URL, {"status": "away"}, format="json")):
        assert response.status_code == 403
        assert response.json() == {"message": "Esta operación requiere una sesión de usuario.", "errors": {}}
    assert not AgentStatusEvent.objects.filter(source="api").exists()


def test_charlie_sets_his_own_workspaces_status(charlie_client, charlie, other_workspace, bob_client, bob):
    charlie_client.put(URL, {"status": "away"}, format="json")
    assert AgentStatus.objects.get(user=charlie).workspace == other_workspace
    assert bob_client.get(URL).json()["status"] == "online"


def test_users_list_keeps_status(alice_client, bob_client, bob):
    def status_of(user):
        rows = alice_client.get("/api/v1/users").json()["results"]
        return next(r["status"] for r in rows if r["id"] == user.pk)

    assert status_of(bob) == "online"
    bob_client.put(URL, {"status": "away"}, format="json")
    assert status_of(bob) == "away"
    bob_client.put(URL, {"status": "online"}, format="json")
    assert status_of(bob) == "online"


def test_schema_documents_the_operations(anon_client):
    schema = anon_client.get("/api/schema/?format=json").json()
    operations = schema["paths"]["/api/v1/me/status"]
    assert set(operations) >= {"get", "put"}
    assert {"200", "400", "401", "403"} <= set(operations["put"]["responses"])
    assert {"200", "401", "403"} <= set(operations["get"]["responses"])
    body = operations["put"]["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    status = schema["components"]["schemas"][body]["properties"]["status"]
    enum_ref = status.get("$ref") or status["allOf"][0]["$ref"]
    assert schema["components"]["schemas"][enum_ref.rsplit("/", 1)[-1]]["enum"] == ["online", "away", "offline"]


def test_users_list_shows_each_memberships_own_status(alice_client, workspace, other_workspace, bob, dave):
    from accounts.models import Membership
    from presence.services import agent_status_set
    from tests.factories import MembershipFactory, member

    # given: Bob online in Globex but offline in Acme; Dave never seen by presence; Frank seen
    # only in Globex
    MembershipFactory(workspace=other_workspace, user=bob, role=Membership.Role.AGENT)
    agent_status_set(workspace=workspace, user=bob, status="offline", source="user")
    agent_status_set(workspace=other_workspace, user=bob, status="online", source="user")
    frank = member(workspace, Membership.Role.AGENT, email="frank@acme.example", name="Frank")
    MembershipFactory(workspace=other_workspace, user=frank, role=Membership.Role.AGENT)
    agent_status_set(workspace=other_workspace, user=frank, status="away", source="user")
    # when
    rows = {r["id"]: r for r in alice_client.get("/api/v1/users").json()["results"]}
    # then: the membership's status, not the cross-workspace mirror (which says online for Bob)
    bob.refresh_from_db()
    assert bob.availability == "online"
    assert rows[bob.pk]["status"] == "offline"
    assert rows[bob.pk]["status_changed_at"] == "2026-12-01T09:00:00-06:00"
    assert rows[frank.pk]["status"] == "offline" and rows[frank.pk]["status_changed_at"] is None
    assert rows[dave.pk]["status"] == dave.availability and rows[dave.pk]["status_changed_at"] is None


def test_users_list_schema_names_the_three_statuses(anon_client):
    schema = anon_client.get("/api/schema/?format=json").json()
    ref = schema["paths"]["/api/v1/users"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    page = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    row_ref = page["properties"]["results"]["items"]["$ref"].rsplit("/", 1)[-1]
    row = schema["components"]["schemas"][row_ref]["properties"]
    status = row["status"]
    enum_ref = status.get("$ref") or status["allOf"][0]["$ref"]
    assert schema["components"]["schemas"][enum_ref.rsplit("/", 1)[-1]]["enum"] == ["online", "away", "offline"]
    assert "status_changed_at" in row
