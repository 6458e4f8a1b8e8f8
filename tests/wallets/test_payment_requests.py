"""Payment requests: the payer pays (send money, fee included) or declines, once."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.conftest import balance
from wallets import errors, services
from wallets.models import Account, PaymentRequest, PaymentRequestState
from wallets.services.payment_requests import _answer


def ask(bob: Account, alice: Account, amount: int = 50_000, key: str = "req-1") -> PaymentRequest:
    assert alice.customer is not None
    return services.request_payment(
        requester=bob,
        requester_name="Bob Otieno",
        payer=alice.customer,
        amount=amount,
        idempotency_key=key,
        note="school fees",
    )


def test_paying_a_request_sends_the_amount_and_the_payer_pays_the_fee(alice, bob, fund):
    fund(alice, 100_000)
    request = ask(bob, alice)
    assert services.pending_requests(alice.customer) == [request]

    paid = services.pay_request(request=request)

    assert (balance(alice), balance(bob)) == (100_000 - 50_000 - 700, 50_000)
    request.refresh_from_db()
    assert (request.state, request.transaction) == (PaymentRequestState.PAID, paid)
    assert services.pending_requests(alice.customer) == []
    assert services.pay_request(request=request) == paid  # a retry moves nothing
    assert balance(bob) == 50_000


def test_the_same_key_asks_once(alice, bob):
    assert ask(bob, alice) == ask(bob, alice)
    assert PaymentRequest.objects.count() == 1


def test_a_declined_request_cannot_be_paid(alice, bob, fund):
    fund(alice, 100_000)
    request = services.decline_request(request=ask(bob, alice))
    assert request.state == PaymentRequestState.DECLINED
    with pytest.raises(errors.RequestNotPending):
        services.pay_request(request=request)
    assert balance(bob) == 0


def test_a_request_the_payer_cannot_afford_stays_pending(alice, bob, fund):
    fund(alice, 10_000)
    request = ask(bob, alice)
    with pytest.raises(errors.InsufficientFunds):
        services.pay_request(request=request)
    request.refresh_from_db()
    assert request.state == PaymentRequestState.PENDING


def test_an_expired_request_is_not_pending_and_cannot_be_paid(alice, bob, fund):
    fund(alice, 100_000)
    request = ask(bob, alice)
    PaymentRequest.objects.filter(pk=request.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert services.pending_requests(alice.customer) == []
    with pytest.raises(errors.RequestNotPending):
        services.pay_request(request=request)
    assert services.expire_payment_requests() == 1


def test_nobody_can_ask_themselves_or_for_nothing(alice):
    with pytest.raises(errors.SameAccount):
        ask(alice, alice)
    with pytest.raises(errors.InvalidAmount):
        ask(alice, alice, amount=0)


def test_a_payment_that_posted_wins_over_an_expiry_or_a_decline_racing_it(alice, bob, fund):
    fund(alice, 100_000)
    request = ask(bob, alice)
    # The payment has posted but is not recorded on the request yet (a crash, or a race).
    paid = services.send_money(
        sender=alice, recipient=bob, amount=50_000, idempotency_key=f"payment-request:{request.pk}"
    )
    PaymentRequest.objects.filter(pk=request.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert services.expire_payment_requests() == 0
    PaymentRequest.objects.filter(pk=request.pk).update(state="declined")
    PaymentRequest.objects.filter(pk=request.pk).update(
        expires_at=timezone.now() + datetime.timedelta(hours=1)
    )
    _answer(request, PaymentRequestState.PAID, paid)
    request.refresh_from_db()
    assert (request.state, request.transaction) == (PaymentRequestState.PAID, paid)
