"""The dashboard page, inside the admin (its header, navigation and login)."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.template.response import TemplateResponse

from backoffice.dashboard import page
from backoffice.dashboard.access import can_export, can_view_dashboard
from backoffice.dashboard.links import AdminLinks


def dashboard(request: HttpRequest) -> TemplateResponse:
    """Today's figures for one currency (`?currency=`; the default currency otherwise).

    Mounted through `admin.site.admin_view`, so the admin's own login and checks (active
    staff, and a second factor where the site requires one) come first; then the reports
    permission."""
    if not can_view_dashboard(request.user):
        raise PermissionDenied
    context = {
        **admin.site.each_context(request),
        "title": "Dashboard",
        "can_export": can_export(request.user),
        **page.build(request.GET.get("currency"), AdminLinks(request.user)),
    }
    return TemplateResponse(request, "backoffice/dashboard.html", context)
