"""Data Export API (api.md "Data Export"): shapes, permissions, tenancy, errors."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import ApiToken, Membership
from crm.celery import app as celery_app
from exports.models import Export
from tests.exports.conftest import download, make_events, read_csv

pytestmark = pytest.mark.django_db

EXPORT_FIELDS = {
    "id", "kind", "status", "progress", "row_count", "size", "error", "filters", "range", "excel", "attempts",
    "created_at", "started_at", "finished_at", "expires_at", "download_url",
}


def post_export(client, body, capture):
    with capture(execute=True):
        return client.post("/api/v1/exports", body, format="json")


@pytest.fixture
def events(workspace, alice, dave, contacts):
    make_events(workspace, 60, users=[alice, dave], contacts=contacts)


@pytest.fixture
def done_export(alice_client, events, django_capture_on_commit_callbacks):
    response = post_export(alice_client, {"kind": "assignments", "filters": {"period": "last_30_days"}},
                           django_capture_on_commit_callbacks)
    assert response.status_code == 202
    return Export.objects.get(pk=response.json()["id"])


def test_owner_requests_export_202_then_it_succeeds_in_process(alice_client, events, django_capture_on_commit_callbacks):
    # when
    response = post_export(alice_client, {"kind": "assignments", "filters": {"period": "last_30_days", "source": "user"}},
                           django_capture_on_commit_callbacks)
    # then
    assert response.status_code == 202
    body = response.json()
    assert set(body) == EXPORT_FIELDS
    assert body["status"] == "queued" and body["kind"] == "assignments" and body["download_url"] is None
    assert body["filters"]["source"] == ["user"]
    # the period is stored as the dates it meant when requested
    assert set(body["filters"]) == {"start", "end", "source"}
    detail = alice_client.get(f"/api/v1/exports/{body['id']}").json()
    assert detail["status"] == "succeeded"
    assert detail["progress"] == 100
    assert detail["row_count"] == Export.objects.get(pk=body["id"]).row_count
    assert detail["download_url"].endswith(f"/api/v1/exports/{body['id']}/download")
    assert detail["download_url"].startswith("http://testserver/")
    assert detail["expires_at"] is not None and detail["error"] is None


def test_retention_days_setting_sets_expiry(settings, done_export):
    settings.EXPORT_RETENTION_DAYS = 7
    done_export.refresh_from_db()
    assert done_export.expires_at - done_export.finished_at == timedelta(days=7)


@pytest.mark.parametrize("client_name", ["alice_client", "dave_client", "token_client"])
def test_owner_unrestricted_manager_and_token_may_export(request, client_name, events, django_capture_on_commit_callbacks):
    client = request.getfixturevalue(client_name)
    response = post_export(client, {"kind": "assignments", "filters": {}}, django_capture_on_commit_callbacks)
    assert response.status_code == 202
    export = Export.objects.get(pk=response.json()["id"])
    assert export.status == Export.Status.SUCCEEDED
    if client_name == "token_client":
        assert export.requested_by is None and export.requested_by_token is not None
    else:
        assert export.requested_by is not None
    assert client.get(f"/api/v1/exports/{export.pk}").status_code == 200
    assert read_csv(download(client, export.pk))[0][0] == "timestamp"


@pytest.mark.parametrize("client_name", ["bob_client", "erin_client"])
def test_agent_and_restricted_manager_get_403_everywhere(request, client_name, done_export):
    client = request.getfixturevalue(client_name)
    count = Export.objects.count()
    for response in (
        client.post("/api/v1/exports", {"kind": "assignments", "filters": {}}, format="json"),
        client.get("/api/v1/exports"),
        client.get(f"/api/v1/exports/{done_export.pk}"),
        client.get(f"/api/v1/exports/{done_export.pk}/download"),
    ):
        assert response.status_code == 403
        assert set(response.json()) == {"message", "errors"}
    assert Export.objects.count() == count


def test_anonymous_gets_401(anon_client, done_export):
    for response in (
        anon_client.post("/api/v1/exports", {"kind": "assignments"}, format="json"),
        anon_client.get("/api/v1/exports"),
        anon_client.get(f"/api/v1/exports/{done_export.pk}"),
        anon_client.get(f"/api/v1/exports/{done_export.pk}/download"),
    ):
        assert response.status_code == 401
        assert "message" in response.json()


def test_other_workspace_gets_404_and_its_own_empty_list(charlie_client, done_export):
    assert charlie_client.get(f"/api/v1/exports/{done_export.pk}").status_code == 404
    response = charlie_client.get(f"/api/v1/exports/{done_export.pk}/download")
    assert response.status_code == 404
    assert response.json()["message"]
    listing = charlie_client.get("/api/v1/exports").json()
    assert listing["count"] == 0 and listing["results"] == []


def test_revoked_token_gets_401(token_client, done_export):
    ApiToken.objects.update(revoked_at=timezone.now())
    assert token_client.get("/api/v1/exports").status_code == 401


def test_list_is_newest_first_and_paginated(alice_client, workspace, alice):
    now = timezone.now()
    for days in (3, 1, 2):
        Export.objects.create(workspace=workspace, requested_by=alice, created_at=now - timedelta(days=days),
                              filters={"start": ["2026-01-01"], "end": ["2026-01-02"]})
    body = alice_client.get("/api/v1/exports?page_size=2").json()
    assert body["count"] == 3 and body["next"] and len(body["results"]) == 2
    created = [row["created_at"] for row in body["results"]]
    assert created == sorted(created, reverse=True)
    assert alice_client.get("/api/v1/exports?page_size=0").status_code == 400
    assert alice_client.get("/api/v1/exports?page=99").status_code == 400


@pytest.mark.parametrize(
    "body, field",
    [
        ({"kind": "invoices", "filters": {}}, "kind"),
        ({"kind": "assignments", "filters": {"source": "fax"}}, "filters.source"),
        ({"kind": "assignments", "filters": {"period": "forever"}}, "filters.period"),
        ({"kind": "assignments", "filters": {"period": "today", "start": "2026-01-01", "end": "2026-01-02"}}, "filters.period"),
        ({"kind": "assignments", "filters": {"start": "2025-01-01", "end": "2026-11-01"}}, "filters.end"),
        ({"kind": "assignments", "filters": {"start": "2026-13-01", "end": "2026-12-01"}}, "filters.start"),
        ({"kind": "assignments", "filters": {"assignee": "999999"}}, "filters.assignee"),
        ({"kind": "assignments", "filters": {"contact": ["abc"]}}, "filters.contact"),
        ({"kind": "assignments", "filters": {"conversation": 10**30}}, "filters.conversation"),
        ({"kind": "assignments", "filters": {"source": {"nested": 1}}}, "filters.source"),
        ({"kind": "assignments", "filters": "last_7_days"}, "filters"),
        ({"kind": "assignments", "excel": "maybe"}, "excel"),
    ],
)
def test_bad_input_is_400_naming_the_field(alice_client, body, field):
    response = alice_client.post("/api/v1/exports", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert Export.objects.count() == 0


def test_another_workspaces_contact_is_400(alice_client, other_workspace):
    from tests.factories import ContactFactory

    foreign = ContactFactory(workspace=other_workspace)
    response = alice_client.post("/api/v1/exports", {"filters": {"contact": [foreign.pk]}}, format="json")
    assert response.status_code == 400
    assert "filters.contact" in response.json()["errors"]


@pytest.mark.parametrize("raw", ["not json", "[1, 2]", "null"])
def test_malformed_body_is_400_not_500(alice_client, raw):
    response = alice_client.post("/api/v1/exports", raw, content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()) == {"message", "errors"}


@pytest.mark.parametrize("ref", ["abc", "0", "-1", "99999999999999999999999", "1.5"])
def test_odd_ids_are_404(alice_client, ref):
    assert alice_client.get(f"/api/v1/exports/{ref}").status_code == 404
    assert alice_client.get(f"/api/v1/exports/{ref}/download").status_code == 404


def test_download_is_csv_attachment(alice_client, done_export):
    response = alice_client.get(f"/api/v1/exports/{done_export.pk}/download")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    assert f"-{done_export.pk}.csv" in response["Content-Disposition"]
    assert response.streaming
    rows = read_csv(b"".join(response.streaming_content))
    assert len(rows) == done_export.row_count + 1


def test_download_before_success_is_409(alice_client, workspace, alice):
    export = Export.objects.create(workspace=workspace, requested_by=alice, status=Export.Status.RUNNING)
    response = alice_client.get(f"/api/v1/exports/{export.pk}/download")
    assert response.status_code == 409
    assert alice_client.get(f"/api/v1/exports/{export.pk}").json()["download_url"] is None


def test_download_of_expired_or_vanished_file_is_410(alice_client, done_export):
    done_export.file.storage.delete(done_export.file.name)
    assert alice_client.get(f"/api/v1/exports/{done_export.pk}/download").status_code == 410
    Export.objects.filter(pk=done_export.pk).update(status=Export.Status.EXPIRED, file="")
    assert alice_client.get(f"/api/v1/exports/{done_export.pk}/download").status_code == 410


def test_member_who_lost_export_right_cannot_download(dave_client, done_export, dave):
    Membership.objects.filter(user=dave).update(restrict_data_export=True)
    assert dave_client.get(f"/api/v1/exports/{done_export.pk}/download").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_queue_down_answers_503_and_marks_the_export_failed(alice_client, events):
    """REDIS_URL set but Redis unreachable: no export stays queued forever.

    Transactional, as in production: the request's transaction commits and the enqueue runs
    inside the request.
    """
    previous = celery_app.conf.task_always_eager, celery_app.conf.broker_url
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        response = alice_client.post("/api/v1/exports", {"kind": "assignments", "filters": {}}, format="json")
    finally:
        celery_app.conf.task_always_eager, celery_app.conf.broker_url = previous
    assert response.status_code == 503
    assert set(response.json()) == {"message", "errors"}
    export = Export.objects.get()
    assert export.status == Export.Status.FAILED
    assert export.error and export.finished_at


def test_schema_documents_the_export_endpoints(anon_client):
    schema = anon_client.get("/api/schema/?format=json").json()
    paths = schema["paths"]
    assert {"/api/v1/exports", "/api/v1/exports/{export_id}", "/api/v1/exports/{export_id}/download"} <= set(paths)
    assert "202" in paths["/api/v1/exports"]["post"]["responses"]


@pytest.mark.django_db(transaction=True)
def test_without_redis_the_request_answers_202_with_the_export_already_done(alice_client, events):
    """``make run`` (no REDIS_URL): Celery is eager, the export runs in-process right after commit."""
    response = alice_client.post("/api/v1/exports", {"kind": "assignments", "filters": {"period": "last_30_days"}},
                                 format="json")
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "succeeded" and body["row_count"] == 60 and body["download_url"]
    assert len(read_csv(download(alice_client, body["id"]))) == 61
