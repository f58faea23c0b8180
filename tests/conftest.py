"""Personas of every test: alice (owner), bob (agent in Alice's workspace), charlie (another workspace).

Also: a manager, a restricted manager, API clients, and Celery running tasks eagerly unless a
test starts a real worker.
"""

import io
import os

import pytest
from django.core.management import call_command
from django.db import connection
from rest_framework.test import APIClient

from accounts.models import Membership, Workspace
from crm.celery import app as celery_app
from tests.celery_worker import Worker, end_worker_sessions
from tests.factories import WorkspaceFactory, api_token, member
from tests.snapshots import FAST_HASHERS, session_snapshot

pytest_plugins: list[str] = []


def pytest_collection_modifyitems(config, items):
    on_postgres = "postgres" in (os.environ.get("DATABASE_URL") or "")
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
    skip_redis = pytest.mark.skip(reason="needs a real Redis (set REDIS_URL)")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip_pg)
        if "redis" in item.keywords and not os.environ.get("REDIS_URL"):
            item.add_marker(skip_redis)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS


@pytest.fixture(autouse=True)
def eager_celery():
    """Tasks run in-process in tests; the worker integration tests switch this off."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def worker_settings_module():
    """The settings module of the workers ``workers`` starts (a tests folder may override it)."""
    return "crm.settings"


@pytest.fixture
def workers(tmp_path, worker_settings_module):
    """``start(**env)`` starts a real Celery worker (tests/celery_worker.py) on Redis and the test
    database; every one started is stopped at the end, and the queue holds only this test's tasks."""
    started: list[Worker] = []

    def start(**env) -> Worker:
        worker = Worker(tmp_path, settings_module=worker_settings_module, **env)
        started.append(worker)
        return worker

    # Only this test's messages: drop whatever an earlier, aborted run left in the queue.
    celery_app.control.purge()
    celery_app.conf.task_always_eager = False
    yield start
    for worker in started:
        worker.stop()
    end_worker_sessions()
    celery_app.control.purge()


@pytest.fixture(autouse=True)
def _media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def workspace(db):
    return WorkspaceFactory(name="Acme", timezone="America/Mexico_City", language="es")


@pytest.fixture
def other_workspace(db):
    return WorkspaceFactory(name="Globex", timezone="Europe/Madrid", language="es")


@pytest.fixture
def alice(workspace):
    return member(workspace, Membership.Role.OWNER, email="alice@acme.example", name="Alice")


@pytest.fixture
def bob(workspace):
    return member(workspace, Membership.Role.AGENT, email="bob@acme.example", name="Bob")


@pytest.fixture
def dave(workspace):
    """An unrestricted manager of Alice's workspace."""
    return member(workspace, Membership.Role.MANAGER, email="dave@acme.example", name="Dave")


@pytest.fixture
def erin(workspace):
    """A manager of Alice's workspace with ``restrict_data_export``."""
    user = member(workspace, Membership.Role.MANAGER, email="erin@acme.example", name="Erin")
    Membership.objects.filter(user=user).update(restrict_data_export=True)
    return user


@pytest.fixture
def charlie(other_workspace):
    return member(other_workspace, Membership.Role.OWNER, email="charlie@globex.example", name="Charlie")


def _client_for(user):
    client = APIClient(enforce_csrf_checks=False)
    client.force_login(user)
    return client


@pytest.fixture
def alice_client(alice):
    return _client_for(alice)


@pytest.fixture
def bob_client(bob):
    return _client_for(bob)


@pytest.fixture
def charlie_client(charlie):
    return _client_for(charlie)


@pytest.fixture
def dave_client(dave):
    return _client_for(dave)


@pytest.fixture
def erin_client(erin):
    return _client_for(erin)


@pytest.fixture
def anon_client():
    return APIClient()


@pytest.fixture
def token_client(workspace):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token(workspace)}")
    return client


@pytest.fixture
def is_postgres():
    return connection.vendor == "postgresql"


def _demo(*seed_args: str):
    """``seed_demo *seed_args``, built once per test process (tests/snapshots.py); ``.load()``
    gives the demo workspace's id."""

    def build() -> int:
        call_command("seed_demo", *seed_args, stdout=io.StringIO())
        return Workspace.objects.get(name="Demo Tienda").pk

    return build


# The demo workspace of `make run`, smaller: what the report browser tests and the demo tests read.
demo_month = session_snapshot("month", _demo("--contacts", "40", "--events", "300", "--days", "30", "--seed", "5"))
demo_month_busier = session_snapshot("busier", _demo("--contacts", "40", "--events", "400", "--days", "30",
                                                     "--seed", "11"))
demo_quarter = session_snapshot("quarter", _demo("--contacts", "40", "--events", "300"))


@pytest.fixture
def demo(db, demo_month):
    """The demo workspace (seed_demo over 30 days: 40 contacts, 300 steps), fresh for each test."""
    return Workspace.objects.get(pk=demo_month.load())
