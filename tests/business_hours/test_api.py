"""GET/PUT /api/v1/settings/business-hours: any member reads, owners/managers/tokens replace,
every refusal is {"message", "errors"} naming the field."""

import pytest
from django.utils import translation

from business_hours.models import BusinessHours
from business_hours.schedule import WEEKDAYS
from business_hours.services import business_hours_set

URL = "/api/v1/settings/business-hours"
LUNCH_BREAK = {**{day: [["09:00", "14:00"], ["16:00", "19:00"]] for day in WEEKDAYS[:5]}, "sat": [["10:00", "14:00"]]}


@pytest.fixture(autouse=True)
def english(workspace, other_workspace):
    # Reasons compared in English; the API speaks the workspace language.
    type(workspace).objects.filter(pk__in=[workspace.pk, other_workspace.pk]).update(language="en")
    yield
    translation.activate("es")


def assert_error_shape(response, status):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"message", "errors"} and body["message"]
    return body


def test_any_member_reads_the_default(bob_client):
    response = bob_client.get(URL)
    assert response.status_code == 200
    assert response.json() == {
        "enabled": False, "timezone": "America/Mexico_City", "schedule": {day: [] for day in WEEKDAYS},
    }


def test_owner_replaces_and_reads_back(alice_client, bob_client, workspace):
    response = alice_client.put(URL, {"enabled": True, "schedule": LUNCH_BREAK}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["enabled"] is True and body["timezone"] == "America/Mexico_City"
    assert body["schedule"]["mon"] == [["09:00", "14:00"], ["16:00", "19:00"]]
    assert body["schedule"]["sun"] == []
    assert bob_client.get(URL).json() == body
    assert BusinessHours.objects.get(workspace=workspace).enabled is True


def test_get_then_put_round_trips_with_the_timezone(alice_client):
    alice_client.put(URL, {"enabled": True, "schedule": LUNCH_BREAK}, format="json")
    read = alice_client.get(URL).json()
    again = alice_client.put(URL, read, format="json")
    assert again.status_code == 200 and again.json() == read


def test_manager_and_token_may_replace(dave_client, token_client):
    assert dave_client.put(URL, {"enabled": False, "schedule": {}}, format="json").status_code == 200
    assert token_client.put(URL, {"enabled": True, "schedule": LUNCH_BREAK}, format="json").status_code == 200


def test_agent_may_not_replace(bob_client, workspace):
    body = assert_error_shape(bob_client.put(URL, {"enabled": True, "schedule": LUNCH_BREAK}, format="json"), 403)
    assert body["errors"] == {}
    assert not BusinessHours.objects.filter(workspace=workspace).exists()


def test_unauthenticated_is_401(anon_client, db):
    assert_error_shape(anon_client.get(URL), 401)
    assert_error_shape(anon_client.put(URL, {"enabled": True, "schedule": LUNCH_BREAK}, format="json"), 401)


def test_each_workspace_sees_its_own(alice_client, charlie_client, workspace):
    business_hours_set(workspace=workspace, enabled=True, schedule=LUNCH_BREAK)
    theirs = charlie_client.get(URL).json()
    assert theirs["enabled"] is False and theirs["timezone"] == "Europe/Madrid"
    charlie_client.put(URL, {"enabled": True, "schedule": {"sun": [["10:00", "12:00"]]}}, format="json")
    assert alice_client.get(URL).json()["schedule"]["mon"] == [["09:00", "14:00"], ["16:00", "19:00"]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"schedule": LUNCH_BREAK}, "enabled"),
        ({"enabled": "maybe", "schedule": LUNCH_BREAK}, "enabled"),
        ({"enabled": None, "schedule": LUNCH_BREAK}, "enabled"),
        ({"enabled": True}, "schedule"),
        ({"enabled": True, "schedule": None}, "schedule"),
        ({"enabled": True, "schedule": []}, "schedule"),
        ({"enabled": True, "schedule": "mon-fri 9-18"}, "schedule"),
        ({"enabled": True, "schedule": {"monday": [["09:00", "18:00"]]}}, "schedule"),
        ({"enabled": True, "schedule": {}}, "schedule"),
        ({"enabled": True, "schedule": {"mon": "09:00-18:00"}}, "schedule.mon"),
        ({"enabled": True, "schedule": {"mon": [["25:00", "26:00"]]}}, "schedule.mon.0"),
        ({"enabled": True, "schedule": {"mon": [["09:00", "18:00"], ["18:00", "17:00"]]}}, "schedule.mon.1"),
        ({"enabled": True, "schedule": {"mon": [[9, 18]]}}, "schedule.mon.0"),
        ({"enabled": True, "schedule": {"mon": [["09:00"]]}}, "schedule.mon.0"),
        ({"enabled": True, "schedule": {"mon": [{"open": "09:00", "close": "18:00"}]}}, "schedule.mon.0"),
        ({"enabled": True, "schedule": {"mon": [["09:00", "13:00"], ["12:00", "18:00"]]}}, "schedule.mon"),
        ({"enabled": True, "schedule": {"mon": [["09:00", "10:00"]] * 50_000}}, "schedule.mon"),
        ({"enabled": True, "schedule": {"mon": [[[[["09:00"]]]]]}}, "schedule.mon.0"),
        ({"enabled": True, "schedule": LUNCH_BREAK, "timezone": "Europe/Madrid"}, "timezone"),
        ({"enabled": True, "schedule": LUNCH_BREAK, "timezone": 5}, "timezone"),
        ({"enabled": True, "schedule": LUNCH_BREAK, "timezone": "x" * 10_000}, "timezone"),
    ],
)
def test_bad_bodies_are_400_naming_the_field(alice_client, workspace, body, field):
    response = alice_client.put(URL, body, format="json")
    errors = assert_error_shape(response, 400)["errors"]
    assert field in errors, errors
    assert all(isinstance(reason, str) for reasons in errors.values() for reason in reasons)
    assert not BusinessHours.objects.filter(workspace=workspace).exists()


@pytest.mark.parametrize("raw", ['[{"enabled": true}]', '"hours"', "{not json", "null", "1e999999", "[" * 5000])
def test_bodies_that_are_no_object_are_400(alice_client, raw):
    response = alice_client.put(URL, raw, content_type="application/json")
    assert_error_shape(response, 400)


def test_one_error_names_it_in_the_message(alice_client):
    response = alice_client.put(URL, {"enabled": True, "schedule": {"tue": [["18:00", "09:00"]]}}, format="json")
    body = assert_error_shape(response, 400)
    assert body["errors"] == {"schedule.tue.0": ["The closing time must be after the opening time."]}
    assert body["message"].startswith("schedule.tue.0: ")


def test_errors_speak_the_workspace_language(alice_client, workspace):
    workspace.language = "es"
    workspace.save()
    response = alice_client.put(URL, {"enabled": True, "schedule": {"tue": [["18:00", "09:00"]]}}, format="json")
    assert response.json()["errors"]["schedule.tue.0"] == ["La hora de cierre debe ser posterior a la de apertura."]


def test_schema_documents_both_operations():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = schema["paths"]["/api/v1/settings/business-hours"]
    assert set(operations) == {"get", "put"}
    assert {"200", "401", "403", "429"} <= set(operations["get"]["responses"])
    assert {"200", "400", "401", "403", "429"} <= set(operations["put"]["responses"])
    assert operations["put"]["operationId"] == "business_hours_update"
