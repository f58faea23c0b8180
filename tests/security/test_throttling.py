"""Login throttling over the real login form, API rate limits (429 JSON), CSRF, hashed secrets."""

import re
import time

import pytest
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.throttling import ApiTokenRateThrottle, SessionUserRateThrottle
from integrations.models import Channel, DialogflowIntegration

pytestmark = pytest.mark.django_db

PASSWORD = "pw-123456"  # tests/factories.py


def login_form(client: Client) -> str:
    """GET the login page like a browser and return its CSRF token."""
    html = client.get("/accounts/login/").content.decode()
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def login(client: Client, email: str, password: str, ip: str = "10.0.0.1"):
    token = login_form(client)
    return client.post(
        "/accounts/login/", {"username": email, "password": password, "csrfmiddlewaretoken": token}, REMOTE_ADDR=ip
    )


def test_login_works_through_the_form(alice):
    client = Client(enforce_csrf_checks=True)
    response = login(client, "alice@acme.example", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/reports/assignments/"


def test_login_locks_an_email_after_repeated_failures_even_with_the_right_password(alice, settings):
    settings.LOGIN_MAX_FAILURES = 5
    client = Client(enforce_csrf_checks=True)
    for _ in range(5):
        response = login(client, "alice@acme.example", "guess")
        assert response.status_code == 200 and "_auth_user_id" not in client.session
    response = login(client, "alice@acme.example", PASSWORD)
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert "Demasiados intentos fallidos" in response.content.decode() or "Too many failed" in response.content.decode()
    # Case and spaces do not reset the counter.
    response = login(client, "  ALICE@acme.example ", PASSWORD)
    assert "_auth_user_id" not in client.session


def test_the_lock_ends_after_the_lockout(alice, settings):
    # Real time, not a frozen clock: in CI the counters live in Redis, which expires keys itself.
    settings.LOGIN_MAX_FAILURES = 3
    settings.LOGIN_LOCKOUT_SECONDS = 1
    client = Client(enforce_csrf_checks=True)
    for _ in range(3):
        login(client, "alice@acme.example", "guess")
    login(client, "alice@acme.example", PASSWORD)
    assert "_auth_user_id" not in client.session
    time.sleep(1.6)
    response = login(client, "alice@acme.example", PASSWORD)
    assert response.status_code == 302 and "_auth_user_id" in client.session


def test_login_locks_an_address_that_guesses_many_emails(alice, bob, settings):
    settings.LOGIN_MAX_FAILURES_PER_IP = 4
    client = Client(enforce_csrf_checks=True)
    for n in range(4):
        login(client, f"nobody{n}@acme.example", "guess", ip="10.9.9.9")
    response = login(client, "bob@acme.example", PASSWORD, ip="10.9.9.9")
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    # Another address is not affected.
    response = login(Client(enforce_csrf_checks=True), "bob@acme.example", PASSWORD, ip="10.1.1.1")
    assert response.status_code == 302


def test_a_success_resets_the_email_counter(alice, settings):
    settings.LOGIN_MAX_FAILURES = 3
    client = Client(enforce_csrf_checks=True)
    login(client, "alice@acme.example", "guess")
    login(client, "alice@acme.example", "guess")
    assert login(client, "alice@acme.example", PASSWORD).status_code == 302
    client = Client(enforce_csrf_checks=True)
    login(client, "alice@acme.example", "guess")
    login(client, "alice@acme.example", "guess")
    assert login(client, "alice@acme.example", PASSWORD).status_code == 302


def test_login_next_never_leaves_the_site(alice):
    client = Client(enforce_csrf_checks=True)
    token = login_form(client)
    response = client.post(
        "/accounts/login/?next=https://evil.example/",
        {"username": "alice@acme.example", "password": PASSWORD, "csrfmiddlewaretoken": token,
         "next": "https://evil.example/"},
    )
    assert response.status_code == 302 and response["Location"] == "/reports/assignments/"


def test_login_without_csrf_token_is_refused(alice):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "alice@acme.example", "password": PASSWORD})
    assert response.status_code == 403


# --- API throttling -----------------------------------------------------------------------


@pytest.fixture
def low_rates(monkeypatch):
    # DRF reads the rates once into the throttle classes: set them there.
    rates = {"api_token": "3/min", "user": "4/min"}
    monkeypatch.setattr(ApiTokenRateThrottle, "THROTTLE_RATES", rates)
    monkeypatch.setattr(SessionUserRateThrottle, "THROTTLE_RATES", rates)


@pytest.mark.parametrize("url", ["/api/v1/contacts", "/api/v1/reports/assignments/summary", "/api/v1/users",
                                 "/api/v1/conversations", "/api/v1/workflows", "/api/v1/exports"])
def test_api_token_gets_429_json_past_its_rate(url, token_client, low_rates):
    for _ in range(3):
        assert token_client.get(url).status_code == 200
    response = token_client.get(url)
    assert response.status_code == 429
    body = response.json()
    assert set(body) == {"message", "errors"} and body["message"]
    assert int(response["Retry-After"]) > 0


def test_the_rate_is_per_token(workspace, low_rates):
    clients = []
    for _ in range(2):
        client = APIClient()
        _, key = ApiToken.issue(workspace=workspace)
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
        clients.append(client)
    for _ in range(3):
        clients[0].get("/api/v1/contacts")
    assert clients[0].get("/api/v1/contacts").status_code == 429
    assert clients[1].get("/api/v1/contacts").status_code == 200


def test_session_users_are_rate_limited_on_the_report_api(alice_client, low_rates):
    for _ in range(4):
        assert alice_client.get("/api/v1/reports/assignments/summary").status_code == 200
    response = alice_client.get("/api/v1/reports/assignments/summary")
    assert response.status_code == 429 and response.json()["message"]


def test_webhooks_are_rate_limited_per_channel(client, acme, settings):
    settings.INTEGRATIONS_WEBHOOK_RATE = "2/min"
    url = f"/api/v1/channels/{acme.channel.pk}/inbound"
    body = {"contact": {"phone": "+5215500001111"}, "text": "Hola"}
    codes = [
        client.post(url, body, content_type="application/json", HTTP_X_CHANNEL_SECRET=acme.channel_secret).status_code
        for _ in range(3)
    ]
    assert codes[:2] == [202, 202] and codes[2] == 429


# --- CSRF on session writes ------------------------------------------------------------------


def test_session_api_writes_need_the_csrf_token(alice, acme):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(alice)
    response = client.post("/api/v1/contacts", {"first_name": "Eva"}, format="json")
    assert response.status_code == 403 and set(response.json()) == {"message", "errors"}
    client.get("/reports/assignments/")  # a page sets the CSRF cookie, as in the browser
    token = client.cookies["csrftoken"].value
    response = client.post("/api/v1/contacts", {"first_name": "Eva"}, format="json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 201


@pytest.mark.parametrize("url", ["/settings/general/", "/settings/developer-api/", "/workflows/new/",
                                 "/settings/data-export/", "/settings/data-import/"])
def test_page_forms_need_the_csrf_token(url, alice, acme):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.post(url, {"name": "x"}).status_code == 403


def test_bearer_requests_need_no_csrf_token(token_client):
    assert token_client.post("/api/v1/contacts", {"first_name": "Eva"}, format="json").status_code == 201


# --- Secrets are stored hashed -----------------------------------------------------------------


def _all_text_in_database() -> str:
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 (table names from introspection)
            chunks.extend(str(row) for row in cursor.fetchall())
    return "\n".join(chunks)


def test_tokens_and_secrets_are_stored_hashed(acme):
    dump = _all_text_in_database()
    for secret in (acme.token, acme.channel_secret, acme.bot_secret):
        assert secret not in dump
        assert secret[8:24] not in dump  # not even the middle of it
    assert ApiToken.objects.filter(workspace=acme.workspace).exists()
    assert Channel.objects.filter(pk=acme.channel.pk).exists() and DialogflowIntegration.objects.exists()


def test_revoked_tokens_and_garbage_are_401(acme, workspace):
    token = ApiToken.objects.get(key_hash=ApiToken.hash_key(acme.token))
    client = APIClient()
    for header in (f"Bearer {acme.token}x", "Bearer", "Bearer a b", f"Token {acme.token}", "Bearer \x00"):
        client.credentials(HTTP_AUTHORIZATION=header)
        response = client.get("/api/v1/contacts")
        assert response.status_code == 401, header
        assert set(response.json()) == {"message", "errors"}
    token.revoked_at = token.created_at
    token.save(update_fields=["revoked_at"])
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {acme.token}")
    assert client.get("/api/v1/contacts").status_code == 401


def test_behind_a_proxy_the_per_address_limit_uses_the_forwarded_client(alice, bob, settings):
    """One guesser behind the proxy must not lock everybody out (they all share its address)."""
    settings.LOGIN_MAX_FAILURES_PER_IP = 3
    settings.TRUSTED_PROXY_HOPS = 1
    proxy = "10.0.0.2"

    def via_proxy(email, password, client_address, claimed=""):
        client = Client(enforce_csrf_checks=True)
        token = login_form(client)
        forwarded = f"{claimed}, {client_address}" if claimed else client_address
        response = client.post("/accounts/login/", {"username": email, "password": password, "csrfmiddlewaretoken": token},
                               REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=forwarded)
        return client, response

    for n in range(3):
        # The guesser also claims other addresses at the left of the header: ignored.
        via_proxy(f"nobody{n}@acme.example", "guess", "203.0.113.9", claimed=f"198.51.100.{n}")
    client, response = via_proxy("bob@acme.example", PASSWORD, "203.0.113.9")
    assert "_auth_user_id" not in client.session  # the guesser's address is locked
    client, response = via_proxy("alice@acme.example", PASSWORD, "198.51.100.77")
    assert response.status_code == 302  # everyone else still logs in


def test_the_admin_login_is_throttled_too(alice, settings):
    """The admin's login form is no way around the lockout (and counts towards it)."""
    settings.LOGIN_MAX_FAILURES = 3
    User = type(alice)
    User.objects.filter(pk=alice.pk).update(is_staff=True, is_superuser=True)
    client = Client()
    for _ in range(2):
        client.post("/admin/login/", {"username": "alice@acme.example", "password": "guess"})
    login(Client(enforce_csrf_checks=True), "alice@acme.example", "guess")  # the third, in the app
    response = client.post("/admin/login/?next=/admin/", {"username": "alice@acme.example", "password": PASSWORD})
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert "Demasiados intentos fallidos" in response.content.decode() or "Too many failed" in response.content.decode()
