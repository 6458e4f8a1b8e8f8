"""Outcomes: move a request forward once by what the operator said, and post or release its
money once; hooks for the owner of a request when it finishes."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

from operators import notices
from operators.adapters.base import Outcome, Status
from operators.models import (
    FINAL_STATES,
    OperatorRequest,
    RequestKind,
    RequestState,
)
from operators.services.common import FINISH_HOOKS, OPEN_STATES, hold_time, settlement_account
from wallets import errors, services
from wallets.models import AccountKind, Channel, TransactionKind
from wallets.services.posting import Leg, post_transaction, request_hash


def apply_outcome(
    request: OperatorRequest, outcome: Outcome, *, checked: bool = False
) -> OperatorRequest:
    """Move the request forward by what the operator said; post or release its money once.

    One report at a time per request (a lock held across the posting's own transaction), so
    a success and a failure arriving together cannot both act: the first final word stands.
    """
    with _one_at_a_time(request.pk):
        return _apply(request, outcome, checked=checked)


LOCK_NAMESPACE = 7101  # pg_advisory_lock(namespace, request id): operator request outcomes


@contextmanager
def _one_at_a_time(request_id: int) -> Iterator[None]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", [LOCK_NAMESPACE, request_id])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_NAMESPACE, request_id])


def _apply(request: OperatorRequest, outcome: Outcome, *, checked: bool) -> OperatorRequest:
    request.refresh_from_db()
    if request.state in FINAL_STATES:
        return request  # a duplicate or late report: the first final word stands
    if outcome.status == Status.SUCCEEDED and outcome.amount not in (None, request.amount):
        # The operator moved another amount: nothing is posted on a guess; reconciliation
        # (and a person) decides. The payout's money stays held.
        outcome = Outcome(
            Status.UNKNOWN,
            operator_reference=outcome.operator_reference,
            reason="amount_mismatch",
            detail=f"operator reported {outcome.amount}, we asked {request.amount}",
        )
    if outcome.status == Status.SUCCEEDED:
        return _succeed(request, outcome)
    if outcome.status == Status.FAILED:
        return _fail(request, outcome)
    return _keep_open(request, outcome, checked=checked)


def settle_as_reported(request: OperatorRequest, amount: int, by: str) -> OperatorRequest:
    """Settle an open request at the amount the operator moved (a break's approved
    resolution; the first final word still stands). A top-up credits what was collected; a
    payout charges the customer at most what they asked (plus the fee) and books any excess
    the operator paid from suspense, as our loss."""
    with _one_at_a_time(request.pk):
        request.refresh_from_db()
        if request.state in FINAL_STATES:
            return request
        outcome = Outcome(Status.SUCCEEDED, reason="settled", detail=f"at {amount} by {by}")
        return _succeed(request, outcome, amount=amount)


def _succeed(
    request: OperatorRequest, outcome: Outcome, *, amount: int | None = None
) -> OperatorRequest:
    settlement = settlement_account(request.operator)
    wallet = request.wallet
    moved = request.amount if amount is None else amount
    if request.kind == RequestKind.COLLECTION:
        posted = post_transaction(
            kind=TransactionKind.OPERATOR_TOP_UP,
            idempotency_key=f"operator:{request.reference}",
            currency=request.currency,
            amount=moved,
            legs=[Leg(settlement, wallet, moved)],
            fingerprint=request_hash("operator_top_up", str(request.reference), moved),
            channel=Channel.SYSTEM,
            initiator=f"operator:{request.operator.code}",
            metadata=_metadata(request, outcome),
            receiver_limits=False,  # the money has arrived: a cap is checked when starting
        )
    else:
        if request.hold is None:
            raise errors.HoldNotOpen()
        legs = [Leg(wallet, settlement, min(moved, request.amount))]
        if moved > request.amount:  # the operator paid more than asked: not the customer's debt
            suspense = services.house_account(AccountKind.SUSPENSE, request.currency)
            legs.append(Leg(suspense, settlement, moved - request.amount))
        if request.fee:
            fee_income = services.house_account(AccountKind.FEE_INCOME, request.currency)
            legs.append(Leg(wallet, fee_income, request.fee))
        posted = services.commit_hold(
            hold=request.hold,
            legs=legs,
            kind=TransactionKind.OPERATOR_PAYOUT,
            initiator=f"operator:{request.operator.code}",
        )
    _finish(request, RequestState.SUCCEEDED, outcome, transaction_id=posted.pk)
    request.refresh_from_db()
    return request


def _fail(request: OperatorRequest, outcome: Outcome) -> OperatorRequest:
    if request.hold is not None:
        try:
            services.release_hold(hold=request.hold, reason=f"payout failed: {outcome.reason}")
        except errors.HoldNotOpen:  # committed meanwhile by a success: that one stands
            request.refresh_from_db()
            return request
    _finish(request, RequestState.FAILED, outcome)
    request.refresh_from_db()
    return request


def _keep_open(request: OperatorRequest, outcome: Outcome, *, checked: bool) -> OperatorRequest:
    attempts = request.attempts + (1 if checked else 0)
    wait = min(
        settings.OPERATOR_FIRST_CHECK_SECONDS * 2**attempts, settings.OPERATOR_MAX_CHECK_SECONDS
    )
    fields: dict[str, Any] = {
        "attempts": attempts,
        "next_check_at": timezone.now() + datetime.timedelta(seconds=wait),
        "operator_reference": outcome.operator_reference or request.operator_reference,
    }
    if outcome.status == Status.UNKNOWN:
        fields.update(state=RequestState.UNKNOWN, reason=outcome.reason, detail=outcome.detail)
    OperatorRequest.objects.filter(pk=request.pk, state__in=OPEN_STATES).update(**fields)
    if request.hold is not None and request.hold.deadline < timezone.now() + hold_time() / 2:
        services.extend_hold(hold=request.hold, deadline=timezone.now() + hold_time())
    if attempts >= settings.OPERATOR_ESCALATE_AFTER_CHECKS:
        _escalate(request)
    request.refresh_from_db()
    return request


def _escalate(request: OperatorRequest) -> None:
    """Still open after the checks we allow: tell people, once. Checks go on at the capped
    interval, and the day's statement settles it if the operator never answers."""
    escalated = OperatorRequest.objects.filter(
        pk=request.pk, state__in=OPEN_STATES, escalated_at__isnull=True
    ).update(escalated_at=timezone.now())
    if escalated:
        notices.tell_escalation(request)


@transaction.atomic(durable=True)
def _finish(
    request: OperatorRequest, state: str, outcome: Outcome, transaction_id: int | None = None
) -> None:
    finished = OperatorRequest.objects.filter(pk=request.pk, state__in=OPEN_STATES).update(
        state=state,
        reason=outcome.reason,
        detail=outcome.detail[:200],
        operator_reference=outcome.operator_reference or request.operator_reference,
        transaction_id=transaction_id,
        finished_at=timezone.now(),
        next_check_at=None,
    )
    if not finished:
        return
    if hook := finish_hook(request):
        hook(request, state)  # its owner tells whom it must, in this same transaction
    elif state == RequestState.FAILED:
        notices.tell_failure(request)


def finish_hook(request: OperatorRequest) -> Callable[[OperatorRequest, str], None] | None:
    """The function FINISH_HOOKS names for this request's `metadata["purpose"]`, if any."""
    path = FINISH_HOOKS.get(str(request.metadata.get("purpose", "")))
    return import_string(path) if path else None


def keep_payouts_held() -> int:
    """Push back the deadline of every open payout's hold, whatever happened to its checks:
    the hold-expiry job must never release the money of a payout still unknown."""
    soon = timezone.now() + hold_time() / 2
    extended = 0
    for request in OperatorRequest.objects.filter(
        kind=RequestKind.PAYOUT, state__in=OPEN_STATES, hold__state="open", hold__deadline__lt=soon
    ).select_related("hold"):
        if request.hold is not None:
            services.extend_hold(hold=request.hold, deadline=timezone.now() + hold_time())
            extended += 1
    return extended


def due_for_check(now: datetime.datetime | None = None) -> Any:
    """Open requests whose next check is due (or never sent), oldest first."""
    now = now or timezone.now()
    return OperatorRequest.objects.filter(
        Q(state__in=OPEN_STATES) & (Q(next_check_at__lte=now) | Q(next_check_at__isnull=True))
    ).order_by("next_check_at", "id")


def _metadata(request: OperatorRequest, outcome: Outcome) -> dict[str, Any]:
    return request.metadata | {
        "operator": request.operator.code,
        "operator_request": str(request.reference),
        "operator_reference": outcome.operator_reference,
        "phone": request.phone,
    }
