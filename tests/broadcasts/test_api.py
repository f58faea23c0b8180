"""/api/v1/segments and /api/v1/broadcasts: shapes, the 400s of api.md, tenancy and roles."""

from datetime import timedelta

import pytest
from django.utils import timezone

from broadcasts.models import Broadcast, BroadcastRecipient
from contacts.models import Message

pytestmark = pytest.mark.django_db


@pytest.fixture
def segment(alice_client, audience):
    response = alice_client.post("/api/v1/segments", {"name": "VIP", "filters": {"tags": ["vip"]}}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def _create(client, channel_, segment_, **extra):
    body = {"name": "Promo", "channel": channel_.pk, "segment": segment_["id"], "text": "Hola {{contact.first_name}}",
            "fallbacks": {"contact.first_name": "cliente"}, **extra}
    return client.post("/api/v1/broadcasts", body, format="json")


def _assert_400(response, field):
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == {"message", "errors"} and body["message"]
    assert field in body["errors"], body


def test_segment_shows_its_filters_and_contact_count(segment):
    assert segment["filters"] == {"tags": ["vip"]} and segment["contact_count"] == 4


def test_create_a_broadcast_sends_it_and_reports_progress(alice_client, channel, segment, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = _create(alice_client, channel, segment)
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["status"] == "queued" and created["channel"] == {"id": channel.pk, "name": channel.name}
    detail = alice_client.get(f"/api/v1/broadcasts/{created['id']}").json()
    assert detail["status"] == "sent"
    assert detail["progress"]["counts"]["sent"] == 3 and detail["progress"]["counts"]["skipped"] == 1
    assert detail["progress"]["recipients"] == 3 and detail["progress"]["percent"] == 100
    skipped = alice_client.get(f"/api/v1/broadcasts/{created['id']}/recipients?status=skipped").json()
    assert skipped["count"] == 1 and skipped["results"][0]["reason"] == "no_channel"
    assert skipped["results"][0]["reason_label"]


def test_schedule_in_the_workspace_timezone(alice_client, channel, segment, workspace):
    local = (timezone.now() + timedelta(days=1)).astimezone(workspace.tzinfo).replace(second=0, microsecond=0)
    response = _create(alice_client, channel, segment, send_at=local.strftime("%Y-%m-%dT%H:%M"))
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "scheduled"
    assert response.json()["scheduled_at"] == local.isoformat()
    cancel = alice_client.post(f"/api/v1/broadcasts/{response.json()['id']}/cancel")
    assert cancel.status_code == 200 and cancel.json()["status"] == "cancelled"
    assert alice_client.post(f"/api/v1/broadcasts/{response.json()['id']}/cancel").status_code == 400


@pytest.mark.parametrize(("extra", "field"), [
    ({"text": "Hola {{contact.apodo}}"}, "text"),
    ({"text": "x" * 5000}, "text"),
    ({"text": ""}, "text"),
    ({"send_at": "2020-05-01T10:00"}, "send_at"),
    ({"send_at": "no es fecha"}, "send_at"),
    ({"send_at": 12}, "send_at"),
    ({"channel": "abc"}, "channel"),
    ({"channel": 10**30}, "channel"),
    ({"segment": None}, "segment"),
    ({"fallbacks": ["x"]}, "fallbacks"),
    ({"name": ""}, "name"),
])
def test_bad_broadcast_input_is_a_400_naming_the_field(alice_client, channel, segment, extra, field):
    _assert_400(_create(alice_client, channel, segment, **extra), field)
    assert not Broadcast.objects.exists()


def test_an_empty_segment_is_a_400(alice_client, channel, audience):
    empty = alice_client.post("/api/v1/segments", {"name": "Nadie", "filters": {"tags": ["zzz"]}}, format="json").json()
    _assert_400(_create(alice_client, channel, empty), "segment")


@pytest.mark.parametrize(("filters", "field"), [
    ({"color": "rojo"}, "filters.color"),
    ({"assignee": 10**9}, "filters.assignee"),
    ({"channel": "x"}, "filters.channel"),
    ({"created_from": "2026-13-01"}, "filters.created_from"),
    ({"created_from": "2026-05-02", "created_to": "2026-05-01"}, "filters.created_to"),
    ({"tags": [1, 2]}, "filters.tags"),
    ("vip", "filters"),
])
def test_bad_segment_filters_are_a_400(alice_client, filters, field):
    _assert_400(alice_client.post("/api/v1/segments", {"name": "S", "filters": filters}, format="json"), field)


def test_malformed_json_is_a_400(alice_client):
    response = alice_client.generic("POST", "/api/v1/broadcasts", "{nope", content_type="application/json")
    assert response.status_code == 400 and set(response.json()) == {"message", "errors"}


def test_segment_filters_select_the_contacts(alice_client, audience, channel, alice, workspace):
    from assignments.services import contact_assign

    contact_assign(contact=audience[0], assignee=alice, source="api")
    cases = [
        ({"tags": ["vip", "mx"]}, 1),
        ({"assignee": alice.pk}, 1),
        ({"assignee": "none", "tags": ["vip"]}, 3),
        ({"channel": channel.pk}, 3),
        ({"search": "Dora"}, 1),
        ({"created_from": timezone.localdate(timezone=workspace.tzinfo).isoformat()}, 5),
        ({"created_to": "2000-01-01"}, 0),
    ]
    for index, (filters, count) in enumerate(cases):
        response = alice_client.post("/api/v1/segments", {"name": f"S{index}", "filters": filters}, format="json")
        assert response.status_code == 201, response.content
        assert response.json()["contact_count"] == count, filters


def test_agents_may_not_create_or_read_broadcasts(bob_client, channel, segment):
    assert _create(bob_client, channel, segment).status_code == 403
    assert bob_client.get("/api/v1/broadcasts").status_code == 403
    assert bob_client.post("/api/v1/segments", {"name": "X"}, format="json").status_code == 403


def test_another_workspace_sees_nothing(alice_client, charlie_client, channel, segment, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        created = _create(alice_client, channel, segment).json()
    for url in (f"/api/v1/broadcasts/{created['id']}", f"/api/v1/broadcasts/{created['id']}/recipients",
                f"/api/v1/segments/{segment['id']}"):
        response = charlie_client.get(url)
        assert response.status_code == 404 and set(response.json()) == {"message", "errors"}
    assert charlie_client.post(f"/api/v1/broadcasts/{created['id']}/retry").status_code == 404
    assert charlie_client.get("/api/v1/broadcasts").json()["count"] == 0
    # naming Acme's channel and segment in Charlie's workspace is a 400, not a broadcast
    _assert_400(_create(charlie_client, channel, segment), "channel")


def test_retry_sends_the_failed_ones_again(alice_client, channel, segment, settings, django_capture_on_commit_callbacks):
    settings.BROADCAST_OUTBOUND_URL = "http://127.0.0.1:9/{channel_id}"
    with django_capture_on_commit_callbacks(execute=True):
        created = _create(alice_client, channel, segment).json()
    failed = alice_client.get(f"/api/v1/broadcasts/{created['id']}/recipients?status=failed").json()
    assert failed["count"] == 3 and {r["reason"] for r in failed["results"]} == {"channel_unreachable"}
    settings.BROADCAST_OUTBOUND_URL = ""
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(f"/api/v1/broadcasts/{created['id']}/retry")
    assert response.status_code == 200 and response.json()["retried"] == 3
    assert BroadcastRecipient.objects.filter(status="sent").count() == 3
    assert Message.objects.filter(sender_kind="broadcast").count() == 3
    _assert_400(alice_client.get(f"/api/v1/broadcasts/{created['id']}/recipients?status=nope"), "status")
