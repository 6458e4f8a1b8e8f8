"""Velocity and structuring rules, each on a sequence that trips it and a close one that does
not. Amounts in minor units (KES 1 = 100); the scan runs a minute after the postings."""

from __future__ import annotations

import pytest

from agents import services as agent_services
from compliance.models import Alert, Rule
from tests.agents.conftest import build_network
from tests.compliance.conftest import KES, owner, scan, send, wallet
from tests.conftest import new_key
from wallets.models import Account

pytestmark = pytest.mark.django_db


def alerts_for(rule: Rule) -> list[Alert]:
    return list(Alert.objects.filter(rule=rule).select_related("customer", "agent"))


# --- velocity ------------------------------------------------------------------------------


def velocity_out(only_rule) -> Rule:
    return only_rule(
        kind="velocity", scope="wallet", direction="out", window_minutes=60, count_threshold=4
    )


def test_four_sends_in_an_hour_trip_a_four_transfer_velocity_rule(only_rule, people):
    rule = velocity_out(only_rule)
    for name in ["baraka", "chiku", "dalia", "eli"]:
        send(people["amani"], people[name], 500 * KES)

    scan()

    [alert] = alerts_for(rule)
    assert alert.customer == people["amani"].customer
    assert alert.detail["transactions"] == 4
    assert alert.detail["value"] == 2_000 * KES  # the principal; fees do not count


def test_three_sends_and_money_received_do_not_trip_an_outgoing_velocity_rule(only_rule, people):
    rule = velocity_out(only_rule)
    for name in ["baraka", "chiku", "dalia"]:
        send(people["amani"], people[name], 500 * KES)
    send(people["baraka"], people["amani"], 100 * KES)  # in: not counted as out

    scan()

    assert alerts_for(rule) == []


def test_value_moved_in_a_day_counts_money_in_and_out_up_to_the_threshold(
    only_rule, db, fee_income
):
    rule = only_rule(
        kind="velocity",
        scope="wallet",
        window_minutes=24 * 60,
        value_threshold=30_000 * KES,
    )
    mover = wallet("+254733100001", "Moraa Nyaboke", id_number="28000001", funding=20_000 * KES)
    other = wallet("+254733100002", "Ouma Okello", id_number="28000002")
    send(mover, other, 9_999 * KES)  # 20,000 in and 9,999 out: 29,999, just under
    scan()
    assert alerts_for(rule) == []

    send(mover, other, 1 * KES)  # 30,000
    scan()

    [alert] = alerts_for(rule)
    assert alert.customer == mover.customer
    assert alert.detail["value"] == 30_000 * KES  # fees are not counted


def cash_in(network, depositor: Account) -> None:
    agent_services.cash_in(
        assistant=network.owner,
        phone=owner(depositor).phone,
        amount=1_000 * KES,
        id_number=owner(depositor).id_number,
        idempotency_key=new_key(),
        channel="ussd",
    )


def test_agent_velocity_counts_every_operation_on_the_agents_float(only_rule, fee_income):
    rule = only_rule(kind="velocity", scope="agent", window_minutes=60, count_threshold=4)
    network = build_network()  # the agent buys float: one operation
    depositor = wallet("+254733000001", "Neema Chebet", id_number="29000001")
    cash_in(network, depositor)
    cash_in(network, depositor)
    scan()
    assert alerts_for(rule) == []  # three operations

    cash_in(network, depositor)
    scan()

    [alert] = alerts_for(rule)
    assert alert.agent == network.agent
    assert alert.subject_key == f"agent:{network.agent.pk}"
    assert alert.detail["transactions"] == 4


# --- structuring ---------------------------------------------------------------------------


def test_three_sends_just_under_a_reporting_threshold_trip_structuring(only_rule, people):
    rule = only_rule(
        kind="structuring",
        scope="wallet",
        window_minutes=24 * 60,
        count_threshold=3,
        margin_percent=10,
        reference_amount=10_000 * KES,
    )
    for name in ["baraka", "chiku", "dalia"]:
        send(people["amani"], people[name], 9_500 * KES)

    scan()

    [alert] = alerts_for(rule)
    assert alert.customer == people["amani"].customer
    assert alert.detail["amounts"] == [9_500 * KES] * 3
    assert alert.detail["limit"] == 10_000 * KES


def test_amounts_further_under_or_over_the_threshold_are_not_structuring(only_rule, people):
    rule = only_rule(
        kind="structuring",
        scope="wallet",
        window_minutes=24 * 60,
        count_threshold=3,
        margin_percent=10,
        reference_amount=10_000 * KES,
    )
    send(people["amani"], people["baraka"], 9_500 * KES)
    send(people["amani"], people["chiku"], 9_000 * KES)  # exactly 10% under: counts
    send(people["amani"], people["dalia"], 8_999 * KES)  # further under: does not
    send(people["amani"], people["eli"], 10_001 * KES)  # over: not avoiding it

    scan()

    assert alerts_for(rule) == []


def test_structuring_without_a_reference_uses_the_tiers_per_transaction_limit(
    only_rule, db, fee_income
):
    """Tier 1 in Kenya: KES 250,000 per transaction; 10% under is KES 225,000 and up."""
    rule = only_rule(
        kind="structuring",
        scope="wallet",
        window_minutes=24 * 60,
        count_threshold=2,
        margin_percent=10,
    )
    sender = wallet("+254744000001", "Juma Kiplagat", id_number="27000001", funding=490_000 * KES)
    near = wallet("+254744000002", "Rehema Atieno", id_number="27000002")
    far = wallet("+254744000003", "Tumaini Wekesa", id_number="27000003", funding=1 * KES)
    send(sender, near, 240_000 * KES)
    send(far, near, 1 * KES)  # unrelated traffic
    scan()
    assert alerts_for(rule) == []  # one near the limit

    send(sender, near, 225_000 * KES)
    scan()

    [alert] = alerts_for(rule)
    assert alert.customer == sender.customer
    assert alert.detail["limit"] == 250_000 * KES
    assert alert.detail["amounts"] == [240_000 * KES, 225_000 * KES]
