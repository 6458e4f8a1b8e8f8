"""Float between the head office and its agents, commission into float, and the statement."""

from __future__ import annotations

import pytest

from agents import errors, services
from agents.models import Agent
from tests.agents.conftest import KES, balance_of, issuance, on, sms_texts
from tests.conftest import new_key
from wallets import errors as ledger_errors
from wallets.models import TransactionKind

pytestmark = pytest.mark.django_db


def test_issuing_float_to_the_head_office_creates_e_money_backed_by_issuance(db, deliver):
    aggregator = services.create_aggregator(name="Kilimani Super Agents", phone="+254720300000")
    posted = services.issue_aggregator_float(
        aggregator=aggregator, amount=1_000_000 * KES, idempotency_key="issue-1", initiator="ops"
    )
    again = services.issue_aggregator_float(
        aggregator=aggregator, amount=1_000_000 * KES, idempotency_key="issue-1", initiator="ops"
    )

    assert again.pk == posted.pk
    assert balance_of(aggregator.float_account) == 1_000_000 * KES
    assert balance_of(issuance()) == -1_000_000 * KES
    deliver()
    assert sms_texts(posted) == {
        "+254720300000": f"{posted.reference} Confirmed. KES 1,000,000 float issued to you "
        f"{on(posted)}. New float KES 1,000,000."
    }


def test_a_suspended_head_office_is_issued_nothing(db):
    aggregator = services.create_aggregator(
        name="Kilimani Super Agents", phone="+254720300000", status="suspended"
    )
    with pytest.raises(errors.AggregatorNotActive):
        services.issue_aggregator_float(
            aggregator=aggregator, amount=KES, idempotency_key="i", initiator="ops"
        )


def test_the_owner_buys_and_returns_float_with_receipts_to_both_sides(network, deliver):
    bought = services.buy_float(
        assistant=network.owner, amount=5_000 * KES, idempotency_key="buy-1", channel="ussd"
    )
    returned = services.return_float(
        assistant=network.owner, amount=2_500 * KES, idempotency_key="ret-1", channel="ussd"
    )

    assert (bought.kind, returned.kind) == (TransactionKind.FLOAT_TRANSFER,) * 2
    assert balance_of(network.agent.float_account) == 12_500 * KES
    assert balance_of(network.aggregator.float_account) == 987_500 * KES
    deliver()
    assert sms_texts(bought) == {
        "+254720300001": f"{bought.reference} Confirmed. KES 5,000 float bought from KILIMANI "
        f"SUPER AGENTS {on(bought)}. New float KES 15,000.",
        "+254720300000": f"{bought.reference} Confirmed. KES 5,000 float sold to agent WANJIKU "
        f"SHOP 100201 {on(bought)}. New float KES 985,000.",
    }
    assert sms_texts(returned) == {
        "+254720300001": f"{returned.reference} Confirmed. KES 2,500 float returned to KILIMANI "
        f"SUPER AGENTS {on(returned)}. New float KES 12,500.",
        "+254720300000": f"{returned.reference} Confirmed. KES 2,500 float returned by agent "
        f"WANJIKU SHOP 100201 {on(returned)}. New float KES 987,500.",
    }


def test_only_the_owner_moves_the_agents_money(network):
    for move in (services.buy_float, services.return_float, services.move_commission):
        with pytest.raises(errors.OwnerOnly):
            move(assistant=network.assistant, amount=KES, idempotency_key=new_key(), channel="ussd")
    assert balance_of(network.agent.float_account) == 10_000 * KES


def test_float_cannot_be_bought_beyond_the_head_offices_or_returned_beyond_the_agents(network):
    with pytest.raises(errors.InsufficientAggregatorFloat):
        services.buy_float(
            assistant=network.owner, amount=990_001 * KES, idempotency_key="b", channel="ussd"
        )
    with pytest.raises(errors.InsufficientFloat):
        services.return_float(
            assistant=network.owner, amount=10_001 * KES, idempotency_key="r", channel="ussd"
        )
    assert balance_of(network.agent.float_account) == 10_000 * KES
    assert balance_of(network.aggregator.float_account) == 990_000 * KES


def test_commission_moves_into_the_float(network, wanjiku, deliver):
    services.cash_out(
        wallet=wanjiku,
        store=network.store1,
        amount=1_000 * KES,
        idempotency_key="w",
        channel="ussd",
    )
    with pytest.raises(errors.InsufficientCommission):
        services.move_commission(
            assistant=network.owner, amount=8 * KES + 1, idempotency_key="m0", channel="ussd"
        )
    moved = services.move_commission(
        assistant=network.owner, amount=5 * KES, idempotency_key="m1", channel="ussd"
    )

    assert moved.kind == TransactionKind.COMMISSION_MOVE
    assert balance_of(network.agent.commission_account) == 3 * KES
    assert balance_of(network.agent.float_account) == 11_005 * KES
    deliver()
    assert sms_texts(moved) == {
        "+254720300001": f"{moved.reference} Confirmed. KES 5 commission moved to your float "
        f"{on(moved)}. New float KES 11,005. Commission left KES 3."
    }


def test_the_agent_statement_lists_float_lines_newest_first(network, wanjiku):
    services.cash_out(
        wallet=wanjiku,
        store=network.store1,
        amount=1_000 * KES,
        idempotency_key="w",
        channel="ussd",
    )
    lines = services.agent_statement(agent=network.agent, limit=5)
    assert [(line.kind, line.amount, line.balance_after) for line in lines] == [
        (TransactionKind.CASH_OUT, 1_000 * KES, 11_000 * KES),
        (TransactionKind.FLOAT_TRANSFER, 10_000 * KES, 10_000 * KES),
    ]


def test_an_owner_buys_float_only_within_the_daily_credit_the_head_office_set(network):
    Agent.objects.filter(pk=network.agent.pk).update(float_credit_daily=15_000 * KES)
    # 10,000 was bought when the network was built: 5,000 more fits today, 5,001 does not.
    with pytest.raises(ledger_errors.CounterDailyLimit):
        services.buy_float(
            assistant=network.owner, amount=5_001 * KES, idempotency_key="over", channel="ussd"
        )
    services.buy_float(
        assistant=network.owner, amount=5_000 * KES, idempotency_key="fits", channel="ussd"
    )
    Agent.objects.filter(pk=network.agent.pk).update(float_credit_daily=None)
    with pytest.raises(errors.NoFloatCredit):
        services.buy_float(
            assistant=network.owner, amount=1 * KES, idempotency_key="none", channel="ussd"
        )
    assert balance_of(network.agent.float_account) == 15_000 * KES
