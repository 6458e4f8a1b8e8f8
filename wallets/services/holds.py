"""Holds: money reserved on an account until a pending operation commits or is released.

A hold for money that will leave us before the hold is committed (a payout to an operator)
counts its principal toward the owner's daily and monthly limits when it is placed
(`counted`), under the same row lock as the reservation, so concurrent payouts cannot pass
the limits together; releasing it gives that headroom back within the same day and month.
Its commit is then not counted again.

A hold ends exactly once (the conditional UPDATE on `state = 'open'` decides the winner, and a
trigger refuses any change to an ended hold). Lock order is hold row, then account row, as in
`wallets_post`.
"""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.db.models import BigIntegerField, Case, F, Value, When
from django.db.models.functions import Greatest
from django.utils import timezone

from wallets.errors import (
    AccountNotActive,
    DailyLimit,
    HoldNotOpen,
    IdempotencyConflict,
    InsufficientFunds,
    InvalidAmount,
    LedgerError,
    LimitsNotConfigured,
    MonthlyLimit,
)
from wallets.models import Account, Channel, Hold, HoldState, Transaction, TransactionKind
from wallets.services.posting import Leg, post_transaction, request_hash
from wallets.services.rules import limits_for


def place_hold(
    *,
    account: Account,
    amount: int,
    reason: str,
    idempotency_key: str,
    deadline: datetime.datetime,
    counted: int = 0,
) -> Hold:
    """Reserve `amount` of the account's available balance until `deadline`, once per key;
    with `counted`, also count that much toward the owner's daily and monthly limits."""
    if amount <= 0 or not 0 <= counted <= amount:
        raise InvalidAmount()
    if account.is_house:
        raise LedgerError("House accounts cannot carry holds.")
    for _ in range(2):
        existing = Hold.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            if (existing.account_id, existing.amount) != (account.pk, amount):
                raise IdempotencyConflict()
            return existing
        try:
            return _place(account, amount, reason, idempotency_key, deadline, counted)
        except IntegrityError:  # a twin placed it first; read it on the next turn
            continue
        except InsufficientFunds:
            # While we waited for the account row, a twin with this key may have reserved
            # the money: then the answer is its hold, not "insufficient funds".
            if Hold.objects.filter(idempotency_key=idempotency_key).exists():
                continue
            raise
    raise IdempotencyConflict()


@transaction.atomic(durable=True)
def _place(
    account: Account,
    amount: int,
    reason: str,
    key: str,
    deadline: datetime.datetime,
    counted: int,
) -> Hold:
    if counted:
        _reserve_counted(account, amount, counted)
    else:
        reserved = Account.objects.filter(pk=account.pk, balance__gte=F("held") + amount).update(
            held=F("held") + amount
        )
        if not reserved:
            raise InsufficientFunds()
    return Hold.objects.create(
        account=account,
        amount=amount,
        reason=reason,
        idempotency_key=key,
        deadline=deadline,
        counted=counted,
        counted_on=timezone.localdate() if counted else None,
    )


def _reserve_counted(account: Account, amount: int, counted: int) -> None:
    """Reserve `amount` and count `counted` toward the tier's limits, under the row lock."""
    locked = Account.objects.select_for_update().get(pk=account.pk)
    limits = limits_for(locked)
    if limits is None:
        raise LimitsNotConfigured()
    if locked.customer is not None and locked.customer.status != "active":
        raise AccountNotActive()
    today = timezone.localdate()
    month = today.replace(day=1)
    day_used = locked.day_total if locked.day_on == today else 0
    month_used = locked.month_total if locked.month_on == month else 0
    if locked.balance - locked.held < amount:
        raise InsufficientFunds()
    if day_used + counted > limits.max_daily:
        raise DailyLimit()
    if limits.max_monthly is not None and month_used + counted > limits.max_monthly:
        raise MonthlyLimit()
    Account.objects.filter(pk=account.pk).update(
        held=F("held") + amount,
        day_total=day_used + counted,
        day_on=today,
        month_total=month_used + counted,
        month_on=month,
    )


@transaction.atomic(durable=True)
def release_hold(*, hold: Hold, reason: str) -> Hold:
    """Give the held money back to the available balance. Releasing twice is a no-op."""
    _end(hold, reason)
    current = Hold.objects.get(pk=hold.pk)
    if current.state != HoldState.RELEASED:
        raise HoldNotOpen()
    return current


def _end(hold: Hold, reason: str) -> bool:
    """Release `hold` if it is still open; True if this call is the one that released it."""
    ended = Hold.objects.filter(pk=hold.pk, state=HoldState.OPEN).update(
        state=HoldState.RELEASED, ended_at=timezone.now(), end_reason=reason[:200]
    )
    if ended:
        Account.objects.filter(pk=hold.account_id).update(
            held=F("held") - hold.amount, **_uncounted(hold)
        )
    return bool(ended)


def _uncounted(hold: Hold) -> dict[str, Case]:
    """Give back what `hold` counted toward the limits, if its day and month still run."""
    if not hold.counted or hold.counted_on is None:
        return {}
    month = hold.counted_on.replace(day=1)
    big = BigIntegerField()
    zero = Value(0, output_field=big)
    counted = Value(hold.counted, output_field=big)
    return {
        "day_total": Case(
            When(
                day_on=hold.counted_on,
                then=Greatest(F("day_total") - counted, zero, output_field=big),
            ),
            default=F("day_total"),
            output_field=big,
        ),
        "month_total": Case(
            When(month_on=month, then=Greatest(F("month_total") - counted, zero, output_field=big)),
            default=F("month_total"),
            output_field=big,
        ),
    }


def commit_hold(
    *,
    hold: Hold,
    legs: list[Leg],
    channel: str = Channel.SYSTEM,
    initiator: str = "",
    kind: str = TransactionKind.HOLD_COMMIT,
) -> Transaction:
    """Post `legs` against the held money and end the hold, exactly once.

    The legs may debit the held account up to its balance; the hold's amount is released
    from `held` in the same statement that debits it, so at least one leg must debit it.
    """
    if not any(leg.debit.pk == hold.account_id for leg in legs):
        raise LedgerError("A hold is committed by legs that debit the held account.")
    return post_transaction(
        kind=kind,
        idempotency_key=f"hold:{hold.pk}",
        currency=hold.account.currency,
        amount=sum(leg.amount for leg in legs if leg.debit.pk == hold.account_id),
        legs=legs,
        fingerprint=request_hash(
            "hold_commit", hold.pk, [(g.debit.pk, g.credit.pk, g.amount) for g in legs]
        ),
        channel=channel,
        initiator=initiator,
        metadata={"hold": hold.pk, "reason": hold.reason},
        receiver_limits=False,
        hold_id=hold.pk,
    )


@transaction.atomic(durable=True)
def extend_hold(*, hold: Hold, deadline: datetime.datetime) -> Hold:
    """Push an open hold's deadline back (a payout whose outcome is still unknown must stay
    held until it is known). Ended holds are left as they are."""
    Hold.objects.filter(pk=hold.pk, state=HoldState.OPEN, deadline__lt=deadline).update(
        deadline=deadline
    )
    return Hold.objects.get(pk=hold.pk)


def expire_overdue_holds(now: datetime.datetime | None = None, batch: int = 500) -> int:
    """Release every open hold past its deadline; return how many were released."""
    now = now or timezone.now()
    overdue = Hold.objects.filter(state=HoldState.OPEN, deadline__lt=now).order_by("deadline")
    # A hold committed or released after this query is skipped, not counted and not an error.
    return sum(_expire(hold) for hold in overdue[:batch])


@transaction.atomic(durable=True)
def _expire(hold: Hold) -> bool:
    return _end(hold, "expired")
