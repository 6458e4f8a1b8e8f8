"""Customers paying merchants: at a till or pay-bill (with PIN), and requests to pay.

The channel checks the PIN; these check the merchant, its point and limits, and call
`wallets.services.business`, where the money moves. The merchant's daily intake is a named
counter checked inside the posting, like an agent's cash-out limit.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from merchants import errors
from merchants.models import BusinessStatus, Merchant, PaymentPoint, PointKind
from wallets import errors as ledger_errors
from wallets import services
from wallets.models import Account, Customer, PaymentRequest, Transaction
from wallets.services.business import merchant_payment_fingerprint
from wallets.services.posting import CounterLimit, find_replay

ACCOUNT_REFERENCE = re.compile(r"[A-Za-z0-9-]{1,20}")


@dataclass(frozen=True)
class Quote:
    """What the customer is shown before the PIN: who is paid, and the fee (the merchant's)."""

    point: PaymentPoint
    amount: int
    account_reference: str
    merchant_fee: int

    @property
    def merchant(self) -> Merchant:
        return self.point.merchant

    @property
    def customer_fee(self) -> int:
        return 0  # the merchant pays its fee out of the amount


def find_point(number: str) -> PaymentPoint:
    """An active till or pay-bill of an active merchant, by its number."""
    point = (
        PaymentPoint.objects.select_related("merchant__account")
        .filter(number=(number or "").strip())
        .first()
    )
    if point is None:
        raise errors.UnknownMerchant()
    if not point.active or not point.merchant.is_active:
        raise errors.MerchantNotActive()
    return point


def quote(*, point: PaymentPoint, amount: int, account_reference: str = "") -> Quote:
    if amount <= 0:
        raise ledger_errors.InvalidAmount()
    reference = check_account_reference(point, account_reference)
    merchant = point.merchant
    if merchant.max_per_payment is not None and amount > merchant.max_per_payment:
        raise errors.MerchantLimit()
    fee = services.fee_for(merchant.fee_kind, merchant.currency, amount)
    return Quote(point=point, amount=amount, account_reference=reference, merchant_fee=fee)


def check_account_reference(point: PaymentPoint, text: str) -> str:
    """The account number a pay-bill payment is for ("" for a till)."""
    if point.kind == PointKind.TILL:
        return ""
    reference = (text or "").strip().upper()
    if not ACCOUNT_REFERENCE.fullmatch(reference):
        raise errors.InvalidAccountReference()
    if point.account_pattern and not re.fullmatch(point.account_pattern, reference, re.I):
        raise errors.InvalidAccountReference()
    return reference


def replay_of_payment(*, payer: Account, offer: Quote, idempotency_key: str) -> Transaction | None:
    """The payment already posted under this key (answer a retry before asking for the PIN)."""
    fingerprint = merchant_payment_fingerprint(
        payer=payer,
        merchant=offer.merchant.account,
        amount=offer.amount,
        account_reference=offer.account_reference,
    )
    return find_replay(idempotency_key=idempotency_key, fingerprint=fingerprint)


def pay(
    *, payer: Account, offer: Quote, idempotency_key: str, channel: str, initiator: str = ""
) -> Transaction:
    """Pay a quoted till or pay-bill from the customer's wallet, once per key. The caller has
    checked the customer's PIN. The merchant and its point are checked again: the quote was
    shown some hops ago, and a suspension since then stops the payment."""
    merchant = offer.merchant
    still_open = PaymentPoint.objects.filter(
        pk=offer.point.pk, active=True, merchant__status=BusinessStatus.ACTIVE
    )
    if not still_open.exists():
        raise errors.MerchantNotActive()
    with limits_named(merchant):
        return services.pay_merchant(
            payer=payer,
            merchant=merchant.account,
            amount=offer.amount,
            fee_kind=merchant.fee_kind,
            idempotency_key=idempotency_key,
            channel=channel,
            initiator=initiator,
            account_reference=offer.account_reference,
            metadata={"merchant": merchant.pk, "point": offer.point.number},
            counter=intake_counter(merchant),
        )


def request_to_pay(
    *,
    merchant: Merchant,
    payer: Customer,
    amount: int,
    idempotency_key: str,
    note: str = "",
) -> PaymentRequest:
    """Ask a customer to pay `amount`; the customer approves with the PIN from the menu or
    declines, and the request lapses after PAYMENT_REQUEST_HOURS."""
    if not merchant.is_active:
        raise errors.MerchantNotActive()
    if merchant.max_per_payment is not None and amount > merchant.max_per_payment:
        raise errors.MerchantLimit()
    return services.request_payment(
        requester=merchant.account,
        requester_name=merchant.display_name,
        payer=payer,
        amount=amount,
        idempotency_key=idempotency_key,
        note=note,
        fee_kind=merchant.fee_kind,
    )


def pay_request(*, request: PaymentRequest, channel: str, initiator: str = "") -> Transaction:
    """Pay a merchant's request to pay (the caller checked the PIN), once."""
    merchant = Merchant.objects.get(account_id=request.requester_id)
    if not merchant.is_active:
        raise errors.MerchantNotActive()
    with limits_named(merchant):
        return services.pay_request(
            request=request, channel=channel, initiator=initiator, counter=intake_counter(merchant)
        )


def intake_counter(merchant: Merchant) -> CounterLimit | None:
    if merchant.max_per_payment is None and merchant.max_daily_received is None:
        return None
    return CounterLimit(
        key=f"merchant-in:{merchant.pk}",
        max_per_transaction=merchant.max_per_payment,
        max_daily=merchant.max_daily_received,
    )


@contextmanager
def limits_named(merchant: Merchant) -> Iterator[None]:
    """Name a refusal by the merchant's counter as the merchant's limit, not an agent's."""
    try:
        yield
    except (ledger_errors.CounterPerTransactionLimit, ledger_errors.CounterDailyLimit):
        raise errors.MerchantLimit() from None
