"""Zapier "assign contact" action: Bearer token only, source zapier."""

import pytest

from assignments.models import AssignmentEvent, AssignmentSource
from assignments.services import contact_assign
from tests.factories import ConversationFactory
from tests.integrations.conftest import assert_error

URL = "/api/v1/integrations/zapier/assign"


def test_zapier_assigns_with_source_zapier(token_client, ana, bob):
    conversation = ConversationFactory(contact=ana)
    response = token_client.post(URL, {"contact": f"email:{ana.email}", "assignee": "bob@acme.example"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["changed"] is True and body["contact"]["assignee"]["id"] == bob.pk
    assert body["event"]["source"] == "zapier" and body["event"]["source_label"] == "Zapier"
    assert body["event"]["assigned_by"] is None and body["event"]["conversation_id"] == conversation.pk
    event = AssignmentEvent.objects.get()
    assert (event.source, event.previous_assignee_id, event.new_assignee_id, event.assigned_by_id) == (
        "zapier", None, bob.pk, None)


def test_zapier_unassigns_and_repeats_change_nothing(token_client, ana, bob):
    contact_assign(contact=ana, assignee=bob, source=AssignmentSource.API)
    body = token_client.post(URL, {"contact": f"id:{ana.pk}", "assignee": None}, format="json").json()
    assert body["changed"] is True and body["event"]["previous_assignee"]["id"] == bob.pk
    body = token_client.post(URL, {"contact": f"phone:{ana.phone}", "assignee": None}, format="json").json()
    assert body["changed"] is False and body["event"] is None
    assert AssignmentEvent.objects.filter(source="zapier").count() == 1


@pytest.mark.parametrize("client_name", ["alice_client", "bob_client", "dave_client"])
def test_zapier_refuses_a_session(request, client_name, ana, bob):
    client = request.getfixturevalue(client_name)
    assert_error(client.post(URL, {"contact": f"id:{ana.pk}", "assignee": bob.pk}, format="json"), 403)
    assert not AssignmentEvent.objects.exists()


def test_zapier_needs_a_valid_token(anon_client, ana, bob):
    assert_error(anon_client.post(URL, {"contact": f"id:{ana.pk}", "assignee": bob.pk}, format="json"), 401)
    anon_client.credentials(HTTP_AUTHORIZATION="Bearer crm_wrong")
    assert_error(anon_client.post(URL, {"contact": f"id:{ana.pk}", "assignee": bob.pk}, format="json"), 401)
    assert not AssignmentEvent.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"assignee": 1}, "contact"),
        ({"contact": 12, "assignee": None}, "contact"),
        ({"contact": "12", "assignee": None}, "contact"),
        ({"contact": "id:" + "9" * 25, "assignee": None}, "contact"),
        ({"contact": "email:bad", "assignee": None}, "contact"),
        ({"contact": "phone:5512", "assignee": None}, "contact"),
    ],
)
def test_zapier_bad_contact_is_400(token_client, ana, payload, field):
    assert_error(token_client.post(URL, payload, format="json"), 400, field)


@pytest.mark.parametrize("assignee", ["nobody@acme.example", 2**64, "x", True])
def test_zapier_unknown_assignee_is_400(token_client, ana, assignee):
    assert_error(token_client.post(URL, {"contact": f"id:{ana.pk}", "assignee": assignee}, format="json"), 400,
                 "assignee")
    assert_error(token_client.post(URL, {"contact": f"id:{ana.pk}"}, format="json"), 400, "assignee")
    assert not AssignmentEvent.objects.exists()


def test_zapier_malformed_json(token_client):
    assert_error(token_client.post(URL, data="{oops", content_type="application/json"), 400)
    assert_error(token_client.post(URL, data='"text"', content_type="application/json"), 400)


def test_zapier_charlies_contact_is_404(token_client, globex_contact, bob):
    assert_error(token_client.post(URL, {"contact": f"id:{globex_contact.pk}", "assignee": bob.pk}, format="json"), 404)
    assert_error(token_client.post(URL, {"contact": "email:gus@globex.example", "assignee": None}, format="json"), 404)


def test_zapier_charlies_token_cannot_assign_alices_contact(other_workspace, anon_client, ana, charlie):
    from tests.factories import api_token

    anon_client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token(other_workspace)}")
    assert_error(anon_client.post(URL, {"contact": f"id:{ana.pk}", "assignee": charlie.pk}, format="json"), 404)
    assert not AssignmentEvent.objects.exists()


def test_zapier_nul_characters_are_400(token_client, ana):
    assert_error(token_client.post(URL, {"contact": "email:a\x00@b.mx", "assignee": None}, format="json"), 400,
                 "contact")
    assert_error(token_client.post(URL, {"contact": f"id:{ana.pk}", "assignee": "b\x00@acme.example"}, format="json"),
                 400, "assignee")
