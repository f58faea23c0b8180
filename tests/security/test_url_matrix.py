"""Every route × every persona, with the expected status in ONE table.

The test walks the URL configuration (``get_resolver``), so a new route without an entry in
``MATRIX`` (or an explicit reason in ``SKIPPED``) fails ``test_every_route_is_in_the_matrix``.

Personas: anonymous, Charlie (owner of another workspace), Bob (agent), Erin (manager with
``restrict_data_export``), Dave (manager), Alice (owner), and a workspace API token. Path ids
are always the ids of Alice's workspace's objects, so Charlie's column is the tenancy check:
objects of another workspace answer 404, lists answer his own (empty or separate) data.
``test_other_workspace_objects_are_404`` then sends Alice and her workspace's token to every
object URL of Charlie's workspace.

Each request runs in a savepoint that is rolled back, so a DELETE or a POST that changes
something does not change what the next persona sees.

The workspace's agent settings (Configuraciones → Agentes: "Los agentes pueden ver" and "Los
agentes pueden reasignar a otros agentes") are two more axes: every route runs for every persona
under each of ``AGENT_SETTINGS``. ``Case.agent`` gives Bob's status per setting where it depends
on them; ``ON_A_COLLEAGUES_CONTACT`` repeats the contact and conversation routes on a contact
assigned to Alice (hidden from Bob by default: 404, never its data).
"""

from dataclasses import dataclass, field

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from tests.factories import agent_settings

PERSONAS = ("anon", "charlie", "bob", "erin", "dave", "alice", "token")


def row(anon, charlie, bob, erin, dave, alice, token) -> dict[str, int]:
    return dict(zip(PERSONAS, (anon, charlie, bob, erin, dave, alice, token), strict=True))


# Pages (session login). Anonymous users and API tokens (no session) go to the login page.
PAGE = row(302, 200, 200, 200, 200, 200, 302)
PAGE_OBJECT = row(302, 404, 200, 200, 200, 200, 302)
PAGE_ADMIN = row(302, 200, 403, 200, 200, 200, 302)
PAGE_ADMIN_OBJECT = row(302, 404, 403, 200, 200, 200, 302)
PAGE_ADMIN_POST = row(302, 302, 403, 302, 302, 302, 302)
PAGE_ADMIN_OBJECT_POST = row(302, 404, 403, 302, 302, 302, 302)
PAGE_OBJECT_POST = row(302, 404, 302, 302, 302, 302, 302)
PAGE_EXPORT = row(302, 200, 403, 403, 200, 200, 302)
PAGE_OWNER = row(302, 200, 403, 403, 403, 200, 302)
PAGE_OWNER_POST = row(302, 302, 403, 403, 403, 302, 302)
# JSON API. Tokens act as an unrestricted manager.
API = row(401, 200, 200, 200, 200, 200, 200)
API_OBJECT = row(401, 404, 200, 200, 200, 200, 200)
API_ADMIN = row(401, 200, 403, 200, 200, 200, 200)
API_ADMIN_OBJECT = row(401, 404, 403, 200, 200, 200, 200)
API_EXPORT = row(401, 200, 403, 403, 200, 200, 200)
API_EXPORT_OBJECT = row(401, 404, 403, 403, 200, 200, 200)


def with_status(base: dict, status: int) -> dict:
    """``base`` with its success status (200) replaced, e.g. 201 for a create."""
    return {persona: status if code == 200 else code for persona, code in base.items()}


@dataclass
class Case:
    method: str
    expect: dict
    data: object = None  # a dict, or a callable(ids) -> dict
    format: str = "json"
    note: str = ""
    kwargs: dict = field(default_factory=dict)
    agent: dict | None = None  # Bob's status per AGENT_SETTINGS name, when it depends on them


def _csv(_ids):
    return {"file": SimpleUploadedFile("contacts.csv", b"first_name,email\nEva,eva@cliente.mx\n", "text/csv")}


WORKFLOW_FORM = {"name": "Tag", "trigger": "conversation_opened", "steps": '[{"type": "add_tag", "tag": "x"}]'}

# route name -> the requests to make. Names without a namespace are the JSON API's.
MATRIX: dict[str, list[Case]] = {
    "home": [Case("GET", row(302, 302, 302, 302, 302, 302, 302), note="redirects to login or the report")],
    # --- accounts ---
    "accounts:login": [
        Case("GET", row(200, 302, 302, 302, 302, 302, 200), note="signed-in users are sent on"),
        Case("POST", row(200, 302, 302, 302, 302, 302, 200), data={"username": "alice@acme.example", "password": "wrong"},
             format="form", note="a wrong password shows the form again"),
        Case("PUT", row(200, 302, 302, 302, 302, 302, 200), format="form", note="FormView treats PUT as POST"),
    ],
    "accounts:logout": [
        Case("GET", row(200, 200, 200, 200, 200, 200, 200), note="a confirmation form"),
        Case("POST", row(302, 302, 302, 302, 302, 302, 302)),
    ],
    "accounts:workspace-switch": [
        Case("POST", row(302, 404, 302, 302, 302, 302, 302), data=lambda ids: {"workspace": ids["workspace_id"]},
             format="form", note="Charlie is no member of Alice's workspace"),
    ],
    "accounts:settings-general": [
        Case("GET", PAGE_ADMIN),
        Case("POST", PAGE_ADMIN_POST, data={"name": "Acme", "timezone": "America/Mexico_City", "language": "es"},
             format="form"),
    ],
    "accounts:settings-agents": [
        Case("GET", PAGE_OWNER),
        Case("POST", PAGE_OWNER_POST, data={"agent_visibility": "all", "agents_can_reassign": "on"}, format="form"),
    ],
    "api-users": [Case("GET", API)],
    # --- presence (Estado de Actividad): the session user's own status; a token has no user ---
    "api-me-status": [
        Case("GET", row(401, 200, 200, 200, 200, 200, 403), note="Charlie reads his own workspace's status"),
        Case("PUT", row(401, 200, 200, 200, 200, 200, 403), data={"status": "away"}),
    ],
    "presence:status-set": [
        Case("POST", row(302, 302, 302, 302, 302, 302, 302), data={"status": "away", "next": "/messages/"},
             format="form", note="the header's menu: back to the page; anonymous and tokens to the login page"),
    ],
    # --- contacts (Developer API) ---
    "api-contacts": [
        Case("GET", API),
        Case("POST", with_status(API, 201), data={"first_name": "Zoe", "email": "zoe@cliente.mx"}),
    ],
    "api-contact": [
        Case("GET", API_OBJECT),
        Case("PATCH", API_OBJECT, data={"last_name": "Ruiz"}),
    ],
    "api-contact-tags": [
        Case("POST", API_OBJECT, data={"tags": ["vip"]}),
        Case("DELETE", API_OBJECT, data={"tags": ["vip"]}),
    ],
    "api-contact-assignee": [Case("POST", API_OBJECT, data={"assignee": None})],
    # Custom contact fields: every member reads the definitions, owners and managers change them.
    "api-contact-fields": [
        Case("GET", API),
        Case("POST", with_status(API_ADMIN, 201), data={"key": "nivel", "label": "Nivel"}),
    ],
    "api-contact-field": [
        Case("GET", API_OBJECT),
        Case("PATCH", API_ADMIN_OBJECT, data={"label": "Plan contratado"}),
        Case("DELETE", with_status(API_ADMIN_OBJECT, 204)),
    ],
    "api-contact-messages": [Case("POST", with_status(API_OBJECT, 201), data={"text": "Hola"})],
    # --- reports ---
    "reports:index": [Case("GET", PAGE)],
    "reports:assignments": [Case("GET", PAGE)],
    "api-report-assignments-summary": [Case("GET", API)],
    "api-report-assignments-timeseries": [Case("GET", API)],
    "api-report-assignments-log": [Case("GET", API)],
    "api-report-assignments-first-assignment": [Case("GET", API)],
    "api-report-assignments-reassignments": [Case("GET", API)],
    "api-report-assignments-reassignments-csv": [Case("GET", API, note="text/csv; agents get their own rows")],
    "api-report-assignments-assignment-to-close": [Case("GET", API)],
    "api-report-assignments-timeseries-csv": [Case("GET", API, note="text/csv; agents get their own buckets")],
    "reports:conversations": [Case("GET", PAGE)],
    "api-report-conversations-summary": [Case("GET", API)],
    "api-report-conversations-timeseries": [Case("GET", API)],
    "api-report-conversations-log": [Case("GET", API)],
    "reports:responses": [Case("GET", PAGE)],
    "api-report-responses-summary": [Case("GET", API)],
    "api-report-responses-timeseries": [Case("GET", API)],
    "api-report-responses-log": [Case("GET", API)],
    "reports:messages": [Case("GET", PAGE)],
    "api-report-messages-summary": [Case("GET", API)],
    "api-report-messages-timeseries": [Case("GET", API)],
    "api-report-messages-log": [Case("GET", API)],
    "reports:contacts": [Case("GET", PAGE)],
    "api-report-contacts-summary": [Case("GET", API)],
    "api-report-contacts-timeseries": [Case("GET", API)],
    "api-report-contacts-log": [Case("GET", API)],
    "reports:resolutions": [Case("GET", PAGE)],
    "api-report-resolutions-summary": [Case("GET", API)],
    "api-report-resolutions-timeseries": [Case("GET", API)],
    "api-report-resolutions-log": [Case("GET", API)],
    "reports:leaderboard": [Case("GET", PAGE)],
    "api-report-leaderboard-summary": [Case("GET", API)],
    "api-report-leaderboard-log": [Case("GET", API)],
    "reports:users": [Case("GET", PAGE)],
    "api-report-users-summary": [Case("GET", API)],
    "api-report-users-timeseries": [Case("GET", API)],
    "api-report-users-log": [Case("GET", API)],
    "api-report-users-live": [Case("GET", API)],
    "reports:broadcasts": [Case("GET", PAGE_ADMIN, note="owners and managers, as the Transmisiones pages")],
    "api-report-broadcasts-summary": [Case("GET", API_ADMIN)],
    "api-report-broadcasts-timeseries": [Case("GET", API_ADMIN)],
    "api-report-broadcasts-log": [Case("GET", API_ADMIN)],
    # --- exports ---
    "exports:data-export": [
        Case("GET", PAGE_EXPORT),
        Case("POST", with_status(PAGE_EXPORT, 302), data={"period": "last_7_days"}, format="form"),
    ],
    "api-exports": [
        Case("GET", API_EXPORT),
        Case("POST", with_status(API_EXPORT, 202), data={"kind": "assignments", "filters": {"period": "last_7_days"}}),
    ],
    "api-export-detail": [Case("GET", API_EXPORT_OBJECT)],
    "api-export-download": [Case("GET", API_EXPORT_OBJECT)],
    # --- integrations ---
    "integrations:developer-api": [
        Case("GET", PAGE_ADMIN),
        Case("POST", PAGE_ADMIN_POST, data={"name": "CI"}, format="form"),
    ],
    "integrations:api-token-revoke": [Case("POST", PAGE_ADMIN_OBJECT_POST)],
    "integrations:integrations": [Case("GET", PAGE_ADMIN)],
    "integrations:channel-create": [Case("POST", PAGE_ADMIN_POST, data={"channel-name": "Web 2"}, format="form")],
    "integrations:channel-rotate": [Case("POST", PAGE_ADMIN_OBJECT_POST)],
    "integrations:channel-outbound": [Case("POST", PAGE_ADMIN_OBJECT_POST)],
    "integrations:dialogflow-create": [Case("POST", PAGE_ADMIN_POST, data={"dialogflow-name": "Bot 2"}, format="form")],
    "integrations:dialogflow-rotate": [Case("POST", PAGE_ADMIN_OBJECT_POST)],
    "api-zapier-assign": [
        Case("POST", row(401, 403, 403, 403, 403, 403, 200), data=lambda ids: {"contact": ids["identifier"], "assignee": None},
             note="Bearer token only"),
    ],
    # The webhooks authenticate with their own secret only: no app credential opens them
    # (tests/integrations/ covers the right secrets).
    "api-dialogflow-webhook": [Case("POST", row(401, 401, 401, 401, 401, 401, 401), data={"queryResult": {"action": "unassign"}})],
    "api-channel-inbound": [Case("POST", row(401, 401, 401, 401, 401, 401, 401), data={"contact": {"phone": "+5215500000000"}, "text": "Hola"})],
    # The channel's secret only: no session or API token opens it.
    "api-channel-status": [Case("POST", row(401, 401, 401, 401, 401, 401, 401), data={"message_id": 1, "status": "read"})],
    # --- workflows ---
    "workflows:list": [Case("GET", PAGE_ADMIN)],
    "workflows:create": [Case("GET", PAGE_ADMIN), Case("POST", PAGE_ADMIN_POST, data=WORKFLOW_FORM, format="form")],
    "workflows:template": [Case("POST", PAGE_ADMIN_POST, note="a template key is no tenant object")],
    "workflows:edit": [
        Case("GET", PAGE_ADMIN_OBJECT),
        Case("POST", PAGE_ADMIN_OBJECT_POST, data=WORKFLOW_FORM, format="form"),
    ],
    "workflows:toggle": [Case("POST", PAGE_ADMIN_OBJECT_POST)],
    "workflows:delete": [Case("GET", PAGE_ADMIN_OBJECT), Case("POST", PAGE_ADMIN_OBJECT_POST)],
    "api-workflows": [
        Case("GET", API_ADMIN),
        Case("POST", with_status(API_ADMIN, 201), data={"name": "Tag", "steps": [{"type": "add_tag", "tag": "x"}]}),
    ],
    "api-workflow": [
        Case("GET", API_ADMIN_OBJECT),
        Case("PUT", API_ADMIN_OBJECT, data={"name": "Tag", "enabled": False, "trigger": "conversation_opened",
                                            "steps": [{"type": "add_tag", "tag": "y"}]}),
        Case("PATCH", API_ADMIN_OBJECT, data={"name": "Renamed"}),
        Case("DELETE", with_status(API_ADMIN_OBJECT, 204)),
    ],
    # --- messaging ---
    "messaging:inbox": [Case("GET", PAGE)],
    "messaging:conversation": [Case("GET", PAGE_OBJECT)],
    "messaging:reply": [Case("POST", PAGE_OBJECT_POST, data={"text": "Hola"}, format="form")],
    "messaging:assign": [Case("POST", PAGE_OBJECT_POST, data={"assignee": "none"}, format="form")],
    "messaging:close": [Case("POST", PAGE_OBJECT_POST, data={"note": "Listo"}, format="form")],
    "messaging:bot": [Case("POST", PAGE_OBJECT_POST, data={"paused": "1"}, format="form")],
    "messaging:contacts": [Case("GET", PAGE)],
    "api-conversations": [Case("GET", API)],
    "api-conversation-close": [Case("POST", API_OBJECT, data={"note": "Listo"})],
    "api-conversation-messages": [Case("GET", API_OBJECT)],
    # --- imports ---
    "imports:data-import": [Case("GET", PAGE_ADMIN), Case("POST", PAGE_ADMIN_POST, data=_csv, format="multipart")],
    "imports:data-import-detail": [Case("GET", PAGE_ADMIN_OBJECT)],
    "contact-import-list": [Case("GET", API_ADMIN), Case("POST", with_status(API_ADMIN, 202), data=_csv, format="multipart")],
    "contact-import-detail": [Case("GET", API_ADMIN_OBJECT)],
    "contact-import-error-rows": [Case("GET", API_ADMIN_OBJECT)],
    # --- business hours (Configuraciones → Fuera de Horario) ---
    "business_hours:settings": [
        Case("GET", PAGE_ADMIN),
        Case("POST", PAGE_ADMIN_POST, data={"enabled": "on", "mon_open": "on", "mon_from1": "09:00", "mon_to1": "18:00"},
             format="form"),
    ],
    "api-business-hours": [
        Case("GET", API, note="any member reads the workspace's hours"),
        Case("PUT", API_ADMIN, data={"enabled": True, "schedule": {"mon": [["09:00", "18:00"]]}}),
    ],
    # --- broadcasts (Transmisiones): owners and managers; ids in a form of another workspace are a 400 ---
    "broadcasts:list": [Case("GET", PAGE_ADMIN)],
    "broadcasts:create": [
        Case("GET", PAGE_ADMIN),
        Case("POST", row(302, 400, 403, 302, 302, 302, 302), format="form", note="Charlie names Acme's channel",
             data=lambda ids: {"name": "Promo 2", "channel": ids["channel_id"], "segment": ids["segment_id"],
                               "text": "Hola {{contact.first_name}}", "when": "now"}),
    ],
    "broadcasts:segments": [
        Case("GET", PAGE_ADMIN),
        Case("POST", PAGE_ADMIN_POST, data={"name": "VIP", "tags": "vip"}, format="form"),
    ],
    "broadcasts:segment-delete": [Case("POST", PAGE_ADMIN_OBJECT_POST)],
    "broadcasts:detail": [Case("GET", PAGE_ADMIN_OBJECT)],
    "broadcasts:failures": [Case("GET", PAGE_ADMIN_OBJECT)],
    "broadcasts:retry": [Case("POST", PAGE_ADMIN_OBJECT_POST)],
    "broadcasts:cancel": [Case("POST", PAGE_ADMIN_OBJECT_POST, note="already sent: back with a message")],
    "api-segments": [
        Case("GET", API_ADMIN),
        Case("POST", with_status(API_ADMIN, 201), data={"name": "VIP", "filters": {"tags": ["vip"]}}),
    ],
    "api-segment": [
        Case("GET", API_ADMIN_OBJECT),
        Case("PATCH", API_ADMIN_OBJECT, data={"name": "Renombrado"}),
        Case("DELETE", with_status(API_ADMIN_OBJECT, 204)),
    ],
    "api-broadcasts": [
        Case("GET", API_ADMIN),
        Case("POST", row(401, 400, 403, 201, 201, 201, 201), note="Charlie names Acme's channel and segment",
             data=lambda ids: {"name": "Promo 2", "channel": ids["channel_id"], "segment": ids["segment_id"],
                               "text": "Hola"}),
    ],
    "api-broadcast": [Case("GET", API_ADMIN_OBJECT)],
    "api-broadcast-recipients": [Case("GET", API_ADMIN_OBJECT)],
    "api-broadcast-retry": [Case("POST", API_ADMIN_OBJECT, note="nothing failed: retried 0")],
    "api-broadcast-cancel": [Case("POST", with_status(API_ADMIN_OBJECT, 400), note="already sent")],
}

# Configuraciones → Agentes, as axes: (see_all, reassign) for ``tests.factories.agent_settings``.
AGENT_SETTINGS = {
    "default": {"see_all": False, "reassign": False},
    "see-all": {"see_all": True, "reassign": False},
    "reassign": {"see_all": False, "reassign": True},
    "see-all+reassign": {"see_all": True, "reassign": True},
}


def agent(default, see_all, reassign, see_all_reassign) -> dict[str, int]:
    return dict(zip(AGENT_SETTINGS, (default, see_all, reassign, see_all_reassign), strict=True))


HIDDEN = agent(404, 200, 404, 200)  # a colleague's contact: it does not exist for Bob unless he sees all
HIDDEN_POST = agent(404, 302, 404, 302)
ONLY_IF_REASSIGN = agent(403, 403, 200, 200)  # an unassigned contact handed to Alice
TAKE_FROM_COLLEAGUE = agent(404, 403, 404, 200)  # hidden, else refused unless agents may reassign


def _assign_to(key):
    return lambda ids: {"assignee": ids[key]}


def _assign_form(key):
    return lambda ids: {"assignee": str(ids[key])}


# Assignments on the shared (unassigned) contact whose answer depends on "pueden reasignar".
MATRIX["api-contact-assignee"] += [
    Case("POST", API_OBJECT, data=_assign_to("agent_id"), note="taking an unassigned contact"),
    Case("POST", API_OBJECT, data=_assign_to("owner_id"), agent=ONLY_IF_REASSIGN, note="handing it to a colleague"),
]
MATRIX["messaging:assign"] += [
    Case("POST", PAGE_OBJECT_POST, data=_assign_form("agent_id"), format="form"),
    Case("POST", PAGE_OBJECT_POST, data=_assign_form("owner_id"), format="form",
         agent=agent(403, 403, 302, 302)),
]
# The contact and conversation routes again, on a contact assigned to Alice with an open conversation.
ON_A_COLLEAGUES_CONTACT: dict[str, list[Case]] = {
    "api-contact": [Case("GET", API_OBJECT, agent=HIDDEN), Case("PATCH", API_OBJECT, data={"last_name": "R"}, agent=HIDDEN)],
    "api-contact-tags": [Case("POST", API_OBJECT, data={"tags": ["vip"]}, agent=HIDDEN),
                         Case("DELETE", API_OBJECT, data={"tags": ["vip"]}, agent=HIDDEN)],
    "api-contact-assignee": [
        Case("POST", API_OBJECT, data={"assignee": None}, agent=TAKE_FROM_COLLEAGUE),
        Case("POST", API_OBJECT, data=_assign_to("agent_id"), agent=TAKE_FROM_COLLEAGUE),
    ],
    "api-contact-messages": [Case("POST", with_status(API_OBJECT, 201), data={"text": "Hola"}, agent=agent(404, 201, 404, 201))],
    "messaging:conversation": [Case("GET", PAGE_OBJECT, agent=HIDDEN)],
    "messaging:reply": [Case("POST", PAGE_OBJECT_POST, data={"text": "Hola"}, format="form", agent=HIDDEN_POST)],
    "messaging:assign": [
        Case("POST", PAGE_OBJECT_POST, data={"assignee": "none"}, format="form", agent=agent(404, 403, 404, 302)),
        Case("POST", PAGE_OBJECT_POST, data=_assign_form("agent_id"), format="form", agent=agent(404, 403, 404, 302)),
    ],
    "messaging:close": [Case("POST", PAGE_OBJECT_POST, data={"note": "Listo"}, format="form", agent=HIDDEN_POST)],
    "messaging:bot": [Case("POST", PAGE_OBJECT_POST, data={"paused": "1"}, format="form", agent=HIDDEN_POST)],
    "api-conversation-close": [Case("POST", API_OBJECT, data={"note": "Listo"}, agent=HIDDEN)],
    "api-conversation-messages": [Case("GET", API_OBJECT, agent=HIDDEN)],
}

# Routes deliberately outside the matrix, each with the reason.
SKIPPED = {
    "admin:*": "Django admin: staff users only (is_staff); no persona is staff. test_admin_refuses_personas covers it.",
    "api-schema": "The OpenAPI schema is public by design (SERVE_PERMISSIONS AllowAny); it holds no data.",
    "api-docs": "Swagger UI served from the app; public like the schema, no data.",
    "favicon": "/favicon.ico, which browsers ask for on their own: a redirect to the static icon, public, no data.",
}
# Unnamed routes Django's admin adds (redirects inside /admin/), skipped with the admin.
ADMIN_PREFIX = "admin/"


def _routes():
    """``(name, pattern)`` of every route, recursively; admin routes are reported as ``admin:*``."""
    found = []

    def walk(resolver, prefix, namespace):
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                ns = namespace
                if pattern.namespace:
                    ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                walk(pattern, prefix + str(pattern.pattern), ns)
            elif isinstance(pattern, URLPattern):
                route = prefix + str(pattern.pattern)
                if route.startswith(ADMIN_PREFIX):
                    found.append(("admin:*", route))
                    continue
                name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
                found.append((name or f"<unnamed {route}>", route))

    walk(get_resolver(), "", None)
    return found


def test_every_route_is_in_the_matrix():
    names = {name for name, _ in _routes()}
    missing = sorted(names - set(MATRIX) - set(SKIPPED))
    assert not missing, f"routes without an entry in MATRIX (or a reason in SKIPPED): {missing}"
    stale = sorted(set(MATRIX) - names)
    assert not stale, f"MATRIX entries for routes that no longer exist: {stale}"
    overlap = sorted(set(MATRIX) & set(SKIPPED))
    assert not overlap, overlap


def test_every_api_method_is_in_the_matrix():
    """An API view that gains a method (say DELETE) needs a row for it too."""
    missing = []
    for name, _route in _routes():
        if name not in MATRIX:
            continue
        view_class = getattr(_resolve_callback(name), "view_class", None)
        if view_class is None or not hasattr(view_class, "http_method_names"):
            continue
        methods = {m.upper() for m in view_class.http_method_names if hasattr(view_class, m) and m not in ("options", "head")}
        methods -= {"OPTIONS", "HEAD"}
        listed = {case.method for case in MATRIX[name]}
        if methods - listed:
            missing.append(f"{name}: {sorted(methods - listed)}")
    assert not missing, missing


def _resolve_callback(name):
    for pattern_name, route in _routes():
        if pattern_name == name:
            match = get_resolver().resolve("/" + _fill(route))
            return match.func
    raise KeyError(name)


def _fill(route: str) -> str:
    import re

    return re.sub(r"<(?:\w+:)?(\w+)>", "1", route)


def _client(persona, users, token):
    client = APIClient()
    if persona == "token":
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    elif persona != "anon":
        client.force_login(users[persona])
    return client


def _url(name, ids):
    from django.urls import get_resolver as resolver

    # reverse() needs exactly the kwargs of the route: take them from the pattern.
    for pattern_name, route in _routes():
        if pattern_name == name:
            import re

            kwargs = {kw: ids[kw] for kw in re.findall(r"<(?:\w+:)?(\w+)>", route)}
            return reverse(name, kwargs=kwargs or None)
    raise KeyError(name, resolver)


def _send(client, case: Case, url: str, ids: dict):
    data = case.data(ids) if callable(case.data) else case.data
    method = getattr(client, case.method.lower())
    with transaction.atomic():
        if case.format == "json":
            response = method(url, data, format="json") if data is not None else method(url)
        elif case.format == "multipart":
            response = method(url, data, format="multipart")
        else:
            response = method(url, data or {})
        transaction.set_rollback(True)
    return response


def _check_shape(name, url, response, persona) -> str | None:
    """API 4xx are ``{"message", "errors"}``; anonymous page requests go to the login page."""
    if url.startswith("/api/") and 400 <= response.status_code < 500:
        try:
            body = response.json()
        except ValueError:
            return f"{name} {persona}: {response.status_code} is not JSON"
        if set(body) != {"message", "errors"} or not body["message"]:
            return f"{name} {persona}: {response.status_code} body {body}"
    if not url.startswith("/api/") and persona in ("anon", "token") and response.status_code == 302:
        location = response["Location"]
        if name not in ("home", "accounts:logout") and not location.startswith("/accounts/login/"):
            return f"{name} {persona}: redirects to {location}, not the login page"
    return None


@pytest.fixture
def users(alice, bob, charlie, dave, erin):
    return {"alice": alice, "bob": bob, "charlie": charlie, "dave": dave, "erin": erin}


def _ids(objects):
    from accounts.models import Membership

    agent_id = Membership.objects.filter(workspace=objects.workspace, role=Membership.Role.AGENT).values_list(
        "user_id", flat=True
    ).first()
    return {**objects.ids(), "workspace_id": objects.workspace.pk, "owner_id": objects.owner.pk,
            "agent_id": agent_id or objects.owner.pk}


@pytest.mark.parametrize("setting", AGENT_SETTINGS)
@pytest.mark.parametrize("persona", PERSONAS)
def test_matrix(persona, setting, acme, globex, users):
    agent_settings(acme.workspace, **AGENT_SETTINGS[setting])
    ids = _ids(acme)
    colleague_ids = _colleague_ids(acme)
    hidden_from_bob = persona == "bob" and not AGENT_SETTINGS[setting]["see_all"]
    mismatches = []
    for table, table_ids in ((MATRIX, ids), (ON_A_COLLEAGUES_CONTACT, colleague_ids)):
        for name, cases in table.items():
            url = _url(name, table_ids)
            for case in cases:
                # A fresh client per request: the logout case must not log the next ones out.
                response = _send(_client(persona, users, acme.token), case, url, table_ids)
                expected = case.agent[setting] if persona == "bob" and case.agent else case.expect[persona]
                if response.status_code != expected:
                    mismatches.append(f"{case.method} {name} ({url}): {response.status_code}, expected {expected}")
                problem = _check_shape(name, url, response, persona)
                if problem:
                    mismatches.append(problem)
                if persona == "charlie" and _leaks_acme(response, acme):
                    mismatches.append(f"{case.method} {name} ({url}): Charlie sees Acme's data")
                if hidden_from_bob and _names_contact(response, acme.extra["contacts"][1]):
                    mismatches.append(f"{case.method} {name} ({url}): Bob sees Alice's contact")
    assert not mismatches, f"{persona} [{setting}]:\n" + "\n".join(mismatches)


def _colleague_ids(objects) -> dict:
    """The ids of ``_ids`` with the contact and conversation of a contact assigned to the owner."""
    from contacts.models import Conversation

    contact = objects.extra["contacts"][1]
    conversation = Conversation.objects.get(contact=contact, status=Conversation.Status.OPEN)
    return {**_ids(objects), "identifier": f"id:{contact.pk}", "conversation_id": conversation.pk}


def _names_contact(response, contact) -> bool:
    """Whether a response names the contact (its email, or its name in a page or a JSON string)."""
    if getattr(response, "streaming", False):
        return False  # downloads (exports) are refused to agents
    text = response.content.decode("utf-8", "replace")
    return contact.email in text or contact.name in text


def _leaks_acme(response, acme) -> bool:
    """Whether a response to Charlie names Alice's workspace, its members or its contacts."""
    if getattr(response, "streaming", False):
        body = b"".join(response.streaming_content)
    else:
        body = response.content
    text = body.decode("utf-8", "replace")
    markers = ["acme.example", acme.workspace.name, acme.contact.email, acme.contact.name]
    return any(marker in text for marker in markers)


TENANT_FREE = {"home", "accounts:login", "accounts:logout", "workflows:template"}


@pytest.mark.parametrize("persona", ["alice", "token"])
def test_other_workspace_objects_are_404(persona, acme, globex, users):
    """Alice and her workspace's token, on every URL naming an object of Charlie's workspace."""
    ids = _ids(globex)
    mismatches = []
    for name, cases in MATRIX.items():
        url = _url(name, ids)
        if name in TENANT_FREE or url == _url(name, _ids(acme)):
            continue  # no object id in this URL
        for case in cases:
            if case.expect[persona] in (302, 401, 403):
                continue  # refused before any object is looked up (page for a token, wrong role, webhook)
            response = _send(_client(persona, users, acme.token), case, url, ids)
            if response.status_code != 404:
                mismatches.append(f"{case.method} {name} ({url}): {response.status_code}")
    assert not mismatches, "\n".join(mismatches)


@pytest.mark.parametrize("persona", ["alice", "bob", "charlie"])
def test_admin_refuses_personas(persona, users):
    """No persona is staff: the admin sends every one of them to its own login page."""
    client = _client(persona, users, None)
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
