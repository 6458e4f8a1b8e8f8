from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    """Maker-checker: sensitive changes requested by one staff member, approved by another."""

    name = "approvals"
    verbose_name = "Approvals (maker-checker)"
