"""The dashboard's figures, each checked against money moved through the services."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from agents import services as agent_services
from agents.models import Agent, NetworkStatus
from backoffice.dashboard import ledger, operations, page
from backoffice.dashboard.links import AdminLinks
from compliance.models import Alert, AlertState, Rule
from operators import safeguarding
from operators.models import Break, BreakState, Operator, Reconciliation, TrustBankBalance
from tests.agents.conftest import KES, Network, balance_of, build_network, customer_wallet
from tests.backoffice.reports_data import posted_days_ago
from tests.conftest import new_key
from ussd.sms.models import SmsMessage, SmsState
from wallets import services
from wallets.models import TransactionKind

# Links for a user who may open every admin page (an active superuser, never saved).
EVERYTHING = AdminLinks(User(is_active=True, is_superuser=True))


@pytest.fixture
def network(db) -> Network:
    return build_network()


def kinds(figures: list[ledger.KindFigures]) -> dict[str, tuple[int, int, int]]:
    return {row.kind: (row.count, row.value, row.fees) for row in figures}


def send(sender, recipient, amount: int):
    return services.send_money(
        sender=sender, recipient=recipient, amount=amount, idempotency_key=new_key()
    )


def test_today_counts_each_kind_with_its_value_and_fees_and_not_yesterday(alice, bob, fund):
    with posted_days_ago(1):
        fund(alice, 50_000 * KES)
        send(alice, bob, 300 * KES)
    fund(alice, 10_000 * KES)
    first = send(alice, bob, 1_200 * KES)
    second = send(alice, bob, 200 * KES)

    today = ledger.volume_by_kind("KES", timezone.localdate())

    assert kinds(today) == {
        TransactionKind.FUND: (1, 10_000 * KES, 0),
        TransactionKind.SEND_MONEY: (2, 1_400 * KES, first.fee + second.fee),
    }
    assert [row.label for row in today] == ["Funding from issuance", "Send money"]
    assert first.fee > 0


def test_fees_earned_are_net_of_reversals_and_commissions_are_what_agents_received(
    network, alice, bob, fund
):
    wanjiku = customer_wallet("+254700100101", "Wanjiku Kamau", "28451937", 6_000 * KES)
    fund(alice, 10_000 * KES)
    kept = send(alice, bob, 1_200 * KES)
    reversed_send = send(alice, bob, 700 * KES)
    services.reverse_transaction(original=reversed_send, reason="sent to the wrong number")
    agent_before = balance_of(network.agent.commission_account)
    head_office_before = balance_of(network.aggregator.commission_account)
    cash_out = agent_services.cash_out(
        wallet=wanjiku, store=network.store1, amount=3_000 * KES, idempotency_key=new_key(),
        channel="ussd",
    )  # fmt: skip

    earned = ledger.earnings("KES", timezone.localdate())

    paid = (balance_of(network.agent.commission_account) - agent_before) + (
        balance_of(network.aggregator.commission_account) - head_office_before
    )
    assert paid > 0
    assert earned.commissions == paid
    assert earned.fees_charged == kept.fee + reversed_send.fee + cash_out.fee
    assert earned.fees_refunded == reversed_send.fee
    assert earned.fees_earned == kept.fee + cash_out.fee
    assert earned.net_fee_income == kept.fee + cash_out.fee - paid


def test_the_trend_puts_each_transaction_on_its_local_day_and_shows_quiet_days_as_zero(
    alice, bob, fund
):
    with posted_days_ago(14):  # one day too old for the chart
        fund(alice, 99_000 * KES)
    with posted_days_ago(2):
        fund(alice, 5_000 * KES)
        send(alice, bob, 1_000 * KES)
    fund(alice, 700 * KES)
    today = timezone.localdate()

    trend = ledger.daily_trend("KES", today)

    assert [day.day for day in trend] == [
        today - datetime.timedelta(days=13 - offset) for offset in range(14)
    ]
    counts = {day.day: (day.count, day.value) for day in trend if day.count}
    assert counts == {
        today - datetime.timedelta(days=2): (2, 6_000 * KES),
        today: (1, 700 * KES),
    }


def test_e_money_outstanding_is_live_beside_the_latest_stored_check(alice, fund):
    fund(alice, 10_000 * KES)
    safeguarding.check("KES")
    TrustBankBalance.objects.create(
        bank="KCB trust", currency="KES", balance=9_000 * KES, as_of=timezone.localdate()
    )
    fund(alice, 2_500 * KES)  # after the check: only the live column knows

    figures = page.build("KES", EVERYTHING)

    rows = {label: (live, stored) for label, live, stored in figures["safeguarding"]}
    assert rows["E-money outstanding"] == ("KES 12,500", "KES 10,000")
    assert rows["Trust banks (declared)"] == ("KES 9,000", "-")
    assert rows["Shortfall"] == ("KES 3,500", "KES 0")
    tile = next(t for t in figures["tiles"] if t.label == "Trust cover")
    assert (tile.value, tile.tone) == ("short KES 3,500", "alert")


def test_trust_cover_sums_each_banks_latest_statement(db):
    today = timezone.localdate()
    for bank, balance, as_of in [
        ("KCB trust", 5_000, today - datetime.timedelta(days=3)),
        ("KCB trust", 7_000, today),
        ("Equity trust", 2_000, today - datetime.timedelta(days=1)),
    ]:
        TrustBankBalance.objects.create(bank=bank, currency="KES", balance=balance, as_of=as_of)

    declared = operations.trust_declared("KES")

    assert declared == operations.TrustDeclared(9_000, today - datetime.timedelta(days=1))
    assert operations.trust_declared("TZS") is None


def test_breaks_waiting_for_people_are_counted_and_resolved_ones_are_not(db):
    mpesa = Operator.objects.create(
        code="mpesa", name="M-Pesa", kind="daraja", base_url="http://sim.test/mpesa",
        callback_base_url="http://web.test",
    )  # fmt: skip
    day = Reconciliation.objects.create(operator=mpesa, day=timezone.localdate())
    for index, state in enumerate(
        [BreakState.OPEN, BreakState.OPEN, BreakState.PROPOSED, BreakState.RESOLVED]
    ):
        Break.objects.create(reconciliation=day, kind="amount", reference=f"R{index}", state=state)

    counts = operations.open_breaks()

    assert (counts.open, counts.proposed, counts.total) == (2, 1, 3)


def test_agents_low_on_float_are_active_ones_below_their_own_threshold(network):
    float_now = balance_of(network.agent.float_account)
    Agent.objects.filter(pk=network.agent.pk).update(low_float_threshold=float_now + 500 * KES)
    other = agent_services.create_agent(
        aggregator=network.aggregator, business_name="Baraka Agencies", phone="+254720300201",
        agent_number="100202",
    )  # fmt: skip
    Agent.objects.filter(pk=other.pk).update(
        low_float_threshold=2_000 * KES, status=NetworkStatus.SUSPENDED
    )

    low = operations.low_float_agents("KES")

    assert low.total == 1
    (shown,) = low.shown
    assert (shown.agent_number, shown.float_balance, shown.shortfall) == (
        "100201",
        float_now,
        500 * KES,
    )
    Agent.objects.filter(pk=other.pk).update(status=NetworkStatus.ACTIVE)
    worst_first = operations.low_float_agents("KES")
    assert [agent.agent_number for agent in worst_first.shown] == ["100202", "100201"]
    assert operations.low_float_agents("KES", limit=1).total == 2


def sms(state: str, index: int, created_at: datetime.datetime | None = None) -> SmsMessage:
    sent = state not in (SmsState.QUEUED, SmsState.FAILED)
    return SmsMessage.objects.create(
        to="+254712000001",
        text="receipt",
        purpose="receipt",
        dedup_key=f"dash-{index}",
        state=state,
        sent_at=timezone.now() if sent else None,
        created_at=created_at or timezone.now(),
    )


def test_sms_delivery_rate_counts_only_messages_whose_fate_is_known(db):
    states = [SmsState.DELIVERED] * 7 + [SmsState.UNDELIVERABLE, SmsState.FAILED]
    states += [SmsState.SENT] * 5 + [SmsState.QUEUED]
    for index, state in enumerate(states):
        sms(state, index)
    sms(SmsState.UNDELIVERABLE, 99, created_at=timezone.now() - datetime.timedelta(days=1))

    figures = operations.sms_by_state(timezone.localdate())

    assert (figures.total, figures.settled, figures.delivery_rate) == (15, 9, 78)
    tile = page.sms_tile(figures)
    assert (tile.value, tile.tone) == ("78%", "warn")
    assert tile.note == "9 with a known outcome, 6 waiting"


def test_no_delivery_rate_before_any_report(db):
    sms(SmsState.SENT, 1)
    figures = operations.sms_by_state(timezone.localdate())
    assert figures.delivery_rate is None
    assert page.sms_tile(figures).value == "n/a"


@pytest.mark.parametrize("requested", [None, "", "XYZ", "<script>"])
def test_an_unknown_currency_falls_back_to_the_default(alice, fund, requested):
    fund(alice, 100 * KES)
    assert page.build(requested, EVERYTHING)["currency"] == "KES"


def alert(rule: Rule, index: int, state: str, deadline_in: datetime.timedelta, **extra) -> Alert:
    return Alert.objects.create(
        rule=rule,
        subject_key=f"customer:{index}",
        state=state,
        deadline=timezone.now() + deadline_in,
        **extra,
    )


def test_compliance_alerts_still_in_the_queue_are_counted_with_the_overdue_ones(
    admin_user, django_user_model
):
    rule = Rule.objects.first()
    assert rule is not None  # seeded by the compliance migration
    hour = datetime.timedelta(hours=1)
    alert(rule, 1, AlertState.OPEN, hour)
    alert(rule, 2, AlertState.OPEN, -hour)
    alert(rule, 3, AlertState.ASSIGNED, -hour, assignee=admin_user)
    alert(rule, 4, AlertState.CLOSED_NO_ACTION, -hour, closed_at=timezone.now())

    counts = operations.open_compliance_alerts()

    assert counts == operations.AlertCounts(open=3, overdue=2)
    tile = page.alerts_tile(counts, "")
    assert (tile.value, tile.note, tile.tone) == ("3", "2 past their deadline", "alert")
