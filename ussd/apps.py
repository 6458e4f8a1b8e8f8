from __future__ import annotations

from django.apps import AppConfig


class UssdConfig(AppConfig):
    name = "ussd"
    verbose_name = "USSD and SMS channels"
