"""Who is swept, and how much: the reserve, M-Pesa's whole shillings, nothing to pay, a
suspended or closed business, a repeat. The operator is never called here (the requests are
written and left pending: the flows over the simulator are in test_settlement_flows)."""

from __future__ import annotations

import datetime
import io

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone

from merchants.models import Merchant, Settlement, SettlementState
from merchants.settlement import settle_day, settle_merchant
from merchants.tasks import settle_merchants
from operators import services as operator_services
from operators.adapters.base import Outcome, Status
from operators.models import Operator, OperatorRequest
from tests.merchants.test_settlement_flows import KES, account_of, configure, take_payments
from wallets import services as wallet_services
from wallets.models import Hold, HoldState

YESTERDAY = timezone.localdate() - datetime.timedelta(days=1)


def operator(code: str = "mpesa", kind: str = "daraja") -> Operator:
    return Operator.objects.create(
        code=code,
        name=code,
        kind=kind,
        base_url="http://127.0.0.1:9",
        shortcode="174379",
        callback_base_url="http://testserver",
    )


@pytest.fixture
def swept_duka(duka: Merchant) -> Merchant:
    return configure(
        duka,
        settlement_method="operator",
        settlement_operator=operator(),
        settlement_phone="+254722300001",
        settlement_reserve=150 * KES + 50,
    )


def test_the_reserve_stays_and_m_pesa_gets_whole_shillings(swept_duka, alice, fund):
    take_payments(swept_duka, alice, fund, 500 * KES, 250 * KES + 75)
    available = account_of(swept_duka).available
    settlement = settle_merchant(merchant=swept_duka, day=YESTERDAY).settlement
    assert settlement is not None
    assert settlement.amount == (available - (150 * KES + 50)) // KES * KES
    assert settlement.amount % KES == 0
    account = account_of(swept_duka)
    assert account.held == settlement.amount  # held until the operator answers
    assert account.available >= 150 * KES + 50
    assert settlement.state == SettlementState.PENDING
    assert settlement.operator_request.metadata["purpose"] == "merchant_settlement"


def test_sweeping_a_day_twice_settles_once(swept_duka, alice, fund):
    take_payments(swept_duka, alice, fund, 500 * KES)
    first = settle_merchant(merchant=swept_duka, day=YESTERDAY).settlement
    take_payments(swept_duka, alice, fund, 100 * KES)  # more money since: still one payout
    again = settle_day(YESTERDAY)
    assert [swept.settlement for swept in again] == [first]
    assert OperatorRequest.objects.count() == 1
    assert Hold.objects.filter(account=swept_duka.account).count() == 1


def test_a_crash_after_the_hold_reuses_its_amount(swept_duka, alice, fund):
    take_payments(swept_duka, alice, fund, 500 * KES)
    key = f"settlement:{swept_duka.pk}:{YESTERDAY.isoformat()}"
    hold = wallet_services.place_hold(
        account=swept_duka.account,
        amount=200 * KES,
        reason="settlement to mpesa",
        idempotency_key=f"operator-hold:{key}",
        deadline=timezone.now() + datetime.timedelta(hours=1),
    )
    settlement = settle_merchant(merchant=swept_duka, day=YESTERDAY).settlement
    assert settlement is not None
    assert (settlement.amount, settlement.operator_request.hold_id) == (200 * KES, hold.pk)


def test_nothing_to_pay_or_less_than_the_operator_takes_is_skipped(swept_duka, alice, fund):
    assert settle_merchant(merchant=swept_duka, day=YESTERDAY).skipped == "nothing to settle"
    take_payments(swept_duka, alice, fund, 159 * KES)  # KES 9 above the reserve: B2C takes 10
    swept = settle_merchant(merchant=swept_duka, day=YESTERDAY)
    assert swept.skipped == "below the operator's minimum payout"
    assert not Settlement.objects.exists()
    assert account_of(swept_duka).held == 0


def test_a_suspended_merchant_is_not_swept_and_a_closed_one_is_paid_everything(
    swept_duka, alice, fund
):
    take_payments(swept_duka, alice, fund, 500 * KES)
    configure(swept_duka, status="suspended")
    assert settle_day(YESTERDAY) == []
    assert (
        settle_merchant(merchant=swept_duka, day=YESTERDAY).skipped == "the merchant is suspended"
    )
    configure(swept_duka, status="closed")
    balance = account_of(swept_duka).balance
    settlement = settle_merchant(merchant=swept_duka, day=YESTERDAY).settlement
    assert settlement is not None
    assert settlement.amount == balance // KES * KES  # no reserve kept for a closed business


def test_a_bank_settlement_needs_an_m_pesa_operator(water, alice, fund):
    momo = operator("momo", "momo")
    configure(
        water,
        settlement_method="bank",
        settlement_operator=momo,
        bank_paybill="522522",
        bank_account="1100223344",
    )
    take_payments(water, alice, fund, 300 * KES)
    (swept,) = settle_day(YESTERDAY)
    assert swept.settlement is None
    assert "M-Pesa" in swept.skipped


def test_an_earlier_day_is_not_swept_after_a_later_one(swept_duka, alice, fund):
    take_payments(swept_duka, alice, fund, 500 * KES)
    assert settle_merchant(merchant=swept_duka, day=YESTERDAY).settlement is not None
    earlier = settle_merchant(merchant=swept_duka, day=YESTERDAY - datetime.timedelta(days=3))
    assert earlier.skipped == "a later day is already settled"


def test_the_outcome_settles_or_fails_the_settlement_and_releases_the_money(
    swept_duka, alice, fund
):
    take_payments(swept_duka, alice, fund, 500 * KES)
    before = account_of(swept_duka).balance
    settlement = settle_merchant(merchant=swept_duka, day=YESTERDAY).settlement
    assert settlement is not None
    operator_services.apply_outcome(
        settlement.operator_request, Outcome(Status.FAILED, reason="payer_not_found")
    )
    settlement.refresh_from_db()
    assert settlement.state == SettlementState.FAILED
    assert Hold.objects.get(account=swept_duka.account).state == HoldState.RELEASED
    assert (account_of(swept_duka).balance, account_of(swept_duka).held) == (before, 0)
    # A late success report changes nothing: the first final word stands.
    operator_services.apply_outcome(settlement.operator_request, Outcome(Status.SUCCEEDED))
    settlement.refresh_from_db()
    assert settlement.state == SettlementState.FAILED


def test_the_command_settles_a_day_and_refuses_a_bad_one(swept_duka, alice, fund):
    take_payments(swept_duka, alice, fund, 500 * KES)
    out = io.StringIO()
    call_command("settle_merchants", "--day", YESTERDAY.isoformat(), stdout=out)
    assert "to +254722300001, sent to the operator" in out.getvalue()
    with pytest.raises(CommandError, match="not a date"):
        call_command("settle_merchants", "--day", "24/11/2026")
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(CommandError, match="has not begun"):
        call_command("settle_merchants", "--day", tomorrow.isoformat())


def test_the_beat_task_settles_yesterday(swept_duka, alice, fund):
    take_payments(swept_duka, alice, fund, 500 * KES)
    assert settings.CELERY_BEAT_SCHEDULE["settle-merchants"]["task"] == settle_merchants.name
    assert settle_merchants() == 1
    assert Settlement.objects.get().day == YESTERDAY


def test_m_pesa_b2c_caps_a_payout_and_a_pay_bill_does_not(db):
    mpesa = operator()
    assert operator_services.payout_bounds(mpesa) == (10 * KES, 250_000 * KES)
    assert operator_services.payout_bounds(mpesa, to_pay_bill=True) == (10 * KES, None)
