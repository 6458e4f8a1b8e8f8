"""Monthly commission statements: built from the ledger once per agent and month."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from agents import services, tasks
from agents.models import CommissionStatement
from agents.services.statements import previous_month
from tests.agents.conftest import KES
from tests.conftest import new_key
from ussd.sms.models import SmsMessage

pytestmark = pytest.mark.django_db


def this_month() -> datetime.date:
    return timezone.localdate().replace(day=1)


def test_the_statement_counts_operations_and_the_commission_received(network, wanjiku, deliver):
    for amount in (1_000 * KES, 1_000 * KES):  # the second is a split part: KES 4 to the agent
        services.cash_out(
            wallet=wanjiku, store=network.store1, amount=amount, idempotency_key=new_key(),
            channel="ussd",
        )  # fmt: skip
    services.cash_in(
        assistant=network.owner,
        phone="0700100101",
        amount=2_000 * KES,
        id_number="28451937",
        idempotency_key=new_key(),
        channel="ussd",
    )
    deliver()  # raises the split flag

    statement = services.build_commission_statement(agent=network.agent, month=this_month())

    assert (statement.cash_out_count, statement.cash_out_commission) == (2, 12 * KES)
    assert (statement.cash_in_count, statement.cash_in_commission) == (1, 880)
    assert (statement.withheld, statement.total_commission) == (500, 12 * KES + 880)
    sms = SmsMessage.objects.get(purpose="commission_statement")
    assert (sms.to, sms.text) == (
        "+254720300001",
        f"Agent 100201 commission for {this_month():%m/%Y}: 1 deposits KES 8.80, "
        "2 withdrawals KES 12. Total KES 20.80. Withheld KES 5.",
    )


def test_building_a_statement_twice_changes_nothing(network, wanjiku):
    services.cash_out(
        wallet=wanjiku, store=network.store1, amount=1_000 * KES, idempotency_key=new_key(),
        channel="ussd",
    )  # fmt: skip
    first = services.build_commission_statement(agent=network.agent, month=this_month())
    services.cash_out(
        wallet=wanjiku, store=network.store1, amount=3_000 * KES, idempotency_key=new_key(),
        channel="ussd",
    )  # fmt: skip
    again = services.build_commission_statement(agent=network.agent, month=this_month())

    assert again.pk == first.pk
    assert again.cash_out_count == 1
    assert SmsMessage.objects.filter(purpose="commission_statement").count() == 1


def test_a_quiet_month_gets_a_statement_but_no_sms(network):
    statement = services.build_commission_statement(agent=network.agent, month=this_month())
    assert (statement.cash_in_count, statement.cash_out_count, statement.total_commission) == (
        0,
        0,
        0,
    )
    assert not SmsMessage.objects.filter(purpose="commission_statement").exists()


def test_the_monthly_task_builds_last_months_statement_for_each_agent(network, monkeypatch):
    queued = []
    monkeypatch.setattr(tasks.commission_statement, "delay", lambda *args: queued.append(args))
    type(network.agent).objects.filter(pk=network.agent.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=62)
    )

    assert tasks.send_commission_statements() == 1
    month = previous_month(timezone.localdate())
    assert queued == [(network.agent.pk, month.isoformat())]
    tasks.commission_statement(*queued[0])
    assert CommissionStatement.objects.get().month == month


@pytest.mark.parametrize(("today", "month"), [
    (datetime.date(2026, 12, 1), datetime.date(2026, 11, 1)),
    (datetime.date(2026, 1, 31), datetime.date(2025, 12, 1)),
    (datetime.date(2026, 3, 15), datetime.date(2026, 2, 1)),
])  # fmt: skip
def test_previous_month(today, month):
    assert previous_month(today) == month
