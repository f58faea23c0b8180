"""Configuraciones → Fuera de Horario (/settings/business-hours/): owners and managers edit."""

import pytest
from django.utils import translation

from business_hours.models import BusinessHours
from business_hours.schedule import WEEKDAYS
from business_hours.services import business_hours_set

URL = "/settings/business-hours/"


@pytest.fixture(autouse=True)
def _back_to_spanish():
    yield
    translation.activate("es")


def form(**overrides) -> dict:
    """The page's fields: Monday to Friday 09:00–14:00 and 16:00–19:00, business hours on."""
    data = {"enabled": "on"}
    for day in WEEKDAYS[:5]:
        data.update({f"{day}_open": "on", f"{day}_from1": "09:00", f"{day}_to1": "14:00",
                     f"{day}_from2": "16:00", f"{day}_to2": "19:00"})
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_owner_sees_the_page_in_spanish_with_a_suggestion(client, alice):
    client.force_login(alice)
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Fuera de Horario" in html and "Lunes" in html and "Domingo" in html
    assert "America/Mexico_City" in html
    assert 'href="/settings/business-hours/" aria-current="page"' in html  # the settings menu link
    # Never set up: Monday–Friday 09:00–18:00 suggested, business hours still off.
    assert 'name="mon_from1" value="09:00"' in html and 'name="sat_from1"' in html
    assert 'name="enabled" id="id_enabled" checked' not in html


def test_owner_saves(client, alice, workspace):
    client.force_login(alice)
    response = client.post(URL, form(sat_open="on", sat_from1="9:30", sat_to1="1400"))
    assert response.status_code == 302 and response["Location"] == URL
    row = BusinessHours.objects.get(workspace=workspace)
    assert row.enabled is True
    assert row.schedule["mon"] == [["09:00", "14:00"], ["16:00", "19:00"]]
    assert row.schedule["sat"] == [["09:30", "14:00"]]  # typed loosely, stored canonical
    assert row.schedule["sun"] == []
    assert row.updated_by == alice
    page = client.get(URL).content.decode()
    assert "Horario de atención guardado." in page
    assert 'name="sat_from1" value="09:30"' in page


def test_a_closed_day_keeps_no_ranges(client, alice, workspace):
    client.force_login(alice)
    client.post(URL, form(mon_open=None))
    assert BusinessHours.objects.get(workspace=workspace).schedule["mon"] == []


def test_manager_saves_and_may_turn_it_off(client, dave, workspace):
    client.force_login(dave)
    assert client.post(URL, form(enabled=None)).status_code == 302
    assert BusinessHours.objects.get(workspace=workspace).enabled is False


@pytest.mark.parametrize(
    ("overrides", "shown"),
    [
        ({"tue_to1": "25:00"}, "La hora de cierre debe ser HH:MM entre 00:01 y 24:00."),
        ({"wed_from2": "13:00"}, "se superponen"),
        ({"thu_from1": "", "thu_to1": "", "thu_from2": "", "thu_to2": ""}, "Un día abierto necesita al menos una franja horaria."),
        ({"fri_to2": ""}, "Franja 2: indique la hora de apertura y la de cierre."),
        ({"mon_to1": "08:00"}, "Franja 1: La hora de cierre debe ser posterior a la de apertura."),
    ],
)
def test_invalid_input_is_shown_on_its_day_and_nothing_is_saved(client, alice, workspace, overrides, shown):
    client.force_login(alice)
    response = client.post(URL, form(**overrides))
    assert response.status_code == 200
    html = response.content.decode()
    assert shown in html, html
    assert "bh-day-invalid" in html
    assert not BusinessHours.objects.filter(workspace=workspace).exists()


def test_turning_on_with_every_day_closed_is_refused(client, alice, workspace):
    client.force_login(alice)
    response = client.post(URL, {"enabled": "on"})
    assert response.status_code == 200
    assert "Abra al menos un día o desactive el horario de atención." in response.content.decode()
    assert not BusinessHours.objects.filter(workspace=workspace).exists()


def test_the_page_shows_what_is_stored(client, alice, workspace):
    business_hours_set(workspace=workspace, enabled=True, schedule={"sun": [["10:00", "24:00"]]})
    client.force_login(alice)
    html = client.get(URL).content.decode()
    assert 'name="sun_to1" value="24:00"' in html
    assert 'name="mon_from1" value=' not in html  # no suggestion once set up
    assert 'name="enabled" id="id_enabled" checked' in html


def test_more_ranges_than_the_page_shows_are_announced(client, alice, workspace):
    business_hours_set(workspace=workspace, enabled=True,
                       schedule={"mon": [["08:00", "10:00"], ["11:00", "12:00"], ["13:00", "14:00"]]})
    client.force_login(alice)
    assert "más de dos franjas" in client.get(URL).content.decode()


def test_english_workspace(client, alice, workspace):
    workspace.language = "en"
    workspace.save()
    client.force_login(alice)
    html = client.get(URL).content.decode()
    assert "Business hours" in html and "Monday" in html


def test_agent_gets_403(client, bob):
    client.force_login(bob)
    assert client.get(URL).status_code == 403
    assert client.post(URL, form()).status_code == 403


def test_anonymous_goes_to_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_other_workspace_owner_edits_their_own(client, charlie, workspace, other_workspace):
    client.force_login(charlie)
    html = client.get(URL).content.decode()
    assert "Europe/Madrid" in html and "Acme" not in html
    client.post(URL, form())
    assert BusinessHours.objects.get(workspace=other_workspace).enabled is True
    assert not BusinessHours.objects.filter(workspace=workspace).exists()

