"""Split transactions and velocity at a real agent: commission withheld, flags raised once,
and the review action's service."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from agents import services
from agents.models import Flag, FlagKind
from tests.agents.conftest import KES, balance_of, customer_wallet
from tests.conftest import new_key
from wallets.models import OutboxMessage

pytestmark = pytest.mark.django_db


def withdraw(wallet, store, amount):
    return services.cash_out(
        wallet=wallet, store=store, amount=amount, idempotency_key=new_key(), channel="ussd"
    )


def deposit(assistant, wallet, amount):
    return services.cash_in(
        assistant=assistant,
        phone=wallet.customer.phone,
        amount=amount,
        id_number=wallet.customer.id_number,
        idempotency_key=new_key(),
        channel="ussd",
    )


def test_a_withdrawal_split_in_two_earns_the_commission_of_the_whole(network, wanjiku, deliver):
    first = withdraw(wanjiku, network.store1, 1_000 * KES)
    second = withdraw(wanjiku, network.store2, 1_000 * KES)  # another store, same agent

    # 2,000 at once earns KES 15; the parts earn 10 + 5 instead of 10 + 10.
    assert (first.metadata["commission"], second.metadata["commission"]) == (1_000, 500)
    assert second.metadata["withheld"] == 500
    assert second.metadata["split_of"] == [first.reference]
    assert balance_of(network.agent.commission_account) == 800 + 400
    assert balance_of(network.aggregator.commission_account) == 200 + 100
    # The customer still pays each part's fee.
    assert balance_of(wanjiku) == (6_000 - 2 * 1_029) * KES

    deliver()
    OutboxMessage.objects.update(delivered_at=None)
    deliver()  # a second delivery raises no second flag
    flag = Flag.objects.get()
    assert (flag.kind, flag.withheld, flag.transaction_id, flag.customer) == (
        FlagKind.SPLIT_TRANSACTION,
        500,
        second.pk,
        wanjiku.customer,
    )
    assert flag.details["combined_amount"] == 2_000 * KES


def test_deposits_are_split_checked_separately_from_withdrawals(network, wanjiku, deliver):
    withdraw(wanjiku, network.store1, 1_000 * KES)
    posted = deposit(network.owner, wanjiku, 1_000 * KES)
    assert posted.metadata["withheld"] == 0
    deliver()
    assert not Flag.objects.exists()


def test_parts_outside_the_window_are_not_a_split(network, wanjiku, settings):
    settings.AGENT_SPLIT_WINDOW_MINUTES = 0
    withdraw(wanjiku, network.store1, 1_000 * KES)
    assert withdraw(wanjiku, network.store1, 1_000 * KES).metadata["withheld"] == 0


def test_another_agent_is_not_part_of_the_split(network, wanjiku):
    other = services.create_agent(
        aggregator=network.aggregator, business_name="Baraka", phone="+254720300099"
    )
    store = services.add_store(agent=other, name="Baraka 1")
    withdraw(wanjiku, network.store1, 1_000 * KES)
    assert withdraw(wanjiku, store, 1_000 * KES).metadata["withheld"] == 0


def test_deposits_to_many_customers_in_an_hour_raise_one_velocity_flag(network, deliver, settings):
    settings.AGENT_VELOCITY_MAX_CUSTOMERS = 2
    wallets = [
        customer_wallet(f"+25471100020{i}", f"Customer {i}", f"3000000{i}") for i in range(4)
    ]
    for wallet in wallets:
        deposit(network.owner, wallet, 100 * KES)
    deliver()

    flag = Flag.objects.get(kind=FlagKind.VELOCITY)
    assert flag.agent == network.agent
    assert flag.details == {
        "rule": "cash_in_customers",
        "count": 3,
        "limit": 2,
        "window_minutes": 60,
    }


def test_many_operations_for_one_customer_in_a_day_raise_a_velocity_flag(
    network, wanjiku, deliver, settings
):
    settings.AGENT_VELOCITY_MAX_CUSTOMER_OPERATIONS = 2
    deposit(network.owner, wanjiku, 100 * KES)
    withdraw(wanjiku, network.store1, 100 * KES)
    deliver()
    assert not Flag.objects.exists()
    deposit(network.owner, wanjiku, 100 * KES)
    deliver()
    flag = Flag.objects.get(kind=FlagKind.VELOCITY)
    assert (flag.customer, flag.details["rule"], flag.details["count"]) == (
        wanjiku.customer,
        "customer_operations",
        3,
    )


def test_reviewing_flags_marks_only_open_ones(network, wanjiku, deliver):
    withdraw(wanjiku, network.store1, 1_000 * KES)
    withdraw(wanjiku, network.store1, 1_000 * KES)
    deliver()
    reviewer = get_user_model().objects.create_user("compliance")

    assert services.mark_reviewed(Flag.objects.all(), reviewer=reviewer) == 1
    assert services.mark_reviewed(Flag.objects.all(), reviewer=reviewer) == 0
    assert Flag.objects.open().count() == 0
    assert Flag.objects.get().reviewed_by == reviewer
