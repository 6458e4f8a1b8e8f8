"""Sending a request to its operator once, and asking where an open one stands."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from operators.adapters.base import OperatorError, OperatorUnavailable, Outcome, Status
from operators.conf import adapter_of
from operators.models import (
    OperatorRequest,
    RequestKind,
)
from operators.services.common import OPEN_STATES, PAY_BILL
from operators.services.outcomes import _keep_open, apply_outcome


def send(request: OperatorRequest) -> OperatorRequest:
    """Send the request to the operator, once: the send is claimed (`sent_at`) before the
    call, so a redelivered task or the poller racing it cannot send it twice (Daraja does not
    dedupe a resent request). Only an attempt that certainly never left us is un-claimed, for
    the poller to send again. Never raises for the operator's failures."""
    request.refresh_from_db()
    if request.state not in OPEN_STATES:
        return request
    claimed = OperatorRequest.objects.filter(pk=request.pk, sent_at__isnull=True).update(
        sent_at=timezone.now()
    )
    if not claimed:
        return request
    try:
        outcome = _call_operator(request)
    except OperatorUnavailable as error:
        if not error.sent:  # nothing left us: give the send back to the poller
            OperatorRequest.objects.filter(pk=request.pk).update(sent_at=None)
            pending = Outcome(Status.PENDING, detail=str(error)[:200])
            return _keep_open(request, pending, checked=True)
        # It may have reached them: find out (status query, callback, statement), never guess.
        outcome = Outcome(Status.UNKNOWN, reason="operator_error", detail=str(error)[:200])
    except OperatorError as error:
        # Refused before anything happened, the adapter says. For a payout we still let a
        # status query or the statement confirm it before releasing the money (a MoMo 409
        # on our reference means something did happen under it).
        status = Status.UNKNOWN if request.kind == RequestKind.PAYOUT else Status.FAILED
        outcome = Outcome(status, reason="operator_error", detail=str(error)[:200])
    except ValueError as error:  # an argument the operator cannot take (found before any call)
        outcome = Outcome(Status.FAILED, reason="rejected", detail=str(error)[:200])
    return apply_outcome(request, outcome)


def _call_operator(request: OperatorRequest) -> Outcome:
    adapter = adapter_of(request.operator)
    reference = str(request.reference)
    description = f"{settings.SERVICE_NAME} {request.get_kind_display()}"[:100]
    if request.kind == RequestKind.COLLECTION:
        return adapter.collect(
            reference=reference, phone=request.phone, amount=request.amount, description=description
        )
    if pay_bill := request.metadata.get(PAY_BILL):
        return adapter.pay_bill(
            reference=reference,
            paybill=str(pay_bill["number"]),
            account=str(pay_bill["account"]),
            amount=request.amount,
            description=description,
        )
    return adapter.pay_out(
        reference=reference, phone=request.phone, amount=request.amount, description=description
    )


def check(request: OperatorRequest) -> OperatorRequest:
    """Ask the operator where an open request stands (the poller), with backoff."""
    request.refresh_from_db()
    if request.state not in OPEN_STATES:
        return request
    if request.sent_at is None:
        return send(request)
    try:
        outcome = adapter_of(request.operator).status(
            reference=str(request.reference),
            kind=request.kind,
            operator_reference=request.operator_reference,
        )
    except OperatorError as error:
        outcome = Outcome(Status.UNKNOWN, reason="operator_error", detail=str(error)[:200])
    return apply_outcome(request, outcome, checked=True)
