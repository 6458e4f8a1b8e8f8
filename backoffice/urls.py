"""The back-office reports, mounted under /admin/reports/ (config/urls.py, before the admin's
own catch-all) and wrapped by the admin site: its login, its staff check, and whatever else
the site requires (a verified second factor) apply before each view's permission check.

Mounting them also links the dashboard from the admin index (`ADMIN_INDEX_TEMPLATE`), which
adds a "Reports" box above the applications for those allowed to see it.
"""

from __future__ import annotations

from django.contrib import admin
from django.urls import path

from backoffice.dashboard.views import dashboard
from backoffice.exports.views import export_csv, exports_page

ADMIN_INDEX_TEMPLATE = "backoffice/admin_index.html"

app_name = "backoffice"

urlpatterns = [
    path("", admin.site.admin_view(dashboard), name="dashboard"),
    path("exports/", admin.site.admin_view(exports_page), name="exports"),
    path("exports/<slug:kind>.csv", admin.site.admin_view(export_csv), name="export"),
]

admin.site.index_template = ADMIN_INDEX_TEMPLATE
