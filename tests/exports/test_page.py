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
    assert re.search(rf'<option value="{dave.pk}" selected>Dave</option>', html)
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
