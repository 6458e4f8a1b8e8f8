"""Holds: money reserved on an account until a pending operation commits or is released.

A hold ends exactly once (the conditional UPDATE on `state = 'open'` decides the winner, and a
trigger refuses any change to an ended hold). Lock order is hold row, then account row, as in
`wallets_post`.
"""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from wallets.errors import (
    HoldNotOpen,
    IdempotencyConflict,
    InsufficientFunds,
    InvalidAmount,
    LedgerError,
)
from wallets.models import Account, Channel, Hold, HoldState, Transaction, TransactionKind
from wallets.services.posting import Leg, post_transaction, request_hash


def place_hold(
    *,
    account: Account,
    amount: int,
    reason: str,
    idempotency_key: str,
    deadline: datetime.datetime,
) -> Hold:
    """Reserve `amount` of the account's available balance until `deadline`, once per key."""
    if amount <= 0:
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
            return _place(account, amount, reason, idempotency_key, deadline)
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
    account: Account, amount: int, reason: str, key: str, deadline: datetime.datetime
) -> Hold:
    reserved = Account.objects.filter(pk=account.pk, balance__gte=F("held") + amount).update(
        held=F("held") + amount
    )
    if not reserved:
        raise InsufficientFunds()
    return Hold.objects.create(
        account=account, amount=amount, reason=reason, idempotency_key=key, deadline=deadline
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
        Account.objects.filter(pk=hold.account_id).update(held=F("held") - hold.amount)
    return bool(ended)


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
