"""Money between customers and businesses (merchants and partners): payments, mandate debits
and disbursements. The merchants app finds the business, checks its status and rules, and
calls these; only these post.

- A merchant payment moves the amount from the customer's wallet to the merchant's account;
  the fee, from the merchant's own schedule, is paid by the merchant out of what it receives
  (as with M-Pesa's Buy Goods), so the customer pays exactly the price.
- A mandate debit is a merchant payment the customer authorised in advance: its caps per
  payment and per day are a named counter checked and counted inside the posting, so
  concurrent debits cannot pass them together.
- A disbursement moves money from a business's account to a customer's wallet (salaries,
  creator payouts); the business pays the disbursement fee.

The customer's tier limits apply to what leaves the wallet, and the receiving wallet's
balance cap to what arrives, inside the posting as for every transfer.
"""

from __future__ import annotations

from typing import Any

from wallets.errors import CurrencyMismatch, LedgerError, SameAccount
from wallets.models import Account, AccountKind, Transaction, TransactionKind
from wallets.models.rules import MERCHANT_TARIFF_KINDS, TariffKind
from wallets.services.posting import (
    CounterLimit,
    FeeRule,
    Leg,
    PostingRequest,
    post_request,
    post_transaction,
    request_hash,
)


def merchant_payment_fingerprint(
    *, payer: Account, merchant: Account, amount: int, account_reference: str = ""
) -> str:
    """What makes two payments the same request (see `find_replay`)."""
    return request_hash("merchant_pay", payer.pk, merchant.pk, amount, account_reference)


def pay_merchant(
    *,
    payer: Account,
    merchant: Account,
    amount: int,
    fee_kind: str,
    idempotency_key: str,
    channel: str,
    initiator: str = "",
    account_reference: str = "",
    metadata: dict[str, Any] | None = None,
    counter: CounterLimit | None = None,
    kind: str = TransactionKind.MERCHANT_PAY,
) -> Transaction:
    """Pay `amount` from a customer's wallet to a merchant, exactly once per key; the merchant
    pays the fee of its schedule `fee_kind` out of the amount."""
    _check_pair(payer, AccountKind.CUSTOMER_WALLET, merchant, AccountKind.MERCHANT)
    if fee_kind not in MERCHANT_TARIFF_KINDS:
        raise LedgerError("A merchant pays a merchant fee schedule.")
    return post_transaction(
        kind=kind,
        idempotency_key=idempotency_key,
        currency=payer.currency,
        amount=amount,
        legs=[Leg(payer, merchant, amount)],
        fingerprint=merchant_payment_fingerprint(
            payer=payer, merchant=merchant, amount=amount, account_reference=account_reference
        ),
        channel=channel,
        initiator=initiator,
        metadata={
            "sender_account": payer.pk,
            "recipient_account": merchant.pk,
            "fee_paid_by": "recipient",
            **({"account_reference": account_reference} if account_reference else {}),
            **(metadata or {}),
        },
        fee=FeeRule(fee_kind, merchant),
        limited_account=payer,
        counter=counter,
    )


def debit_under_mandate(
    *,
    payer: Account,
    merchant: Account,
    amount: int,
    fee_kind: str,
    mandate_reference: str,
    max_per_payment: int,
    max_daily: int,
    idempotency_key: str,
    channel: str,
    initiator: str = "",
    metadata: dict[str, Any] | None = None,
) -> Transaction:
    """A merchant payment without a PIN, within the mandate's caps, exactly once per key."""
    return pay_merchant(
        payer=payer,
        merchant=merchant,
        amount=amount,
        fee_kind=fee_kind,
        idempotency_key=idempotency_key,
        channel=channel,
        initiator=initiator,
        metadata={"mandate": mandate_reference, **(metadata or {})},
        counter=CounterLimit(
            key=f"mandate:{mandate_reference}",
            max_per_transaction=max_per_payment,
            max_daily=max_daily,
        ),
        kind=TransactionKind.MANDATE_DEBIT,
    )


def disbursement_fingerprint(*, business: Account, recipient: Account, amount: int) -> str:
    return request_hash("disbursement", business.pk, recipient.pk, amount)


def disburse(
    *,
    business: Account,
    recipient: Account,
    amount: int,
    idempotency_key: str,
    channel: str,
    initiator: str = "",
    metadata: dict[str, Any] | None = None,
    counter: CounterLimit | None = None,
) -> Transaction:
    """Pay `amount` from a business's account into a customer's wallet, exactly once per key;
    the business pays the disbursement fee on top."""
    return post_request(
        disbursement(
            business=business,
            recipient=recipient,
            amount=amount,
            idempotency_key=idempotency_key,
            channel=channel,
            initiator=initiator,
            metadata=metadata,
            counter=counter,
        )
    )


def disbursement(
    *,
    business: Account,
    recipient: Account,
    amount: int,
    idempotency_key: str,
    channel: str,
    initiator: str = "",
    metadata: dict[str, Any] | None = None,
    counter: CounterLimit | None = None,
) -> PostingRequest:
    """The posting `disburse` makes, as a request (for `post_together`)."""
    _check_pair(business, AccountKind.MERCHANT, recipient, AccountKind.CUSTOMER_WALLET)
    return PostingRequest(
        kind=TransactionKind.DISBURSEMENT,
        idempotency_key=idempotency_key,
        currency=business.currency,
        amount=amount,
        legs=[Leg(business, recipient, amount)],
        fingerprint=disbursement_fingerprint(business=business, recipient=recipient, amount=amount),
        channel=channel,
        initiator=initiator,
        metadata={
            "sender_account": business.pk,
            "recipient_account": recipient.pk,
            **(metadata or {}),
        },
        fee=FeeRule(TariffKind.DISBURSEMENT, business),
        counter=counter,
    )


def _check_pair(debit: Account, debit_kind: str, credit: Account, credit_kind: str) -> None:
    if debit.pk == credit.pk:
        raise SameAccount()
    if debit.kind != debit_kind or credit.kind != credit_kind:
        raise LedgerError("These accounts cannot pay each other this way.")
    if debit.currency != credit.currency:
        raise CurrencyMismatch()
