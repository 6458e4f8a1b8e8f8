"""Merchant settlement: once a day, each merchant's balance goes to its own bank or mobile-money
account through the operator adapters, and the `Settlement` row heads its statement.

- Who is swept: active merchants with a settlement method. A suspended merchant is not (its
  money is frozen while staff look into it), nor one still being onboarded. A closed merchant
  is swept without its reserve, so that what is left is paid out to the business.
- How much: the account's available balance (balance less what is held) less the reserve,
  rounded down to what the operator moves (whole shillings for M-Pesa) and capped at its
  per-payment ceiling (the rest goes the next day); nothing below its minimum.
- The payout is every other payout (`operators.services.start_merchant_settlement`): a hold
  on the merchant's account and an operator request, to the business's phone (B2C or MoMo) or
  to its bank's pay-bill with the account number (Daraja B2B). The request's outcome commits
  the hold into merchant -> operator settlement (kind operator_payout, no fee) or releases it;
  `request_finished` (called by operators.services in that same transaction, through its
  FINISH_HOOKS) marks the settlement settled or failed. A failed day leaves the money where
  it was; the next day's sweep takes it with the rest.
- Once per merchant and day: a session advisory lock per merchant lets one sweep at a time
  decide; the request's idempotency key, the hold's key and the (merchant, day) unique
  constraint make a repeat or a crash-and-rerun find the first attempt. The settlement row is
  written in the transaction that writes the operator request, so neither exists alone.
- The statement covers the postings from the previous settlement's `period_end` up to this
  sweep's moment (`period_end`): see merchants.statements.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from merchants.models import BusinessStatus, Merchant, Settlement, SettlementMethod, SettlementState
from operators import services as operator_services
from operators.models import Operator, OperatorRequest, RequestState
from wallets import errors
from wallets.models import Account, Hold, HoldState

logger = logging.getLogger(__name__)

PURPOSE = "merchant_settlement"  # the operator request's metadata["purpose"] (FINISH_HOOKS)
LOCK_NAMESPACE = 7102  # pg_advisory_lock(namespace, merchant id): one sweep of a merchant
SWEPT_STATUSES = (BusinessStatus.ACTIVE, BusinessStatus.CLOSED)


@dataclass(frozen=True)
class Swept:
    """What the sweep did for one merchant: its settlement, or why there is none."""

    merchant: Merchant
    settlement: Settlement | None = None
    skipped: str = ""


def settle_day(day: datetime.date) -> list[Swept]:
    """Sweep every merchant with a settlement method for `day`; one merchant's trouble stops
    no other (it is logged and reported as skipped)."""
    swept = []
    merchants = (
        Merchant.objects.filter(status__in=SWEPT_STATUSES)
        .exclude(settlement_method=SettlementMethod.NONE)
        .select_related("account", "settlement_operator")
        .order_by("pk")
    )
    for merchant in merchants.iterator(chunk_size=500):
        try:
            swept.append(settle_merchant(merchant=merchant, day=day))
        except errors.LedgerError as error:
            logger.warning("settling merchant %s for %s: %s", merchant.pk, day, error.text)
            swept.append(Swept(merchant, skipped=error.text))
    return swept


def settle_merchant(*, merchant: Merchant, day: datetime.date) -> Swept:
    """Settle one merchant for `day`, once however often or concurrently it is asked."""
    with _one_sweep_at_a_time(merchant.pk):
        merchant.refresh_from_db()
        if done := Settlement.objects.filter(merchant=merchant, day=day).first():
            return Swept(merchant, done)
        operator = merchant.settlement_operator
        if operator is None or (reason := _why_not(merchant, operator, day)):
            return Swept(merchant, skipped=reason if operator else "no settlement method")
        key = settlement_key(merchant, day)
        low, high = _bounds(merchant, operator)
        amount = _amount(merchant, operator, key, high)
        if amount <= 0:
            return Swept(merchant, skipped="nothing to settle")
        if amount < low:
            return Swept(merchant, skipped="below the operator's minimum payout")
        return Swept(merchant, _start(merchant, operator, day, amount, key))


def settlement_key(merchant: Merchant, day: datetime.date) -> str:
    return f"settlement:{merchant.pk}:{day.isoformat()}"


def request_finished(request: OperatorRequest, state: str) -> None:
    """operators.services calls this (FINISH_HOOKS) in the transaction that finishes the
    settlement's operator request: the settlement follows it, once."""
    settled = state == RequestState.SUCCEEDED
    updated = Settlement.objects.filter(
        operator_request=request, state=SettlementState.PENDING
    ).update(
        state=SettlementState.SETTLED if settled else SettlementState.FAILED,
        finished_at=timezone.now(),
    )
    if updated and not settled:
        logger.warning(
            "merchant settlement %s failed (%s %s); the money stays in the account",
            request.reference,
            request.reason,
            request.detail,
        )


def settle_yesterday() -> int:
    """Settle the day that just ended; returns how many settlements started."""
    day = timezone.localdate() - datetime.timedelta(days=1)
    return sum(1 for swept in settle_day(day) if swept.settlement is not None)


def _why_not(merchant: Merchant, operator: Operator, day: datetime.date) -> str:
    if merchant.status not in SWEPT_STATUSES:
        return f"the merchant is {merchant.get_status_display().lower()}"
    if merchant.settlement_method == SettlementMethod.NONE:
        return "no settlement method"
    if merchant.settlement_method == SettlementMethod.BANK and operator.kind != "daraja":
        return "a bank settlement goes through an M-Pesa pay-bill; choose an M-Pesa operator"
    if not operator.active:
        return f"{operator.name} is not active"
    if operator.currency != merchant.currency:
        return f"{operator.name} does not pay {merchant.currency}"
    if Settlement.objects.filter(merchant=merchant, day__gt=day).exists():
        return "a later day is already settled"
    return ""


def _amount(merchant: Merchant, operator: Operator, key: str, high: int | None) -> int:
    """What to pay out now. An attempt that crashed after holding the money (before writing
    its request) fixed the amount: its hold is reused, whatever the balance is now."""
    hold = Hold.objects.filter(idempotency_key=f"operator-hold:{key}").first()
    if hold is not None:
        return hold.amount if hold.state == HoldState.OPEN else 0
    account = Account.objects.get(pk=merchant.account_id)
    reserve = 0 if merchant.status == BusinessStatus.CLOSED else merchant.settlement_reserve
    amount = account.available - reserve
    amount -= amount % operator_services.payout_step(operator)
    return amount if high is None else min(amount, high)


def _bounds(merchant: Merchant, operator: Operator) -> tuple[int, int | None]:
    to_bank = merchant.settlement_method == SettlementMethod.BANK
    return operator_services.payout_bounds(operator, to_pay_bill=to_bank)


def _start(
    merchant: Merchant, operator: Operator, day: datetime.date, amount: int, key: str
) -> Settlement:
    previous = Settlement.objects.filter(merchant=merchant, day__lt=day).order_by("-day").first()
    to_bank = merchant.settlement_method == SettlementMethod.BANK
    destination = (
        f"pay-bill {merchant.bank_paybill} account {merchant.bank_account}"
        if to_bank
        else merchant.settlement_phone
    )
    period_end = timezone.now()

    def record(request: OperatorRequest) -> None:
        Settlement.objects.create(
            merchant=merchant,
            day=day,
            amount=amount,
            currency=merchant.currency,
            method=merchant.settlement_method,
            destination=destination[:80],
            operator_request=request,
            period_start=previous.period_end if previous else None,
            period_end=period_end,
        )

    request = operator_services.start_merchant_settlement(
        operator=operator,
        account=merchant.account,
        amount=amount,
        idempotency_key=key,
        phone="" if to_bank else merchant.settlement_phone,
        pay_bill=(merchant.bank_paybill, merchant.bank_account) if to_bank else None,
        metadata={"purpose": PURPOSE, "merchant": merchant.pk, "day": day.isoformat()},
        on_created=record,
    )
    return Settlement.objects.get(operator_request=request)


@contextmanager
def _one_sweep_at_a_time(merchant_id: int) -> Iterator[None]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", [LOCK_NAMESPACE, merchant_id])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_NAMESPACE, merchant_id])
