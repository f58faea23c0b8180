"""Flujos' trigger "Contact replied to a broadcast": the reply to broadcast X runs the workflows
of X (once, in the reply's conversation) and no other."""

import pytest

from broadcasts.services import broadcast_create, segment_create
from contacts.models import Contact
from integrations.services import channel_inbound_receive
from workflows.models import WorkflowRun
from workflows.services import workflow_create

pytestmark = pytest.mark.django_db(transaction=True)  # workflows run after the reply's commit


@pytest.fixture
def two_broadcasts(workspace, alice, channel, audience):
    segment = segment_create(workspace=workspace, name="VIP", filters={"tags": ["vip"]})
    first = broadcast_create(workspace=workspace, name="Primera", channel_id=channel.pk, segment_id=segment.pk,
                             text="Hola", created_by=alice)
    solo_beto = segment_create(workspace=workspace, name="MX", filters={"tags": ["mx"]})
    second = broadcast_create(workspace=workspace, name="Segunda", channel_id=channel.pk, segment_id=solo_beto.pk,
                              text="Hola otra vez", created_by=alice)
    return first, second


def test_the_reply_to_a_broadcast_runs_its_workflows(workspace, channel, audience, two_broadcasts, alice_client):
    first, second = two_broadcasts
    response = alice_client.post("/api/v1/workflows", {
        "name": "Respondió", "enabled": True, "trigger": "broadcast_replied", "broadcast": first.pk,
        "steps": [{"type": "add_tag", "tag": "respondio"}]}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["broadcast"] == first.pk
    workflow_create(workspace=workspace, name="Segunda", enabled=True, trigger="broadcast_replied",
                    trigger_broadcast_id=second.pk, steps=[{"type": "add_tag", "tag": "segunda"}])
    # when Ana (only in the first broadcast) and Beto (latest: the second) answer
    channel_inbound_receive(channel=channel, text="Me interesa", email=audience[0].email)
    channel_inbound_receive(channel=channel, text="Info", email=audience[1].email)
    channel_inbound_receive(channel=channel, text="Info de nuevo", email=audience[1].email)
    # then
    assert Contact.objects.get(pk=audience[0].pk).tags == ["vip", "respondio"]
    assert Contact.objects.get(pk=audience[1].pk).tags == ["vip", "mx", "segunda"]
    assert WorkflowRun.objects.filter(status="succeeded").count() == 2


def test_the_trigger_needs_a_broadcast_of_the_workspace(alice_client, charlie_client, two_broadcasts):
    first, _ = two_broadcasts
    body = {"name": "X", "trigger": "broadcast_replied", "steps": [{"type": "add_tag", "tag": "x"}]}
    for client, extra in ((alice_client, {}), (alice_client, {"broadcast": 10**9}), (charlie_client, {"broadcast": first.pk})):
        response = client.post("/api/v1/workflows", {**body, **extra}, format="json")
        assert response.status_code == 400, response.content
        assert set(response.json()) == {"message", "errors"} and "broadcast" in response.json()["errors"]


def test_the_workflow_page_offers_the_trigger_and_the_broadcasts(alice_client, two_broadcasts):
    first, _ = two_broadcasts
    page = alice_client.get("/workflows/new/").content.decode()
    assert 'value="broadcast_replied"' in page and f'value="{first.pk}"' in page and "Primera" in page
    response = alice_client.post("/workflows/new/", {
        "name": "Respondió", "trigger": "broadcast_replied", "broadcast": str(first.pk),
        "steps": '[{"type": "add_tag", "tag": "x"}]'})
    assert response.status_code == 302
    from workflows.models import Workflow

    assert Workflow.objects.get(name="Respondió").trigger_broadcast_id == first.pk
