"""Paying merchants: the customer pays the price, the merchant pays its fee, once per key."""

from __future__ import annotations

import pytest

from merchants import errors, services
from tests.conftest import balance, new_key
from wallets.models import TransactionKind


def test_a_till_payment_moves_the_price_and_the_merchant_pays_its_fee(alice, fund, duka_till):
    fund(alice, 100_000)
    offer = services.quote(point=services.find_point("512345"), amount=50_000)
    assert offer.merchant_fee == 100  # KES 1 on the micropayment schedule for KES 500
    paid = services.pay(payer=alice, offer=offer, idempotency_key=new_key(), channel="ussd")
    assert paid.kind == TransactionKind.MERCHANT_PAY
    assert paid.fee == 100
    assert balance(alice) == 50_000
    duka_till.merchant.account.refresh_from_db()
    assert duka_till.merchant.account.balance == 49_900


def test_a_small_payment_is_free_for_the_merchant(alice, fund, duka_till):
    fund(alice, 10_000)
    offer = services.quote(point=duka_till, amount=2_000)
    services.pay(payer=alice, offer=offer, idempotency_key=new_key(), channel="ussd")
    duka_till.merchant.account.refresh_from_db()
    assert duka_till.merchant.account.balance == 2_000


def test_a_retry_with_the_same_key_pays_once(alice, fund, duka_till):
    fund(alice, 10_000)
    offer = services.quote(point=duka_till, amount=2_000)
    first = services.pay(payer=alice, offer=offer, idempotency_key="k1", channel="ussd")
    again = services.pay(payer=alice, offer=offer, idempotency_key="k1", channel="ussd")
    assert again.pk == first.pk
    assert balance(alice) == 8_000


def test_a_paybill_needs_an_account_number_matching_its_pattern(alice, fund, water):
    point = services.find_point("888880")
    with pytest.raises(errors.InvalidAccountReference):
        services.quote(point=point, amount=1_000, account_reference="12345")
    offer = services.quote(point=point, amount=1_000, account_reference="w123456")
    assert offer.account_reference == "W123456"


def test_an_unknown_number_and_a_suspended_merchant_are_refused(duka):
    with pytest.raises(errors.UnknownMerchant):
        services.find_point("999999")
    duka.status = "suspended"
    duka.save(update_fields=["status"])
    with pytest.raises(errors.MerchantNotActive):
        services.find_point("512345")


def test_a_merchant_suspended_after_the_quote_is_not_paid(alice, fund, duka_till):
    fund(alice, 10_000)
    offer = services.quote(point=duka_till, amount=2_000)
    duka_till.merchant.status = "suspended"
    duka_till.merchant.save(update_fields=["status"])
    with pytest.raises(errors.MerchantNotActive):
        services.pay(payer=alice, offer=offer, idempotency_key=new_key(), channel="ussd")
    assert balance(alice) == 10_000
