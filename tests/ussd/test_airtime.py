"""Buy airtime: the USSD journey debits the wallet; the outbox makes the request; a task asks
Africa's Talking (stubbed at the `requests` boundary) and a failure is refunded once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs

import pytest
import responses

from tests.conftest import balance
from tests.ussd.conftest import home_screen
from ussd.airtime import services as airtime
from ussd.airtime.models import AirtimeRequest, AirtimeState
from ussd.airtime.tasks import send_airtime
from ussd.sms.models import SmsMessage
from wallets import outbox
from wallets.models import OutboxMessage, Transaction, TransactionKind

AT_AIRTIME_URL = "https://api.sandbox.africastalking.com/version1/airtime/send"
OTHER = "+254712000099"


def at_airtime_reply(phone: str, status: str = "Sent", error: str = "None") -> dict[str, Any]:
    """The body Africa's Talking sends for one recipient (reference/ecosystem.md 2.8)."""
    sent = status == "Sent"
    return {
        "errorMessage": "None",
        "numSent": 1 if sent else 0,
        "totalAmount": "KES 50.0000" if sent else "0",
        "totalDiscount": "KES 2.0000" if sent else "0",
        "responses": [
            {
                "phoneNumber": phone,
                "errorMessage": error,
                "amount": "KES 50.0000",
                "status": status,
                "requestId": "ATQid_test" if sent else "None",
                "discount": "KES 2.0000",
            }
        ],
    }


@pytest.fixture
def africastalking(settings: Any) -> Iterator[responses.RequestsMock]:
    """AT in sandbox mode; every outside HTTP call must be registered."""
    settings.AIRTIME_BACKEND = "africastalking"
    settings.AT_USERNAME = "sandbox"
    settings.AT_API_KEY = "test-key"
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def buy(phone_of, wallet, *tokens: str, language: str = "") -> list[str]:
    phone = phone_of(wallet, language)
    return [phone.dial(), *(phone.type(token) for token in tokens)]


def airtime_bought(wallet, amount: int = 5000, phone: str = "") -> AirtimeRequest:
    """Alice buys KES 50 for her own number; the outbox makes the request."""
    from wallets import services

    posted = services.buy_airtime(
        wallet=wallet,
        phone=phone or wallet.customer.phone,
        amount=amount,
        idempotency_key=f"airtime-test-{wallet.pk}-{amount}",
        channel="ussd",
    )
    outbox.drain()
    return AirtimeRequest.objects.get(transaction__reference=posted.reference)


def test_a_customer_buys_airtime_for_their_own_number(alice, fund, phone_of):
    fund(alice, 100_000)
    screens = buy(phone_of, alice, "3", "1", "50", "2468")

    assert screens == [
        home_screen("Alice"),
        "CON Buy airtime\n1. For my number\n2. For another number\n0. Back",
        "CON Airtime for 0712000001\nEnter amount\n0. Back",
        "CON Buy KES 50 airtime for 0712000001?\nEnter PIN\n0. Back",
        "END Airtime request received. You will get an SMS.",
    ]
    assert balance(alice) == 95_000
    posted = Transaction.objects.get(kind=TransactionKind.AIRTIME)
    assert posted.metadata == {"airtime_phone": "+254712000001"}
    assert posted.channel == "ussd"
    assert not AirtimeRequest.objects.exists()  # not inside the hop

    outbox.drain()
    request = AirtimeRequest.objects.get()
    assert (request.transaction_id, request.phone, request.amount) == (
        posted.pk,
        "+254712000001",
        5000,
    )
    assert request.state == AirtimeState.REQUESTED
    receipt = SmsMessage.objects.get(reference=posted.reference)
    assert "You bought KES 50 of airtime for 0712000001" in receipt.text


def test_a_swahili_speaker_buys_airtime_for_another_number(alice, fund, phone_of):
    fund(alice, 100_000)
    screens = buy(phone_of, alice, "3", "2", "0712000099", "50", "2468", language="sw")

    assert screens == [
        home_screen("Alice", "sw"),
        "CON Nunua airtime\n1. Kwa nambari yangu\n2. Kwa nambari nyingine\n0. Rudi",
        "CON Nunua airtime\nWeka nambari ya simu\n0. Rudi",
        "CON Airtime kwa 0712000099\nWeka kiasi\n0. Rudi",
        "CON Nunua airtime ya KES 50 kwa 0712000099?\nWeka PIN\n0. Rudi",
        "END Ombi la airtime limepokelewa. Utapokea SMS.",
    ]
    assert balance(alice) == 95_000
    outbox.drain()
    assert AirtimeRequest.objects.get().phone == OTHER


def test_a_wrong_pin_posts_nothing(alice, fund, phone_of):
    fund(alice, 100_000)
    screens = buy(phone_of, alice, "3", "1", "50", "1357")

    assert screens[-1] == (
        "CON Wrong PIN. 2 tries left.\nBuy KES 50 airtime for 0712000001?\nEnter PIN\n0. Back"
    )
    assert balance(alice) == 100_000
    assert not Transaction.objects.filter(kind=TransactionKind.AIRTIME).exists()


@pytest.mark.parametrize("amount", ["4", "4.99", "10001"])
def test_an_amount_outside_the_limits_is_refused_before_the_pin(alice, fund, phone_of, amount):
    fund(alice, 2_000_000)
    screens = buy(phone_of, alice, "3", "1", amount)

    assert screens[-1] == (
        "CON Airtime is from KES 5 to KES 10,000.\nAirtime for 0712000001\nEnter amount\n0. Back"
    )
    assert balance(alice) == 2_000_000


def test_the_limits_are_settings(alice, fund, phone_of, settings):
    settings.AIRTIME_MIN_AMOUNT, settings.AIRTIME_MAX_AMOUNT = 1000, 2000
    fund(alice, 100_000)
    assert buy(phone_of, alice, "3", "1", "5")[-1].startswith(
        "CON Airtime is from KES 10 to KES 20."
    )


def test_insufficient_funds_ends_the_session_and_posts_nothing(alice, fund, phone_of):
    fund(alice, 1_000)
    screens = buy(phone_of, alice, "3", "1", "50", "2468")

    assert screens[-1] == (
        "END Insufficient funds: your balance does not cover the amount and the fee."
    )
    assert balance(alice) == 1_000
    assert not Transaction.objects.filter(kind=TransactionKind.AIRTIME).exists()


def test_a_redelivered_outbox_row_makes_one_request_and_other_kinds_none(alice, bob, fund):
    fund(alice, 100_000)
    request = airtime_bought(alice)
    row = OutboxMessage.objects.get(transaction=request.transaction)

    airtime.record_request(row)
    airtime.record_request(row)

    assert AirtimeRequest.objects.count() == 1
    assert OutboxMessage.objects.filter(delivered_at__isnull=True).count() == 0


def test_the_task_sends_the_airtime_once(alice, fund, africastalking):
    fund(alice, 100_000)
    request = airtime_bought(alice)
    africastalking.post(AT_AIRTIME_URL, json=at_airtime_reply("+254712000001"), status=201)

    assert send_airtime(request.pk) == AirtimeState.SENT
    assert send_airtime(request.pk) == "skipped"  # a redelivered task sends nothing

    request.refresh_from_db()
    assert (request.state, request.attempts) == (AirtimeState.SENT, 1)
    assert request.provider_request_id == "ATQid_test"
    assert len(africastalking.calls) == 1
    sent = africastalking.calls[0].request
    assert sent.headers["Idempotency-Key"] == f"airtime:{request.transaction.reference}"
    assert sent.headers["apiKey"] == "test-key"
    body = parse_qs(str(sent.body))
    assert body["username"] == ["sandbox"]
    recipients = json.loads(body["recipients"][0])
    assert recipients == [{"phoneNumber": "+254712000001", "amount": "KES 50"}]
    assert balance(alice) == 95_000
    assert not Transaction.objects.filter(kind=TransactionKind.REVERSAL).exists()


def test_a_failed_airtime_is_refunded_once_even_if_the_task_runs_twice(alice, fund, africastalking):
    fund(alice, 100_000)
    request = airtime_bought(alice, phone=OTHER)
    reply = at_airtime_reply(OTHER, status="Failed", error="Invalid phone number")
    africastalking.post(AT_AIRTIME_URL, json=reply, status=201)

    assert send_airtime(request.pk) == AirtimeState.REFUNDED
    assert send_airtime(request.pk) == "skipped"
    assert airtime.refund_request(request.pk) == AirtimeState.REFUNDED

    request.refresh_from_db()
    assert request.state == AirtimeState.REFUNDED
    assert "Invalid phone number" in request.last_error
    assert balance(alice) == 100_000
    reversal = Transaction.objects.get(kind=TransactionKind.REVERSAL)
    assert reversal.reverses_id == request.transaction_id
    assert reversal.metadata["reason"].startswith("airtime failed: Failed Invalid phone number")
    assert reversal.channel == "system"
    assert len(africastalking.calls) == 1

    outbox.drain()  # the customer gets the reversal receipt
    receipt = SmsMessage.objects.get(reference=reversal.reference)
    assert f"Transaction {request.transaction.reference} reversed" in receipt.text


def test_a_transient_error_is_retried_with_backoff_then_refunded(alice, fund, africastalking):
    fund(alice, 100_000)
    request = airtime_bought(alice)
    africastalking.post(AT_AIRTIME_URL, body="Internal Server Error", status=500)

    outcomes = [airtime.send_request(request.pk) for _ in range(airtime.MAX_ATTEMPTS)]

    assert [o.retry_in for o in outcomes] == [30, 60, 120, None]
    assert [o.state for o in outcomes[:-1]] == [AirtimeState.REQUESTED] * 3
    assert outcomes[-1].state == AirtimeState.REFUNDED
    assert balance(alice) == 100_000
    assert Transaction.objects.filter(kind=TransactionKind.REVERSAL).count() == 1


def test_a_transient_error_then_success_is_sent_without_refund(alice, fund, africastalking):
    fund(alice, 100_000)
    request = airtime_bought(alice)
    africastalking.post(AT_AIRTIME_URL, body="Bad Gateway", status=502)
    africastalking.post(AT_AIRTIME_URL, json=at_airtime_reply("+254712000001"), status=201)

    assert airtime.send_request(request.pk).retry_in == 30
    assert airtime.send_request(request.pk).state == AirtimeState.SENT
    assert balance(alice) == 95_000


def test_the_sweep_sends_what_a_lost_task_left_and_refunds_a_crashed_refund(alice, fund):
    fund(alice, 100_000)
    unsent = airtime_bought(alice, amount=5000)
    failed = airtime_bought(alice, amount=6000)
    AirtimeRequest.objects.filter(pk=failed.pk).update(state=AirtimeState.FAILED)

    assert airtime.claim_stale_requests(older_than=-60) == ([unsent.pk], [failed.pk])
    assert airtime.refund_request(failed.pk) == AirtimeState.REFUNDED
    assert balance(alice) == 95_000


def test_the_console_backend_records_the_airtime_without_calling_anyone(alice, fund, settings):
    settings.AIRTIME_BACKEND = "console"
    fund(alice, 100_000)
    request = airtime_bought(alice, amount=5000)

    with responses.RequestsMock():  # any outside HTTP call would fail the test
        outcome = airtime.send_request(request.pk)

    assert outcome.state == AirtimeState.SENT
    request.refresh_from_db()
    assert request.provider_request_id == f"console-{request.pk}"
    assert balance(alice) == 95_000
