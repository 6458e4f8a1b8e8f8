"""Payment requests: someone asks a customer for money; the customer pays or declines.

The customer answers from My account → Pending requests. Paying is a send-money (the send
tariff applies, paid by the payer) under the key `payment-request:<id>`, so paying twice, or
a crash between the posting and marking the request paid, moves the money once.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from wallets import outbox
from wallets.errors import InvalidAmount, LedgerError, RequestNotPending, SameAccount
from wallets.models import (
    Account,
    Channel,
    Customer,
    PaymentRequest,
    PaymentRequestState,
    Transaction,
)
from wallets.services.business import pay_merchant
from wallets.services.posting import CounterLimit
from wallets.services.transfers import send_money

ASKED, ANSWERED = "payment_request.created", "payment_request.answered"


def request_payment(
    *,
    requester: Account,
    requester_name: str,
    payer: Customer,
    amount: int,
    idempotency_key: str,
    note: str = "",
    fee_kind: str = "",
) -> PaymentRequest:
    """Ask `payer` for `amount`, once per key; it lapses after PAYMENT_REQUEST_HOURS. A
    merchant asks with its `fee_kind` (the merchants app checks the merchant)."""
    if amount <= 0:
        raise InvalidAmount()
    if requester.customer_id == payer.pk:
        raise SameAccount()
    if not payer.accounts.filter(currency=requester.currency).exists():
        raise LedgerError("The payer has no wallet in that currency.")
    hours = datetime.timedelta(hours=settings.PAYMENT_REQUEST_HOURS)
    with transaction.atomic(durable=True):
        request, created = PaymentRequest.objects.get_or_create(
            idempotency_key=idempotency_key,
            defaults={
                "requester": requester,
                "requester_name": requester_name[:120],
                "payer": payer,
                "amount": amount,
                "currency": requester.currency,
                "note": note[:60],
                "fee_kind": fee_kind,
                "expires_at": timezone.now() + hours,
            },
        )
        if created:
            outbox.enqueue(ASKED, {"request": request.pk})
    return request


def pending_requests(payer: Customer) -> list[PaymentRequest]:
    """The payer's requests still waiting for an answer, oldest first."""
    return list(
        PaymentRequest.objects.select_related("requester__customer")
        .filter(payer=payer, state=PaymentRequestState.PENDING, expires_at__gt=timezone.now())
        .order_by("id")
    )


def pay_request(
    *,
    request: PaymentRequest,
    channel: str = Channel.USSD,
    initiator: str = "",
    counter: CounterLimit | None = None,
) -> Transaction:
    """Pay a pending request once: the amount plus the send fee leave the payer's wallet, or,
    for a merchant's request, the amount only (the merchant pays its fee)."""
    _check_pending(request, paying=True)
    payer = request.payer.wallet(request.currency)
    if request.fee_kind:
        paid = pay_merchant(
            payer=payer,
            merchant=request.requester,
            amount=request.amount,
            fee_kind=request.fee_kind,
            idempotency_key=payment_key(request.pk),
            channel=channel,
            initiator=initiator,
            metadata={"payment_request": request.pk},
            counter=counter,
        )
    else:
        paid = send_money(
            sender=payer,
            recipient=request.requester,
            amount=request.amount,
            idempotency_key=payment_key(request.pk),
            channel=channel,
            initiator=initiator,
        )
    _answer(request, PaymentRequestState.PAID, paid)
    return paid


def decline_request(*, request: PaymentRequest) -> PaymentRequest:
    _check_pending(request, paying=False)
    _answer(request, PaymentRequestState.DECLINED, None)
    return request


def expire_payment_requests(now: datetime.datetime | None = None) -> int:
    """Mark lapsed requests expired (they already stopped showing as pending), except one
    whose payment posted just now and is being recorded."""
    return (
        PaymentRequest.objects.filter(
            state=PaymentRequestState.PENDING, expires_at__lte=now or timezone.now()
        )
        .exclude(Exists(_payment_of(OuterRef("pk"))))
        .update(state=PaymentRequestState.EXPIRED, answered_at=timezone.now())
    )


def payment_key(pk: int) -> str:
    return f"payment-request:{pk}"


def _payment_of(pk: Any) -> Any:
    return Transaction.objects.filter(
        idempotency_key=Concat(Value("payment-request:"), Cast(pk, CharField()))
    )


def _check_pending(request: PaymentRequest, *, paying: bool) -> None:
    request.refresh_from_db()
    if paying and request.state == PaymentRequestState.PAID:
        return  # a retry: send_money returns the first payment
    if request.state != PaymentRequestState.PENDING or request.expires_at <= timezone.now():
        raise RequestNotPending()


@transaction.atomic(durable=True)
def _answer(request: PaymentRequest, state: str, paid: Transaction | None) -> None:
    """Record the answer once. A posted payment wins over a decline or an expiry that slipped
    in between the posting and this; a decline never overrides a posted payment."""
    if paid is not None:
        open_states = [PaymentRequestState.PENDING, "declined", "expired"]
        rows = PaymentRequest.objects.filter(pk=request.pk, state__in=open_states)
    else:
        rows = PaymentRequest.objects.filter(pk=request.pk, state=PaymentRequestState.PENDING)
        rows = rows.exclude(Exists(_payment_of(OuterRef("pk"))))
    answered = rows.update(state=state, transaction=paid, answered_at=timezone.now())
    if answered:
        outbox.enqueue(ANSWERED, {"request": request.pk})
    request.refresh_from_db()
