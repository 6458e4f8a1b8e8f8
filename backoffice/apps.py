from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    """Staff access (groups, two-factor login, lockout), the dashboard and CSV exports."""

    name = "backoffice"
    verbose_name = "Back office"
