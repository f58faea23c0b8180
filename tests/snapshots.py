"""Data built once per test process through the real write paths, and copied back for each test.

``seed_demo`` goes through every write path of the CRM (tens of thousands of statements for a
month of demo traffic), and the rollup agreement tests build a year of conversations the same
way, so the tests that read them would spend most of the suite building the same rows again.
Instead a session fixture (``session_snapshot``) builds them once, copies every table of the
CRM's apps into snapshot tables beside them, and empties the originals again; each test then
copies the rows back (a few ``INSERT … SELECT``), inside its own transaction or, for live-server
tests, committed and flushed afterwards as usual.

The copy is the seeded state exactly: the rows, their ids (sequences are moved past them) and the
rollup rows the PostgreSQL triggers wrote while seeding. The triggers are disabled while the rows
are copied back, or they would count them a second time. If the database is not empty when the
snapshot would be taken (another session fixture wrote rows), no snapshot is taken and each test
builds for itself.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management.color import no_style
from django.db import connection, transaction
from django.test.utils import override_settings

from crm.celery import app as celery_app

# Passwords are hashed whenever a persona is created; PBKDF2's cost (~0.25 s each) would dominate
# the suite. The tests of login itself work the same with this hasher (tests/conftest.py).
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

def _crm_models():
    """The models of the CRM's own apps (those in this repository: a new app is included without
    a list to keep), and the admin's log (it refers to users). Django's content types and
    permissions are left alone: the migrations' signals recreate them after every flush."""
    root = Path(settings.BASE_DIR).resolve()
    configs = [c for c in apps.get_app_configs() if Path(c.path).resolve().is_relative_to(root)]
    configs.append(apps.get_app_config("admin"))
    return [m for c in configs for m in c.get_models(include_auto_created=True) if m._meta.managed]


class TableSnapshot:
    """The rows ``build()`` writes, held in tables named ``zz_snapshot_<key>_<n>``; ``build``
    returns what a test needs to find them again (ids: they are kept)."""

    def __init__(self, key: str, build: Callable[[], Any]):
        self.key = key
        self.build = build
        self.value: Any = None
        self.tables: dict[str, str] = {}  # original table → snapshot table
        self.models = []
        self.taken = False

    def load(self) -> Any:
        """The built rows, copied back (or built now if no snapshot was taken); ``build``'s value."""
        if not self.taken:
            return self.build()
        self.restore()
        return self.value

    def take(self) -> bool:
        """Build, copy the tables that got rows, empty them again. False (nothing done) if the
        tables were not empty to begin with."""
        models = _crm_models()
        tables = [m._meta.db_table for m in models]
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT 1")
                if cursor.fetchone():
                    return False
        self.value = self.build()
        quote = connection.ops.quote_name
        with transaction.atomic(), connection.cursor() as cursor:
            for index, model in enumerate(models):
                table = model._meta.db_table
                cursor.execute(f"SELECT 1 FROM {quote(table)} LIMIT 1")
                if not cursor.fetchone():
                    continue
                copy = f"zz_snapshot_{self.key}_{index}"
                cursor.execute(f"DROP TABLE IF EXISTS {quote(copy)}")
                cursor.execute(f"CREATE TABLE {quote(copy)} AS SELECT * FROM {quote(table)}")
                self.tables[table] = copy
                self.models.append(model)
        connection.ops.execute_sql_flush(
            connection.ops.sql_flush(no_style(), tables, reset_sequences=False, allow_cascade=False)
        )
        self.taken = True
        return True

    def restore(self) -> None:
        """The seeded rows back, in one transaction."""
        quote = connection.ops.quote_name
        with transaction.atomic(), connection.cursor() as cursor:
            triggered = self._tables_with_triggers(cursor)
            for table in triggered:
                cursor.execute(f"ALTER TABLE {quote(table)} DISABLE TRIGGER USER")
            for table, copy in self.tables.items():
                cursor.execute(f"INSERT INTO {quote(table)} SELECT * FROM {quote(copy)}")
            if triggered:
                # The foreign keys' checks (deferred to the commit) now, so no trigger events are
                # pending when the triggers are enabled again; then deferred again, as Django
                # creates them.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                for table in triggered:
                    cursor.execute(f"ALTER TABLE {quote(table)} ENABLE TRIGGER USER")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            for statement in connection.ops.sequence_reset_sql(no_style(), self.models):
                cursor.execute(statement)

    def drop(self) -> None:
        with connection.cursor() as cursor:
            for copy in self.tables.values():
                cursor.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(copy)}")

    def _tables_with_triggers(self, cursor) -> list[str]:
        """The restored tables that have triggers of the CRM's own (PostgreSQL: the rollups)."""
        if connection.vendor != "postgresql":
            return []
        cursor.execute(
            "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE NOT t.tgisinternal AND c.relname = ANY(%s)",
            [list(self.tables)],
        )
        return [row[0] for row in cursor.fetchall()]


def session_snapshot(key: str, build: Callable[[], Any]):
    """A session fixture: ``build`` run once per test process, outside any test's transaction
    (tasks in-process, the fast hasher), as a ``TableSnapshot``; ``.load()`` in a test's fixture."""

    @pytest.fixture(scope="session")
    def snapshot(django_db_setup, django_db_blocker):
        taken = TableSnapshot(key, build)
        eager = celery_app.conf.task_always_eager
        celery_app.conf.task_always_eager = True
        try:
            with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS):
                taken.take()
        finally:
            celery_app.conf.task_always_eager = eager
        yield taken
        with django_db_blocker.unblock():
            taken.drop()

    return snapshot
