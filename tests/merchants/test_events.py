"""Merchant webhooks queued from the outbox: one per event, whatever the number of
deliveries of the outbox row, with what the merchant needs to reconcile."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from merchants import events, services, webhooks
from merchants.models import Merchant, WebhookDelivery
from tests.conftest import new_key
from wallets import outbox
from wallets import services as wallet_services
from wallets.models import OutboxMessage, PaymentRequest

URL = "https://hooks.example.com/agentnet"


@pytest.fixture(autouse=True)
def no_kicks(monkeypatch) -> None:
    monkeypatch.setattr(webhooks, "kick", lambda: None)


@pytest.fixture
def hooked(duka: Merchant) -> Merchant:
    duka.webhook_url = URL
    duka.save(update_fields=["webhook_url"])
    return duka


def pay_till(wallet, merchant: Merchant, amount: int):
    offer = services.quote(point=merchant.points.get(), amount=amount)
    return services.pay(payer=wallet, offer=offer, idempotency_key=new_key(), channel="ussd")


def hooks(event: str | None = None) -> list[WebhookDelivery]:
    rows = WebhookDelivery.objects.order_by("id")
    return list(rows.filter(event=event) if event else rows)


def redeliver_every_outbox_row() -> None:
    """At-least-once: hand every row to the handlers again."""
    for message in OutboxMessage.objects.order_by("id"):
        events.on_transaction_posted(message)
        if message.topic == "payment_request.answered":
            events.on_payment_request_answered(message)


def test_a_till_payment_queues_one_payment_received_webhook(alice, fund, hooked):
    fund(alice, 100_000)
    paid = pay_till(alice, hooked, 50_000)
    outbox.drain()
    redeliver_every_outbox_row()
    [hook] = hooks()
    assert (hook.event, hook.event_id, hook.url) == (
        "payment.received",
        f"txn:{paid.reference}:payment.received",
        URL,
    )
    assert hook.payload == {
        "event": "payment.received",
        "transaction_reference": paid.reference,
        "amount": 50_000,
        "currency": "KES",
        "fee": 100,
        "msisdn": "+254712000001",
        "account_reference": "",
        "channel": "ussd",
        "created_at": paid.created_at.isoformat(),
    }


def test_a_paybill_payment_carries_its_account_number(alice, fund, water):
    water.webhook_url = URL
    water.save(update_fields=["webhook_url"])
    fund(alice, 10_000)
    offer = services.quote(point=water.points.get(), amount=1_000, account_reference="W123456")
    services.pay(payer=alice, offer=offer, idempotency_key=new_key(), channel="ussd")
    outbox.drain()
    assert hooks("payment.received")[0].payload["account_reference"] == "W123456"


def test_a_refund_and_a_disbursement_are_told_to_the_merchant(alice, bob, fund, hooked):
    fund(alice, 100_000)
    paid = pay_till(alice, hooked, 50_000)
    pay_till(alice, hooked, 40_000)
    refund = services.refund(merchant=hooked, payment=paid, reason="returned", initiator="t")
    paid_out = services.disburse(
        merchant=hooked, recipient=bob, amount=5_000, idempotency_key=new_key(), channel="api"
    )
    outbox.drain()
    [refunded] = hooks("payment.refunded")
    assert refunded.payload["transaction_reference"] == refund.reference
    assert refunded.payload["original_transaction_reference"] == paid.reference
    assert refunded.payload["msisdn"] == "+254712000001"
    [disbursed] = hooks("disbursement.completed")
    assert disbursed.payload["transaction_reference"] == paid_out.reference
    assert (disbursed.payload["amount"], disbursed.payload["msisdn"]) == (5_000, "+254712000002")


def test_a_mandate_debit_names_its_mandate(alice, fund, hooked):
    fund(alice, 10_000)
    mandate = services.create_mandate(
        customer=alice.customer,
        merchant=hooked,
        max_per_payment=1_000,
        max_daily=5_000,
        ends_on=timezone.localdate() + datetime.timedelta(days=7),
        idempotency_key=new_key(),
        channel="ussd",
        approved=True,
    )
    services.debit(
        merchant=hooked,
        mandate_reference=mandate.reference,
        amount=500,
        idempotency_key=new_key(),
        channel="api",
    )
    outbox.drain()
    [debited] = hooks("mandate.debited")
    assert debited.payload["mandate_reference"] == mandate.reference


def test_answers_to_a_request_to_pay_are_told_to_the_merchant(alice, fund, hooked):
    fund(alice, 10_000)
    asked = [
        services.request_to_pay(
            merchant=hooked, payer=alice.customer, amount=700, idempotency_key=new_key()
        )
        for _ in range(2)
    ]
    paid = services.pay_request(request=asked[0], channel="ussd")
    wallet_services.decline_request(request=PaymentRequest.objects.get(pk=asked[1].pk))
    outbox.drain()
    redeliver_every_outbox_row()
    [was_paid] = hooks("request_to_pay.paid")
    assert was_paid.event_id == f"request:{asked[0].pk}:request_to_pay.paid"
    assert was_paid.payload["transaction_reference"] == paid.reference
    assert was_paid.payload["msisdn"] == "+254712000001"
    [declined] = hooks("request_to_pay.declined")
    assert declined.payload["request_id"] == asked[1].pk
    assert hooks("payment.received")[0].payload["request_id"] == asked[0].pk


def test_a_merchant_without_a_url_and_a_customers_request_queue_nothing(alice, bob, fund, duka):
    fund(alice, 10_000)
    pay_till(alice, duka, 1_000)
    wallet_services.request_payment(
        requester=bob, requester_name="Bob", payer=alice.customer, amount=100, idempotency_key="r"
    )
    outbox.drain()
    assert hooks() == []


def test_the_lines_of_a_batch_queue_no_webhook_each(alice, bob, fund, hooked):
    fund(alice, 100_000)
    pay_till(alice, hooked, 50_000)
    outbox.drain()
    before = len(hooks())
    services.disburse(
        merchant=hooked,
        recipient=bob,
        amount=5_000,
        idempotency_key=new_key(),
        channel="api",
        metadata={"batch": "b1", "line": 1},
    )
    outbox.drain()
    assert len(hooks()) == before  # the batch's own callback reports its lines
