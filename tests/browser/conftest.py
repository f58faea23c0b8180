"""Browser tests: Playwright (sync API) driving Debian's chromium against pytest-django's
live_server. Skipped, with the reason, where /usr/bin/chromium is not installed (.ci/run
installs it)."""

import os
import threading
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


def pytest_collection_modifyitems(config, items):
    if os.path.exists(CHROMIUM):
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is not installed (apt-get install chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def allow_orm_beside_playwright(monkeypatch):
    """Playwright's sync API runs an asyncio loop in the test thread; Django refuses ORM calls
    from a thread with a running loop unless told it is safe (it is: the calls are sequential)."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def one_request_at_a_time_on_sqlite(monkeypatch):
    """On an in-memory SQLite test database the live server's request threads share ONE
    connection (Django docs, LiveServerTestCase: "prevent simultaneous database queries via
    this shared connection"). The page loads its three report requests in parallel, and two
    queries at once on that connection can deadlock (SQLite calls back into Python for the
    timezone functions). So requests are served one at a time there; PostgreSQL runs them
    concurrently, as in production."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection

    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        return
    lock = threading.RLock()
    serve = WSGIHandler.__call__

    def serve_one_at_a_time(self, environ, start_response):
        with lock:
            response = serve(self, environ, start_response)
            # Django closes the DB work of a response when it is closed; read it inside the lock.
            body = b"".join(response)
            response.close()
        return [body]

    monkeypatch.setattr(WSGIHandler, "__call__", serve_one_at_a_time)


@pytest.fixture
def chromium(allow_orm_beside_playwright, one_request_at_a_time_on_sqlite):
    """Chromium for one test. Request the fixtures that write data BEFORE this one: database
    work done while Playwright's loop runs gets a connection of its own that nothing closes
    (PostgreSQL then refuses to drop the test database at the end of the session)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS

