"""Injection: hostile strings in every report filter and text field, HTML in names, CSV formulas.

Every hostile input answers 400 (the JSON error shape on the API) or is stored verbatim —
never a 500. Names with HTML are escaped in every page that shows them and returned verbatim
(as JSON strings) by the API. The export CSV neutralises formulas.
Run on PostgreSQL too (NUL bytes and LIKE patterns behave differently there).
"""

import csv
import io
import json
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.models import Workspace
from assignments.models import AssignmentSource
from assignments.services import contact_assign
from contacts.models import Contact
from contacts.services import conversation_open, message_create
from tests.factories import ContactFactory

SQL = "' OR 1=1 --"
FORMULA = '=HYPERLINK("http://x","y")'
SCRIPT = "<script>alert(1)</script>"
NUL = "a\x00b"
PAYLOADS = [SQL, FORMULA, SCRIPT, NUL, "1; DROP TABLE contacts_contact", "%_\\", "9" * 40, "-1", "1e9", "{{7*7}}",
            "𝔘𝔫𝔦" * 100]
REPORT_PARAMS = ["period", "start", "end", "source", "assignee", "assigned_by", "contact", "conversation",
                 "interval", "page", "page_size"]
REPORT_APIS = ["/api/v1/reports/assignments/summary", "/api/v1/reports/assignments/timeseries",
               "/api/v1/reports/assignments/log"]

pytestmark = pytest.mark.django_db


def assert_json_4xx_or_ok(response, ok=(200, 201, 202)):
    assert response.status_code in (*ok, 400, 404), (response.status_code, response.content[:300])
    if response.status_code >= 400:
        body = response.json()
        assert set(body) == {"message", "errors"} and body["message"], body


def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- Report filters -----------------------------------------------------------------------


@pytest.mark.parametrize("param", REPORT_PARAMS)
def test_report_api_filters_reject_or_ignore_hostile_values(param, alice_client, token_client, acme):
    for payload in PAYLOADS:
        for url in REPORT_APIS:
            for client in (alice_client, token_client):
                response = client.get(url + "?" + urlencode({param: payload}))
                assert_json_4xx_or_ok(response)
                if response.status_code == 200:
                    # A value that passed validation changed nothing about tenancy: Alice's rows only.
                    assert "Gana" not in response.content.decode()


def test_report_api_repeated_and_combined_hostile_filters(alice_client, acme):
    query = urlencode([(param, payload) for param in REPORT_PARAMS for payload in (SQL, NUL, SCRIPT)])
    for url in REPORT_APIS:
        assert_json_4xx_or_ok(alice_client.get(f"{url}?{query}"))


@pytest.mark.parametrize("param", REPORT_PARAMS)
def test_report_page_renders_hostile_filters_escaped(param, alice, acme):
    client = page_client(alice)
    for payload in PAYLOADS:
        response = client.get("/reports/assignments/?" + urlencode({param: payload}))
        assert response.status_code in (200, 400), (payload, response.status_code)
        html = response.content.decode()
        assert SCRIPT not in html


def test_export_api_filters_reject_hostile_values(token_client, acme):
    for param in REPORT_PARAMS:
        for payload in PAYLOADS:
            response = token_client.post(
                "/api/v1/exports", {"kind": "assignments", "filters": {param: payload}}, format="json"
            )
            assert_json_4xx_or_ok(response)


def test_export_page_prefill_and_post_with_hostile_values(alice, acme):
    client = page_client(alice)
    for param in REPORT_PARAMS:
        for payload in PAYLOADS:
            response = client.get("/settings/data-export/?" + urlencode({param: payload}))
            assert response.status_code == 200, (param, payload)
            assert SCRIPT not in response.content.decode()
            if payload not in (SQL, FORMULA, SCRIPT, NUL, "9" * 40):
                continue  # each accepted POST runs an export: the main hostile values only
            response = client.post("/settings/data-export/", {"period": "last_7_days", param: payload})
            assert response.status_code in (302, 400), (param, payload, response.status_code)


# --- Query parameters of lists and pages -----------------------------------------------------


@pytest.mark.parametrize(
    "url,params",
    [
        ("/api/v1/contacts", ["search", "page", "page_size"]),
        ("/api/v1/conversations", ["status", "assignee", "page", "page_size"]),
        ("/api/v1/users", ["page", "page_size"]),
        ("/api/v1/workflows", ["page", "page_size"]),
        ("/api/v1/exports", ["page", "page_size"]),
        ("/api/v1/imports", ["page", "page_size"]),
    ],
)
def test_list_parameters_reject_or_ignore_hostile_values(url, params, token_client, acme):
    for param in params:
        for payload in PAYLOADS:
            assert_json_4xx_or_ok(token_client.get(url + "?" + urlencode({param: payload})))


def test_conversation_messages_after_parameter(token_client, acme):
    url = f"/api/v1/conversations/{acme.conversation.pk}/messages"
    for payload in PAYLOADS:
        assert_json_4xx_or_ok(token_client.get(url + "?" + urlencode({"after": payload})))


@pytest.mark.parametrize("path_value", [SQL, "id:" + SQL, "email:" + SQL, "phone:" + NUL, "id:" + "9" * 40, SCRIPT])
def test_contact_identifiers_in_paths(path_value, token_client, acme):
    from urllib.parse import quote

    response = token_client.get("/api/v1/contacts/" + quote(path_value, safe=""))
    assert_json_4xx_or_ok(response)
    assert response.status_code in (400, 404)


@pytest.mark.parametrize(
    "url,params",
    [
        ("/messages/", ["inbox", "status", "q", "page"]),
        ("/contacts/", ["q", "assignee", "page"]),
        ("/workflows/", ["page"]),
        ("/settings/data-import/", ["page"]),
        ("/settings/developer-api/", ["page"]),
    ],
)
def test_page_parameters_never_fail(url, params, alice, acme):
    client = page_client(alice)
    for param in params:
        for payload in PAYLOADS:
            response = client.get(url + "?" + urlencode({param: payload}))
            assert response.status_code == 200, (url, param, payload, response.status_code)
            assert SCRIPT not in response.content.decode()


# --- Text fields: 400 or stored verbatim -------------------------------------------------------


def _stored_or_rejected(response, read_back, value):
    assert_json_4xx_or_ok(response)
    if response.status_code < 400:
        assert read_back() == value, (read_back(), value)
    else:
        assert "\x00" in value or len(value) > 100, (value, response.json())


@pytest.mark.parametrize("payload", PAYLOADS)
def test_contact_fields_store_verbatim_or_400(payload, token_client, acme):
    response = token_client.post("/api/v1/contacts", {"first_name": payload, "last_name": payload}, format="json")
    if response.status_code == 201:
        contact = Contact.objects.get(pk=response.json()["id"])
        assert (contact.first_name, contact.last_name) == (payload, payload)
        assert response.json()["first_name"] == payload
        assert token_client.get(f"/api/v1/contacts/id:{contact.pk}").json()["name"].startswith(payload)
    else:
        assert_json_4xx_or_ok(response)
        assert response.status_code == 400 and ("\x00" in payload or len(payload) > 100)
    for field in ("email", "phone"):
        response = token_client.post("/api/v1/contacts", {"first_name": "Eva", field: payload}, format="json")
        assert response.status_code == 400, (field, payload, response.status_code)
    response = token_client.post("/api/v1/contacts", {"first_name": "Eva", "tags": [payload]}, format="json")
    assert_json_4xx_or_ok(response, ok=(201,))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_message_and_note_texts_store_verbatim_or_400(payload, token_client, acme):
    identifier = f"id:{acme.contact.pk}"
    response = token_client.post(f"/api/v1/contacts/{identifier}/messages", {"text": payload}, format="json")
    assert_json_4xx_or_ok(response, ok=(201,))
    if response.status_code == 201:
        assert response.json()["text"] == payload
    response = token_client.post(f"/api/v1/conversations/{acme.conversation.pk}/close", {"note": payload}, format="json")
    assert_json_4xx_or_ok(response)
    response = token_client.post(f"/api/v1/contacts/{identifier}/tags", {"tags": [payload]}, format="json")
    assert_json_4xx_or_ok(response)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_workflow_and_assignment_inputs(payload, token_client, acme):
    response = token_client.post(
        "/api/v1/workflows", {"name": payload, "steps": [{"type": "send_message", "text": payload}]}, format="json"
    )
    assert_json_4xx_or_ok(response, ok=(201,))
    if response.status_code == 201:
        assert response.json()["name"] == payload.strip()
    response = token_client.post(
        f"/api/v1/contacts/id:{acme.contact.pk}/assignee", {"assignee": payload}, format="json"
    )
    assert_json_4xx_or_ok(response)
    assert response.status_code in (400, 404)
    response = token_client.post(
        "/api/v1/integrations/zapier/assign", {"contact": payload, "assignee": payload}, format="json"
    )
    assert_json_4xx_or_ok(response)
    assert response.status_code in (400, 404)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_inbound_channel_fields(payload, client, acme):
    body = {"contact": {"phone": "+5215512340000", "first_name": payload, "last_name": payload}, "text": payload}
    response = client.post(
        f"/api/v1/channels/{acme.channel.pk}/inbound", json.dumps(body), content_type="application/json",
        HTTP_X_CHANNEL_SECRET=acme.channel_secret,
    )
    assert_json_4xx_or_ok(response)
    if response.status_code == 202:
        contact = Contact.objects.get(pk=response.json()["contact_id"])
        assert contact.first_name == payload


@pytest.mark.parametrize("payload", PAYLOADS)
def test_page_forms_store_verbatim_or_refuse(payload, alice, acme):
    client = page_client(alice)
    response = client.post(
        "/settings/general/", {"name": payload, "timezone": "America/Mexico_City", "language": "es"}
    )
    assert response.status_code in (302, 200, 400), response.status_code
    if response.status_code == 302:
        assert Workspace.objects.get(pk=acme.workspace.pk).name == payload.strip()
    for url, data in [
        ("/settings/developer-api/", {"name": payload}),
        ("/settings/integrations/channels/", {"channel-name": payload}),
        ("/settings/integrations/dialogflow/", {"dialogflow-name": payload}),
        ("/workflows/new/", {"name": payload, "trigger": "conversation_opened", "steps": payload}),
        (f"/messages/{acme.conversation.pk}/reply/", {"text": payload}),
        (f"/messages/{acme.conversation.pk}/assign/", {"assignee": payload}),
        (f"/messages/{acme.conversation.pk}/close/", {"note": payload}),
        ("/workspaces/switch/", {"workspace": payload}),
    ]:
        response = client.post(url, data)
        assert response.status_code in (200, 302, 400, 404), (url, payload, response.status_code)


@pytest.mark.parametrize("payload", [SQL, FORMULA, SCRIPT, NUL])
def test_import_csv_cells(payload, token_client, acme, django_capture_on_commit_callbacks):
    text = f'first_name,last_name,email,tags\n"{payload.replace(chr(34), chr(34) * 2)}",x,imp@cliente.mx,"{payload.replace(chr(34), chr(34) * 2)}"\n'
    with django_capture_on_commit_callbacks(execute=True):
        response = token_client.post(
            "/api/v1/imports", {"file": SimpleUploadedFile("c.csv", text.encode(), "text/csv")}, format="multipart"
        )
    assert_json_4xx_or_ok(response, ok=(202,))
    if response.status_code == 202:
        status = token_client.get(f"/api/v1/imports/{response.json()['id']}").json()
        assert status["status"] in ("succeeded", "failed"), status
        contact = Contact.objects.filter(workspace=acme.workspace, email="imp@cliente.mx").first()
        if contact is not None:
            assert contact.first_name == payload


# --- Workspace switch: no 500, no open redirect ---------------------------------------------


def test_workspace_switch_with_a_malformed_id_is_404(alice_client, workspace):
    for value in ("abc", "9" * 30, "-1", "", SQL):
        assert alice_client.post("/workspaces/switch/", {"workspace": value}).status_code == 404


def test_workspace_switch_never_redirects_to_another_site(alice_client, workspace):
    for target in ("https://evil.example/", "//evil.example/x", "http://testserver.evil.example/"):
        response = alice_client.post("/workspaces/switch/", {"workspace": workspace.pk, "next": target})
        assert response.status_code == 302 and response["Location"] == "/", target
    response = alice_client.post("/workspaces/switch/", {"workspace": workspace.pk, "next": "/messages/"})
    assert response["Location"] == "/messages/"


# --- HTML in names: escaped in every page, verbatim in the API -------------------------------


@pytest.fixture
def hostile(acme, alice, bob):
    """A contact and a user whose names are HTML, with an event, a conversation and a message."""
    alice.name = SCRIPT
    alice.save(update_fields=["name"])
    contact = ContactFactory(workspace=acme.workspace, first_name=SCRIPT, last_name='"><img src=x onerror=alert(2)>')
    conversation, _ = conversation_open(contact=contact)
    message_create(conversation=conversation, direction="in", text=SCRIPT, sender_kind="contact")
    contact_assign(contact=contact, assignee=alice, source=AssignmentSource.USER, assigned_by=alice)
    return contact, conversation


def _pages(contact, conversation):
    return [
        "/messages/",
        "/messages/?inbox=all",
        "/messages/?inbox=unassigned",
        f"/messages/{conversation.pk}/",
        f"/messages/{conversation.pk}/?inbox=all",
        "/contacts/",
        f"/contacts/?q={contact.pk}",
        "/reports/assignments/",
        f"/reports/assignments/?contact={contact.pk}",
        f"/reports/assignments/?assignee={contact.assignee_id}",
        "/settings/data-export/",
        "/settings/developer-api/",
        "/settings/integrations/",
        "/settings/data-import/",
        "/workflows/",
        "/workflows/new/",
        "/settings/general/",
    ]


def test_html_in_names_is_escaped_in_every_page(hostile, alice, bob):
    contact, conversation = hostile
    for user in (alice, bob):
        client = page_client(user)
        for url in _pages(contact, conversation):
            response = client.get(url)
            if user is bob and (url.startswith(f"/messages/{conversation.pk}/") or url.startswith(("/settings/", "/workflows/"))):
                # Alice's contact's conversation and the admin pages are not Bob's (the matrix covers it).
                assert response.status_code in (403, 404), url
                continue
            assert response.status_code == 200, (url, response.status_code)
            html = response.content.decode()
            assert SCRIPT not in html, url
            assert "<img src=x" not in html, url


def test_html_in_names_is_shown_escaped_where_names_are_shown(hostile, alice):
    contact, conversation = hostile
    client = page_client(alice)
    for url in (f"/messages/{conversation.pk}/", "/contacts/", "/messages/?inbox=all"):
        html = client.get(url).content.decode()
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, url
    # The report page passes names to its script as JSON (json_script escapes <, >, &).
    html = client.get(f"/reports/assignments/?contact={contact.pk}").content.decode()
    assert "\\u003Cscript\\u003Ealert(1)\\u003C/script\\u003E" in html


def test_html_in_names_is_verbatim_json_in_the_api(hostile, alice_client, token_client):
    contact, conversation = hostile
    response = token_client.get(f"/api/v1/contacts/id:{contact.pk}")
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["first_name"] == SCRIPT
    log = alice_client.get("/api/v1/reports/assignments/log").json()
    row = next(r for r in log["results"] if r["contact_id"] == contact.pk)
    assert row["contact_name"].startswith(SCRIPT)
    assert row["new_assignee"]["name"] == SCRIPT
    messages = token_client.get(f"/api/v1/conversations/{conversation.pk}/messages").json()["results"]
    assert messages[0]["text"] == SCRIPT


# --- CSV formulas -----------------------------------------------------------------------------


def test_export_csv_guards_formulas(acme, alice, token_client, django_capture_on_commit_callbacks):
    for name in (FORMULA, "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"):
        contact = ContactFactory(workspace=acme.workspace, first_name=name, last_name="")
        contact_assign(contact=contact, assignee=alice, source=AssignmentSource.API)
    alice.name = "=1+1"
    alice.save(update_fields=["name"])
    contact = ContactFactory(workspace=acme.workspace, first_name="Luz")
    contact_assign(contact=contact, assignee=alice, source=AssignmentSource.API)
    with django_capture_on_commit_callbacks(execute=True):
        created = token_client.post("/api/v1/exports", {"kind": "assignments", "filters": {"period": "today"}},
                                    format="json")
    assert created.status_code == 202, created.content
    export_id = created.json()["id"]
    assert token_client.get(f"/api/v1/exports/{export_id}").json()["status"] == "succeeded"
    response = token_client.get(f"/api/v1/exports/{export_id}/download")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    names = {row["contact_name"] for row in rows}
    for name in (FORMULA, "+1+1", "-2+3", "@SUM(A1)"):
        assert "'" + name in names, (name, names)
    # Names are kept stripped, so "\tx" is "x"; no cell may start with a trigger either way.
    assert all(not cell or cell[0] not in "=+-@\t\r" for row in rows for key, cell in row.items()
               if key in ("contact_name", "previous_assignee", "new_assignee", "assigned_by"))
    assert any(row["new_assignee"] == "'=1+1" for row in rows)


# --- Malformed bodies on every JSON write -------------------------------------------------------

BAD_BODIES = [
    ("{bad", "application/json"),
    ("[]", "application/json"),
    ('"text"', "application/json"),
    ("null", "application/json"),
    ("1e999", "application/json"),
    ("[" * 5000 + "]" * 5000, "application/json"),  # deeper than Python's JSON decoder follows
    ('{"a":' * 3000, "application/json"),
    ("x" * (256 * 1024 + 1), "application/json"),  # above DATA_UPLOAD_MAX_MEMORY_SIZE (set to 256 KB below)
    ("a=b", "text/plain"),
    ("\xff\xfe\x00", "application/json"),
]


def test_malformed_bodies_on_every_api_write_answer_json_4xx(acme, token_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024
    from tests.security.test_url_matrix import MATRIX, _ids, _url

    ids = _ids(acme)
    problems = []
    for name, cases in MATRIX.items():
        url = _url(name, ids)
        if not url.startswith("/api/"):
            continue
        headers = {}
        if name == "api-channel-inbound":
            headers = {"HTTP_X_CHANNEL_SECRET": acme.channel_secret}
        elif name == "api-dialogflow-webhook":
            headers = {"HTTP_AUTHORIZATION": f"Bearer {acme.bot_secret}"}
        for case in cases:
            if case.method not in ("POST", "PUT", "PATCH", "DELETE"):
                continue
            for body, content_type in BAD_BODIES:
                response = getattr(token_client, case.method.lower())(url, body, content_type=content_type, **headers)
                json_error = response.status_code < 400 or response["Content-Type"].startswith("application/json")
                if response.status_code >= 500 or not json_error:
                    problems.append(f"{case.method} {url} {body[:12]!r}: {response.status_code} {response['Content-Type']}")
    assert not problems, problems


def test_deeply_nested_json_in_form_fields_is_a_validation_error(alice, token_client, acme):
    deep = "[" * 5000 + "]" * 5000
    client = page_client(alice)
    response = client.post("/workflows/new/", {"name": "Deep", "trigger": "conversation_opened", "steps": deep})
    assert response.status_code in (200, 400)
    response = token_client.post(
        "/api/v1/imports",
        {"file": SimpleUploadedFile("c.csv", b"first_name\nEva\n", "text/csv"), "mapping": "{" * 5000},
        format="multipart",
    )
    assert response.status_code == 400 and "mapping" in response.json()["errors"]
