from __future__ import annotations

from django.apps import AppConfig


class AuditConfig(AppConfig):
    """The append-only audit log of every admin and API write."""

    name = "audit"
    verbose_name = "Audit log"

    def ready(self) -> None:
        from audit import admin_hooks, logins

        admin_hooks.install()
        logins.connect()
