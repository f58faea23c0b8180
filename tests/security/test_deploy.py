"""Production settings: ``check --deploy`` is clean, secure cookies, HSTS, HTTPS redirect, and a
Content-Security-Policy that only allows the app's own files (no inline script or style)."""

import os
import re
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client

from tests.security.test_url_matrix import MATRIX, _ids, _url

BASE_DIR = Path(django_settings.BASE_DIR)


def production_env(**extra) -> dict:
    """The documented production environment (docs/operations.md), with a random secret."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("SECURE_", "DJANGO_"))}
    env.update(
        DEBUG="0",
        CRM_REQUIRE_SECRET_KEY="1",
        SECRET_KEY="".join(secrets.choice(string.ascii_letters + string.digits + "!@#%^&*(-_=+)") for _ in range(50)),
        ALLOWED_HOSTS="crm.example",
        DJANGO_SETTINGS_MODULE="crm.settings",
    )
    env.update(extra)
    return env


def run_manage(*args, env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_with_the_production_environment():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = production_env()
    del env["SECRET_KEY"]
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set in production" in result.stderr


def test_production_settings_values():
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; print(json.dumps({k: getattr(s, k)"
        " for k in ['DEBUG', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY',"
        " 'SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_HSTS_PRELOAD',"
        " 'SECURE_CONTENT_TYPE_NOSNIFF', 'X_FRAME_OPTIONS', 'SECURE_PROXY_SSL_HEADER', 'ALLOWED_HOSTS']}))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=BASE_DIR, env=production_env(),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    import json

    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values == {
        "DEBUG": False,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "X_FRAME_OPTIONS": "DENY",
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "ALLOWED_HOSTS": ["crm.example"],
    }


@pytest.fixture
def production_http(settings):
    """The production security settings, applied to this process's request handling."""
    settings.DEBUG = False
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    return settings


@pytest.mark.django_db
def test_https_redirect_hsts_and_secure_cookies(production_http, alice):
    client = Client()
    response = client.get("/accounts/login/")
    assert response.status_code == 301 and response["Location"].startswith("https://")
    # Behind the proxy, which says the request came over HTTPS:
    response = client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    csrf_cookie = response.cookies["csrftoken"]
    assert csrf_cookie["secure"] and csrf_cookie["samesite"] == "Lax"
    token = csrf_cookie.value
    client = Client(enforce_csrf_checks=True)
    client.cookies["csrftoken"] = token
    response = client.post(
        "/accounts/login/", {"username": "alice@acme.example", "password": "pw-123456", "csrfmiddlewaretoken": token},
        secure=True, HTTP_REFERER="https://testserver/accounts/login/",
    )
    assert response.status_code == 302, response.content[:500]
    session = response.cookies["sessionid"]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"


@pytest.mark.django_db
def test_healthz_answers_without_https_or_a_known_host(production_http):
    response = Client().get("/healthz", HTTP_HOST="10.0.0.7:8000")
    assert response.status_code == 200 and response.content == b"ok"


# --- Content-Security-Policy ---------------------------------------------------------------

STRICT = "script-src 'self'; style-src 'self'"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
SCRIPT_SRC = re.compile(r"<script[^>]*\bsrc=\"([^\"]+)\"", re.I)
STYLE_LINK = re.compile(r"<link[^>]*rel=\"stylesheet\"[^>]*href=\"([^\"]+)\"", re.I)
EVENT_ATTR = re.compile(r"<[a-z][^>]*\s(on[a-z]+)\s*=", re.I)
STYLE_ATTR = re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I)
STYLE_TAG = re.compile(r"<style[\s>]", re.I)
JAVASCRIPT_URL = re.compile(r"(href|src|action)\s*=\s*\"\s*javascript:", re.I)


def inline_code_problems(html: str) -> list[str]:
    problems = []
    for regex, what in ((INLINE_SCRIPT, "inline <script>"), (EVENT_ATTR, "on* attribute"),
                        (STYLE_ATTR, "style attribute"), (STYLE_TAG, "<style> block"),
                        (JAVASCRIPT_URL, "javascript: URL")):
        for match in regex.finditer(html):
            problems.append(f"{what}: {html[max(0, match.start() - 40):match.end() + 40]!r}")
    for regex in (SCRIPT_SRC, STYLE_LINK):
        for src in regex.findall(html):
            if not src.startswith(django_settings.STATIC_URL):
                problems.append(f"not one of the app's static files: {src}")
    return problems


def _page_urls(ids) -> list[str]:
    urls = []
    for name, cases in MATRIX.items():
        url = _url(name, ids)
        if url.startswith("/api/") or not any(case.method == "GET" for case in cases):
            continue
        urls.append(url)
    return urls


@pytest.mark.django_db
def test_every_page_uses_only_the_apps_own_scripts_and_styles(acme, alice, bob):
    """Every page of the matrix, as the owner and as an agent: no inline code, strict CSP."""
    checked = 0
    for user in (None, alice, bob):
        client = Client()
        if user:
            client.force_login(user)
        for url in [*_page_urls(_ids(acme)), "/accounts/login/", "/no-such-page/", "/messages/999999/"]:
            response = client.get(url, follow=True)
            if "text/html" not in response.get("Content-Type", ""):
                continue
            csp = response["Content-Security-Policy"]
            assert STRICT in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp, (url, csp)
            assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
            problems = inline_code_problems(response.content.decode())
            assert not problems, (url, problems)
            checked += 1
    assert checked > 40


def test_no_template_has_inline_script_or_style():
    """The templates themselves (including pages not reachable with the seeded data)."""
    problems = {}
    for path in BASE_DIR.glob("**/templates/**/*.html"):
        if ".venv" in path.parts or "site-packages" in path.parts:
            continue
        found = inline_code_problems(path.read_text(encoding="utf-8"))
        # Template tags inside a src are fine: {% static %} produces a /static/ URL.
        found = [p for p in found if "{%" not in p and "{{" not in p]
        if found:
            problems[str(path.relative_to(BASE_DIR))] = found
    assert not problems, problems


@pytest.mark.django_db
def test_static_scripts_are_served_from_the_app(alice):
    client = Client()
    client.force_login(alice)
    html = client.get("/reports/assignments/").content.decode()
    sources = SCRIPT_SRC.findall(html)
    assert sources and all(src.startswith("/static/") for src in sources)
    for src in sources:
        path = BASE_DIR / "static" / src.removeprefix("/static/").split("?")[0]
        assert path.is_file(), src


def test_page_scripts_build_the_dom_without_html_strings():
    """Names reach the charts, tooltips and tables as text: the app's own scripts never parse
    strings as HTML or code (the vendored Chart.js draws tooltips on a canvas)."""
    risky = re.compile(r"\.innerHTML\s*[+]?=|\.outerHTML\s*=|insertAdjacentHTML|document\.write|\beval\(|new Function\(")
    problems = []
    for path in (BASE_DIR / "static").glob("**/*.js"):
        if "vendor" in path.parts:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if risky.search(line):
                problems.append(f"{path.relative_to(BASE_DIR)}:{number}: {line.strip()}")
    assert not problems, problems
