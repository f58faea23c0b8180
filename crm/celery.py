"""Celery application.

Without ``REDIS_URL`` (the ``make run`` default) tasks run in-process and eagerly, so the
app works with no broker; with it, workers on Redis run them (see ``docker-compose.yml``).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")

app = Celery("crm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
