"""The Reportes → Asignaciones page (server side): who sees it, what it reads from its query
string, its strings in the workspace language, and the strict CSP it must live under.

The page's numbers come from the report API (tested in test_api*); here we check the page that
hosts them. Browser behaviour is in tests/browser/test_report_page.py.
"""

import json
import re

import pytest
from django.test import Client

from accounts.models import Membership, Workspace
from reports.params import MAX_VALUES_PER_FILTER
from reports.periods import PRESETS
from tests.factories import ContactFactory, UserFactory

PAGE = "/reports/assignments/"


def page_config(response) -> dict:
    match = re.search(r'<script id="report-config" type="application/json">(.*?)</script>', response.content.decode())
    assert match, "the page passes its configuration with json_script"
    return json.loads(match.group(1))


def test_owner_sees_the_page_with_export(alice_client, alice):
    response = alice_client.get(PAGE)

    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "reports/assignments.html"
    html = response.content.decode()
    assert 'id="export-button"' in html
    config = page_config(response)
    assert config["canExport"] is True
    assert config["timezone"] == "America/Mexico_City"
    assert config["state"]["period"] == "last_7_days"
    assert {"id": alice.pk, "name": "Alice"} in config["members"]
    assert config["api"]["log"] == "/api/v1/reports/assignments/log"


def test_agent_sees_the_page_without_export(bob_client, bob, alice):
    # An agent's data is scoped by the report API; the page itself is the same, minus export.
    response = bob_client.get(PAGE)

    assert response.status_code == 200
    assert 'id="export-button"' not in response.content.decode()
    config = page_config(response)
    assert config["canExport"] is False
    assert {m["name"] for m in config["members"]} >= {"Alice", "Bob"}


@pytest.mark.parametrize(("persona", "can_export"), [("dave", True), ("erin", False)])
def test_export_button_follows_membership_can_export(request, persona, can_export):
    client = request.getfixturevalue(f"{persona}_client")

    response = client.get(PAGE)

    assert response.status_code == 200
    assert ('id="export-button"' in response.content.decode()) is can_export
    assert page_config(response)["canExport"] is can_export


def test_anonymous_is_sent_to_login(anon_client):
    response = anon_client.get(PAGE + "?period=last_30_days")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert "last_30_days" in response["Location"]


def test_reports_index_lists_the_seed_menu(alice_client, anon_client):
    response = alice_client.get("/reports/")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="/reports/assignments/"' in html
    # The reports not built yet are listed, greyed, never as links (in the menu and in the list).
    from reports.framework.pages import report_menu

    unbuilt = [entry for entry in report_menu(active="") if entry["url"] is None]
    assert html.count('class="soon"') == 2 * len(unbuilt)
    assert all(f'href="{entry["url"]}"' in html for entry in report_menu(active="") if entry["url"])
    assert anon_client.get("/reports/").status_code == 302


def test_user_without_a_workspace_gets_403(db):
    user = UserFactory(email="lonely@example.com")
    client = Client()
    client.force_login(user)

    assert client.get(PAGE).status_code == 403


def test_other_workspace_sees_only_its_own_members_and_contacts(charlie_client, charlie, alice, workspace):
    # Charlie opens a link naming Alice's contact: the page must not reveal its name; the report
    # API answers 400 for an id of another workspace, which the page shows as the error.
    contact = ContactFactory(workspace=workspace, first_name="Secreto", last_name="Ajeno")

    response = charlie_client.get(f"{PAGE}?contact={contact.pk}&assignee={alice.pk}")

    assert response.status_code == 200
    config = page_config(response)
    assert config["members"] == [{"id": charlie.pk, "name": "Charlie"}]
    assert config["contactNames"] == {}
    assert config["timezone"] == "Europe/Madrid"
    assert "Secreto" not in response.content.decode()
    assert config["state"]["contact"] == [str(contact.pk)]  # kept, so the API's error explains it


def test_query_string_is_the_page_state(alice_client, workspace):
    contact = ContactFactory(workspace=workspace, first_name="José", last_name="Pérez")

    response = alice_client.get(
        f"{PAGE}?period=last_30_days&source=user&source=api&source=user&assignee=none"
        f"&contact={contact.pk}&conversation=12&page=3&interval=week"
    )

    config = page_config(response)
    assert config["state"] == {
        "period": "last_30_days", "start": "", "end": "", "interval": "week",
        "source": ["user", "api"], "assignee": ["none"], "assigned_by": [], "contact": [str(contact.pk)],
        "conversation": ["12"], "page": 3,
    }
    assert config["contactNames"] == {str(contact.pk): "José Pérez"}
    # The period button is rendered from the query string too.
    assert '<span class="period-label">Últimos 30 días</span>' in response.content.decode()


def test_custom_range_and_garbage_values_are_kept_bounded(alice_client):
    response = alice_client.get(f"{PAGE}?start=2026-11-01&end=2026-11-10&page=-4&contact={'9' * 200}")

    config = page_config(response)
    assert config["state"]["period"] == ""
    assert (config["state"]["start"], config["state"]["end"]) == ("2026-11-01", "2026-11-10")
    assert config["state"]["page"] == 1
    assert len(config["state"]["contact"][0]) == 64
    assert config["contactNames"] == {}


def test_spanish_workspace_strings(alice_client):
    html = alice_client.get(PAGE).content.decode()

    for text in ["Asignaciones", "Agregar filtro", "Borrar todo", "Métricas",
                 "Registro de asignaciones de contactos", "Cesionario anterior", "Nuevo cesionario",
                 "Asignado por", "Exportar", "Transmisiones", "Tabla de Clasificación"]:
        assert text in html, text
    config = page_config(alice_client.get(PAGE))
    assert config["language"] == "es"
    assert tuple(p["value"] for p in config["presets"]) == PRESETS  # the API's presets, in order
    assert [p["label"] for p in config["presets"]] == [
        "Hoy", "Ayer", "Los últimos 7 días", "Últimos 14 días", "Últimos 30 días", "Este mes", "El mes pasado"]
    assert config["strings"]["notApplicable"] == "Los filtros seleccionados no son aplicables aquí"
    assert config["strings"]["noData"] == "Los filtros seleccionados no tienen datos aplicables"
    assert [f["label"] for f in config["filters"]] == [
        "Fuente", "Asignado a", "Asignado por el usuario", "Contacto", "Id. de conversación"]
    assert {s["value"]: s["label"] for s in config["sources"]}["user"] == "Usuario"


def test_english_workspace_strings(alice_client, workspace):
    Workspace.objects.filter(pk=workspace.pk).update(language="en")

    response = alice_client.get(PAGE)

    html = response.content.decode()
    for text in ["Assignments", "Add filter", "Clear all", "Metrics", "Contact assignment log",
                 "Previous assignee", "Broadcasts", "Leaderboard"]:
        assert text in html, text
    assert "Agregar filtro" not in html
    config = page_config(response)
    assert config["language"] == "en"
    assert config["presets"][2]["label"] == "Last 7 days"
    assert config["strings"]["noData"] == "The selected filters have no applicable data"


def test_page_obeys_the_strict_csp(alice_client, workspace):
    # A contact whose name is markup: it reaches the page only inside the JSON script.
    contact = ContactFactory(workspace=workspace, first_name="<img src=x onerror=alert(1)>", last_name="</script>")

    response = alice_client.get(f"{PAGE}?contact={contact.pk}")

    html = response.content.decode()
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "<img src=x" not in html and "</script>\"" not in html
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert 'src="' in tag or 'type="application/json"' in tag, tag
    markup = re.sub(r'(<script id="report-config" type="application/json">).*?(</script>)', r"\1\2", html, flags=re.S)
    assert not re.search(r"\sstyle=", markup)
    assert not re.search(r"\son[a-z]+=", markup)
    assert page_config(response)["contactNames"][str(contact.pk)] == "<img src=x onerror=alert(1)> </script>"


def test_vendored_chart_library_is_served_locally(alice_client):
    html = alice_client.get(PAGE).content.decode()

    assert '/static/vendor/chartjs/chart.umd.min.js' in html
    assert "cdn" not in html.lower()


@pytest.mark.parametrize("role", [Membership.Role.OWNER, Membership.Role.MANAGER, Membership.Role.AGENT])
def test_every_role_may_open_the_page(workspace, role):
    from tests.factories import member

    client = Client()
    client.force_login(member(workspace, role, email=f"{role}@acme.example"))

    assert client.get(PAGE).status_code == 200


def test_too_many_values_reach_the_api_to_be_explained(alice_client):
    # One value over the API's limit is kept, so the API answers with its error.
    query = "&".join(f"conversation={n}" for n in range(1, MAX_VALUES_PER_FILTER + 10))

    config = page_config(alice_client.get(f"{PAGE}?{query}"))

    assert len(config["state"]["conversation"]) == MAX_VALUES_PER_FILTER + 1


def test_the_narrow_screen_menu_opens_a_report_without_javascript(alice_client):
    response = alice_client.get("/reports/", {"go": "conversations"})
    assert response.status_code == 302 and response["Location"] == "/reports/conversations/"
    assert alice_client.get("/reports/", {"go": "broadcasts"})["Location"] == "/reports/broadcasts/"
    # an unknown report stays on the landing page
    assert alice_client.get("/reports/", {"go": "<x>"}).status_code == 200


def test_an_agent_reads_what_they_see_on_each_report(bob_client, alice_client):
    assert "Solo ve las asignaciones" in bob_client.get("/reports/assignments/").content.decode()
    assert "Solo ve las conversaciones" in bob_client.get("/reports/conversations/").content.decode()
    assert "Solo ve" not in alice_client.get("/reports/conversations/").content.decode()


def test_the_landing_page_shows_each_built_reports_headlines(alice_client):
    page = alice_client.get("/reports/", {"period": "last_30_days"}).content.decode()
    assert 'data-headline="assignments"' in page and 'data-headline="conversations"' in page
    assert alice_client.get("/reports/", {"period": "nonsense"}).status_code == 200


def test_a_filter_chip_never_names_a_contact_the_agent_may_not_see(workspace, bob_client, alice):
    from assignments.models import AssignmentSource
    from assignments.services import contact_assign
    from tests.factories import ContactFactory

    # given a contact assigned to Alice: hidden from Bob under the default visibility
    hidden = ContactFactory(workspace=workspace, first_name="Secreta", last_name="Oculta")
    contact_assign(contact=hidden, assignee=alice, source=AssignmentSource.API)
    # when Bob opens a link filtering by it
    page = bob_client.get("/reports/assignments/", {"contact": hidden.pk}).content.decode()
    # then the page does not name it
    assert "Secreta" not in page
