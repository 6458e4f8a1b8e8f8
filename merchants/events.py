"""Merchant webhooks from the outbox: payments, mandate debits, disbursements, refunds and
answers to requests to pay (registered in `MerchantsConfig.ready`).

Each handler finds the merchant the row is about and queues a webhook to the merchant's URL
(none without one) under an event id made of the posting's reference or the request's id and
the event's name, so a second delivery of the same outbox row queues nothing new.

    event                   when
    payment.received        a customer paid a till, a pay-bill or a request to pay
    mandate.debited         the merchant debited a customer under a mandate
    disbursement.completed  the merchant paid a customer (not for a batch's lines: the batch
                            has its own callback and its completions)
    payment.refunded        a payment or mandate debit was reversed (the merchant's refund)
    disbursement.reversed   a disbursement was reversed
    request_to_pay.paid     a customer paid the merchant's request to pay
    request_to_pay.declined a customer declined it
"""

from __future__ import annotations

from typing import Any

from merchants import webhooks
from merchants.models import Merchant
from wallets.models import (
    Account,
    OutboxMessage,
    PaymentRequest,
    PaymentRequestState,
    Transaction,
    TransactionKind,
)

POSTED_EVENTS: dict[str, str] = {
    TransactionKind.MERCHANT_PAY: "payment.received",
    TransactionKind.MANDATE_DEBIT: "mandate.debited",
    TransactionKind.DISBURSEMENT: "disbursement.completed",
}
REVERSED_EVENTS: dict[str, str] = {
    TransactionKind.MERCHANT_PAY: "payment.refunded",
    TransactionKind.MANDATE_DEBIT: "payment.refunded",
    TransactionKind.DISBURSEMENT: "disbursement.reversed",
}
ANSWER_EVENTS = {
    PaymentRequestState.PAID: "request_to_pay.paid",
    PaymentRequestState.DECLINED: "request_to_pay.declined",
}


def on_transaction_posted(message: OutboxMessage) -> None:
    posted = message.transaction
    if posted is None:
        return
    original: Transaction | None = posted
    if posted.kind == TransactionKind.REVERSAL:
        original = _reversed_original(posted)
        event = REVERSED_EVENTS.get(original.kind) if original else None
    else:
        event = POSTED_EVENTS.get(posted.kind)
    if original is None or event is None:
        return
    if posted.kind == TransactionKind.DISBURSEMENT and "batch" in posted.metadata:
        return  # a batch's lines are reported together, by the batch's own callback
    merchant_side, customer_side = _sides(original)
    merchant = Merchant.objects.filter(account_id=original.metadata.get(merchant_side)).first()
    if merchant is None or not merchant.webhook_url:
        return
    payload = transaction_payload(posted, original, original.metadata.get(customer_side))
    webhooks.enqueue(
        merchant=merchant,
        event=event,
        event_id=f"txn:{posted.reference}:{event}",
        payload={"event": event, **payload},
    )


def on_payment_request_answered(message: OutboxMessage) -> None:
    request = (
        PaymentRequest.objects.select_related("payer", "transaction")
        .filter(pk=message.payload.get("request"))
        .first()
    )
    if request is None or request.state not in ANSWER_EVENTS:
        return
    merchant = Merchant.objects.filter(account_id=request.requester_id).first()
    if merchant is None or not merchant.webhook_url:
        return  # a customer's request, or a merchant without a webhook
    event = ANSWER_EVENTS[PaymentRequestState(request.state)]
    payload = {
        "event": event,
        "request_id": request.pk,
        "state": request.state,
        "amount": request.amount,
        "currency": request.currency,
        "msisdn": request.payer.phone,
        "note": request.note,
        "transaction_reference": request.transaction.reference if request.transaction else None,
        "answered_at": request.answered_at.isoformat() if request.answered_at else None,
    }
    webhooks.enqueue(
        merchant=merchant,
        event=event,
        event_id=f"request:{request.pk}:{event}",
        payload=payload,
    )


def transaction_payload(
    posted: Transaction, original: Transaction, customer_account_id: Any
) -> dict[str, Any]:
    """What a merchant is told about a posting: amounts in minor units, the customer's
    number in E.164."""
    customer = (
        Account.objects.select_related("customer").filter(pk=customer_account_id).first()
        if customer_account_id
        else None
    )
    payload: dict[str, Any] = {
        "transaction_reference": posted.reference,
        "amount": posted.amount,
        "currency": posted.currency,
        "fee": posted.fee,
        "msisdn": customer.customer.phone if customer and customer.customer else None,
        "account_reference": original.metadata.get("account_reference", ""),
        "channel": original.channel,
        "created_at": posted.created_at.isoformat(),
    }
    if original.metadata.get("mandate"):
        payload["mandate_reference"] = original.metadata["mandate"]
    if original.metadata.get("payment_request"):
        payload["request_id"] = original.metadata["payment_request"]
    if original.pk != posted.pk:
        payload["original_transaction_reference"] = original.reference
    return payload


def _sides(original: Transaction) -> tuple[str, str]:
    """The metadata keys naming the merchant's account and the customer's."""
    if original.kind == TransactionKind.DISBURSEMENT:
        return "sender_account", "recipient_account"
    return "recipient_account", "sender_account"


def _reversed_original(reversal: Transaction) -> Transaction | None:
    if reversal.reverses_id is not None:
        return reversal.reverses
    reference = reversal.metadata.get("reverses") if isinstance(reversal.metadata, dict) else None
    return Transaction.objects.filter(reference=reference).first() if reference else None
