"""Configuraciones → Exportación de datos (/settings/data-export/)."""

import json
import re
from datetime import UTC, datetime

import pytest
from django.test import Client

from exports.models import Export
from tests.exports.conftest import make_events

pytestmark = pytest.mark.django_db

URL = "/settings/data-export/"


def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def checked(html: str, name: str, value) -> bool:
    """Whether the form has a checked box ``name`` = ``value``."""
    return bool(re.search(rf'<input type="checkbox" id="[^"]+" name="{name}" value="{value}" checked>', html))


def box(html: str, name: str, value) -> bool:
    return bool(re.search(rf'<input type="checkbox" id="[^"]+" name="{name}" value="{value}"', html))


def field_names(html: str) -> set[str]:
    """The filters the form draws (each a fieldset or field marked with its parameter)."""
    form = html.split('id="export-form"', 1)[1].split("</form>", 1)[0]
    return set(re.findall(r'data-param="([a-z_]+)"', form))


def config_of(html: str) -> dict:
    match = re.search(r'<script id="export-config" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(match.group(1))


def test_owner_sees_the_form_and_settings_navigation(alice):
    response = page_client(alice).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'aria-current="page">Exportación de datos' in html
    assert 'name="period"' in html and 'name="excel"' in html and 'name="source"' in html
    # strict CSP: the page script is a file, data comes as JSON
    assert "<script>" not in html and "style=" not in html
    assert "/static/exports/data_export.js" in html
    assert config_of(html)["api"] == "/api/v1/exports"


def test_form_is_prefilled_from_the_report_query_string(alice, dave):
    response = page_client(alice).get(f"{URL}?period=last_30_days&source=user&source=api&assignee={dave.pk}&contact=5&contact=7")
    html = response.content.decode()
    assert re.search(r'<option value="last_30_days" selected>', html)
    assert re.search(r'value="user" checked', html) and re.search(r'value="api" checked', html)
    assert not re.search(r'value="bot" checked', html)
    # (issue 18: the multi-select boxes became checkbox lists; Dave is a checked box now)
    assert checked(html, "assignee", dave.pk) and not checked(html, "assignee", "none")
    assert "<select" not in html.split('id="export-period"', 1)[1].split("</form>")[0]
    assert 'value="5, 7"' in html


def test_custom_range_prefill_shows_the_dates(alice):
    html = page_client(alice).get(f"{URL}?start=2026-11-01&end=2026-11-15").content.decode()
    assert re.search(r'<option value="custom" selected>', html)
    assert 'value="2026-11-01"' in html and 'value="2026-11-15"' in html


def test_post_starts_an_export_and_the_history_shows_it(workspace, alice, dave, contacts, django_capture_on_commit_callbacks):
    make_events(workspace, 40, users=[alice, dave], contacts=contacts, days=3)
    client = page_client(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, {"period": "last_7_days", "source": ["user", "api"], "excel": "on", "contact": ""})
    assert response.status_code == 302
    assert "period=last_7_days" in response["Location"] and "source=user" in response["Location"]
    export = Export.objects.get()
    assert export.requested_by == alice and export.excel_bom and export.filters["source"] == ["user", "api"]
    assert export.status == Export.Status.SUCCEEDED
    html = client.get(response["Location"]).content.decode()
    assert f'data-export-id="{export.pk}"' in html
    assert f"/api/v1/exports/{export.pk}/download" in html
    assert "Completada" in html


def test_post_with_custom_range_and_id_lists(workspace, alice, contacts, conversations):
    client = page_client(alice)
    response = client.post(URL, {
        "period": "custom", "start": "2026-11-01", "end": "2026-11-10",
        "contact": f"{contacts[0].pk}, {contacts[1].pk}", "conversation": str(conversations[0].pk),
    })
    assert response.status_code == 302
    export = Export.objects.get()
    assert export.filters["start"] == ["2026-11-01"] and export.filters["end"] == ["2026-11-10"]
    assert export.filters["contact"] == [str(contacts[0].pk), str(contacts[1].pk)]
    assert export.filters["conversation"] == [str(conversations[0].pk)]


@pytest.mark.parametrize(
    "data, field",
    [
        ({"period": "custom", "start": "2026-11-10", "end": "2026-11-01"}, "end"),
        ({"period": "custom", "start": "", "end": ""}, "start"),
        ({"period": "last_7_days", "contact": "abc"}, "contact"),
        ({"period": "forever"}, "period"),
        ({"period": "last_7_days", "assignee": "424242"}, "assignee"),
    ],
)
def test_bad_form_is_400_with_the_error_shown(alice, data, field):
    response = page_client(alice).post(URL, data)
    assert response.status_code == 400
    assert Export.objects.count() == 0
    assert 'class="error"' in response.content.decode()


@pytest.mark.parametrize("persona", ["bob", "erin"])
def test_agent_and_restricted_manager_get_403(request, persona):
    user = request.getfixturevalue(persona)
    client = page_client(user)
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"period": "today"}).status_code == 403
    assert Export.objects.count() == 0


def test_anonymous_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_other_workspace_sees_only_its_own_empty_history(workspace, alice, charlie):
    Export.objects.create(workspace=workspace, requested_by=alice, filters={"start": ["2026-11-01"], "end": ["2026-11-02"]})
    html = page_client(charlie).get(URL).content.decode()
    assert "data-export-id" not in html
    assert config_of(html)["active"] == []


def test_active_exports_are_handed_to_the_poller(workspace, alice):
    running = Export.objects.create(workspace=workspace, requested_by=alice, status=Export.Status.RUNNING, progress=42)
    Export.objects.create(workspace=workspace, requested_by=alice, status=Export.Status.FAILED, error="boom")
    html = page_client(alice).get(URL).content.decode()
    assert config_of(html)["active"] == [running.pk]
    assert '<progress max="100" value="42"' in html
    assert "boom" in html


def test_page_script_and_styles_exist():
    from django.contrib.staticfiles import finders

    assert finders.find("exports/data_export.js") and finders.find("exports/data_export.css")


def test_history_is_historial_and_its_dates_use_the_app_format(workspace, alice):
    # given: November's log, exported on 2 December at 20:05 UTC (14:05 in Mexico City)
    Export.objects.create(
        workspace=workspace, requested_by=alice, filters={"start": ["2026-11-01"], "end": ["2026-11-30"]},
        status=Export.Status.SUCCEEDED, created_at=datetime(2026, 12, 2, 20, 5, tzinfo=UTC),
        expires_at=datetime(2026, 12, 9, 20, 5, tzinfo=UTC),
    )

    html = page_client(alice).get(URL).content.decode()

    # not Django admin's "Histórico", which a "History" without context would get
    assert "<h2>Historial</h2>" in html and "Histórico" not in html
    assert ">2 dic 2026 14:05</time>" in html and ">9 dic 2026</time>" in html
    # the period is stored as ISO text: marked for base.js, which writes it the same way
    assert '<time datetime="2026-11-01" data-iso-date>2026-11-01</time>' in html


# --- every export kind (issue 18) --------------------------------------------------------------


def test_every_export_kind_is_offered_and_the_assignment_log_is_the_default(alice):
    from exports.services import export_kinds

    html = page_client(alice).get(URL).content.decode()

    assert "Qué exportar" in html
    kinds = re.findall(r'<input type="radio" id="export-kind-[a-z]+" name="kind" value="([a-z]+)"', html)
    assert kinds == export_kinds() and {"assignments", "conversations"} <= set(kinds)
    assert 'name="kind" value="assignments" checked' in html
    for label in ("Registro de asignaciones", "Conversaciones"):
        assert f"<span>{label}</span>" in html
    # the assignment log's filters: reports.params.FILTERS
    assert field_names(html) == {"source", "assignee", "assigned_by", "contact", "conversation"}


def test_each_kind_shows_the_filters_its_report_declares(alice):
    from exports.forms import kind_filters
    from exports.services import export_kinds

    client = page_client(alice)
    for kind in export_kinds():
        html = client.get(f"{URL}?kind={kind}").content.decode()
        assert f'name="kind" value="{kind}" checked' in html
        assert f'name="shown_kind" value="{kind}"' in html
        assert field_names(html) == {spec.param for spec in kind_filters(kind)}, kind


def test_kind_and_filters_are_preselected_from_the_report_export_button(workspace, alice, dave):
    from integrations.models import Channel
    from tests.factories import TeamFactory

    web = Channel.objects.create(workspace=workspace, name="Web")
    Channel.objects.create(workspace=workspace, name="WhatsApp")
    team = TeamFactory(workspace=workspace, name="Ventas")

    # what Conversaciones' Exportar button links to
    html = page_client(alice).get(
        f"{URL}?kind=conversations&period=last_30_days&assignee={dave.pk}&assignee=none&channel={web.pk}"
        f"&team={team.pk}&closing_source=user"
    ).content.decode()

    assert 'name="kind" value="conversations" checked' in html
    assert re.search(r'<option value="last_30_days" selected>', html)
    assert checked(html, "assignee", dave.pk) and checked(html, "assignee", "none")
    assert not checked(html, "assignee", alice.pk) and box(html, "assignee", alice.pk)
    assert checked(html, "channel", web.pk) and box(html, "channel", "none") and not checked(html, "channel", "none")
    assert checked(html, "team", team.pk) and checked(html, "closing_source", "user")
    assert not checked(html, "closing_source", "bot")
    # labels, not ids: channel and team names, "Sin asignar", "Sin canal"
    for label in ("Web", "WhatsApp", "Ventas", "Sin asignar", "Sin canal", "Dave"):
        assert f'<span class="check-text">{label}</span>' in html
    # the assignment log's own filters are gone
    assert 'name="source"' not in html and 'name="assigned_by"' not in html


def test_a_long_member_list_gets_a_search_box(workspace, alice):
    from tests.factories import member

    for index in range(9):
        member(workspace, email=f"agent{index}@acme.example", name=f"Agente {index}")

    html = page_client(alice).get(URL).content.decode()

    # server-rendered hidden, shown by data_export.js (without JavaScript the list scrolls)
    assert 'data-list-search="export-assignee-list"' in html
    assert 'class="check-list is-long" id="export-assignee-list"' in html


def test_a_value_the_list_does_not_offer_stays_checked(alice):
    html = page_client(alice).get(f"{URL}?assignee=424242").content.decode()
    assert checked(html, "assignee", 424242) and '<span class="check-text">#424242</span>' in html


def test_an_unknown_kind_in_a_link_is_explained_next_to_the_choice(alice):
    response = page_client(alice).get(f"{URL}?kind=bogus")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="export-kind-error"' in html and "bogus" in html
    assert 'name="kind" value="assignments" checked' in html


@pytest.mark.django_db(transaction=True)
def test_a_conversations_export_posted_from_the_form_succeeds_and_is_listed_with_its_kind(workspace, alice, dave):
    # (transaction=True: the export is enqueued on commit, as in production, so the in-process
    # task has run by the time the view reads the export's status for the banner)
    client = page_client(alice)

    response = client.post(URL, {
        "kind": "conversations", "shown_kind": "conversations", "period": "last_30_days",
        "assignee": [str(dave.pk), "none"], "closing_source": ["user"], "contact": "",
    })

    assert response.status_code == 302
    location = response["Location"]
    assert "kind=conversations" in location and f"assignee={dave.pk}" in location and "assignee=none" in location
    export = Export.objects.get()
    assert export.kind == "conversations" and export.status == Export.Status.SUCCEEDED
    assert export.filters["assignee"] == [str(dave.pk), "none"] and export.filters["closing_source"] == ["user"]
    html = client.get(location).content.decode()
    # the banner says where the export is (in-process Celery: already done)
    assert f"Exportación n.º {export.pk}: completada." in html and "iniciada" not in html
    row = html.split(f'data-export-id="{export.pk}"', 1)[1].split("</tr>", 1)[0]
    assert '<strong data-field="kind">Conversaciones</strong>' in row
    assert "Asignado a: Dave, Sin asignar" in row and "Cerrada por: Usuario" in row
    assert "Completada" in row
    # the form opens again with what was exported
    assert 'name="kind" value="conversations" checked' in html and checked(html, "assignee", dave.pk)


def test_the_banner_says_queued_when_a_worker_has_not_started_it(monkeypatch, alice):
    monkeypatch.setattr("exports.services.export_enqueue", lambda **kwargs: None)
    client = page_client(alice)
    response = client.post(URL, {"period": "today"})
    export = Export.objects.get()
    html = client.get(response["Location"]).content.decode()
    assert f"Exportación n.º {export.pk}: en cola" in html


def test_the_history_describes_each_exports_filters_in_words(workspace, other_workspace, alice, dave, contacts):
    from tests.factories import ContactFactory

    stranger = ContactFactory(workspace=other_workspace, first_name="Secreto", last_name="Ajeno")
    assignments = Export.objects.create(workspace=workspace, requested_by=alice, filters={
        "start": ["2026-11-01"], "end": ["2026-11-02"], "source": ["user", "api"],
        "assignee": [str(dave.pk), "none"], "contact": [str(contacts[0].pk), str(stranger.pk)],
        "conversation": ["12"],
    })
    bare = Export.objects.create(workspace=workspace, requested_by=alice, kind="conversations",
                                 filters={"start": ["2026-11-01"], "end": ["2026-11-02"]})

    html = page_client(alice).get(URL).content.decode()

    row = html.split(f'data-export-id="{assignments.pk}"', 1)[1].split("</tr>", 1)[0]
    assert "Registro de asignaciones" in row
    assert "<li>Fuente: Usuario, Api</li>" in row and "<li>Asignado a: Dave, Sin asignar</li>" in row
    # a contact of another workspace is not named (tenancy): only its id
    assert f"<li>Contacto: {contacts[0].name}, #{stranger.pk}</li>" in row and "Secreto" not in html
    assert "<li>Id. de conversación: #12</li>" in row
    bare_row = html.split(f'data-export-id="{bare.pk}"', 1)[1].split("</tr>", 1)[0]
    assert "Conversaciones" in bare_row and "Sin filtros" in bare_row


def test_bad_input_shows_the_error_next_to_the_field_and_keeps_what_was_typed(alice, dave):
    response = page_client(alice).post(URL, {
        "kind": "conversations", "shown_kind": "conversations", "period": "custom", "start": "2026-11-01",
        "end": "2026-11-10", "assignee": [str(dave.pk)], "closing_source": ["api"], "contact": "abc, 5", "excel": "on",
    })

    assert response.status_code == 400 and Export.objects.count() == 0
    html = response.content.decode()
    contact_field = html.split('data-param="contact"', 1)[1].split('data-param="conversation"', 1)[0]
    assert 'value="abc, 5"' in contact_field and 'class="error"' in contact_field
    assert 'name="kind" value="conversations" checked' in html
    assert checked(html, "assignee", dave.pk) and checked(html, "closing_source", "api")
    assert 'value="2026-11-01"' in html and 'value="2026-11-10"' in html
    assert re.search(r'<input type="checkbox" name="excel" checked>', html)


def test_picking_another_kind_carries_the_period_and_the_filters_both_kinds_have(alice, dave):
    # given: the assignment log's form with a period and filters, then "Conversaciones" picked
    response = page_client(alice).post(URL, {
        "kind": "conversations", "shown_kind": "assignments", "change_kind": "1", "period": "custom",
        "start": "2026-11-01", "end": "2026-11-10", "assignee": [str(dave.pk)], "source": ["user"],
        "contact": "5, 7", "excel": "on",
    })

    # then: no export; the conversations form with what both kinds share
    assert response.status_code == 302 and Export.objects.count() == 0
    location = response["Location"]
    assert "kind=conversations" in location and f"assignee={dave.pk}" in location
    assert "start=2026-11-01" in location and "contact=5" in location and "contact=7" in location
    assert "excel=on" in location and "source=" not in location


def test_start_after_picking_a_kind_without_javascript_opens_that_kinds_form_first(alice):
    response = page_client(alice).post(URL, {"kind": "conversations", "shown_kind": "assignments", "period": "today"})
    assert response.status_code == 302 and "kind=conversations" in response["Location"]
    assert Export.objects.count() == 0


def test_posting_an_unknown_kind_is_400_next_to_the_choice(alice):
    response = page_client(alice).post(URL, {"kind": "bogus", "period": "today"})
    assert response.status_code == 400 and Export.objects.count() == 0
    assert 'id="export-kind-error"' in response.content.decode()


@pytest.mark.parametrize("persona", ["bob", "erin"])
def test_agent_and_restricted_manager_cannot_export_any_kind(request, persona):
    client = page_client(request.getfixturevalue(persona))
    assert client.get(f"{URL}?kind=conversations").status_code == 403
    assert client.post(URL, {"kind": "conversations", "shown_kind": "conversations", "period": "today"}).status_code == 403
    assert Export.objects.count() == 0
