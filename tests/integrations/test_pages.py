"""Settings → Developer API and Settings → Channels and integrations (owners and managers)."""

import re

import pytest

from accounts.models import ApiToken
from integrations.models import Channel, DialogflowIntegration
from integrations.services import channel_create, dialogflow_integration_create


def test_developer_api_create_shows_the_token_once(alice_client, workspace, alice, anon_client):
    response = alice_client.post("/settings/developer-api/", {"name": "Zapier"})
    assert response.status_code == 302
    page = alice_client.get("/settings/developer-api/").content.decode()
    key = re.search(r'id="secret-value"[^>]*>([^<]+)<', page).group(1)
    token = ApiToken.objects.get(workspace=workspace)
    assert token.name == "Zapier" and token.created_by == alice and token.key_hash == ApiToken.hash_key(key)
    assert key not in alice_client.get("/settings/developer-api/").content.decode()
    # The token works.
    anon_client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert anon_client.get("/api/v1/contacts").status_code == 200


def test_developer_api_revoke(dave_client, workspace, anon_client):
    token, key = ApiToken.issue(workspace=workspace, name="Old")
    assert dave_client.post(f"/settings/developer-api/tokens/{token.pk}/revoke/").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    anon_client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert anon_client.get("/api/v1/contacts").status_code == 401
    assert "Revocado" in dave_client.get("/settings/developer-api/").content.decode()


def test_developer_api_lists_only_own_workspace(alice_client, charlie_client, workspace, other_workspace):
    ApiToken.issue(workspace=workspace, name="Acme token")
    ApiToken.issue(workspace=other_workspace, name="Globex token")
    page = charlie_client.get("/settings/developer-api/").content.decode()
    assert "Globex token" in page and "Acme token" not in page


def test_charlie_cannot_revoke_alices_token(charlie_client, workspace):
    token, _ = ApiToken.issue(workspace=workspace)
    assert charlie_client.post(f"/settings/developer-api/tokens/{token.pk}/revoke/").status_code == 404
    assert charlie_client.post(f"/settings/developer-api/tokens/{'9' * 30}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_developer_api_bad_name_is_400(alice_client):
    assert alice_client.post("/settings/developer-api/", {"name": ""}).status_code == 400
    assert alice_client.post("/settings/developer-api/", {"name": "x" * 101}).status_code == 400
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize(
    "path",
    ["/settings/developer-api/", "/settings/integrations/"],
)
def test_agents_get_403_and_anonymous_the_login(bob_client, anon_client, path):
    assert bob_client.get(path).status_code == 403
    response = anon_client.get(path)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_agents_cannot_post_either(bob_client, workspace):
    token, _ = ApiToken.issue(workspace=workspace)
    channel, _ = channel_create(workspace=workspace, name="Chat")
    integration, _ = dialogflow_integration_create(workspace=workspace)
    assert bob_client.post("/settings/developer-api/", {"name": "x"}).status_code == 403
    assert bob_client.post(f"/settings/developer-api/tokens/{token.pk}/revoke/").status_code == 403
    assert bob_client.post("/settings/integrations/channels/", {"channel-name": "x"}).status_code == 403
    assert bob_client.post(f"/settings/integrations/channels/{channel.pk}/rotate/").status_code == 403
    assert bob_client.post("/settings/integrations/dialogflow/", {"dialogflow-name": "x"}).status_code == 403
    assert bob_client.post(f"/settings/integrations/dialogflow/{integration.pk}/rotate/").status_code == 403
    assert ApiToken.objects.count() == 1 and Channel.objects.count() == 1 and DialogflowIntegration.objects.count() == 1


def test_integrations_page_creates_channel_and_shows_secret_once(alice_client, workspace, alice):
    assert alice_client.post("/settings/integrations/channels/", {"channel-name": "WhatsApp"}).status_code == 302
    page = alice_client.get("/settings/integrations/").content.decode()
    secret = re.search(r'id="secret-value"[^>]*>([^<]+)<', page).group(1)
    channel = Channel.objects.get(workspace=workspace)
    assert channel.name == "WhatsApp" and channel.created_by == alice and channel.secret_matches(secret)
    assert f"/api/v1/channels/{channel.pk}/inbound" in page
    assert "Nombre del canal nuevo" in page and "Canales e integraciones" in page
    assert secret not in alice_client.get("/settings/integrations/").content.decode()


def test_integrations_page_creates_dialogflow_and_rotates(dave_client, workspace):
    assert dave_client.post("/settings/integrations/dialogflow/", {"dialogflow-name": "Bot ventas"}).status_code == 302
    page = dave_client.get("/settings/integrations/").content.decode()
    first = re.search(r'id="secret-value"[^>]*>([^<]+)<', page).group(1)
    integration = DialogflowIntegration.objects.get(workspace=workspace)
    assert integration.secret_matches(first)
    assert dave_client.post(f"/settings/integrations/dialogflow/{integration.pk}/rotate/").status_code == 302
    page = dave_client.get("/settings/integrations/").content.decode()
    second = re.search(r'id="secret-value"[^>]*>([^<]+)<', page).group(1)
    integration.refresh_from_db()
    assert second != first and integration.secret_matches(second) and not integration.secret_matches(first)
    assert f"/api/v1/integrations/dialogflow/{integration.pk}/webhook" in page


def test_channel_rotate(alice_client, workspace):
    channel, old = channel_create(workspace=workspace, name="Chat")
    assert alice_client.post(f"/settings/integrations/channels/{channel.pk}/rotate/").status_code == 302
    channel.refresh_from_db()
    assert not channel.secret_matches(old) and channel.secret_rotated_at is not None


def test_integrations_page_bad_names_are_400(alice_client):
    assert alice_client.post("/settings/integrations/channels/", {"channel-name": " "}).status_code == 400
    assert alice_client.post("/settings/integrations/dialogflow/", {"dialogflow-name": "x" * 101}).status_code == 400
    assert not Channel.objects.exists() and not DialogflowIntegration.objects.exists()


def test_charlie_sees_his_own_and_cannot_rotate_alices(charlie_client, workspace, other_workspace):
    channel, secret = channel_create(workspace=workspace, name="Acme chat")
    integration, bot_secret = dialogflow_integration_create(workspace=workspace, name="Acme bot")
    channel_create(workspace=other_workspace, name="Globex chat")
    page = charlie_client.get("/settings/integrations/").content.decode()
    assert "Globex chat" in page and "Acme chat" not in page and "Acme bot" not in page
    assert charlie_client.post(f"/settings/integrations/channels/{channel.pk}/rotate/").status_code == 404
    assert charlie_client.post(f"/settings/integrations/dialogflow/{integration.pk}/rotate/").status_code == 404
    channel.refresh_from_db()
    integration.refresh_from_db()
    assert channel.secret_matches(secret) and integration.secret_matches(bot_secret)


def test_get_on_post_only_urls_is_405(alice_client, workspace):
    channel, _ = channel_create(workspace=workspace, name="Chat")
    assert alice_client.get(f"/settings/integrations/channels/{channel.pk}/rotate/").status_code == 405
    assert alice_client.get("/settings/integrations/channels/").status_code == 405


def test_pages_have_no_inline_scripts(alice_client, workspace):
    channel_create(workspace=workspace, name="Chat")
    alice_client.post("/settings/developer-api/", {"name": "x"})
    for path in ("/settings/developer-api/", "/settings/integrations/"):
        page = alice_client.get(path).content.decode()
        assert re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)", page) is None
        assert " style=" not in page and "onclick" not in page


def test_channel_outbound_url_is_set_cleared_and_checked(alice_client, dave_client, workspace):
    channel, _ = channel_create(workspace=workspace, name="Chat")
    path = f"/settings/integrations/channels/{channel.pk}/outbound/"
    field = f"outbound-{channel.pk}-outbound_url"
    assert dave_client.post(path, {field: " https://chat.example/crm/out?k=1 "}).status_code == 302
    channel.refresh_from_db()
    assert channel.outbound_url == "https://chat.example/crm/out?k=1"
    page = alice_client.get("/settings/integrations/").content.decode()
    assert f"/api/v1/channels/{channel.pk}/status" in page and 'value="https://chat.example/crm/out?k=1"' in page
    assert "URL de salida" in page
    for bad in ("ftp://chat.example/", "https://user:pw@chat.example/", "javascript:alert(1)", "https://", "x" * 501):
        response = alice_client.post(path, {field: bad})
        assert response.status_code == 400 and "errorlist" in response.content.decode(), bad
    channel.refresh_from_db()
    assert channel.outbound_url == "https://chat.example/crm/out?k=1"
    assert alice_client.post(path, {field: ""}).status_code == 302
    channel.refresh_from_db()
    assert channel.outbound_url == ""


def test_channel_outbound_roles_and_tenancy(bob_client, charlie_client, workspace):
    channel, _ = channel_create(workspace=workspace, name="Chat")
    path = f"/settings/integrations/channels/{channel.pk}/outbound/"
    field = f"outbound-{channel.pk}-outbound_url"
    assert bob_client.post(path, {field: "https://evil.example/"}).status_code == 403
    assert charlie_client.post(path, {field: "https://evil.example/"}).status_code == 404
    channel.refresh_from_db()
    assert channel.outbound_url == ""
