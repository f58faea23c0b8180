"""Each source through its real entry point, then found exactly in the Asignaciones report API."""

from assignments.models import AssignmentEvent
from tests.factories import ContactFactory
from workflows.services import workflow_create

LOG = "/api/v1/reports/assignments/log"


def test_every_entry_point_shows_in_the_report_log(
    workspace, alice, bob, dave, alice_client, token_client, anon_client, channel, bot
):
    # Workflow: an inbound message of a new contact opens a conversation that a workflow assigns.
    workflow_create(workspace=workspace, name="A Bob", enabled=True,
                    steps=[{"type": "assign_to", "mode": "user", "user": bob.pk}])
    ch, channel_secret = channel
    inbound = anon_client.post(f"/api/v1/channels/{ch.pk}/inbound", {"contact": {"phone": "+5215500000001",
                                                                                  "first_name": "Rosa"},
                                                                      "text": "Hola"},
                               format="json", HTTP_X_CHANNEL_SECRET=channel_secret).json()
    contact_id = inbound["contact_id"]
    conversation_id = inbound["conversation_id"]
    ident = f"id:{contact_id}"

    # Developer API (token) → dave; session (alice) → bob; Zapier → alice; bot → unassign.
    api = token_client.post(f"/api/v1/contacts/{ident}/assignee", {"assignee": dave.pk}, format="json").json()
    user = alice_client.post(f"/api/v1/contacts/{ident}/assignee", {"assignee": bob.email}, format="json").json()
    zapier = token_client.post("/api/v1/integrations/zapier/assign", {"contact": ident, "assignee": alice.pk},
                               format="json").json()
    integration, bot_secret = bot
    bot_body = anon_client.post(
        f"/api/v1/integrations/dialogflow/{integration.pk}/webhook",
        {"session": f"projects/p/agent/sessions/contact-{contact_id}", "queryResult": {"action": "unassign"}},
        format="json", HTTP_AUTHORIZATION=f"Bearer {bot_secret}",
    ).json()

    rows = alice_client.get(LOG, {"period": "last_7_days", "contact": contact_id}).json()["results"]
    # Newest first: bot, zapier, user, api, workflow.
    assert [r["source"] for r in rows] == ["bot", "zapier", "user", "api", "workflow"]
    bot_row, zapier_row, user_row, api_row, workflow_row = rows
    assert bot_row == bot_body["payload"]["crm"]["event"]
    assert zapier_row == zapier["event"] and user_row == user["event"] and api_row == api["event"]

    def who(row):
        return (row["previous_assignee"] and row["previous_assignee"]["id"],
                row["new_assignee"] and row["new_assignee"]["id"],
                row["assigned_by"] and row["assigned_by"]["id"])

    assert who(workflow_row) == (None, bob.pk, None)
    assert who(api_row) == (bob.pk, dave.pk, None)
    assert who(user_row) == (dave.pk, bob.pk, alice.pk)
    assert who(zapier_row) == (bob.pk, alice.pk, None)
    assert who(bot_row) == (alice.pk, None, None)
    assert {r["conversation_id"] for r in rows} == {conversation_id}
    assert AssignmentEvent.objects.count() == 5


def test_failed_auth_writes_no_event(anon_client, channel, bot, workspace, bob):
    contact = ContactFactory(workspace=workspace)
    ch, _ = channel
    integration, _ = bot
    anon_client.post(f"/api/v1/channels/{ch.pk}/inbound", {"contact": {"email": contact.email}, "text": "x"},
                     format="json", HTTP_X_CHANNEL_SECRET="wrong")
    anon_client.post(f"/api/v1/integrations/dialogflow/{integration.pk}/webhook",
                     {"queryResult": {"action": "assign", "parameters": {"assignee": bob.pk}},
                      "originalDetectIntentRequest": {"payload": {"contact_id": contact.pk}}},
                     format="json", HTTP_AUTHORIZATION="Bearer wrong")
    anon_client.credentials(HTTP_AUTHORIZATION="Bearer crm_wrong")
    anon_client.post(f"/api/v1/contacts/id:{contact.pk}/assignee", {"assignee": bob.pk}, format="json")
    anon_client.post("/api/v1/integrations/zapier/assign", {"contact": f"id:{contact.pk}", "assignee": bob.pk},
                     format="json")
    assert not AssignmentEvent.objects.exists()
