"""GSMA shapes of our rows: amounts, parties, transactions, mandates, request states, batches.

GSMA amounts are decimal strings in major units (`"15.23"`); the ledger keeps integer minor
units. `amount_text` and `parse_amount` are the only conversions, both exact integer work.
A customer is the party `msisdn`; the partner itself is `organisationid` (its merchant id).
"""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Prefetch

from gsma.models import Batch, RequestState
from merchants.models import Mandate, MandateState, Merchant
from wallets import money
from wallets.errors import InvalidAmount
from wallets.models import Account, Posting, Transaction, TransactionKind

AMOUNT = re.compile(r"^([0]|([1-9][0-9]{0,17}))([.][0-9]{0,3}[0-9])?$")
POLL_LIMIT = 100

TYPES: dict[str, str] = {
    TransactionKind.MERCHANT_PAY: "merchantpay",
    TransactionKind.MANDATE_DEBIT: "merchantpay",
    TransactionKind.DISBURSEMENT: "disbursement",
    TransactionKind.SEND_MONEY: "transfer",
    TransactionKind.REVERSAL: "reversal",
    TransactionKind.ADJUSTMENT: "adjustment",
    TransactionKind.CASH_IN: "deposit",
    TransactionKind.FUND: "deposit",
    TransactionKind.OPERATOR_TOP_UP: "deposit",
    TransactionKind.CASH_OUT: "withdrawal",
    TransactionKind.OPERATOR_PAYOUT: "withdrawal",
    TransactionKind.AIRTIME: "billpay",
}
FEE_TYPES: dict[str, str] = {"merchantpay": "merchantFee", "disbursement": "disbursementFee"}


def parse_amount(text: str, currency: str) -> int:
    """A GSMA amount string in `currency` as minor units; InvalidAmount if it is not one."""
    if not isinstance(text, str) or not AMOUNT.fullmatch(text):
        raise InvalidAmount("The amount must be a decimal string such as '15.23'.")
    return money.parse_amount(text, currency)


def amount_text(amount: int, currency: str) -> str:
    places = money.exponent(currency)
    if not places:
        return str(amount)
    whole, fraction = divmod(amount, 10**places)
    return f"{whole}.{fraction:0{places}d}"


def merchant_party(merchant: Merchant) -> list[dict[str, str]]:
    return [{"key": "organisationid", "value": str(merchant.pk)}]


def account_party(account: Account, merchant: Merchant | None = None) -> list[dict[str, str]]:
    customer = account.customer
    if customer is not None:
        return [{"key": "msisdn", "value": customer.phone}]
    if merchant is not None and account.pk == merchant.account_id:
        return merchant_party(merchant)
    return [{"key": "walletid", "value": str(account.pk)}]


def with_parties() -> Prefetch:
    postings = Posting.objects.select_related(
        "debit_account__customer", "credit_account__customer"
    ).order_by("id")
    return Prefetch("postings", queryset=postings)


def gsma_type(transaction: Transaction) -> str:
    metadata = transaction.metadata or {}
    return str(metadata.get("gsma_type") or TYPES.get(transaction.kind, "transfer"))


def transaction_object(transaction: Transaction, merchant: Merchant | None) -> dict[str, Any]:
    """The GSMA transaction object; postings prefetched with `with_parties()` or loaded here."""
    metadata = transaction.metadata or {}
    kind = gsma_type(transaction)
    principal = next(iter(transaction.postings.all()), None)
    body: dict[str, Any] = {
        "transactionReference": transaction.reference,
        "type": kind,
        "transactionStatus": "reversed" if transaction.status == "reversed" else "completed",
        "amount": amount_text(transaction.amount, transaction.currency),
        "currency": transaction.currency,
        "creationDate": transaction.created_at.isoformat(),
        "modificationDate": transaction.created_at.isoformat(),
        "transactionReceipt": transaction.reference,
    }
    if principal is not None:
        body["debitParty"] = account_party(principal.debit_account, merchant)
        body["creditParty"] = account_party(principal.credit_account, merchant)
    if transaction.fee:
        body["fees"] = [
            {
                "feeType": FEE_TYPES.get(kind, "serviceFee"),
                "feeAmount": amount_text(transaction.fee, transaction.currency),
                "feeCurrency": transaction.currency,
            }
        ]
    if reference := metadata.get("client_reference"):
        body["requestingOrganisationTransactionReference"] = str(reference)
    if text := metadata.get("description"):
        body["descriptionText"] = str(text)
    if transaction.reverses_id:
        body["originalTransactionReference"] = transaction.reverses.reference  # type: ignore[union-attr]
    if mandate := metadata.get("mandate"):
        body["customData"] = [{"key": "mandateReference", "value": str(mandate)}]
    return body


def mandate_object(mandate: Mandate) -> dict[str, Any]:
    active = mandate.state == MandateState.ACTIVE and mandate.is_usable()
    changed = mandate.ended_at or mandate.approved_at or mandate.created_at
    return {
        "mandateReference": mandate.reference,
        "payee": merchant_party(mandate.merchant),
        "mandateStatus": "active" if active else "inactive",
        "startDate": mandate.created_at.date().isoformat(),
        "endDate": mandate.ends_on.isoformat(),
        "amountLimit": amount_text(mandate.max_per_payment, mandate.currency),
        "currency": mandate.currency,
        "creationDate": mandate.created_at.isoformat(),
        "modificationDate": changed.isoformat(),
        "customData": [
            {"key": "dailyAmountLimit", "value": amount_text(mandate.max_daily, mandate.currency)},
            {"key": "state", "value": mandate.state},
        ],
    }


def request_state_object(state: RequestState) -> dict[str, Any]:
    body: dict[str, Any] = {
        "serverCorrelationId": str(state.server_correlation_id),
        "status": state.status,
        "notificationMethod": "callback" if state.callback_url else "polling",
        "pollLimit": POLL_LIMIT,
    }
    if state.object_reference:
        body["objectReference"] = state.object_reference
    if state.expires_at and state.status == "pending":
        body["expiryTime"] = state.expires_at.isoformat()
    if state.status == "pending":
        body["pendingReason"] = PENDING_REASONS.get(state.kind, "Processing.")
    if state.error:
        body["error"] = state.error
    return body


PENDING_REASONS = {
    "merchantpay": "Waiting for the customer to approve or decline the payment.",
    "debitmandate": "Waiting for the customer to approve or decline the mandate.",
    "batch": "The batch is being processed.",
}


def batch_object(batch: Batch) -> dict[str, Any]:
    return {
        "batchId": str(batch.id),
        "batchStatus": batch.status,
        "approvalDate": (batch.approved_at or batch.created_at).isoformat(),
        "completionDate": (batch.completed_at or batch.created_at).isoformat(),
        "batchTitle": batch.title,
        "batchdescription": batch.description,
        "processingFlag": batch.status == "approved",
        "completedCount": batch.completed_count,
        "rejectionCount": batch.rejected_count,
        "parsingSuccessCount": batch.parsed_ok,
        "creationDate": batch.created_at.isoformat(),
        "modificationDate": (
            batch.completed_at or batch.approved_at or batch.created_at
        ).isoformat(),
    }
