from __future__ import annotations

from django.apps import AppConfig


class OperatorsConfig(AppConfig):
    name = "operators"
    verbose_name = "Mobile-money operators"
