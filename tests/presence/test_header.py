"""The header's status menu: a form POST (CSRF) that works without JavaScript, with a coloured dot."""

import re

import pytest
from django.test import Client

from accounts.models import Workspace
from presence.models import AgentStatus, AgentStatusEvent

FORM = "/presence/status/"


def _menu(html: str) -> str:
    match = re.search(r'<form method="post" action="/presence/status/".*?</form>', html, re.S)
    assert match, "no status menu in the header"
    return match.group(0)


def test_header_shows_the_menu_with_the_current_status(bob_client):
    menu = _menu(bob_client.get("/messages/").content.decode())
    assert 'name="csrfmiddlewaretoken"' in menu
    assert 'class="status-dot status-online"' in menu
    assert re.findall(r'<option value="(\w+)"( selected)?>([^<]+)</option>', menu) == [
        ("online", " selected", "Online"), ("away", "", "Ausente"), ("offline", "", "Desconectado")]
    assert 'name="next" value="/messages/"' in menu
    assert "<noscript><button type=\"submit\">Cambiar estado</button></noscript>" in menu
    assert "data-autosubmit" in menu  # base.js submits on change; no inline script (CSP)


def test_the_menu_speaks_english_in_an_english_workspace(bob_client, workspace):
    Workspace.objects.filter(pk=workspace.pk).update(language="en")
    menu = _menu(bob_client.get("/messages/").content.decode())
    assert [label for _, label in re.findall(r'<option value="(\w+)"[^>]*>([^<]+)</option>', menu)] == [
        "Online", "Away", "Offline"]
    assert "Activity status" in menu and ">Set status<" in menu


def test_posting_the_form_sets_the_status_and_goes_back(bob_client, workspace, bob):
    response = bob_client.post(FORM, {"status": "away", "next": "/contacts/?search=ana"})
    assert response.status_code == 302 and response["Location"] == "/contacts/?search=ana"
    row = AgentStatus.objects.get(workspace=workspace, user=bob)
    assert (row.status, row.source) == ("away", "user")
    assert 'class="status-dot status-away"' in _menu(bob_client.get("/messages/").content.decode())


def test_the_form_needs_the_csrf_token(workspace, bob):
    client = Client(enforce_csrf_checks=True)
    client.force_login(bob)
    assert client.post(FORM, {"status": "away"}).status_code == 403
    assert AgentStatus.objects.get(user=bob).status == "online"


def test_next_must_be_a_page_of_this_site(bob_client):
    response = bob_client.post(FORM, {"status": "offline", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_an_unknown_status_changes_nothing_and_says_so(bob_client, bob):
    response = bob_client.post(FORM, {"status": "busy", "next": "/messages/"}, follow=True)
    assert "Elige Online, Ausente o Desconectado." in response.content.decode()
    assert AgentStatusEvent.objects.filter(user=bob).count() == 1  # the login only


@pytest.mark.parametrize("method", ["get", "put"])
def test_only_post(bob_client, method):
    assert getattr(bob_client, method)(FORM).status_code == 405


def test_anonymous_goes_to_the_login_page(anon_client):
    response = anon_client.post(FORM, {"status": "away"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
