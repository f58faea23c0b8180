"""Settings of the Celery worker started by test_worker.py: small batches, so a test can kill
the worker between two committed batches of a few hundred rows."""

from crm.settings import *  # noqa: F403

IMPORT_BATCH_SIZE = 20
