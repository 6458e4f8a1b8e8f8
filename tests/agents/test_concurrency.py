"""Agents under real concurrency: threads, each with its own PostgreSQL connection.

Many cash-outs into one agent's float, and many cash-ins out of it, at once: the float never
goes negative and the agent's daily limits (a counter row locked inside the posting) are
never passed together. A mixed load with one hot agent completes every operation that fits.

The tests are transactional (the services commit for real), so they restore the seeded
tariffs and commission tables with `serialized_rollback`; the autouse fixture in
tests/conftest.py checks the ledger after each.
"""

from __future__ import annotations

import random

import pytest

from agents import services
from agents.models import Store
from tests.agents.conftest import KES, balance_of, build_network, customer_wallet
from tests.conftest import new_key
from tests.threads import kinds, run_together
from wallets.models import Account, LimitCounter, Transaction, TransactionKind

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def customers(count: int, funding: int = 0, first: int = 0) -> list[Account]:
    return [
        customer_wallet(f"+2547115{n:05d}", f"Customer {n}", f"4{n:07d}", funding)
        for n in range(first, first + count)
    ]


def withdraw(wallet: Account, store: Store, amount: int) -> Transaction:
    return services.cash_out(
        wallet=wallet, store=store, amount=amount, idempotency_key=new_key("out"), channel="ussd"
    )


def deposit(assistant, wallet: Account, amount: int) -> Transaction:
    assert wallet.customer is not None
    return services.cash_in(
        assistant=assistant,
        phone=wallet.customer.phone,
        amount=amount,
        id_number=wallet.customer.id_number,
        idempotency_key=new_key("in"),
        channel="ussd",
    )


def test_twenty_withdrawals_at_once_stop_exactly_at_the_agents_daily_limit():
    network = build_network(cash_out_max_daily=10_500 * KES)
    wallets = customers(20, funding=2_000 * KES)

    outcomes = run_together(
        20, lambda i: withdraw(wallets[i], [network.store1, network.store2][i % 2], 1_000 * KES)
    )

    assert kinds(outcomes) == {"Transaction": 10, "CounterDailyLimit": 10}
    assert balance_of(network.agent.float_account) == 20_000 * KES
    assert LimitCounter.objects.get(key=f"agent:{network.agent.pk}:cash_out").day_total == (
        10_000 * KES
    )
    paid = [w for w, outcome in zip(wallets, outcomes, strict=True) if hasattr(outcome, "pk")]
    assert all(balance_of(w) == (2_000 - 1_029) * KES for w in paid)


@pytest.mark.parametrize(("daily_limit", "expected"), [
    (None, {"Transaction": 10, "InsufficientFloat": 15}),
    (7_500 * KES, {"Transaction": 7, "CounterDailyLimit": 18}),
])  # fmt: skip
def test_deposits_at_once_never_overdraw_the_float_or_pass_the_daily_limit(daily_limit, expected):
    network = build_network(cash_in_max_daily=daily_limit)  # KES 10,000 of float
    wallets = customers(25)
    assistants = [network.owner, network.assistant]

    outcomes = run_together(25, lambda i: deposit(assistants[i % 2], wallets[i], 1_000 * KES))

    assert kinds(outcomes) == expected
    served = expected["Transaction"]
    assert balance_of(network.agent.float_account) == (10_000 - 1_000 * served) * KES
    assert sum(balance_of(w) for w in wallets) == 1_000 * served * KES
    assert Transaction.objects.filter(kind=TransactionKind.CASH_IN).count() == served


def test_a_mixed_load_on_one_hot_agent_completes_every_operation_that_fits():
    hot = build_network()
    services.buy_float(
        assistant=hot.owner, amount=90_000 * KES, idempotency_key="more", channel="ussd"
    )
    others = [
        build_network(agent_number=f"20030{n}", phone_offset=n + 1) for n in range(3)
    ]  # each with KES 10,000 of float, from its own aggregator
    wallets = customers(40, funding=10_000 * KES)
    rng = random.Random(7)
    plan = []
    for index in range(40):
        network = hot if index < 28 else others[index % 3]  # 70% on the hot agent
        kind = "out" if index % 2 else "in"
        plan.append((network, kind, rng.randrange(100, 3_000) * KES))

    def work(index: int) -> Transaction:
        network, kind, amount = plan[index]
        if kind == "out":
            return withdraw(wallets[index], network.store1, amount)
        return deposit(network.owner, wallets[index], amount)

    outcomes = run_together(40, work)

    assert kinds(outcomes) == {"Transaction": 40}
    for network in [hot, *others]:
        mine = [step for step in plan if step[0] is network]
        moved = sum(amount if kind == "out" else -amount for _, kind, amount in mine)
        start = (100_000 if network is hot else 10_000) * KES
        assert balance_of(network.agent.float_account) == start + moved


def test_a_withdrawal_code_pays_out_once_when_tried_at_once():
    network = build_network()
    (wallet,) = customers(1, funding=5_000 * KES)
    customer = wallet.customer
    assert customer is not None
    code, _ = services.create_withdrawal_code(customer=customer, amount=1_000 * KES)
    assistants = [network.owner, network.assistant]

    outcomes = run_together(
        10,
        lambda i: services.cash_out_with_code(
            assistant=assistants[i % 2],
            phone=customer.phone,
            amount=1_000 * KES,
            code=code,
            idempotency_key=new_key("code"),
            channel="ussd",
        ),
    )

    assert kinds(outcomes) == {"Transaction": 1, "CodeUsed": 9}
    assert balance_of(wallet) == (5_000 - 1_029) * KES
