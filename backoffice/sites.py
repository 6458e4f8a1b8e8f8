"""The admin site: Django's, or django-otp's two-factor site when STAFF_REQUIRE_2FA is on.

`StaffAdminConfig` (backoffice.apps) makes this class the default `admin.site`, so every
ModelAdmin, and every view wrapped by `admin.site.admin_view` (the dashboard, the exports),
goes through it. The setting is read per request, not at start-up: with DEBUG on (`make run`)
the demo logins work with a password alone, and a test can turn two-factor on.

With two-factor on, OTPAdminSite's rule applies: a staff member is let in only once a
confirmed device has verified this session (`request.user.is_verified()`); until then the
admin treats them as signed out and shows the login page, with the code field and, for
someone without a device, how to get one (backoffice.two_factor).
"""

from __future__ import annotations

from typing import Any

from django.contrib.admin import AdminSite
from django.http import HttpRequest
from django_otp.admin import OTPAdminSite

from backoffice.two_factor import StaffLoginForm, two_factor_required

LOGIN_TEMPLATE = "backoffice/access/login.html"


class StaffAdminSite(OTPAdminSite):
    # The index adds a "Reports" box (backoffice/urls.py) for those allowed to see it.
    index_template = "backoffice/admin_index.html"

    def __init__(self, name: str = "admin") -> None:
        super().__init__(name)  # OTPAdminSite names itself "otpadmin"; URLs say "admin:"

    @property
    def login_form(self) -> Any:
        return StaffLoginForm if two_factor_required() else None  # None: Django's own form

    @property
    def login_template(self) -> str | None:
        return LOGIN_TEMPLATE if two_factor_required() else None

    def has_permission(self, request: HttpRequest) -> bool:
        if two_factor_required():
            return bool(super().has_permission(request))  # active staff, verified session
        return AdminSite.has_permission(self, request)

    def each_context(self, request: HttpRequest) -> dict[str, Any]:
        return {**super().each_context(request), "two_factor_required": two_factor_required()}
