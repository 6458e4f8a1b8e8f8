"""Cash-in at an agent: a free deposit for the account holder only, paid from the float."""

from __future__ import annotations

import pytest

from agents import errors, services
from agents.models import CashDrawer, Flag, FlagKind, NetworkStatus
from tests.agents.conftest import KES, balance_of, fee_income, on, sms_texts
from tests.conftest import make_customer, new_key
from wallets import errors as ledger_errors
from wallets.models import Transaction, TransactionKind

pytestmark = pytest.mark.django_db


def deposit(assistant, phone, amount, id_number="28451937", key=None):
    return services.cash_in(
        assistant=assistant,
        phone=phone,
        amount=amount,
        id_number=id_number,
        idempotency_key=key or new_key("cash-in"),
        channel="ussd",
    )


def test_a_deposit_moves_float_to_the_wallet_and_fee_income_pays_the_commission(
    network, wanjiku, deliver
):
    posted = deposit(network.owner, "0700 100 101", 2_000 * KES)

    # Free for the customer; KES 11 commission (1,511-2,510): KES 8.80 to the agent and 20%
    # (KES 2.20) to the head office, paid by fee income.
    assert (posted.kind, posted.amount, posted.fee) == (TransactionKind.CASH_IN, 200_000, 0)
    assert balance_of(wanjiku) == 8_000 * KES
    assert balance_of(network.agent.float_account) == 8_000 * KES
    assert balance_of(network.agent.commission_account) == 880
    assert balance_of(network.aggregator.commission_account) == 220
    assert balance_of(fee_income()) == -11 * KES

    deliver()
    assert sms_texts(posted) == {
        "+254700100101": f"{posted.reference} Confirmed. KES 2,000 deposited to your account at "
        f"WANJIKU SHOP store 1 {on(posted)}. New balance KES 8,000.",
        "+254720300001": f"{posted.reference} Confirmed. KES 2,000 deposited to WANJIKU KAMAU "
        f"0700100101 {on(posted)}. Commission KES 8.80. New float KES 8,000.",
    }
    assert CashDrawer.objects.get(store=network.store1).expected == 7_000 * KES


def test_an_assistant_may_take_deposits_and_the_id_check_ignores_case_and_spaces(network, deliver):
    make_customer("+254722100103", "Achieng Odhiambo", id_type="passport", id_number="AK 123456")
    posted = deposit(network.assistant, "+254722100103", 500 * KES, id_number="ak123456")
    assert posted.metadata["store_number"] == "2"
    assert posted.metadata["assistant_id"] == network.assistant.pk


def test_the_quote_names_the_depositor_and_the_agents_commission(network, wanjiku):
    quote = services.quote_cash_in(assistant=network.owner, phone="0700100101", amount=2_000 * KES)
    assert (quote.fee, quote.commission, quote.customer_name, quote.store_name) == (
        0,
        880,
        "Wanjiku Kamau",
        "Ngong Road",
    )


def test_a_direct_deposit_for_someone_else_is_refused_and_flagged(network, wanjiku, otieno):
    # Otieno brings the cash, but the wallet is Wanjiku's.
    with pytest.raises(errors.DepositorMismatch):
        deposit(network.owner, "+254700100101", 2_000 * KES, id_number="23718460")

    assert balance_of(wanjiku) == 6_000 * KES
    assert balance_of(network.agent.float_account) == 10_000 * KES
    assert not Transaction.objects.filter(kind=TransactionKind.CASH_IN).exists()
    flag = Flag.objects.get()
    assert (flag.kind, flag.agent, flag.customer) == (
        FlagKind.DIRECT_DEPOSIT_PATTERN,
        network.agent,
        wanjiku.customer,
    )


def test_a_wallet_without_an_id_number_cannot_take_a_deposit(network):
    make_customer("+254110100105", "Chebet Kiprono")
    with pytest.raises(errors.DepositorMismatch):
        deposit(network.owner, "+254110100105", 500 * KES, id_number="")


def test_an_unknown_phone_number_is_refused(network):
    with pytest.raises(ledger_errors.UnknownCustomer):
        services.quote_cash_in(assistant=network.owner, phone="+254799999999", amount=500 * KES)
    with pytest.raises(ledger_errors.UnknownCustomer):
        deposit(network.owner, "+254799999999", 500 * KES)


def test_a_deposit_larger_than_the_float_is_refused(network, wanjiku):
    with pytest.raises(errors.InsufficientFloat):
        services.quote_cash_in(assistant=network.owner, phone="0700100101", amount=10_001 * KES)
    with pytest.raises(errors.InsufficientFloat):
        deposit(network.owner, "0700100101", 10_001 * KES)
    assert balance_of(network.agent.float_account) == 10_000 * KES
    assert deposit(network.owner, "0700100101", 10_000 * KES).amount == 10_000 * KES
    assert balance_of(network.agent.float_account) == 0


def test_less_than_kes_50_is_below_the_minimum_deposit(network, wanjiku):
    with pytest.raises(errors.BelowMinimumDeposit):
        services.quote_cash_in(assistant=network.owner, phone="0700100101", amount=49 * KES)
    with pytest.raises(errors.BelowMinimumDeposit):
        deposit(network.owner, "0700100101", 50 * KES - 1)


def test_the_agents_deposit_limits_apply(network, wanjiku):
    network.agent.cash_in_max_per_transaction = 3_000 * KES
    network.agent.cash_in_max_daily = 4_000 * KES
    network.agent.save()

    with pytest.raises(ledger_errors.CounterPerTransactionLimit):
        deposit(network.owner, "0700100101", 3_001 * KES)
    deposit(network.owner, "0700100101", 3_000 * KES)
    with pytest.raises(ledger_errors.CounterDailyLimit):
        services.quote_cash_in(assistant=network.owner, phone="0700100101", amount=1_001 * KES)
    with pytest.raises(ledger_errors.CounterDailyLimit):
        deposit(network.assistant, "0700100101", 1_001 * KES)
    assert balance_of(wanjiku) == 9_000 * KES


def test_the_wallets_balance_cap_applies_to_deposits(network, wanjiku):
    services.buy_float(
        assistant=network.owner, amount=600_000 * KES, idempotency_key="big", channel="ussd"
    )
    with pytest.raises(ledger_errors.PerTransactionLimit):  # no single deposit above 250,000
        deposit(network.owner, "0700100101", 250_001 * KES)
    deposit(network.owner, "0700100101", 250_000 * KES)
    # Tier 1 holds at most KES 500,000; she has 256,000 now.
    # The quote does not tell the agent (it would reveal her balance); the posting refuses.
    services.quote_cash_in(assistant=network.owner, phone="0700100101", amount=244_001 * KES)
    with pytest.raises(ledger_errors.ReceiverBalanceLimit):
        deposit(network.owner, "0700100101", 244_001 * KES)
    deposit(network.owner, "0700100101", 244_000 * KES)
    assert balance_of(wanjiku) == 500_000 * KES


@pytest.mark.parametrize("status", [NetworkStatus.SUSPENDED, NetworkStatus.CLOSED])
def test_an_assistant_who_is_not_active_cannot_take_deposits(network, wanjiku, status):
    type(network.assistant).objects.filter(pk=network.assistant.pk).update(status=status)
    with pytest.raises(errors.AssistantNotActive):
        services.quote_cash_in(assistant=network.assistant, phone="0700100101", amount=500 * KES)
    with pytest.raises(errors.AssistantNotActive):
        deposit(network.assistant, "0700100101", 500 * KES)


def test_a_suspended_agent_takes_no_deposits_at_any_store(network, wanjiku):
    type(network.agent).objects.filter(pk=network.agent.pk).update(status=NetworkStatus.SUSPENDED)
    with pytest.raises(errors.AgentNotActive):
        deposit(network.owner, "0700100101", 500 * KES)
    type(network.agent).objects.filter(pk=network.agent.pk).update(status=NetworkStatus.ACTIVE)
    type(network.store1).objects.filter(pk=network.store1.pk).update(status=NetworkStatus.CLOSED)
    with pytest.raises(errors.StoreNotActive):
        deposit(network.owner, "0700100101", 500 * KES)
    assert deposit(network.assistant, "0700100101", 500 * KES).metadata["store_number"] == "2"


def test_a_frozen_wallet_cannot_receive_a_deposit(network, wanjiku):
    type(wanjiku.customer).objects.filter(pk=wanjiku.customer_id).update(status="frozen")
    with pytest.raises(ledger_errors.RecipientNotActive):
        services.quote_cash_in(assistant=network.owner, phone="0700100101", amount=500 * KES)
    with pytest.raises(ledger_errors.RecipientNotActive):
        deposit(network.owner, "0700100101", 500 * KES)


def test_a_retry_returns_the_first_deposit(network, wanjiku):
    first = deposit(network.owner, "0700100101", 500 * KES, key="d-1")
    assert deposit(network.owner, "0700100101", 500 * KES, key="d-1").pk == first.pk
    assert balance_of(wanjiku) == 6_500 * KES
