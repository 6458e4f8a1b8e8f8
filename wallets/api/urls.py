"""REST API v1: token-authenticated clients; amounts are integer minor units."""

from __future__ import annotations

from django.urls import URLPattern, path

from wallets.api import views

urlpatterns: list[URLPattern] = [
    path("transfers", views.TransferView.as_view(), name="api-transfers"),
    path("wallets/<str:phone>/balance", views.WalletBalanceView.as_view(), name="api-balance"),
    path(
        "wallets/<str:phone>/statement",
        views.WalletStatementView.as_view(),
        name="api-statement",
    ),
    path("transactions/<str:reference>", views.TransactionView.as_view(), name="api-transaction"),
    path("health", views.HealthView.as_view(), name="api-health"),
]
