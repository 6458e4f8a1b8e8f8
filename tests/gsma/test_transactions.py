"""Transactions through the partner API: mandate debits, requests to pay, disbursements,
transfers, reading and reversing the partner's own transactions."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.utils import timezone

from gsma.models import RequestState
from gsma.requeststates import sweep
from merchants import services
from merchants.models import WebhookDelivery
from tests.conftest import balance
from tests.gsma.conftest import assert_error
from wallets import outbox
from wallets.models import PaymentRequest, Transaction
from wallets.services import decline_request


def active_mandate(partner, wallet, per_payment=50_000, daily=100_000):
    return services.create_mandate(
        customer=wallet.customer,
        merchant=partner,
        max_per_payment=per_payment,
        max_daily=daily,
        ends_on=timezone.localdate() + datetime.timedelta(days=30),
        idempotency_key=str(uuid.uuid4()),
        channel="ussd",
        approved=True,
    )


def pay_body(amount="100.00", **parties):
    return {"amount": amount, "currency": "KES", **parties}


def test_a_mandate_debit_is_posted_at_once_without_a_pin(api, partner, alice, fund):
    fund(alice, 100_000)
    mandate = active_mandate(partner, alice)
    response = api.post(
        "/transactions/type/merchantpay",
        pay_body(debitParty=[{"key": "mandatereference", "value": mandate.reference}]),
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["type"] == "merchantpay"
    assert body["amount"] == "100.00"
    assert body["debitParty"] == [{"key": "msisdn", "value": "+254712000001"}]
    assert body["transactionStatus"] == "completed"
    assert balance(alice) == 90_000
    assert response["X-Date"]


def test_a_debit_over_the_mandate_cap_is_refused_and_nothing_moves(api, partner, alice, fund):
    fund(alice, 100_000)
    mandate = active_mandate(partner, alice, per_payment=5_000, daily=5_000)
    response = api.post(
        "/transactions/type/merchantpay",
        pay_body("60.00", debitParty=[{"key": "mandatereference", "value": mandate.reference}]),
    )
    assert_error(response, 400, "businessRule", "noMandateAuthority")
    assert balance(alice) == 100_000


def test_a_request_to_pay_is_answered_202_and_completes_when_the_customer_pays(
    api, partner, alice, fund
):
    fund(alice, 100_000)
    correlation = str(uuid.uuid4())
    response = api.post(
        "/transactions/type/merchantpay",
        pay_body(debitParty=[{"key": "msisdn", "value": "0712000001"}]),
        headers={"X-Callback-URL": "https://partner.example/callbacks"},
        correlation=correlation,
    )
    assert response.status_code == 202, response.content
    state = response.json()
    assert state["status"] == "pending"
    assert state["notificationMethod"] == "callback"
    assert state["pollLimit"] > 0
    assert state["expiryTime"]
    assert balance(alice) == 100_000

    request = PaymentRequest.objects.get()
    paid = services.pay_request(request=request, channel="ussd")
    outbox.drain()

    polled = api.get(f"/requeststates/{state['serverCorrelationId']}")
    assert polled.json()["status"] == "completed"
    assert polled.json()["objectReference"] == paid.reference
    callback = WebhookDelivery.objects.get(url="https://partner.example/callbacks")
    assert callback.method == "PUT"
    assert callback.payload["transactionReference"] == paid.reference
    assert callback.headers == {"X-CorrelationID": correlation}  # sent with the PUT
    assert balance(alice) == 90_000


def test_a_declined_request_to_pay_fails_its_request_state(api, partner, alice):
    response = api.post(
        "/transactions/type/merchantpay",
        pay_body(debitParty=[{"key": "msisdn", "value": "+254712000001"}]),
        headers={"X-Callback-URL": "https://partner.example/cb"},
    )
    decline_request(request=PaymentRequest.objects.get())
    outbox.drain()
    polled = api.get(f"/requeststates/{response.json()['serverCorrelationId']}").json()
    assert polled["status"] == "failed"
    assert polled["error"]["errorCode"] == "requestDeclined"
    callback = WebhookDelivery.objects.get()
    assert callback.payload["errorCategory"] == "businessRule"


def test_an_expired_request_to_pay_fails_in_the_sweep(api, partner, alice):
    response = api.post(
        "/transactions/type/merchantpay",
        pay_body(debitParty=[{"key": "msisdn", "value": "+254712000001"}]),
    )
    PaymentRequest.objects.update(expires_at=timezone.now() - datetime.timedelta(hours=1))
    assert sweep() == 1
    state = RequestState.objects.get(pk=response.json()["serverCorrelationId"])
    assert state.status == "failed"
    assert (state.error or {}).get("errorCode") == "requestDeclined"
    assert not WebhookDelivery.objects.exists()  # no X-Callback-URL: polling only


def test_a_request_to_an_unknown_msisdn_is_an_identification_error(api, partner):
    response = api.post(
        "/transactions/type/merchantpay",
        pay_body(debitParty=[{"key": "msisdn", "value": "+254799999999"}]),
    )
    assert_error(response, 404, "identification", "identifierError")
    assert not PaymentRequest.objects.exists()


def test_a_disbursement_pays_the_customer_from_the_partner_account(api, partner, alice):
    response = api.post(
        "/transactions/type/disbursement",
        pay_body("250.00", creditParty=[{"key": "msisdn", "value": "+254712000001"}]),
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["type"] == "disbursement"
    assert body["fees"][0]["feeType"] == "disbursementFee"
    assert balance(alice) == 25_000


def test_a_transfer_is_a_payment_from_the_partner_account_under_its_own_scope(
    make_client, partner, alice
):
    only_disburse = make_client(["disbursement"])
    body = pay_body("10.00", creditParty=[{"key": "msisdn", "value": "+254712000001"}])
    assert_error(only_disburse.post("/transactions/type/transfer", body), 403, "authorisation")
    response = make_client(["transfer"]).post("/transactions/type/transfer", body)
    assert response.status_code == 201
    assert response.json()["type"] == "transfer"
    assert balance(alice) == 1_000


def test_a_partner_reads_and_reverses_only_its_own_payments(
    api, make_client, partner, other_partner, alice, fund
):
    fund(alice, 100_000)
    mandate = active_mandate(partner, alice)
    paid = api.post(
        "/transactions/type/merchantpay",
        pay_body(debitParty=[{"key": "mandatereference", "value": mandate.reference}]),
    ).json()
    reference = paid["transactionReference"]
    assert api.get(f"/transactions/{reference}").json()["transactionReference"] == reference
    stranger = make_client(merchant=other_partner)
    assert_error(stranger.get(f"/transactions/{reference}"), 404, "identification")
    assert_error(
        stranger.post(f"/transactions/{reference}/reversals", {"type": "reversal"}),
        404,
        "identification",
    )
    reversal = api.post(f"/transactions/{reference}/reversals", {"type": "reversal"})
    assert reversal.status_code == 201, reversal.content
    assert reversal.json()["originalTransactionReference"] == reference
    assert balance(alice) == 100_000
    again = api.post(f"/transactions/{reference}/reversals", {"type": "reversal"})
    assert again.json()["transactionReference"] == reversal.json()["transactionReference"]
    assert balance(alice) == 100_000  # reversed once


@pytest.mark.parametrize("amount", ["-5", "1.234", "abc", "0"])
def test_a_malformed_amount_is_a_validation_error_and_posts_nothing(api, partner, alice, amount):
    before = Transaction.objects.count()
    response = api.post(
        "/transactions/type/disbursement",
        pay_body(amount, creditParty=[{"key": "msisdn", "value": "+254712000001"}]),
    )
    assert_error(response, 400, "validation")
    assert Transaction.objects.count() == before
