"""The Celery application. Tasks load rows by id and call services; the database is the truth."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("agentnet")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
