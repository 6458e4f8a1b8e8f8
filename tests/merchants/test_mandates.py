"""Debit mandates: a merchant debits without a PIN, within caps that concurrent debits
cannot pass together, only while the mandate is active and in date."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from merchants import errors, services
from merchants.models import Mandate, MandateState
from tests.conftest import balance, new_key
from tests.threads import kinds, run_together
from wallets.models import Transaction, TransactionKind


def mandate_for(wallet, merchant, *, per_payment=5_000, daily=12_000, approved=True) -> Mandate:
    return services.create_mandate(
        customer=wallet.customer,
        merchant=merchant,
        max_per_payment=per_payment,
        max_daily=daily,
        ends_on=timezone.localdate() + datetime.timedelta(days=30),
        idempotency_key=new_key("mandate"),
        channel="ussd",
        description="Habari daily news",
        approved=approved,
    )


def debit(merchant, mandate, amount, key=None) -> Transaction:
    return services.debit(
        merchant=merchant,
        mandate_reference=mandate.reference,
        amount=amount,
        idempotency_key=key or new_key("debit"),
        channel="api",
    )


def test_a_debit_within_the_caps_needs_no_pin_and_the_merchant_pays_the_fee(alice, fund, duka):
    fund(alice, 50_000)
    paid = debit(duka, mandate_for(alice, duka), 1_000)
    assert paid.kind == TransactionKind.MANDATE_DEBIT
    assert balance(alice) == 49_000


def test_a_debit_over_the_cap_per_payment_is_refused_and_moves_nothing(alice, fund, duka):
    fund(alice, 50_000)
    with pytest.raises(errors.MandateCapExceeded):
        debit(duka, mandate_for(alice, duka), 5_001)
    assert balance(alice) == 50_000


def test_the_daily_cap_counts_every_debit_of_the_day(alice, fund, duka):
    fund(alice, 50_000)
    mandate = mandate_for(alice, duka)
    debit(duka, mandate, 5_000)
    debit(duka, mandate, 5_000)
    with pytest.raises(errors.MandateCapExceeded):
        debit(duka, mandate, 2_001)
    debit(duka, mandate, 2_000)
    assert balance(alice) == 38_000


def test_a_pending_cancelled_or_ended_mandate_cannot_be_debited(alice, fund, duka):
    fund(alice, 50_000)
    pending = mandate_for(alice, duka, approved=False)
    with pytest.raises(errors.MandateNotActive):
        debit(duka, pending, 100)
    services.approve_mandate(mandate=pending, customer=alice.customer)
    debit(duka, pending, 100)
    services.cancel_mandate(mandate=pending, by="customer", customer=alice.customer)
    with pytest.raises(errors.MandateNotActive):
        debit(duka, pending, 100)
    ended = mandate_for(alice, duka)
    Mandate.objects.filter(pk=ended.pk).update(ends_on=timezone.localdate() - datetime.timedelta(1))
    with pytest.raises(errors.MandateNotActive):
        debit(duka, ended, 100)
    assert services.expire_mandates() == 1
    assert balance(alice) == 49_900


def test_another_merchant_cannot_use_the_mandate(alice, fund, duka, water):
    fund(alice, 50_000)
    with pytest.raises(errors.UnknownMandate):
        debit(water, mandate_for(alice, duka), 100)


def test_a_customer_cannot_cancel_someone_elses_mandate(alice, bob, duka):
    mandate = mandate_for(alice, duka)
    with pytest.raises(errors.UnknownMandate):
        services.cancel_mandate(mandate=mandate, by="customer", customer=bob.customer)
    mandate.refresh_from_db()
    assert mandate.state == MandateState.ACTIVE


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_debits_cannot_pass_the_daily_cap_together(alice, fund, duka):
    fund(alice, 100_000)
    mandate = mandate_for(alice, duka, per_payment=1_000, daily=5_000)
    outcomes = run_together(12, lambda index: debit(duka, mandate, 1_000))
    assert kinds(outcomes) == {"Transaction": 5, "MandateCapExceeded": 7}
    assert balance(alice) == 95_000
