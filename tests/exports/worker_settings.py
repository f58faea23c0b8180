"""Settings of the Celery worker started by the export integration tests.

The project's settings, plus export knobs from the environment, so a test can make the worker
write progress after every small batch (and kill it mid-export).
"""

import os

from crm.settings import *  # noqa: F403

EXPORT_BATCH_SIZE = int(os.environ.get("EXPORT_BATCH_SIZE", "5000"))
EXPORT_PROGRESS_SECONDS = float(os.environ.get("EXPORT_PROGRESS_SECONDS", "1"))
