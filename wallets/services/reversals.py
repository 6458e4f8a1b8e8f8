"""Reversal requests: a sender asks for a mistaken send back; customer care decides.

As M-Pesa does it (reference/domain-and-security.md 3.2): what the recipient still holds of
the amount is put on hold at once, both parties are told, care confirms with them, and the
money comes back only if it is still there. Approving commits the hold into a reversing
transaction; rejecting, or nobody deciding before the hold's deadline, releases it.

The fee is refunded only when the whole amount comes back: a partial recovery returns what
was recovered, and the original stays "posted" (it is not mirrored).
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from wallets import outbox
from wallets.errors import (
    AlreadyReversed,
    HoldNotOpen,
    InsufficientFunds,
    NotReversible,
    ReversalAlreadyRequested,
    ReversalRefused,
    ReversalWindowClosed,
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
    TransactionStatus,
)
from wallets.services.holds import place_hold, release_hold
from wallets.services.posting import Leg, post_transaction, request_hash

REQUESTED, DECIDED = "reversal.requested", "reversal.decided"


def reversible_send(*, customer: Customer, reference: str) -> Transaction:
    """The customer's own send-money with `reference`, if they may still ask to reverse it."""
    sent = (
        Transaction.objects.filter(
            reference=reference.strip().upper(),
            kind=TransactionKind.SEND_MONEY,
            postings__debit_account__customer=customer,
        )
        .distinct()
        .first()
    )
    if sent is None:
        raise UnknownReference()
    if sent.status == TransactionStatus.REVERSED:
        raise AlreadyReversed()
    window = datetime.timedelta(hours=settings.REVERSAL_WINDOW_HOURS)
    if sent.created_at < timezone.now() - window:
        raise ReversalWindowClosed()
    asked = ReversalRequest.objects.filter(original=sent)
    if asked.filter(state=ReversalState.REVERSED).exists():  # a partial reversal was the end
        raise AlreadyReversed()
    if asked.filter(state=ReversalState.OPEN).exists():
        raise ReversalAlreadyRequested()
    return sent


def request_reversal(
    *, customer: Customer, reference: str, channel: str, reason: str = ""
) -> ReversalRequest:
    """Hold what the recipient still has of the amount and open a request for care to decide.

    Refused (ReversalRefused) when the recipient has nothing left of it. Asking twice returns
    the open request.
    """
    sent = reversible_send(customer=customer, reference=reference)
    recipient = recipient_wallet(sent)
    recipient.refresh_from_db()
    held = min(sent.amount, recipient.available)
    if held <= 0:
        raise ReversalRefused()
    deadline = timezone.now() + datetime.timedelta(hours=settings.REVERSAL_HOLD_HOURS)
    try:
        # A key of its own for each request: a twin racing this one gets another hold, and
        # whichever loses the open-request constraint below releases its own hold only.
        hold = place_hold(
            account=recipient,
            amount=held,
            reason=f"reversal request for {sent.reference}",
            idempotency_key=f"reversal-request:{sent.reference}:{uuid.uuid4().hex}",
            deadline=deadline,
        )
    except InsufficientFunds:  # spent between the read and the hold, or held by a twin
        if ReversalRequest.objects.filter(original=sent, state=ReversalState.OPEN).exists():
            raise ReversalAlreadyRequested() from None
        raise ReversalRefused() from None
    try:
        with transaction.atomic(durable=True):
            request = ReversalRequest.objects.create(
                original=sent,
                requested_by=customer,
                channel=channel,
                reason=reason[:200],
                hold=hold,
                held_amount=hold.amount,
            )
            outbox.enqueue(REQUESTED, {"request": request.pk})
    except IntegrityError:  # a twin opened it first: ours must not keep money frozen
        release_hold(hold=hold, reason="duplicate reversal request")
        raise ReversalAlreadyRequested() from None
    return request


def approve_reversal(*, request: ReversalRequest, staff: Any, note: str = "") -> Transaction:
    """Return the held money (and the fee, if all of it is back) to the sender, once."""
    request = settle(request, staff)
    if request.state == ReversalState.REVERSED and request.reversal is not None:
        return request.reversal
    if request.state != ReversalState.OPEN:
        raise NotReversible("This reversal request is already decided.")
    original, hold = request.original, request.hold
    whole = request.held_amount == original.amount
    legs = [Leg(hold.account, _sender_wallet(original), request.held_amount)]
    if whole and original.fee:
        fee_leg = original.postings.get(credit_account__kind=AccountKind.FEE_INCOME)
        legs.append(Leg(fee_leg.credit_account, fee_leg.debit_account, fee_leg.amount))
    reversal = post_transaction(
        kind=TransactionKind.REVERSAL,
        idempotency_key=f"reversal:{original.reference}",
        currency=original.currency,
        amount=request.held_amount,
        legs=legs,
        fingerprint=request_hash("reversal_request", request.pk),
        channel=Channel.ADMIN,
        initiator=_who(staff),
        metadata={
            "reverses": original.reference,
            "reason": request.reason,
            "reversal_request": request.pk,
            "partial": not whole,
        },
        receiver_limits=False,
        hold_id=hold.pk,
        # Only a whole reversal mirrors the original and marks it reversed; a partial one is
        # linked by metadata, and its key still stops any second reversal of the original.
        reverses=original if whole else None,
    )
    _close(request, ReversalState.REVERSED, staff, note, reversal=reversal)
    request.refresh_from_db()
    if request.state != ReversalState.REVERSED:  # cannot: only a committed hold closes it so
        raise HoldNotOpen()
    return reversal


def reject_reversal(*, request: ReversalRequest, staff: Any, note: str) -> ReversalRequest:
    """Give the recipient their money back (the recipient disputed, or care found no error)."""
    request = settle(request, staff)
    if request.state != ReversalState.OPEN:
        raise NotReversible("This reversal request is already decided.")
    try:
        release_hold(hold=request.hold, reason=f"reversal rejected: {note}"[:200])
    except HoldNotOpen:  # approved (or lapsed) meanwhile: that decision stands
        settle(request, staff)
        raise NotReversible("This reversal request is already decided.") from None
    return _close(request, ReversalState.REJECTED, staff, note)


def expire_reversal_requests() -> int:
    """Close open requests whose hold has ended (the hold-expiry job released it)."""
    ended = ReversalRequest.objects.filter(state=ReversalState.OPEN).exclude(
        hold__state=HoldState.OPEN
    )
    return sum(settle(request, None).state != ReversalState.OPEN for request in ended)


def settle(request: ReversalRequest, staff: Any) -> ReversalRequest:
    """Bring an open request in line with its hold: the hold decides what happened. Committed
    means the money went back (whoever asked to close it); released means it lapsed."""
    request.refresh_from_db()
    hold = request.hold
    hold.refresh_from_db()
    if request.state != ReversalState.OPEN or hold.state == HoldState.OPEN:
        return request
    if hold.state == HoldState.COMMITTED:
        return _close(request, ReversalState.REVERSED, staff, "", reversal=hold.transaction)
    return _close(request, ReversalState.EXPIRED, staff, "the hold ended before a decision")


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


def recipient_wallet(sent: Transaction) -> Any:
    principal = sent.postings.select_related("credit_account").get(
        credit_account__kind=AccountKind.CUSTOMER_WALLET
    )
    return principal.credit_account


def _sender_wallet(sent: Transaction) -> Any:
    return (
        sent.postings.select_related("debit_account")
        .get(credit_account__kind=AccountKind.CUSTOMER_WALLET)
        .debit_account
    )


def _who(staff: Any) -> str:
    return f"admin:{staff.get_username()}" if getattr(staff, "pk", None) else "system"
