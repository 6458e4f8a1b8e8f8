"""Agent API: /api/v1/agent/..., authenticated by a device token."""

from __future__ import annotations

from django.urls import URLPattern, path

from agents.api import top_ups, views

urlpatterns: list[URLPattern] = [
    path("me", views.ProfileView.as_view(), name="agent-api-me"),
    path("quotes", views.QuoteView.as_view(), name="agent-api-quotes"),
    path("cash-ins", views.CashInView.as_view(), name="agent-api-cash-ins"),
    path("code-cash-outs", views.CodeCashOutView.as_view(), name="agent-api-code-cash-outs"),
    path("customers", views.RegistrationView.as_view(), name="agent-api-customers"),
    path("float/buy", views.FloatView.as_view(operation="buy"), name="agent-api-float-buy"),
    path(
        "float/return", views.FloatView.as_view(operation="return"), name="agent-api-float-return"
    ),
    path(
        "commission/move",
        views.FloatView.as_view(operation="commission"),
        name="agent-api-commission-move",
    ),
    path("float/top-ups", top_ups.FloatTopUpView.as_view(), name="agent-api-float-top-ups"),
    path(
        "float/top-ups/<str:reference>",
        top_ups.FloatTopUpStateView.as_view(),
        name="agent-api-float-top-up",
    ),
    path("cash-counts", views.CashCountView.as_view(), name="agent-api-cash-counts"),
    path("statement", views.StatementView.as_view(), name="agent-api-statement"),
]
