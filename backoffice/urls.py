"""The back-office reports, mounted under /admin/reports/ (config/urls.py, before the admin's
own catch-all) and wrapped by the admin site: its login, its staff check, and whatever else
the site requires (a verified second factor) apply before each view's permission check.
The admin index links them (a "Reports" box, for those allowed): `StaffAdminSite`.
"""

from __future__ import annotations

from django.contrib import admin
from django.urls import path

from backoffice.dashboard.views import dashboard
from backoffice.exports.views import export_csv, exports_page

app_name = "backoffice"

urlpatterns = [
    path("", admin.site.admin_view(dashboard), name="dashboard"),
    path("exports/", admin.site.admin_view(exports_page), name="exports"),
    path("exports/<slug:kind>.csv", admin.site.admin_view(export_csv), name="export"),
]
