"""Through the real entry points: an admin builds a workflow with the API, contacts write in
through the custom channel webhook, and the report API shows the workflow's assignments."""

from accounts.models import User
from integrations.services import channel_create

WORKFLOWS = "/api/v1/workflows"


def inbound(client, channel, secret, phone, text="Hola"):
    response = client.post(
        f"/api/v1/channels/{channel.pk}/inbound", {"contact": {"phone": phone, "first_name": "Cliente"}, "text": text},
        format="json", HTTP_X_CHANNEL_SECRET=secret,
    )
    assert response.status_code == 202, response.content
    return response.json()


def test_round_robin_workflow_assigns_inbound_conversations_and_the_report_shows_it(
    alice_client, anon_client, workspace, sales_team, sales_agents
):
    first, second, third = sales_agents
    User.objects.filter(pk=second.pk).update(availability=User.Availability.AWAY)
    created = alice_client.post(WORKFLOWS, {
        "name": "Asignación automática para equipos de ventas", "enabled": True,
        "steps": [{"type": "assign_to", "mode": "team", "team": sales_team.pk, "strategy": "round_robin",
                   "only_online": True}, {"type": "add_tag", "tag": "ventas"}],
    }, format="json")
    assert created.status_code == 201, created.json()
    channel, secret = channel_create(workspace=workspace, name="Web")

    results = [inbound(anon_client, channel, secret, f"+52155000000{i}") for i in range(3)]
    # A second message in an open conversation runs nothing again.
    again = inbound(anon_client, channel, secret, "+521550000000", text="¿Siguen ahí?")
    assert again["opened"] is False

    log = alice_client.get("/api/v1/reports/assignments/log?period=today&source=workflow")
    assert log.status_code == 200, log.json()
    rows = sorted(log.json()["results"], key=lambda r: r["id"])
    assert [r["conversation_id"] for r in rows] == [r["conversation_id"] for r in results]
    assert [r["new_assignee"]["id"] for r in rows] == [first.pk, third.pk, first.pk]  # Ventas 2 is away
    assert all(r["previous_assignee"] is None and r["assigned_by"] is None for r in rows)
    assert {r["source"] for r in rows} == {"workflow"}
    contact = alice_client.get(f"/api/v1/contacts/id:{results[0]['contact_id']}")
    assert contact.status_code == 200
    assert contact.json()["tags"] == ["ventas"] and contact.json()["assignee"]["id"] == first.pk


def test_nobody_online_leaves_the_conversation_in_the_queue_with_no_event(
    alice_client, anon_client, workspace, sales_team, sales_agents
):
    User.objects.filter(pk__in=[u.pk for u in sales_agents]).update(availability=User.Availability.AWAY)
    alice_client.post(WORKFLOWS, {
        "name": "Ventas", "enabled": True,
        "steps": [{"type": "assign_to", "mode": "team", "team": sales_team.pk, "only_online": True}],
    }, format="json")
    channel, secret = channel_create(workspace=workspace, name="Web")

    result = inbound(anon_client, channel, secret, "+5215500000009")

    assert result["opened"] is True
    log = alice_client.get("/api/v1/reports/assignments/log?period=today")
    assert log.json()["count"] == 0
    queue = alice_client.get("/api/v1/conversations?status=open&assignee=none")
    assert queue.status_code == 200
    assert [c["id"] for c in queue.json()["results"]] == [result["conversation_id"]]
