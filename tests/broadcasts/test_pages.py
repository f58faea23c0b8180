"""The Transmisiones pages: create with variables and fallbacks, schedule, progress, failures
and retry, segments (also saved from the Contactos list); Spanish and English; roles."""

from datetime import timedelta

import pytest
from django.utils import timezone

from broadcasts.models import Broadcast, BroadcastRecipient, Segment

pytestmark = pytest.mark.django_db


@pytest.fixture
def vip(workspace, alice, audience):
    return Segment.objects.create(workspace=workspace, name="VIP", filters={"tags": ["vip"]}, created_by=alice)


def test_the_menu_links_transmisiones_for_admins_only(alice_client, bob_client):
    assert 'href="/broadcasts/"' in alice_client.get("/contacts/").content.decode()
    assert 'href="/broadcasts/"' not in bob_client.get("/contacts/").content.decode()
    assert "Transmisiones" in alice_client.get("/broadcasts/").content.decode()


def test_create_page_sends_with_variables_and_fallbacks(alice_client, channel, vip, django_capture_on_commit_callbacks):
    page = alice_client.get(f"/broadcasts/new/?segment={vip.pk}").content.decode()
    assert "Nueva transmisión" in page and 'data-variable="contact.first_name"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post("/broadcasts/new/", {
            "name": "Promo", "channel": channel.pk, "segment": vip.pk, "text": "Hola {{contact.first_name}}",
            "fallback:contact.first_name": "amigo", "when": "now"})
    broadcast = Broadcast.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/broadcasts/{broadcast.pk}/"
    assert broadcast.fallbacks == {"contact.first_name": "amigo"}
    detail = alice_client.get(f"/broadcasts/{broadcast.pk}/").content.decode()
    assert "Enviada" in detail and 'data-count="sent">3<' in detail


def test_create_page_shows_the_error_and_keeps_the_input(alice_client, channel, vip):
    response = alice_client.post("/broadcasts/new/", {
        "name": "Promo", "channel": channel.pk, "segment": vip.pk, "text": "Hola {{contact.apodo}}", "when": "now"})
    page = response.content.decode()
    assert response.status_code == 400 and "Variable desconocida {{contact.apodo}}" in page
    assert "Hola {{contact.apodo}}" in page and not Broadcast.objects.exists()
    later = alice_client.post("/broadcasts/new/", {
        "name": "Promo", "channel": channel.pk, "segment": vip.pk, "text": "Hola", "when": "later", "send_at": ""})
    assert later.status_code == 400 and "Elija la fecha y la hora" in later.content.decode()
    past = alice_client.post("/broadcasts/new/", {
        "name": "Promo", "channel": channel.pk, "segment": vip.pk, "text": "Hola", "when": "later",
        "send_at": "2020-01-01T09:00"})
    assert past.status_code == 400 and "ya pasó" in past.content.decode()


def test_schedule_from_the_page(alice_client, channel, vip, workspace):
    local = (timezone.now() + timedelta(days=3)).astimezone(workspace.tzinfo).replace(second=0, microsecond=0)
    alice_client.post("/broadcasts/new/", {
        "name": "Luego", "channel": channel.pk, "segment": vip.pk, "text": "Hola", "when": "later",
        "send_at": local.strftime("%Y-%m-%dT%H:%M")})
    broadcast = Broadcast.objects.get()
    assert broadcast.status == "scheduled" and broadcast.scheduled_at == local


def test_failures_page_lists_reasons_and_retries(alice_client, channel, vip, settings, django_capture_on_commit_callbacks):
    settings.BROADCAST_OUTBOUND_URL = "http://127.0.0.1:9/{channel_id}"
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post("/broadcasts/new/", {"name": "P", "channel": channel.pk, "segment": vip.pk, "text": "Hola",
                                               "when": "now"})
    broadcast = Broadcast.objects.get()
    page = alice_client.get(f"/broadcasts/{broadcast.pk}/failures/").content.decode()
    assert "3 destinatarios fallidos" in page and "No se pudo contactar con el canal" in page
    settings.BROADCAST_OUTBOUND_URL = ""
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(f"/broadcasts/{broadcast.pk}/retry/")
    assert response.status_code == 302
    assert BroadcastRecipient.objects.filter(status="sent").count() == 3


def test_contacts_list_saves_its_filter_as_a_segment(alice_client, audience):
    page = alice_client.get("/contacts/?q=Dora").content.decode()
    assert "Guardar como segmento" in page
    response = alice_client.post("/broadcasts/segments/", {"name": "Doras", "search": "Dora", "assignee": "none",
                                                            "next": "/contacts/?q=Dora"})
    assert response.status_code == 302 and response["Location"] == "/contacts/?q=Dora"
    segment = Segment.objects.get(name="Doras")
    assert segment.filters == {"search": "Dora", "assignee": "none"}
    assert "Doras" in alice_client.get("/broadcasts/segments/").content.decode()


def test_english_workspace(alice_client, workspace, vip):
    workspace.language = "en"
    workspace.save()
    page = alice_client.get("/broadcasts/segments/").content.decode()
    assert "Segments" in page and "Segmentos" not in page


def test_agents_get_403_and_other_workspaces_404(bob_client, charlie_client, vip, channel, alice, django_capture_on_commit_callbacks):
    from broadcasts.services import broadcast_create

    with django_capture_on_commit_callbacks(execute=True):
        broadcast = broadcast_create(workspace=vip.workspace, name="P", channel_id=channel.pk, segment_id=vip.pk,
                                     text="Hola", created_by=alice)
    for url in ("/broadcasts/", "/broadcasts/new/", "/broadcasts/segments/", f"/broadcasts/{broadcast.pk}/"):
        assert bob_client.get(url).status_code == 403
    for url in (f"/broadcasts/{broadcast.pk}/", f"/broadcasts/{broadcast.pk}/failures/"):
        assert charlie_client.get(url).status_code == 404
    assert charlie_client.post(f"/broadcasts/segments/{vip.pk}/delete/").status_code == 404
    assert Segment.objects.filter(pk=vip.pk).exists()
