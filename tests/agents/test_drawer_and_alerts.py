"""The cash drawer (entered once per transaction, counted at the end of the day) and the
low-float and low-cash alerts to the agent's phone."""

from __future__ import annotations

import pytest

from agents import services
from agents.models import CashCount, CashDrawer, CashDrawerEntry, EntryKind
from tests.agents.conftest import KES
from tests.conftest import new_key
from ussd.sms.models import SmsMessage
from wallets import errors as ledger_errors
from wallets.models import OutboxMessage

pytestmark = pytest.mark.django_db


def withdraw(wallet, store, amount):
    return services.cash_out(
        wallet=wallet, store=store, amount=amount, idempotency_key=new_key(), channel="ussd"
    )


def deposit(assistant, amount, phone="0700100101", id_number="28451937"):
    return services.cash_in(
        assistant=assistant,
        phone=phone,
        amount=amount,
        id_number=id_number,
        idempotency_key=new_key(),
        channel="ussd",
    )


def expected(store) -> int:
    return CashDrawer.objects.get(store=store).expected


def test_each_cash_movement_is_entered_once_however_often_it_is_delivered(
    network, wanjiku, deliver
):
    out = withdraw(wanjiku, network.store1, 1_000 * KES)
    into = deposit(network.owner, 300 * KES)
    deliver()
    OutboxMessage.objects.update(delivered_at=None)
    deliver()

    entries = CashDrawerEntry.objects.order_by("id")
    assert [(e.kind, e.amount, e.transaction_id) for e in entries] == [
        (EntryKind.CASH_OUT, -1_000 * KES, out.pk),
        (EntryKind.CASH_IN, 300 * KES, into.pk),
    ]
    assert expected(network.store1) == (5_000 - 1_000 + 300) * KES


def test_a_count_records_the_variance_and_opens_the_next_period(network, wanjiku, deliver):
    withdraw(wanjiku, network.store1, 1_000 * KES)
    deliver()

    count = services.record_cash_count(assistant=network.owner, counted=3_950 * KES)

    assert (count.expected, count.counted, count.variance) == (
        4_000 * KES,
        3_950 * KES,
        -50 * KES,
    )
    drawer = CashDrawer.objects.get(store=network.store1)
    assert (drawer.expected, drawer.opening_count) == (3_950 * KES, 3_950 * KES)
    assert CashDrawerEntry.objects.filter(kind=EntryKind.COUNT).get().amount == -50 * KES
    assert CashCount.objects.get().counted_by == network.owner


def test_a_count_first_enters_movements_the_outbox_has_not_delivered(network, wanjiku, deliver):
    withdraw(wanjiku, network.store2, 1_000 * KES)  # not delivered yet

    count = services.record_cash_count(assistant=network.assistant, counted=4_000 * KES)

    assert (count.expected, count.variance) == (4_000 * KES, 0)
    deliver()  # the late delivery finds the movement entered and changes nothing
    assert expected(network.store2) == 4_000 * KES
    assert CashDrawerEntry.objects.filter(kind=EntryKind.CASH_OUT).count() == 1


def test_a_negative_count_is_refused(network):
    with pytest.raises(ledger_errors.InvalidAmount):
        services.record_cash_count(assistant=network.owner, counted=-1)


def test_low_float_sends_one_alert_a_day_to_the_agents_phone(network, wanjiku, deliver):
    network.agent.low_float_threshold = 9_000 * KES
    network.agent.save()
    deposit(network.owner, 500 * KES)  # float 9,500: fine
    deliver()
    assert not SmsMessage.objects.filter(purpose="agent_alert").exists()

    deposit(network.owner, 1_000 * KES)  # float 8,500
    deposit(network.owner, 1_000 * KES)  # float 7,500
    deliver()

    alert = SmsMessage.objects.get(purpose="agent_alert")
    assert alert.to == "+254720300001"
    assert alert.text == (
        "Low float: agent 100201 has KES 8,500 float, below your alert level of KES 9,000. "
        "Buy float to keep serving deposits."
    )
    assert alert.dedup_key.startswith(f"low-float:{network.agent.pk}:")


def test_low_cash_sends_an_alert_when_a_withdrawal_empties_the_drawer(network, wanjiku, deliver):
    network.agent.low_cash_threshold = 4_500 * KES
    network.agent.save()
    withdraw(wanjiku, network.store2, 1_000 * KES)  # store 2: KES 5,000 -> 4,000
    deliver()

    alert = SmsMessage.objects.get(purpose="agent_alert")
    assert alert.text == (
        "Low cash: store 2 should have KES 4,000 in the drawer, below your alert level of "
        "KES 4,500. Get cash to keep serving withdrawals."
    )


def test_no_alert_without_a_threshold(network, wanjiku, deliver):
    deposit(network.owner, 9_000 * KES)
    withdraw(wanjiku, network.store1, 4_000 * KES)
    deliver()
    assert not SmsMessage.objects.filter(purpose="agent_alert").exists()
