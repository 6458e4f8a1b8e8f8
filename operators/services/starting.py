"""Starting requests: top-ups, float top-ups, withdrawals and merchant settlements, each a
row (and, for a payout, a hold) first, sent by a task after commit."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from operators.models import (
    Operator,
    OperatorRequest,
    RequestKind,
)
from operators.services.common import (
    PAY_BILL,
    PAYOUT_BOUNDS,
    hold_time,
)
from wallets import errors, services
from wallets.models import Account, AccountKind, CustomerStatus
from wallets.models.rules import TariffKind
from wallets.money import exponent

logger = logging.getLogger(__name__)


def start_top_up(
    *, operator: Operator, wallet: Account, amount: int, idempotency_key: str
) -> OperatorRequest:
    """Ask the operator to collect `amount` from the wallet owner's phone, once per key."""
    _check(operator, wallet, amount)
    limits = services.limits_for(wallet)
    if limits and limits.max_balance is not None and wallet.balance + amount > limits.max_balance:
        raise errors.ReceiverBalanceLimit()
    return _create(operator, wallet, RequestKind.COLLECTION, amount, 0, idempotency_key, None)


def start_float_top_up(
    *,
    operator: Operator,
    account: Account,
    phone: str,
    amount: int,
    idempotency_key: str,
    metadata: dict[str, Any],
) -> OperatorRequest:
    """Ask the operator to collect `amount` from `phone` into an agent's float, once per key.
    `metadata` (the agent, the language of its SMS) goes into the posting for its receipt."""
    if amount <= 0:
        raise errors.InvalidAmount()
    if account.kind != AccountKind.AGENT_FLOAT or account.currency != operator.currency:
        raise errors.CurrencyMismatch()
    _check_operator(operator, amount)
    return _create(
        operator,
        account,
        RequestKind.COLLECTION,
        amount,
        0,
        idempotency_key,
        None,
        phone=phone,
        metadata=metadata,
    )


def start_merchant_settlement(
    *,
    operator: Operator,
    account: Account,
    amount: int,
    idempotency_key: str,
    phone: str = "",
    pay_bill: tuple[str, str] | None = None,
    metadata: dict[str, Any],
    on_created: Callable[[OperatorRequest], object] | None = None,
) -> OperatorRequest:
    """Hold `amount` on a merchant's account and ask the operator to pay it to the business's
    `phone`, or to `pay_bill` = (pay-bill number, account number) (Daraja B2B), once per key.
    `on_created` runs in the transaction that writes the request, so the caller's own row
    (the settlement) exists exactly when the request does. No fee, no tier limits: the
    money is the business's own, leaving to its own account."""
    if amount <= 0:
        raise errors.InvalidAmount()
    if account.kind != AccountKind.MERCHANT or account.currency != operator.currency:
        raise errors.CurrencyMismatch()
    if pay_bill is not None and operator.kind != "daraja":
        raise errors.LedgerError(f"{operator.name} cannot pay a pay-bill.")
    _check_operator(operator, amount)
    if done := OperatorRequest.objects.filter(idempotency_key=idempotency_key).first():
        return done
    hold = services.place_hold(
        account=account,
        amount=amount,
        reason=f"settlement to {operator.code}",
        idempotency_key=f"operator-hold:{idempotency_key}",
        deadline=timezone.now() + hold_time(),
    )
    if pay_bill is not None:
        metadata = metadata | {PAY_BILL: {"number": pay_bill[0], "account": pay_bill[1]}}
    return _create(
        operator,
        account,
        RequestKind.PAYOUT,
        amount,
        0,
        idempotency_key,
        hold,
        phone=phone,
        metadata=metadata,
        on_created=on_created,
    )


def start_withdrawal(
    *, operator: Operator, wallet: Account, amount: int, idempotency_key: str
) -> OperatorRequest:
    """Hold amount plus fee on the wallet, then ask the operator to pay the owner's phone."""
    _check(operator, wallet, amount)
    if done := OperatorRequest.objects.filter(idempotency_key=idempotency_key).first():
        return done
    fee = services.fee_for(TariffKind.SEND_MONEY, wallet.currency, amount)
    hold = services.place_hold(
        account=wallet,
        amount=amount + fee,
        reason=f"payout to {operator.code}",
        idempotency_key=f"operator-hold:{idempotency_key}",
        deadline=timezone.now() + hold_time(),
        counted=amount,  # the money leaves before the commit: count it now
    )
    return _create(operator, wallet, RequestKind.PAYOUT, amount, fee, idempotency_key, hold)


def _check(operator: Operator, wallet: Account, amount: int) -> None:
    if amount <= 0:
        raise errors.InvalidAmount()
    if wallet.customer is None or wallet.currency != operator.currency:
        raise errors.CurrencyMismatch()
    if wallet.customer.status != CustomerStatus.ACTIVE:  # frozen or closed: nothing in or out
        raise errors.AccountNotActive()
    _check_operator(operator, amount)
    # The tier's per-transaction limit and balance cap, before anything is asked of the
    # operator (a refusal after the money moved there would strand it).
    limits = services.limits_for(wallet)
    if limits is None:
        raise errors.LimitsNotConfigured()
    if amount < limits.min_amount:
        raise errors.BelowMinimum()
    if amount > limits.max_per_transaction:
        raise errors.PerTransactionLimit()


def payout_bounds(operator: Operator, *, to_pay_bill: bool = False) -> tuple[int, int | None]:
    """The smallest and largest payout the operator takes in one request, in minor units, and
    the step amounts move in (M-Pesa moves whole shillings): (minimum, maximum or None)."""
    unit = 10 ** exponent(operator.currency)
    low, high = PAYOUT_BOUNDS.get((operator.kind, to_pay_bill), (1, None))
    return low * unit, None if high is None else high * unit


def payout_step(operator: Operator) -> int:
    """Amounts sent to this operator are multiples of this many minor units."""
    return 10 ** exponent(operator.currency) if operator.kind == "daraja" else 1


def _check_operator(operator: Operator, amount: int) -> None:
    if not operator.active:
        raise errors.LedgerError(f"{operator.name} is not available now.")
    if operator.kind == "daraja" and amount % 100:
        raise errors.InvalidAmount("M-Pesa moves whole shillings only.")


def _create(
    operator: Operator,
    wallet: Account,
    kind: str,
    amount: int,
    fee: int,
    key: str,
    hold: Any,
    *,
    phone: str = "",
    metadata: dict[str, Any] | None = None,
    on_created: Callable[[OperatorRequest], object] | None = None,
) -> OperatorRequest:
    if not phone and wallet.customer is not None:
        phone = wallet.customer.phone
    if not phone and PAY_BILL not in (metadata or {}):
        raise errors.InvalidPhoneNumber()
    with transaction.atomic(durable=True):
        request, created = OperatorRequest.objects.get_or_create(
            idempotency_key=key,
            defaults={
                "operator": operator,
                "kind": kind,
                "wallet": wallet,
                "phone": phone,
                "amount": amount,
                "fee": fee,
                "currency": wallet.currency,
                "hold": hold,
                "metadata": metadata or {},
                "next_check_at": timezone.now() + first_check_delay(),
            },
        )
        if created:
            if on_created is not None:
                on_created(request)
            transaction.on_commit(lambda: _queue_send(request.pk))
    if not created and hold is not None and request.hold_id != hold.pk:
        services.release_hold(hold=hold, reason="duplicate payout request")
    return request


def first_check_delay() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.OPERATOR_FIRST_CHECK_SECONDS)


def _queue_send(request_id: int) -> None:
    from operators.tasks import send_request

    try:
        send_request.delay(request_id)
    except Exception:  # the poller re-sends what was never sent
        logger.warning("could not queue operator request %s", request_id, exc_info=True)
