"""Opening a reversal case: the sender names their send, the recipient's money is held.

What the recipient still holds of the amount is put on hold at once (their available balance
at that moment, so a partial amount if they spent some); the case's deadline is the hold's.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from wallets import outbox
from wallets.errors import (
    AlreadyReversed,
    InsufficientFunds,
    ReversalAlreadyRequested,
    ReversalRefused,
    ReversalWindowClosed,
    UnknownReference,
)
from wallets.models import (
    AccountKind,
    Customer,
    HoldState,
    ReversalRequest,
    ReversalState,
    Transaction,
    TransactionKind,
    TransactionStatus,
)
from wallets.services.holds import place_hold, release_hold

REQUESTED, DECIDED = "reversal.requested", "reversal.decided"  # outbox topics (SMS notices)


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
    """Hold what the recipient still has of the amount and open a case for them to answer.

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


def open_reversals_against(customer: Customer) -> QuerySet[ReversalRequest]:
    """The open cases asking `customer` (the recipient) to give money back, soonest due first."""
    return (
        ReversalRequest.objects.filter(
            state=ReversalState.OPEN,
            hold__state=HoldState.OPEN,
            hold__account__customer=customer,
        )
        .select_related("original", "requested_by", "hold")
        .order_by("hold__deadline", "pk")
    )


def recipient_wallet(sent: Transaction) -> Any:
    principal = sent.postings.select_related("credit_account").get(
        credit_account__kind=AccountKind.CUSTOMER_WALLET
    )
    return principal.credit_account


def sender_wallet(sent: Transaction) -> Any:
    return (
        sent.postings.select_related("debit_account")
        .get(credit_account__kind=AccountKind.CUSTOMER_WALLET)
        .debit_account
    )
