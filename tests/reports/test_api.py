"""GET /api/v1/reports/assignments/{summary,timeseries,log} (api.md "Reports: Asignaciones")."""

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from rest_framework.test import APIClient

from accounts.models import Membership, Workspace
from assignments.models import AssignmentSource
from reports.periods import PRESETS
from tests.factories import ContactFactory, ConversationFactory, UserFactory, member

SUMMARY = "/api/v1/reports/assignments/summary"
TIMESERIES = "/api/v1/reports/assignments/timeseries"
LOG = "/api/v1/reports/assignments/log"
ENDPOINTS = [SUMMARY, TIMESERIES, LOG]
NOW = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)  # 12:00 in Mexico City


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def events(workspace, alice, bob, dave, contact, conversation, add_event):
    """Four events of the last 7 days, one last week and one long ago."""
    return {
        "api": add_event(datetime(2026, 11, 20, 15, tzinfo=UTC), source=AssignmentSource.API, new=bob,
                         conversation=conversation),
        "user": add_event(datetime(2026, 11, 21, 15, tzinfo=UTC), source=AssignmentSource.USER, previous=bob,
                          new=alice, by=dave, conversation=conversation),
        "unassign": add_event(datetime(2026, 11, 22, 15, tzinfo=UTC), source=AssignmentSource.WORKFLOW,
                              previous=alice, new=None),
        "bob_again": add_event(datetime(2026, 11, 24, 17, tzinfo=UTC), source=AssignmentSource.WORKFLOW, new=bob),
        "last_week": add_event(datetime(2026, 11, 15, 15, tzinfo=UTC), source=AssignmentSource.BOT, new=bob),
        "old": add_event(datetime(2026, 1, 15, 15, tzinfo=UTC), source=AssignmentSource.ZAPIER, new=alice),
    }


def test_summary_shape(alice_client, events):
    response = alice_client.get(SUMMARY)

    assert response.status_code == 200
    assert response.json() == {
        "range": {"start": "2026-11-18", "end": "2026-11-24", "timezone": "America/Mexico_City"},
        "state": "ok",
        "total": 4,
        "by_source": [
            {"source": "workflow", "label": "Workflow", "count": 2, "percent": 50.0},
            {"source": "api", "label": "Api", "count": 1, "percent": 25.0},
            {"source": "user", "label": "Usuario", "count": 1, "percent": 25.0},
        ],
        "previous_period": {"start": "2026-11-11", "end": "2026-11-17", "total": 1},
    }


def test_timeseries_shape(alice_client, events):
    response = alice_client.get(TIMESERIES, {"period": "last_7_days"})

    body = response.json()
    assert response.status_code == 200
    assert set(body) == {"range", "state", "interval", "sources", "buckets"}
    assert body["interval"] == "day" and body["state"] == "ok"
    assert body["sources"] == [{"source": "workflow", "label": "Workflow"}, {"source": "api", "label": "Api"},
                               {"source": "user", "label": "Usuario"}]
    assert [b["start"] for b in body["buckets"]][:2] == ["2026-11-18T00:00:00-06:00", "2026-11-19T00:00:00-06:00"]
    assert body["buckets"][2] == {"start": "2026-11-20T00:00:00-06:00", "total": 1,
                                  "counts": {"workflow": 0, "api": 1, "user": 0}}
    assert [b["total"] for b in body["buckets"]] == [0, 0, 1, 1, 1, 0, 1]


def test_log_shape_newest_first(alice_client, events, workspace, alice, bob, dave, contact, conversation):
    response = alice_client.get(LOG)

    body = response.json()
    assert response.status_code == 200
    assert {k: body[k] for k in ("state", "count", "capped", "page", "page_size", "next", "previous")} == {
        "state": "ok", "count": 4, "capped": False, "page": 1, "page_size": 50, "next": None, "previous": None}
    assert [row["id"] for row in body["results"]] == [
        events[k].pk for k in ("bob_again", "unassign", "user", "api")]
    assert body["results"][2] == {
        "id": events["user"].pk,
        "timestamp": "2026-11-21T09:00:00-06:00",
        "conversation_id": conversation.pk,
        "contact_id": contact.pk,
        "contact_name": "José Pérez",
        "previous_assignee": {"id": bob.pk, "name": "Bob"},
        "new_assignee": {"id": alice.pk, "name": "Alice"},
        "source": "user",
        "source_label": "Usuario",
        "assigned_by": {"id": dave.pk, "name": "Dave"},
    }
    unassign = body["results"][1]
    assert unassign["new_assignee"] is None and unassign["assigned_by"] is None
    assert unassign["conversation_id"] is None
    assert body["results"][3]["previous_assignee"] is None


def test_log_names_a_user_without_a_kept_name_by_id(alice_client, workspace, add_event):
    event = add_event(datetime(2026, 11, 24, 15, tzinfo=UTC))
    type(event).objects.filter(pk=event.pk).update(new_assignee_id=424242, new_assignee_name="")

    row = alice_client.get(LOG).json()["results"][0]

    assert row["new_assignee"] == {"id": 424242, "name": "#424242"}


def test_log_pages_link_with_the_query_preserved(alice_client, workspace, add_event):
    for hour in range(5):
        add_event(datetime(2026, 11, 24, 10 + hour, tzinfo=UTC), source=AssignmentSource.API)

    first = alice_client.get(LOG, {"page_size": 2, "source": ["api", "bot"], "period": "today"}).json()
    second = alice_client.get(first["next"]).json()
    last = alice_client.get(second["next"]).json()

    assert first["count"] == 5 and first["previous"] is None
    next_url = urlsplit(first["next"])
    assert next_url.scheme == "http" and next_url.netloc == "testserver"
    assert parse_qs(next_url.query) == {"page_size": ["2"], "source": ["api", "bot"], "period": ["today"], "page": ["2"]}
    assert second["page"] == 2 and parse_qs(urlsplit(second["previous"]).query)["page"] == ["1"]
    assert len(last["results"]) == 1 and last["next"] is None
    ids = [r["id"] for p in (first, second, last) for r in p["results"]]
    assert len(set(ids)) == 5


def test_rows_with_the_same_timestamp_order_by_id_descending(alice_client, add_event):
    at = datetime(2026, 11, 24, 15, tzinfo=UTC)
    ids = [add_event(at).pk for _ in range(3)]

    rows = alice_client.get(LOG).json()["results"]

    assert [r["id"] for r in rows] == sorted(ids, reverse=True)


def test_token_and_every_role_may_read(token_client, alice_client, dave_client, erin_client, bob_client, events):
    for client in (token_client, alice_client, dave_client, erin_client, bob_client):
        for url in ENDPOINTS:
            assert client.get(url).status_code == 200


def test_agent_sees_only_their_own_events(bob_client, events):
    summary = bob_client.get(SUMMARY).json()
    log = bob_client.get(LOG).json()
    series = bob_client.get(TIMESERIES).json()

    # bob was new or previous assignee of "api", "user" and "bob_again" (not "unassign": alice → none).
    assert summary["total"] == 3 == log["count"] == sum(b["total"] for b in series["buckets"])
    assert {r["id"] for r in log["results"]} == {events[k].pk for k in ("api", "user", "bob_again")}
    assert summary["previous_period"]["total"] == 1


def test_agent_filters_narrow_within_their_own_events(bob_client, alice, events):
    # "unassign" (alice → none) matches assignee=none, but bob may not see it.
    assert bob_client.get(SUMMARY, {"assignee": "none"}).json()["total"] == 0
    assert bob_client.get(SUMMARY, {"assignee": alice.pk}).json()["total"] == 1


def test_anonymous_is_401(anon_client):
    for url in ENDPOINTS:
        response = anon_client.get(url)
        assert response.status_code == 401
        assert set(response.json()) == {"message", "errors"}


def test_a_bad_token_is_401(workspace):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer crm_not-a-token")

    for url in ENDPOINTS:
        assert client.get(url).status_code == 401


def test_a_user_of_no_workspace_is_403(db):
    client = APIClient()
    client.force_login(UserFactory(email="nobody@example.com"))

    for url in ENDPOINTS:
        response = client.get(url)
        assert response.status_code == 403
        assert "message" in response.json()


def test_charlie_sees_his_own_empty_workspace(charlie_client, events):
    summary = charlie_client.get(SUMMARY).json()
    log = charlie_client.get(LOG).json()
    series = charlie_client.get(TIMESERIES).json()

    assert summary["range"]["timezone"] == "Europe/Madrid"
    assert (summary["total"], summary["state"], summary["previous_period"]["total"]) == (0, "no_data", 0)
    assert (log["count"], log["results"], log["state"]) == (0, [], "no_data")
    assert sum(b["total"] for b in series["buckets"]) == 0 and series["state"] == "no_data"


@pytest.mark.parametrize("field", ["contact", "conversation", "assignee", "assigned_by"])
def test_filtering_by_another_workspaces_id_is_a_400_naming_the_field(charlie_client, alice, contact, conversation,
                                                                      field, events):
    """report.md: "An id that does not exist in the workspace is a 400 naming the field" — so Alice's
    ids, seen from Charlie's workspace, are a 400 (not a 404): a filter value is not an object path,
    and the answer is the same as for an id that exists nowhere, so nothing leaks."""
    value = {"contact": contact.pk, "conversation": conversation.pk, "assignee": alice.pk, "assigned_by": alice.pk}[field]

    for url in ENDPOINTS:
        response = charlie_client.get(url, {field: value})
        assert response.status_code == 400
        assert list(response.json()["errors"]) == [field]


def test_responses_speak_the_workspace_language(alice_client, workspace, events):
    Workspace.objects.filter(pk=workspace.pk).update(language="en")

    summary = alice_client.get(SUMMARY).json()
    log = alice_client.get(LOG, {"source": "user"}).json()
    error = alice_client.get(SUMMARY, {"source": "fax"}).json()

    assert [s["label"] for s in summary["by_source"]] == ["Workflow", "API", "User"]
    assert log["results"][0]["source_label"] == "User"
    assert error["message"].startswith("source: Unknown source fax")


def test_filters_over_the_api(alice_client, alice, bob, dave, contact, conversation, events):
    def total(**query):
        return alice_client.get(SUMMARY, query).json()["total"]

    assert total(source=["workflow", "api"]) == 3
    assert total(assignee="none") == 1
    assert total(assignee=[bob.pk, "none"]) == 3
    assert total(assigned_by=dave.pk) == 1
    assert total(contact=contact.pk, conversation=conversation.pk) == 2
    assert total(start="2026-01-01", end="2026-11-24") == 6
    state = alice_client.get(SUMMARY, {"assigned_by": dave.pk, "source": "api"}).json()
    assert (state["state"], state["total"]) == ("not_applicable", 0)


def test_interval_parameter(alice_client, events):
    hourly = alice_client.get(TIMESERIES, {"period": "last_7_days", "interval": "hour"}).json()
    weekly = alice_client.get(TIMESERIES, {"period": "last_30_days", "interval": "week"}).json()
    too_many = alice_client.get(TIMESERIES, {"start": "2026-01-01", "end": "2026-11-24", "interval": "hour"})

    assert hourly["interval"] == "hour" and len(hourly["buckets"]) == 7 * 24
    assert weekly["interval"] == "week" and weekly["buckets"][0]["start"] == "2026-10-26T00:00:00-06:00"
    assert too_many.status_code == 400 and "interval" in too_many.json()["errors"]


BAD_QUERIES = [
    ({"period": "forever"}, "period"),
    ({"period": ["today", "yesterday"]}, "period"),
    ({"period": "today", "start": "2026-11-01", "end": "2026-11-02"}, "period"),
    ({"start": "2026-11-01"}, "end"),
    ({"start": "2026-02-30", "end": "2026-03-01"}, "start"),
    ({"start": "2026-11-05", "end": "2026-11-01"}, "end"),
    ({"start": "2025-01-01", "end": "2026-11-01"}, "end"),
    ({"start": "99999-01-01", "end": "99999-01-02"}, "start"),
    ({"start": "0000-01-01", "end": "2026-01-01"}, "start"),
    ({"source": "email"}, "source"),
    ({"source": "<script>"}, "source"),
    ({"assignee": "me"}, "assignee"),
    ({"assignee": "1" * 40}, "assignee"),
    ({"assignee": "-5"}, "assignee"),
    ({"assignee": "424242"}, "assignee"),
    ({"assigned_by": "none"}, "assigned_by"),
    ({"contact": "José"}, "contact"),
    ({"contact": "1 OR 1=1"}, "contact"),
    ({"conversation": "0x10"}, "conversation"),
    ({"conversation": "9223372036854775807"}, "conversation"),
    ({"interval": "fortnight"}, "interval"),
    ({"page": "0"}, "page"),
    ({"page": "abc"}, "page"),
    ({"page": "99999999999999"}, "page"),
    ({"page_size": "101"}, "page_size"),
    ({"page_size": "-1"}, "page_size"),
    ({"page": "2"}, "page"),  # beyond the last page
]


@pytest.mark.parametrize(("query", "field"), BAD_QUERIES)
def test_every_bad_parameter_is_a_400_json_never_a_500(alice_client, events, query, field):
    for url in ENDPOINTS:
        response = alice_client.get(url, query)
        if field in ("page", "page_size") and url != LOG:
            # page/page_size are the log's; the others ignore them (every endpoint validates interval).
            assert response.status_code == 200, (url, response.json())
            continue
        assert response.status_code == 400, (url, response.content)
        body = response.json()
        assert set(body) == {"message", "errors"} and body["message"]
        assert field in body["errors"], body


def test_unknown_parameters_are_ignored(alice_client, events):
    assert alice_client.get(SUMMARY, {"foo": "bar", "ordering": "-id"}).status_code == 200


def test_schema_documents_every_parameter_and_response(alice_client):
    schema = APIClient().get("/api/schema/", {"format": "json"}).json()

    for path, extra in [(SUMMARY, set()), (TIMESERIES, {"interval"}), (LOG, {"page", "page_size"})]:
        operation = schema["paths"][path]["get"]
        params = {p["name"]: p for p in operation["parameters"]}
        assert {"period", "start", "end", "source", "assignee", "assigned_by", "contact", "conversation"} | extra <= set(params)
        for name in ("source", "assignee", "assigned_by", "contact", "conversation"):
            assert params[name]["schema"]["type"] == "array" and params[name]["explode"] is True
        assert set(params["source"]["schema"]["items"]["enum"]) == set(AssignmentSource.values)
        assert set(params["period"]["schema"]["enum"]) == set(PRESETS)
        assert {"200", "400", "401"} <= set(operation["responses"])
        assert "$ref" in operation["responses"]["200"]["content"]["application/json"]["schema"]
    components = schema["components"]["schemas"]
    assert {"id", "timestamp", "conversation_id", "contact_id", "contact_name", "previous_assignee", "new_assignee",
            "source", "source_label", "assigned_by"} == set(components["AssignmentLogRow"]["properties"])


def test_an_unassignment_counts_as_an_assignment(alice_client, workspace, alice, add_event):
    add_event(datetime(2026, 11, 24, 15, tzinfo=UTC), source=AssignmentSource.USER, previous=alice, new=None, by=alice)

    assert alice_client.get(SUMMARY, {"period": "today"}).json()["total"] == 1


def test_real_write_path_events_show_up(alice_client, workspace, alice, bob):
    """End to end through contact_assign (the only production write path)."""
    from assignments.services import contact_assign

    contact = ContactFactory(workspace=workspace, first_name="Ana", last_name="Luz")
    conversation = ConversationFactory(contact=contact)
    contact_assign(contact=contact, assignee=bob, source=AssignmentSource.USER, assigned_by=alice)
    contact_assign(contact=contact, assignee=None, source=AssignmentSource.ZAPIER)
    Membership.objects.filter(user=bob).update(role=Membership.Role.AGENT)
    member(workspace, Membership.Role.AGENT, email="x@acme.example")

    # On PostgreSQL the write path stamps events with the database clock, which the frozen test
    # clock does not reach: ask for the day the events were actually stamped.
    from assignments.models import AssignmentEvent

    day = AssignmentEvent.objects.latest("id").created_at.astimezone(workspace.tzinfo).date().isoformat()
    rows = alice_client.get(LOG, {"start": day, "end": day, "conversation": conversation.pk}).json()["results"]

    assert [(r["source"], r["new_assignee"] and r["new_assignee"]["name"], r["assigned_by"]) for r in rows] == [
        ("zapier", None, None), ("user", "Bob", {"id": alice.pk, "name": "Alice"})]
