from __future__ import annotations

from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class BackofficeConfig(AppConfig):
    """Staff access (groups, two-factor login, lockout), the dashboard and CSV exports."""

    name = "backoffice"
    verbose_name = "Back office"

    def ready(self) -> None:
        # Permissions of other apps exist only after their migrations: Django's post_migrate
        # is the hook for that (infrastructure, not a domain rule).
        from django.db.models.signals import post_migrate  # noqa: TID251

        from backoffice import checks  # noqa: F401  (registers the deployment check)
        from backoffice.sync import sync_after_migrate

        post_migrate.connect(sync_after_migrate, dispatch_uid="backoffice.sync_roles")


class StaffAdminConfig(admin_apps.AdminConfig):
    """The Django admin, served by `backoffice.sites.StaffAdminSite` (two-factor login when
    STAFF_REQUIRE_2FA is on). INSTALLED_APPS names this class instead of
    "django.contrib.admin": Django's documented way to replace the default admin site."""

    default = False  # BackofficeConfig stays this module's app config
    default_site = "backoffice.sites.StaffAdminSite"
