"""Fan-in and fan-out, rapid in-out, dormant-then-active and shared ID numbers, each on a
sequence that trips it and a close one that does not. Amounts in minor units (KES 1 = 100);
the scan runs a minute after the postings."""

from __future__ import annotations

import datetime
import time

import pytest
from django.test import override_settings
from django.utils import timezone

from compliance import engine
from compliance.models import Alert, Rule
from tests.compliance.conftest import KES, fund, owner, scan, send, wallet
from wallets.models import Account

pytestmark = pytest.mark.django_db


def alerts_for(rule: Rule) -> list[Alert]:
    return list(Alert.objects.filter(rule=rule).select_related("customer", "agent"))


# --- fan-in and fan-out --------------------------------------------------------------------


def test_three_distinct_senders_to_one_wallet_trip_fan_in(only_rule, people):
    rule = only_rule(kind="fan_in", scope="wallet", window_minutes=24 * 60, count_threshold=3)
    for name in ["baraka", "chiku", "dalia"]:
        send(people["amani"], people[name], 1_000 * KES)
    for name in ["baraka", "chiku", "dalia"]:
        send(people[name], people["eli"], 100 * KES)

    scan()

    [alert] = alerts_for(rule)
    assert alert.customer == people["eli"].customer
    assert alert.detail["senders"] == 3


def test_the_same_two_senders_paying_often_is_not_fan_in(only_rule, people):
    rule = only_rule(kind="fan_in", scope="wallet", window_minutes=24 * 60, count_threshold=3)
    send(people["amani"], people["baraka"], 1_000 * KES)
    for _ in range(3):
        send(people["amani"], people["eli"], 100 * KES)
        send(people["baraka"], people["eli"], 100 * KES)

    scan()

    # Eli: 6 payments from 2 senders; Baraka: 1 sender. Funding from issuance is not a sender.
    assert alerts_for(rule) == []


def test_one_wallet_paying_three_recipients_trips_fan_out_but_two_do_not(only_rule, people):
    rule = only_rule(kind="fan_out", scope="wallet", window_minutes=24 * 60, count_threshold=3)
    send(people["amani"], people["baraka"], 100 * KES)
    send(people["amani"], people["chiku"], 100 * KES)
    send(people["amani"], people["chiku"], 100 * KES)
    scan()
    assert alerts_for(rule) == []  # two recipients (fees to the house do not count)

    send(people["amani"], people["dalia"], 100 * KES)
    scan()

    [alert] = alerts_for(rule)
    assert alert.customer == people["amani"].customer
    assert alert.detail["recipients"] == 3


# --- rapid in-out --------------------------------------------------------------------------


def rapid(only_rule) -> Rule:
    return only_rule(
        kind="rapid_in_out",
        scope="wallet",
        window_minutes=60,
        value_threshold=10_000 * KES,
        share_percent=80,
    )


def test_money_received_and_mostly_sent_on_within_the_hour_trips_rapid_in_out(only_rule, people):
    rule = rapid(only_rule)
    send(people["amani"], people["baraka"], 10_000 * KES)
    send(people["baraka"], people["chiku"], 5_000 * KES)
    send(people["baraka"], people["dalia"], 3_000 * KES)  # 8,000 of 10,000 gone: 80%

    scan()

    [alert] = alerts_for(rule)
    assert alert.customer == people["baraka"].customer
    assert (alert.detail["received"], alert.detail["sent_on"]) == (10_000 * KES, 8_000 * KES)


def test_sending_on_less_than_the_share_or_too_little_received_is_not_rapid(only_rule, people):
    rule = rapid(only_rule)
    send(people["amani"], people["baraka"], 10_000 * KES)
    send(people["baraka"], people["chiku"], 7_900 * KES)  # 79%
    send(people["amani"], people["dalia"], 9_999 * KES)  # under the KES 10,000 received
    send(people["dalia"], people["eli"], 9_900 * KES)

    scan()

    assert alerts_for(rule) == []


def test_money_sent_before_it_came_in_is_not_passed_through(only_rule, people):
    rule = rapid(only_rule)
    send(people["amani"], people["baraka"], 2_000 * KES)
    send(people["baraka"], people["chiku"], 1_900 * KES)  # before the big credit
    send(people["amani"], people["baraka"], 10_000 * KES)

    scan()

    assert alerts_for(rule) == []


# --- dormant then active -------------------------------------------------------------------


def dormant_rule(only_rule) -> Rule:
    return only_rule(
        kind="dormant_then_active",
        scope="wallet",
        window_minutes=24 * 60,
        dormant_days=180,
        value_threshold=50_000 * KES,
    )


def opened_days_ago(account: Account, days: int) -> None:
    """Wallet rows are not money: moving the opening date back stands in for months of
    silence (postings take the database's clock and cannot be backdated)."""
    Account.objects.filter(pk=account.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=days)
    )


def test_a_wallet_silent_for_200_days_that_moves_kes_60000_trips_dormant_then_active(
    only_rule, db, fee_income
):
    rule = dormant_rule(only_rule)
    sleeper = wallet("+254755000001", "Wairimu Gathoni", id_number="26000001")
    opened_days_ago(sleeper, 200)
    fund(sleeper, 60_000 * KES)

    scan()

    [alert] = alerts_for(rule)
    assert alert.customer == sleeper.customer
    assert alert.detail["never_moved_before"] is True
    assert alert.detail["moved"] == 60_000 * KES


def test_a_wallet_silent_for_only_100_days_does_not_trip(only_rule, db, fee_income):
    rule = dormant_rule(only_rule)
    short_nap = wallet("+254755000002", "Kipchumba Rotich", id_number="26000002")
    opened_days_ago(short_nap, 100)
    fund(short_nap, 60_000 * KES)

    scan()

    assert alerts_for(rule) == []


# Committed one by one, so the two postings get different database clocks.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_silence_is_measured_back_to_the_previous_posting_not_the_opening(
    only_rule, db, fee_income
):
    """Opened 400 days ago, moved a shilling, then KES 60,000 a second later: the shilling is
    before the (one-minute) window and is the previous movement, so there was no silence."""
    rule = dormant_rule(only_rule)
    Rule.objects.filter(pk=rule.pk).update(window_minutes=1)
    busy = wallet("+254755000003", "Nafula Simiyu", id_number="26000003")
    opened_days_ago(busy, 400)
    fund(busy, 1 * KES)
    time.sleep(1.1)
    big = fund(busy, 60_000 * KES)

    engine.scan(now=big.created_at + datetime.timedelta(seconds=59.5))

    assert alerts_for(rule) == []


# --- several wallets per ID number ---------------------------------------------------------


@override_settings(KYC_DUPLICATE_ID="flag")
def test_two_wallets_on_one_id_number_make_one_alert_about_the_number(only_rule, db):
    rule = only_rule(kind="shared_id_number", scope="customer", count_threshold=2)
    first = wallet("+254766000001", "Imani Kosgei", id_number="25000001")
    second = wallet("+254766000002", "Imani K.", id_number="25000001")
    wallet("+254766000003", "Pendo Jeptoo", id_number="25000003")

    scan()

    [alert] = alerts_for(rule)
    assert alert.customer == first.customer  # the earliest holder
    assert alert.detail["phones"] == [owner(first).phone, owner(second).phone]
    assert alert.detail["wallets"] == 2


def test_distinct_id_numbers_and_missing_ones_make_no_shared_id_alert(only_rule, db):
    rule = only_rule(kind="shared_id_number", scope="customer", count_threshold=2)
    wallet("+254766000004", "Zawadi Chepkoech", id_number="25000004")
    wallet("+254766000005", "Zuberi Mwita", id_number="25000005")
    wallet("+254766000006", "No Id One")
    wallet("+254766000007", "No Id Two")

    scan()

    assert alerts_for(rule) == []
