"""The operator endpoints of the REST API v1, mounted under /api/v1/ beside the wallets'."""

from __future__ import annotations

from django.urls import URLPattern, path

from operators.api import views

urlpatterns: list[URLPattern] = [
    path("top-ups", views.TopUpView.as_view(), name="api-top-ups"),
    path("withdrawals", views.WithdrawalView.as_view(), name="api-withdrawals"),
    path(
        "operator-requests/<str:reference>",
        views.OperatorRequestView.as_view(),
        name="api-operator-request",
    ),
]
