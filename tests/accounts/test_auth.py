import pytest
from django.urls import reverse

from tests.factories import api_token


def test_login_page_has_username_and_password_fields(client, db):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert b'name="username"' in response.content and b'name="password"' in response.content


def test_login_with_email_and_password(client, alice):
    response = client.post("/accounts/login/", {"username": "alice@acme.example", "password": "pw-123456"})
    assert response.status_code == 302
    assert client.get("/reports/assignments/").status_code == 200


def test_logout_needs_post(client, alice):
    client.force_login(alice)
    assert client.get("/accounts/logout/").status_code == 200
    client.post("/accounts/logout/")
    assert client.get("/reports/assignments/").status_code == 302


def test_anonymous_page_redirects_to_login(client, db):
    response = client.get("/reports/assignments/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_api_without_credentials_is_401_json(anon_client, db):
    response = anon_client.get("/api/v1/users")
    assert response.status_code == 401
    assert set(response.json()) == {"message", "errors"}


def test_api_bad_token_is_401(anon_client, db):
    anon_client.credentials(HTTP_AUTHORIZATION="Bearer nope")
    response = anon_client.get("/api/v1/users")
    assert response.status_code == 401 and response.json()["message"]


def test_users_lists_only_own_workspace(alice_client, alice, bob, charlie):
    response = alice_client.get("/api/v1/users")
    emails = {row["email"] for row in response.json()["results"]}
    assert emails == {"alice@acme.example", "bob@acme.example"}
    assert {"id", "name", "email", "role", "status"} <= set(response.json()["results"][0])


def test_token_acts_for_its_workspace(workspace, alice, charlie, client):
    key = api_token(workspace)
    response = client.get("/api/v1/users", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200
    assert [r["email"] for r in response.json()["results"]] == ["alice@acme.example"]


def test_general_settings_owner_only(client, alice, bob, workspace):
    client.force_login(bob)
    assert client.get("/settings/general/").status_code == 403
    client.force_login(alice)
    response = client.post("/settings/general/", {"name": "Acme", "timezone": "Europe/Madrid", "language": "en"})
    assert response.status_code == 302
    workspace.refresh_from_db()
    assert workspace.timezone == "Europe/Madrid" and workspace.language == "en"


def test_workspace_language_picks_translation(client, alice, workspace):
    client.force_login(alice)
    assert "Reportes" in client.get("/reports/assignments/").content.decode()
    workspace.language = "en"
    workspace.save()
    assert "Reports" in client.get("/reports/assignments/").content.decode()


def test_workspace_switch_refuses_foreign_workspace(client, alice, other_workspace):
    client.force_login(alice)
    response = client.post(reverse("accounts:workspace-switch"), {"workspace": other_workspace.pk})
    assert response.status_code == 404


@pytest.mark.parametrize("path", ["/api/schema/", "/api/docs/"])
def test_schema_and_docs_are_served(client, db, path):
    assert client.get(path).status_code == 200


def test_login_is_throttled_after_repeated_failures(client, alice, settings):
    from django.core.cache import cache

    cache.clear()
    settings.LOGIN_MAX_FAILURES = 3
    for _ in range(3):
        response = client.post("/accounts/login/", {"username": "alice@acme.example", "password": "wrong"})
        assert response.status_code == 200
    # even the right password is refused while locked
    response = client.post("/accounts/login/", {"username": "alice@acme.example", "password": "pw-123456"})
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    cache.clear()
    response = client.post("/accounts/login/", {"username": "alice@acme.example", "password": "pw-123456"})
    assert response.status_code == 302


def test_healthz_answers_without_host_check(client, db):
    response = client.get("/healthz", HTTP_HOST="unknown.example")
    assert response.status_code == 200 and response.content == b"ok"


def test_pages_send_a_strict_content_security_policy(client, db):
    policy = client.get("/accounts/login/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
