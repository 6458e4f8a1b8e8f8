"""Businesses paying customers, refunding their own payments, and asking to be paid."""

from __future__ import annotations

import pytest

from merchants import errors, services
from tests.conftest import balance, new_key
from wallets import errors as ledger_errors
from wallets.models import PaymentRequestState, TransactionKind
from wallets.services import fund_from_issuance


def fund_business(merchant, amount: int) -> None:
    """A business's account is funded like a wallet in tests: from issuance, by posting."""
    from wallets.services.accounts import house_account
    from wallets.services.posting import Leg, post_transaction, request_hash

    issuance = house_account("issuance", merchant.currency)
    post_transaction(
        kind=TransactionKind.FUND,
        idempotency_key=new_key("fund-business"),
        currency=merchant.currency,
        amount=amount,
        legs=[Leg(issuance, merchant.account, amount)],
        fingerprint=request_hash("fund-business", merchant.pk, amount),
        channel="system",
    )


def test_a_disbursement_pays_the_customer_and_the_business_pays_the_fee(alice, water):
    fund_business(water, 100_000)
    paid = services.disburse(
        merchant=water, recipient=alice.customer, amount=10_000, idempotency_key="d1", channel="api"
    )
    assert paid.kind == TransactionKind.DISBURSEMENT
    assert paid.fee == 500  # KES 5 up to KES 1,000
    assert balance(alice) == 10_000
    water.account.refresh_from_db()
    assert water.account.balance == 100_000 - 10_000 - 500


def test_a_disbursement_beyond_the_business_balance_moves_nothing(alice, water):
    fund_business(water, 5_000)
    with pytest.raises(ledger_errors.InsufficientFunds):
        services.disburse(
            merchant=water, recipient=alice, amount=5_000, idempotency_key="d2", channel="api"
        )
    assert balance(alice) == 0


def test_a_merchant_refunds_its_own_payment_with_the_fee(alice, fund, duka_till, water):
    fund(alice, 100_000)
    offer = services.quote(point=duka_till, amount=50_000)
    paid = services.pay(payer=alice, offer=offer, idempotency_key=new_key(), channel="ussd")
    with pytest.raises(errors.NotOwnPayment):
        services.refund(merchant=water, payment=paid, reason="not ours", initiator="test")
    services.refund(merchant=duka_till.merchant, payment=paid, reason="returned", initiator="t")
    assert balance(alice) == 100_000
    duka_till.merchant.account.refresh_from_db()
    assert duka_till.merchant.account.balance == 0


def test_a_request_to_pay_is_paid_once_with_the_merchant_fee(alice, fund, water):
    fund(alice, 100_000)
    request = services.request_to_pay(
        merchant=water, payer=alice.customer, amount=50_000, idempotency_key="r1", note="W123456"
    )
    paid = services.pay_request(request=request, channel="ussd")
    again = services.pay_request(request=request, channel="ussd")
    assert again.pk == paid.pk
    assert paid.kind == TransactionKind.MERCHANT_PAY
    assert paid.fee == 200  # the standard schedule's KES 2 for KES 201-1,000, paid by Water
    request.refresh_from_db()
    assert request.state == PaymentRequestState.PAID
    assert balance(alice) == 50_000


def test_a_merchant_over_its_daily_intake_is_refused(alice, fund, water):
    water.max_daily_received = 60_000
    water.save(update_fields=["max_daily_received"])
    fund(alice, 200_000)
    point = water.points.get()
    offer = services.quote(point=point, amount=50_000, account_reference="W123456")
    services.pay(payer=alice, offer=offer, idempotency_key="p1", channel="ussd")
    with pytest.raises(errors.MerchantLimit):
        services.pay(payer=alice, offer=offer, idempotency_key="p2", channel="ussd")
    assert balance(alice) == 150_000


def test_issuance_funding_stays_for_wallets(alice):
    fund_from_issuance(wallet=alice, amount=100, idempotency_key=new_key())
    assert balance(alice) == 100
