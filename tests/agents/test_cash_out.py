"""Cash-out at an agent, started by the customer: worked examples and every refusal."""

from __future__ import annotations

import pytest

from agents import errors, services
from agents.models import CashDrawer, NetworkStatus
from tests.agents.conftest import KES, balance_of, fee_income, issuance, on, sms_texts
from tests.conftest import new_key
from ussd.sms.models import SmsMessage
from wallets import errors as ledger_errors
from wallets.models import Transaction, TransactionKind

pytestmark = pytest.mark.django_db


def withdraw(wallet, store, amount, key=None):
    return services.cash_out(
        wallet=wallet,
        store=store,
        amount=amount,
        idempotency_key=key or new_key("cash-out"),
        channel="ussd",
        initiator="ussd:+254700100101",
    )


def test_a_withdrawal_moves_the_amount_to_the_float_and_pays_fee_and_commission(
    network, wanjiku, deliver
):
    store = services.find_store(agent_number="100201", store_number="2")
    posted = withdraw(wanjiku, store, 1_000 * KES)

    # The fee (KES 29 for 501-1,000) goes to fee income, which pays the commission (KES 10
    # for 501-1,000): KES 8 to the agent, 20% (KES 2) to the head office.
    assert (posted.kind, posted.amount, posted.fee) == (TransactionKind.CASH_OUT, 100_000, 2_900)
    assert balance_of(wanjiku) == 4_971 * KES
    assert balance_of(network.agent.float_account) == 11_000 * KES
    assert balance_of(network.agent.commission_account) == 8 * KES
    assert balance_of(network.aggregator.commission_account) == 2 * KES
    assert balance_of(network.aggregator.float_account) == 990_000 * KES
    assert balance_of(fee_income()) == 19 * KES
    assert balance_of(issuance()) == -(1_000_000 + 6_000) * KES
    assert {key: posted.metadata[key] for key in ("agent_number", "store_number")} == {
        "agent_number": "100201",
        "store_number": "2",
    }
    assert (posted.metadata["agent_commission"], posted.metadata["aggregator_commission"]) == (
        800,
        200,
    )

    deliver()
    assert sms_texts(posted) == {
        "+254700100101": f"{posted.reference} Confirmed. KES 1,000 withdrawn from WANJIKU SHOP "
        f"store 2 {on(posted)}. Fee KES 29. New balance KES 4,971.",
        "+254720300001": f"{posted.reference} Confirmed. Give KES 1,000 cash to WANJIKU KAMAU "
        f"0700100101 {on(posted)}. Commission KES 8. New float KES 11,000.",
    }
    # The cash left store 2's drawer (KES 5,000 declared), not store 1's.
    assert CashDrawer.objects.get(store=network.store2).expected == 4_000 * KES
    assert CashDrawer.objects.get(store=network.store1).expected == 5_000 * KES


def test_a_retry_with_the_same_key_returns_the_first_withdrawal(network, wanjiku, deliver):
    first = withdraw(wanjiku, network.store2, 1_000 * KES, key="w-1")
    again = withdraw(wanjiku, network.store2, 1_000 * KES, key="w-1")

    assert again.pk == first.pk
    assert balance_of(wanjiku) == 4_971 * KES
    deliver()
    assert SmsMessage.objects.filter(reference=first.reference).count() == 2
    with pytest.raises(ledger_errors.IdempotencyConflict):
        withdraw(wanjiku, network.store2, 2_000 * KES, key="w-1")


def test_the_quote_shows_fee_names_and_the_agents_commission_before_the_pin(network, wanjiku):
    quote = services.quote_cash_out(wallet=wanjiku, store=network.store2, amount=1_000 * KES)

    assert quote == services.CashQuote(
        amount=100_000,
        fee=2_900,
        commission=800,
        currency="KES",
        agent_name="Wanjiku Shop",
        store_name="Kilimani Mall",
        customer_name="Wanjiku Kamau",
    )


@pytest.mark.parametrize(("agent_number", "store_number", "error"), [
    ("999999", "1", errors.UnknownAgent),
    ("100201", "3", errors.StoreMismatch),
    (" 100201 ", "abc", errors.StoreMismatch),
])  # fmt: skip
def test_a_wrong_agent_or_store_number_is_refused(network, agent_number, store_number, error):
    with pytest.raises(error):
        services.find_store(agent_number=agent_number, store_number=store_number)


def test_a_store_number_of_another_agent_is_a_mismatch(network):
    other = services.create_agent(
        aggregator=network.aggregator, business_name="Baraka", phone="+254720300099"
    )
    services.add_store(agent=other, name="Baraka 1", store_number="7")

    with pytest.raises(errors.StoreMismatch):
        services.find_store(agent_number="100201", store_number="7")
    assert services.find_store(agent_number=other.agent_number, store_number="7").agent == other


@pytest.mark.parametrize(("level", "error"), [
    ("agent", errors.AgentNotActive),
    ("store", errors.StoreNotActive),
    ("aggregator", errors.AggregatorNotActive),
])  # fmt: skip
@pytest.mark.parametrize("status", [NetworkStatus.SUSPENDED, NetworkStatus.PENDING])
def test_nothing_is_paid_out_while_the_agent_store_or_head_office_is_not_active(
    network, wanjiku, level, error, status
):
    store = services.find_store(agent_number="100201", store_number="2")
    row = {"agent": network.agent, "store": network.store2, "aggregator": network.aggregator}
    type(row[level]).objects.filter(pk=row[level].pk).update(status=status)

    with pytest.raises(error):
        services.find_store(agent_number="100201", store_number="2")
    with pytest.raises(error):
        services.quote_cash_out(wallet=wanjiku, store=store, amount=1_000 * KES)
    with pytest.raises(error):  # the store found before the suspension is checked again
        withdraw(wanjiku, store, 1_000 * KES)
    assert balance_of(wanjiku) == 6_000 * KES
    assert not Transaction.objects.filter(kind=TransactionKind.CASH_OUT).exists()


@pytest.mark.parametrize("amount", [1, 49 * KES, 50 * KES - 1])
def test_less_than_kes_50_is_below_the_minimum_withdrawal(network, wanjiku, amount):
    with pytest.raises(errors.BelowMinimumWithdrawal) as refused:
        services.quote_cash_out(wallet=wanjiku, store=network.store2, amount=amount)
    assert refused.value.text == "The minimum withdrawal is KES 50."
    with pytest.raises(errors.BelowMinimumWithdrawal):
        withdraw(wanjiku, network.store2, amount)
    assert balance_of(wanjiku) == 6_000 * KES


def test_kes_50_is_the_smallest_withdrawal(network, wanjiku):
    posted = withdraw(wanjiku, network.store2, 50 * KES)
    # KES 11 fee (50-100); KES 5 commission: KES 4 to the agent, KES 1 to the head office.
    assert (posted.fee, balance_of(wanjiku)) == (11 * KES, (6_000 - 61) * KES)
    assert balance_of(network.agent.commission_account) == 4 * KES
    assert balance_of(network.aggregator.commission_account) == 1 * KES


def test_a_withdrawal_above_the_agents_per_transaction_limit_is_refused(network, wanjiku):
    network.agent.cash_out_max_per_transaction = 500 * KES
    network.agent.save()
    store = services.find_store(agent_number="100201", store_number="2")

    with pytest.raises(ledger_errors.CounterPerTransactionLimit):
        services.quote_cash_out(wallet=wanjiku, store=store, amount=501 * KES)
    with pytest.raises(ledger_errors.CounterPerTransactionLimit):
        withdraw(wanjiku, store, 501 * KES)
    assert withdraw(wanjiku, store, 500 * KES).amount == 500 * KES


def test_the_agents_daily_withdrawal_limit_counts_every_store(network, wanjiku, otieno):
    network.agent.cash_out_max_daily = 1_500 * KES
    network.agent.save()
    withdraw(wanjiku, services.find_store(agent_number="100201", store_number="1"), 1_000 * KES)
    store2 = services.find_store(agent_number="100201", store_number="2")

    with pytest.raises(ledger_errors.CounterDailyLimit):
        services.quote_cash_out(wallet=wanjiku, store=store2, amount=501 * KES)
    with pytest.raises(ledger_errors.CounterDailyLimit):
        withdraw(wanjiku, store2, 501 * KES)
    assert withdraw(wanjiku, store2, 500 * KES).amount == 500 * KES
    assert balance_of(network.agent.float_account) == 11_500 * KES


def test_a_customer_who_cannot_cover_amount_and_fee_is_refused_before_the_pin(network, wanjiku):
    # KES 5,980 and its KES 87 fee (5,001-7,500) come to more than the KES 6,000 she has.
    with pytest.raises(ledger_errors.InsufficientFunds):
        services.quote_cash_out(wallet=wanjiku, store=network.store2, amount=5_980 * KES)
    with pytest.raises(ledger_errors.InsufficientFunds):
        withdraw(wanjiku, network.store2, 5_980 * KES)
    assert balance_of(wanjiku) == 6_000 * KES
    assert balance_of(network.agent.float_account) == 10_000 * KES


def test_the_customers_tier_limit_applies(network, wanjiku):
    with pytest.raises(ledger_errors.PerTransactionLimit):
        services.quote_cash_out(wallet=wanjiku, store=network.store2, amount=250_001 * KES)
    with pytest.raises(ledger_errors.PerTransactionLimit):
        withdraw(wanjiku, network.store2, 250_001 * KES)


def test_a_frozen_wallet_cannot_withdraw(network, wanjiku):
    type(wanjiku.customer).objects.filter(pk=wanjiku.customer_id).update(status="frozen")
    with pytest.raises(ledger_errors.AccountNotActive):
        services.quote_cash_out(wallet=wanjiku, store=network.store2, amount=1_000 * KES)
    with pytest.raises(ledger_errors.AccountNotActive):
        withdraw(wanjiku, network.store2, 1_000 * KES)


def test_receipts_are_in_each_partys_language(network, wanjiku, deliver):
    type(wanjiku.customer).objects.filter(pk=wanjiku.customer_id).update(language="sw")
    posted = withdraw(wanjiku, network.store2, 1_000 * KES)
    deliver()
    date, time = on(posted).removeprefix("on ").split(" at ")
    assert sms_texts(posted)["+254700100101"] == (
        f"{posted.reference} Imethibitishwa. Umetoa KES 1,000 kwa WANJIKU SHOP duka 2 {date} "
        f"saa {time}. Ada KES 29. Salio jipya KES 4,971."
    )
    assert sms_texts(posted)["+254720300001"].startswith(f"{posted.reference} Confirmed. Give")
