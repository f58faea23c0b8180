"""A REAL Celery worker for integration tests: ``celery -A crm worker --pool=solo`` in a
subprocess on the real Redis, pointed at the pytest test database (the tests using it are
``django_db(transaction=True)`` so the worker sees the committed rows).

The ``workers`` fixture (tests/conftest.py) starts them; a test's folder may set the worker's
settings module with a ``worker_settings_module`` fixture (the exports tests add their knobs).
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.db import connection

# The workers' database sessions carry this name, so the test can end those a SIGKILL orphaned.
WORKER_APPLICATION_NAME = "crm-test-worker"


def test_database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] or ""
    if db.get("PASSWORD"):
        auth += f":{db['PASSWORD']}"
    return (
        f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        f"?application_name={WORKER_APPLICATION_NAME}"
    )


test_database_url.__test__ = False  # not a test (its name starts with "test")


def end_worker_sessions() -> None:
    """A killed worker's session may linger; the test database cannot be dropped while it does."""
    with connection.cursor() as cursor:
        for _ in range(50):
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND application_name = %s AND pid <> pg_backend_pid()",
                [WORKER_APPLICATION_NAME],
            )
            if not cursor.fetchall():
                return
            time.sleep(0.1)


class Worker:
    """A celery worker subprocess with the test process's environment and test database;
    ``extra_env`` adds settings read from the environment (BROADCAST_BATCH_SIZE=…)."""

    def __init__(self, tmp_path: Path, *, settings_module: str = "crm.settings", **extra_env):
        self.log = tmp_path / f"worker-{time.monotonic_ns()}.log"
        env = {
            **os.environ,
            "DATABASE_URL": test_database_url(),
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "DJANGO_SETTINGS_MODULE": settings_module,
            "DB_CONN_MAX_AGE": "0",
            **{k: str(v) for k, v in extra_env.items()},
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "crm", "worker", "--pool=solo", "--concurrency=1",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "info",
             "-n", f"test-worker-{os.getpid()}-{time.monotonic_ns()}@%h"],
            cwd=settings.BASE_DIR, env=env, stdout=self.log.open("w"), stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while " ready." not in self.log.read_text():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise AssertionError("the worker did not start:\n" + self.log.read_text()[-3000:])
            time.sleep(0.1)

    def kill(self):
        """SIGKILL: no cleanup, the task's message stays unacknowledged."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
