"""URL routes: the admin, the REST API v1 and its OpenAPI documents."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from ussd import simulator

urlpatterns = [
    path("admin/reports/", include("backoffice.urls")),  # before the admin's catch-all
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/v1/agent/", include("agents.api.urls")),
    path("api/v1/", include("wallets.api.urls")),
    path("api/v1/", include("operators.api.urls")),
    path("gsma/v1.2/mm/", include("gsma.urls")),
    path("ussd/", include("ussd.urls")),
    path("sms/", include("ussd.sms.urls")),
    path("operators/", include("operators.urls")),
    path("simulator/", simulator.page, name="simulator"),
    path("simulator/inbox/", simulator.inbox, name="simulator-inbox"),
]
