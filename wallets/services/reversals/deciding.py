"""Deciding a reversal case: the recipient agrees or disputes, the deadline passes, or
staff decide (a forced reversal only through maker-checker; see the package docstring).

Every path ends the case's hold exactly once, and `settle` reads the outcome from the hold.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from wallets import outbox
from wallets.errors import (
    DisputeTooLate,
    HoldNotOpen,
    LedgerError,
    ReversalDecided,
    UnknownReference,
)
from wallets.models import (
    AccountKind,
    Channel,
    Customer,
    HoldState,
    ReversalRequest,
    ReversalState,
    Transaction,
    TransactionKind,
)
from wallets.services.holds import release_hold
from wallets.services.posting import Leg, post_transaction, request_hash
from wallets.services.reversals.opening import DECIDED, sender_wallet

logger = logging.getLogger(__name__)

# How a released hold says why (its end_reason), so that `settle` can close the case right.
DISPUTED, REJECTED = "reversal disputed by the recipient", "reversal rejected: "
LAPSED = "not disputed by the deadline"


def consent_to_reversal(
    *, request: ReversalRequest, customer: Customer, channel: str
) -> Transaction:
    """The recipient agrees: the held money goes back to the sender now, once."""
    _check_recipient(request, customer)
    return _reverse(
        request,
        staff=None,
        note=f"the recipient agreed ({channel})",
        channel=channel,
        initiator=f"{channel}:{customer.phone}",
    )


def dispute_reversal(
    *, request: ReversalRequest, customer: Customer, channel: str
) -> ReversalRequest:
    """The recipient disputes before the deadline: the hold is released, the case closed."""
    _check_recipient(request, customer)
    if request.hold.deadline <= timezone.now():
        raise DisputeTooLate()
    return _release(
        request,
        staff=None,
        reason=f"{DISPUTED} ({channel})",
        note=f"disputed by the recipient ({channel})",
    )


def approve_reversal(*, request: ReversalRequest, staff: Any, note: str = "") -> Transaction:
    """Return the held money (and the fee, if all of it is back) to the sender, once.

    Staff reach this only through an approved maker-checker change (forced_reversal).
    """
    return _reverse(request, staff=staff, note=note, channel=Channel.ADMIN, initiator=_who(staff))


def reject_reversal(*, request: ReversalRequest, staff: Any, note: str) -> ReversalRequest:
    """Close the case and give the recipient their money back (care found no mistake)."""
    return _release(request, staff=staff, reason=f"{REJECTED}{note}", note=note)


def expire_reversal_requests(now: datetime.datetime | None = None) -> int:
    """Decide every open case whose deadline passed, or whose hold ended by another path;
    return how many were closed.

    Not disputed in time means reversed: the held money goes back. Run it before the generic
    hold expiry with the same `now`, and on all due cases (no batch), or that expiry would
    release these holds instead.
    """
    now = now or timezone.now()
    due = (
        ReversalRequest.objects.filter(state=ReversalState.OPEN)
        .filter(Q(hold__deadline__lte=now) | ~Q(hold__state=HoldState.OPEN))
        .order_by("hold__deadline", "pk")
    )
    # Ids first: each case is decided in durable transactions of its own.
    requests = [ReversalRequest(pk=pk) for pk in due.values_list("pk", flat=True)]
    return sum(_lapse(request) != ReversalState.OPEN for request in requests)


def settle(request: ReversalRequest, staff: Any) -> ReversalRequest:
    """Bring an open case in line with its hold: the hold decides what happened. Committed
    means the money went back (whoever asked to close it); released means disputed or
    rejected (its end_reason says so), otherwise lapsed without a reversal."""
    request.refresh_from_db()
    hold = request.hold
    hold.refresh_from_db()
    if request.state != ReversalState.OPEN or hold.state == HoldState.OPEN:
        return request
    if hold.state == HoldState.COMMITTED:
        return _close(request, ReversalState.REVERSED, staff, "", reversal=hold.transaction)
    if hold.end_reason.startswith((DISPUTED, REJECTED)):
        return _close(request, ReversalState.REJECTED, staff, hold.end_reason)
    note = hold.end_reason or "the hold ended before a decision"
    return _close(request, ReversalState.EXPIRED, staff, note)


def closing_cause(request: ReversalRequest) -> str:
    """Why a closed case closed: 'reversed', 'disputed', 'rejected' or 'expired' (for SMS)."""
    if request.state == ReversalState.REVERSED:
        return "reversed"
    if request.hold.end_reason.startswith(DISPUTED):
        return "disputed"
    return "rejected" if request.state == ReversalState.REJECTED else "expired"


def _reverse(
    request: ReversalRequest, *, staff: Any, note: str, channel: str, initiator: str
) -> Transaction:
    request = settle(request, staff)
    if request.state == ReversalState.REVERSED and request.reversal is not None:
        return request.reversal
    if request.state != ReversalState.OPEN:
        raise ReversalDecided()
    original, hold = request.original, request.hold
    whole = request.held_amount == original.amount
    legs = [Leg(hold.account, sender_wallet(original), request.held_amount)]
    if whole and original.fee:
        fee_leg = original.postings.get(credit_account__kind=AccountKind.FEE_INCOME)
        legs.append(Leg(fee_leg.credit_account, fee_leg.debit_account, fee_leg.amount))
    try:
        reversal = post_transaction(
            kind=TransactionKind.REVERSAL,
            # One key and fingerprint whoever reverses it (the recipient, the deadline job,
            # a forced reversal): racing paths get the same transaction back.
            idempotency_key=f"reversal:{original.reference}",
            currency=original.currency,
            amount=request.held_amount,
            legs=legs,
            fingerprint=request_hash("reversal_request", request.pk),
            channel=channel,
            initiator=initiator,
            metadata={
                "reverses": original.reference,
                "reason": request.reason,
                "reversal_request": request.pk,
                "partial": not whole,
                "decision": note[:200],
            },
            receiver_limits=False,
            hold_id=hold.pk,
            # Only a whole reversal mirrors the original and marks it reversed; a partial one
            # is linked by metadata, and its key still stops any second reversal of it.
            reverses=original if whole else None,
        )
    except HoldNotOpen:  # disputed, rejected or lapsed meanwhile: that decision stands
        settle(request, staff)
        raise ReversalDecided() from None
    _close(request, ReversalState.REVERSED, staff, note, reversal=reversal)
    return reversal


def _release(request: ReversalRequest, *, staff: Any, reason: str, note: str) -> ReversalRequest:
    request = settle(request, staff)
    if request.state != ReversalState.OPEN:
        raise ReversalDecided()
    try:
        release_hold(hold=request.hold, reason=reason[:200])
    except HoldNotOpen:  # reversed (or lapsed) meanwhile: that decision stands
        settle(request, staff)
        raise ReversalDecided() from None
    return _close(request, ReversalState.REJECTED, staff, note)


def _lapse(request: ReversalRequest) -> str:
    """Reverse a case nobody disputed in time; a reversal the ledger refuses (the sender's
    wallet closed, say) releases the hold instead, so no money stays frozen."""
    request = settle(request, None)
    if request.state != ReversalState.OPEN:
        return request.state
    try:
        _reverse(request, staff=None, note=LAPSED, channel=Channel.SYSTEM, initiator="system")
    except ReversalDecided:
        pass
    except LedgerError as error:
        logger.warning("reversal request %s could not be reversed: %s", request.pk, error.code)
        with contextlib.suppress(HoldNotOpen):  # ended meanwhile: settle reads how
            release_hold(hold=request.hold, reason=f"reversal refused: {error.code}")
    return settle(request, None).state


def _check_recipient(request: ReversalRequest, customer: Customer) -> None:
    """Only the recipient answers a case; to anyone else it does not exist."""
    if request.hold.account.customer_id != customer.pk:
        raise UnknownReference()


def _close(
    request: ReversalRequest,
    state: str,
    staff: Any,
    note: str,
    reversal: Transaction | None = None,
) -> ReversalRequest:
    with transaction.atomic(durable=True):
        closed = ReversalRequest.objects.filter(pk=request.pk, state=ReversalState.OPEN).update(
            state=state,
            decided_at=timezone.now(),
            decided_by=staff if getattr(staff, "pk", None) else None,
            decision_note=note[:200],
            reversal=reversal,
        )
        if closed:
            outbox.enqueue(DECIDED, {"request": request.pk})
    request.refresh_from_db()
    return request


def _who(staff: Any) -> str:
    return f"admin:{staff.get_username()}" if getattr(staff, "pk", None) else "system"
