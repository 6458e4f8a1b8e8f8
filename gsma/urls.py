"""The partner API under /gsma/v1.2/mm/, and its own OpenAPI document."""

from __future__ import annotations

from django.urls import path, re_path
from drf_spectacular.views import SpectacularJSONAPIView

from gsma.views import accounts, batches, mandates, support, transactions
from gsma.views.catchall import NotFoundView

ACCOUNT = "accounts/msisdn/<str:phone>/"
SCHEMA_SETTINGS = {
    "TITLE": "Partner API (GSMA Mobile Money API v1.2 compatible subset)",
    "DESCRIPTION": (
        "Amounts are decimal strings in major units, as in the GSMA API. Requests are signed:"
        " see the gsmaSignature security scheme. Every error is a GSMA error object."
    ),
    "VERSION": "1.2.0",
    "SERVERS": [{"url": "/gsma/v1.2/mm"}],
    "COMPONENT_SPLIT_REQUEST": True,
}

urlpatterns = [
    path("heartbeat", support.HeartbeatView.as_view(), name="gsma-heartbeat"),
    path(
        "transactions/type/merchantpay",
        transactions.MerchantPayView.as_view(),
        name="gsma-merchantpay",
    ),
    path(
        "transactions/type/disbursement",
        transactions.DisbursementView.as_view(),
        name="gsma-disbursement",
    ),
    path("transactions/type/transfer", transactions.TransferView.as_view(), name="gsma-transfer"),
    path(
        "transactions/<str:reference>",
        transactions.TransactionView.as_view(),
        name="gsma-transaction",
    ),
    path(
        "transactions/<str:reference>/reversals",
        transactions.ReversalView.as_view(),
        name="gsma-reversal",
    ),
    path(ACCOUNT + "accountname", accounts.AccountNameView.as_view(), name="gsma-accountname"),
    path(ACCOUNT + "balance", accounts.BalanceView.as_view(), name="gsma-balance"),
    path(
        ACCOUNT + "statemententries",
        accounts.StatementEntriesView.as_view(),
        name="gsma-statemententries",
    ),
    path(ACCOUNT + "debitmandates", mandates.DebitMandatesView.as_view(), name="gsma-mandates"),
    path(
        ACCOUNT + "debitmandates/<str:reference>",
        mandates.DebitMandateView.as_view(),
        name="gsma-mandate",
    ),
    path("quotations", support.QuotationView.as_view(), name="gsma-quotations"),
    path(
        "requeststates/<uuid:server_correlation_id>",
        support.RequestStateView.as_view(),
        name="gsma-requeststate",
    ),
    path(
        "responses/<uuid:client_correlation_id>",
        support.ResponseView.as_view(),
        name="gsma-response",
    ),
    path("batchtransactions", batches.BatchesView.as_view(), name="gsma-batches"),
    path("batchtransactions/<uuid:batch_id>", batches.BatchView.as_view(), name="gsma-batch"),
    path(
        "batchtransactions/<uuid:batch_id>/completions",
        batches.CompletionsView.as_view(),
        name="gsma-batch-completions",
    ),
    path(
        "batchtransactions/<uuid:batch_id>/rejections",
        batches.RejectionsView.as_view(),
        name="gsma-batch-rejections",
    ),
    path(
        "openapi.json",
        SpectacularJSONAPIView.as_view(urlconf="gsma.urls", custom_settings=SCHEMA_SETTINGS),
        name="gsma-schema",
    ),
    re_path(r"^.*$", NotFoundView.as_view(), name="gsma-not-found"),  # last: GSMA-shaped 404
]
