"""Send report reads to a read replica when ``DATABASE_REPLICA_URL`` is set.

Only reads made inside ``report_reads()`` go to the replica — the report endpoints and the
export task wrap themselves in it — so the write path (which reads the contact it locks and the
latest event) always sees the primary. Without a replica everything uses ``default``.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings

_report_reads: ContextVar[bool] = ContextVar("report_reads", default=False)
REPORT_MODELS = {"assignments.assignmentevent", "assignments.assignmentdailycount",
                 "assignments.assignmentrollupstate"}


@contextmanager
def report_reads():
    token = _report_reads.set(True)
    try:
        yield
    finally:
        _report_reads.reset(token)


class ReportReplicaRouter:
    def db_for_read(self, model, **hints):
        if "replica" in settings.DATABASES and _report_reads.get() and model._meta.label_lower in REPORT_MODELS:
            return "replica"
        return None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"
