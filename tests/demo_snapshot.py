"""The demo workspace, seeded once per test process and copied back for each test that reads it.

``seed_demo`` goes through every write path of the CRM (tens of thousands of statements for a
month of demo traffic), so the report browser tests and the demo tests would spend most of the
suite seeding the same workspace again. Instead a session fixture runs the real ``seed_demo``
once, copies every table of the CRM's apps into snapshot tables beside them, and empties the
originals again; each test then copies the rows back (a few ``INSERT … SELECT``), inside its own
transaction or, for live-server tests, committed and flushed afterwards as usual.

The copy is the seeded state exactly: the rows, their ids (sequences are moved past them) and the
rollup rows the PostgreSQL triggers wrote while seeding. The triggers are disabled while the rows
are copied back, or they would count them a second time. If the database is not empty when the
snapshot would be taken (another session fixture wrote rows), no snapshot is taken and each test
seeds for itself.
"""

from __future__ import annotations

import io

from django.apps import apps
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction

# The CRM's own apps, and the admin's log (it refers to users); Django's content types and
# permissions are left alone: the migrations' signals recreate them after every flush.
CRM_APPS = ("admin", "accounts", "assignments", "broadcasts", "business_hours", "contacts", "exports", "imports",
            "integrations", "messaging", "presence", "reports", "workflows")


def _crm_models():
    models = []
    for app_label in CRM_APPS:
        try:
            config = apps.get_app_config(app_label)
        except LookupError:
            continue
        models.extend(m for m in config.get_models(include_auto_created=True) if m._meta.managed)
    return models


class DemoSnapshot:
    """The rows of ``seed_demo *seed_args``, held in tables named ``zz_snapshot_<key>_<n>``."""

    def __init__(self, key: str, *seed_args: str):
        self.key = key
        self.seed_args = seed_args
        self.tables: dict[str, str] = {}  # original table → snapshot table
        self.models = []
        self.taken = False

    def seed(self) -> None:
        call_command("seed_demo", *self.seed_args, stdout=io.StringIO())

    def load(self):
        """The demo workspace, seeded: copied back, or seeded now if no snapshot was taken."""
        from accounts.models import Workspace

        if self.taken:
            self.restore()
        else:
            self.seed()
        return Workspace.objects.get(name="Demo Tienda")

    def take(self) -> bool:
        """Seed, copy the tables that got rows, empty them again. False (nothing done) if the
        tables were not empty to begin with."""
        models = _crm_models()
        tables = [m._meta.db_table for m in models]
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT 1")
                if cursor.fetchone():
                    return False
        self.seed()
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
