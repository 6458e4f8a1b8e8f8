from django.apps import AppConfig


class AuditConfig(AppConfig):
    """The append-only audit log of every admin and API write."""

    name = "audit"
    verbose_name = "Audit log"
