"""The settings a deployment runs with, for benchmarks: DEBUG off (no query log, no debug
cursor), persistent connections, and throwaway values for the secrets production requires."""

from __future__ import annotations

import os
import secrets

SECRETS = (
    "DJANGO_SECRET_KEY",
    "OPERATOR_CALLBACK_TOKEN",
    "PIN_PEPPER",
    "USSD_CALLBACK_TOKEN",
    "SMS_CALLBACK_TOKEN",
    "PARTNER_SECRET_KEY",
)


def production_environment() -> dict[str, str]:
    """Environment variables for production settings; set them before `django.setup()` (or
    pass them to a server's process). Secrets already set are kept, so parent and child
    processes agree."""
    values = {name: os.environ.get(name) or secrets.token_urlsafe(32) for name in SECRETS}
    return values | {"DJANGO_DEBUG": "false", "DJANGO_SETTINGS_MODULE": "config.settings"}


def use_production_settings() -> None:
    os.environ.update(production_environment())
