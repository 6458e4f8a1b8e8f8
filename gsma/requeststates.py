"""Request states of asynchronous requests, settled exactly once.

A request state follows its subject: a request to pay (paid: completed with the payment's
reference; declined or expired: failed), a partner's mandate (approved: completed; declined,
cancelled or ended: failed) or a batch (finished: completed). `settle` reads the subject and
moves a pending state with a conditional UPDATE, so the outbox handler, the periodic sweep and
a partner's poll can all call it and only one of them wins; the winner queues the PUT to the
partner's X-Callback-URL (`merchants.webhooks.enqueue`) in the same database transaction.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from gsma import render
from gsma.errors import error_object
from gsma.models import RequestKind, RequestState, RequestStatus
from merchants.models import MandateState
from wallets.models import OutboxMessage, PaymentRequestState, Transaction
from wallets.services.payment_requests import payment_key

# A payment may be being recorded just as its request lapses (see expire_payment_requests).
EXPIRY_GRACE = datetime.timedelta(minutes=1)
Outcome = tuple[str, str, dict[str, Any] | None, dict[str, Any]]


def on_payment_request_answered(message: OutboxMessage) -> None:
    """Outbox handler of `payment_request.answered`: settle the partner's request state."""
    state = RequestState.objects.filter(payment_request_id=message.payload.get("request")).first()
    if state is not None:
        settle(state)


def settle(state: RequestState) -> RequestState:
    """Move a pending state to completed or failed if its subject has finished; once."""
    if state.status != RequestStatus.PENDING:
        return state
    outcome = outcome_of(state)
    if outcome is None:
        return state
    status, reference, error, callback_body = outcome
    with transaction.atomic():
        moved = RequestState.objects.filter(pk=state.pk, status=RequestStatus.PENDING).update(
            status=status,
            object_reference=reference or F("object_reference"),
            error=error,
            finished_at=timezone.now(),
        )
        if moved and state.callback_url:
            _call_back(state, status, callback_body)
    state.refresh_from_db()
    return state


def outcome_of(state: RequestState) -> Outcome | None:
    if state.kind == RequestKind.MERCHANT_PAY:
        return _payment_outcome(state)
    if state.kind == RequestKind.MANDATE:
        return _mandate_outcome(state)
    if state.kind == RequestKind.BATCH and state.batch is not None:
        batch = state.batch
        batch.refresh_from_db()
        if batch.status == "completed":
            return RequestStatus.COMPLETED, str(batch.id), None, render.batch_object(batch)
    return None


def _payment_outcome(state: RequestState) -> Outcome | None:
    request = state.payment_request
    if request is None:
        return None
    request.refresh_from_db()
    if request.state == PaymentRequestState.PAID and request.transaction_id:
        paid = Transaction.objects.prefetch_related(render.with_parties()).get(
            pk=request.transaction_id
        )
        body = render.transaction_object(paid, state.merchant)
        return RequestStatus.COMPLETED, paid.reference, None, body
    if request.state == PaymentRequestState.DECLINED:
        return _failed("requestDeclined", "The customer declined the payment.")
    lapsed = request.expires_at + EXPIRY_GRACE <= timezone.now()
    if request.state == PaymentRequestState.EXPIRED or (
        lapsed and not Transaction.objects.filter(idempotency_key=payment_key(request.pk)).exists()
    ):
        return _failed("requestDeclined", "The customer did not answer before the request expired.")
    return None


def _mandate_outcome(state: RequestState) -> Outcome | None:
    mandate = state.mandate
    if mandate is None:
        return None
    mandate.refresh_from_db()
    if mandate.state == MandateState.ACTIVE:
        return RequestStatus.COMPLETED, mandate.reference, None, render.mandate_object(mandate)
    if mandate.state == MandateState.DECLINED:
        return _failed("requestDeclined", "The customer declined the mandate.")
    if mandate.state != MandateState.PENDING:
        return _failed("incorrectState", f"The mandate is {mandate.state}.")
    if mandate.ends_on < timezone.localdate():
        return _failed("incorrectState", "The mandate ended before the customer approved it.")
    return None


def _failed(code: str, description: str) -> Outcome:
    error = error_object("businessRule", code, description)
    return RequestStatus.FAILED, "", error, error


def _call_back(state: RequestState, status: str, body: dict[str, Any]) -> None:
    from merchants.webhooks import enqueue

    enqueue(
        merchant=state.merchant,
        event=f"gsma.{state.kind}.{status}",
        event_id=f"gsma:{state.server_correlation_id}",
        payload=body,
        url=state.callback_url,
        method="PUT",
        headers=(
            {"X-CorrelationID": str(state.client_correlation_id)}
            if state.client_correlation_id
            else None
        ),
    )


def sweep(limit: int = 500) -> int:
    """Settle the oldest pending states (the fallback for mandates, expiries, lost rows)."""
    settled = 0
    pending = RequestState.objects.select_related("merchant", "payment_request", "mandate")
    for state in pending.filter(status=RequestStatus.PENDING).order_by("created_at")[:limit]:
        settled += settle(state).status != RequestStatus.PENDING
    return settled
