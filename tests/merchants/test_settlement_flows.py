"""The daily merchant settlement through the simulated operators, over real HTTP both ways:
to the business's phone (M-Pesa B2C, MoMo), to its bank's pay-bill (Daraja B2B), a failure
that leaves the money, concurrent sweeps, and reconciliation of the payouts."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from merchants import services as merchant_services
from merchants.models import Merchant, SettlementState
from merchants.settlement import settle_day, settle_merchant
from operators import services as operator_services
from operators.models import Operator, OperatorRequest, RequestState
from operators.reconciliation import reconcile_day
from operators.tasks import check_requests
from tests.conftest import new_key
from tests.operators.conftest import eager_tasks, momo, mpesa, settled
from tests.operators.simulator_fixture import operator_simulator
from tests.threads import run_together
from wallets.models import Account, HoldState, TransactionKind

__all__ = ["eager_tasks", "momo", "mpesa", "operator_simulator", "settled"]

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

KES = 100
YESTERDAY = timezone.localdate() - datetime.timedelta(days=1)


def configure(merchant: Merchant, **fields: object) -> Merchant:
    Merchant.objects.filter(pk=merchant.pk).update(**fields)
    merchant.refresh_from_db()
    return merchant


def take_payments(merchant: Merchant, payer: Account, fund, *amounts: int) -> None:
    point = merchant.points.get()
    fund(payer, sum(amounts))
    for amount in amounts:
        reference = "W123456" if point.kind == "paybill" else ""
        offer = merchant_services.quote(point=point, amount=amount, account_reference=reference)
        merchant_services.pay(payer=payer, offer=offer, idempotency_key=new_key(), channel="ussd")


def account_of(merchant: Merchant) -> Account:
    return Account.objects.get(pk=merchant.account_id)


def settlement_mirror(operator: Operator) -> int:
    return operator_services.settlement_account(operator).current_balance()


@pytest.mark.parametrize("operator_name", ["mpesa", "momo"])
def test_a_till_is_swept_to_the_business_phone_less_its_reserve(
    request, operator_name, duka, alice, fund, settled
):
    operator = request.getfixturevalue(operator_name)
    configure(
        duka,
        settlement_method="operator",
        settlement_operator=operator,
        settlement_phone="+254722300001",
        settlement_reserve=200 * KES,
    )
    take_payments(duka, alice, fund, 500 * KES, 500 * KES)
    before = account_of(duka).balance  # KES 1,000 less the merchant's fees
    swept = settle_merchant(merchant=duka, day=YESTERDAY)
    settlement = swept.settlement
    assert settlement is not None
    step = KES if operator.kind == "daraja" else 1  # M-Pesa moves whole shillings
    expected = before - 200 * KES
    expected -= expected % step
    assert settlement.amount == expected
    payout = settled(settlement.operator_request, until_final=True)
    assert payout.state == RequestState.SUCCEEDED, (payout.reason, payout.detail)
    settlement.refresh_from_db()
    assert settlement.state == SettlementState.SETTLED
    assert settlement.finished_at is not None
    after = account_of(duka)
    assert (after.balance, after.held) == (before - expected, 0)
    assert after.balance >= 200 * KES  # the reserve stays
    assert payout.transaction.kind == TransactionKind.OPERATOR_PAYOUT
    assert payout.transaction.fee == 0
    assert payout.hold.state == HoldState.COMMITTED
    assert settlement_mirror(operator) == expected  # as a withdrawal: merchant -> settlement
    wallet = operator_simulator_customer(request, operator_name, "+254722300001")
    assert wallet == 10_000_000 + expected  # the simulator's starting balance, plus ours


def operator_simulator_customer(request, operator_name: str, phone: str) -> int:
    state = request.getfixturevalue("operator_simulator").state()
    return int(state["operators"][operator_name]["customers"][phone.lstrip("+")]["balance"])


def test_a_bank_settlement_pays_the_bank_pay_bill_by_b2b_and_reconciles(
    mpesa, water, alice, fund, settled, operator_simulator
):
    configure(
        water,
        settlement_method="bank",
        settlement_operator=mpesa,
        bank_paybill="522522",
        bank_account="1100223344",
    )
    take_payments(water, alice, fund, 300 * KES)
    before = account_of(water).balance
    (swept,) = settle_day(YESTERDAY)
    settlement = swept.settlement
    assert settlement is not None
    assert settlement.destination == "pay-bill 522522 account 1100223344"
    payout = settled(settlement.operator_request, until_final=True)
    assert payout.state == RequestState.SUCCEEDED, (payout.reason, payout.detail)
    assert payout.phone == ""
    settlement.refresh_from_db()
    assert settlement.state == SettlementState.SETTLED
    assert account_of(water).balance == before - settlement.amount
    operator_simulator.wait_until_idle()
    books = operator_simulator.state()["operators"]["mpesa"]
    assert books["customers"]["522522"]["balance"] == 10_000_000 + settlement.amount
    (record,) = [t for t in operator_simulator.state()["transactions"] if t["kind"] == "payout"]
    assert record["details"]["CommandID"] == "BusinessPayBill"
    assert record["details"]["account"] == "1100223344"
    assert record["reference"] == str(payout.reference)
    run = reconcile_day(mpesa, timezone.localdate())
    assert (run.lines, run.matched, run.breaks) == (1, 1, 0)


def test_a_bank_settlement_whose_result_is_lost_is_settled_by_the_status_query(
    mpesa, water, alice, fund, operator_simulator, settings
):
    settings.OPERATOR_FIRST_CHECK_SECONDS = 0
    configure(
        water,
        settlement_method="bank",
        settlement_operator=mpesa,
        bank_paybill="522522",
        bank_account="ACC-7",
    )
    take_payments(water, alice, fund, 300 * KES)
    operator_simulator.inject("lose_callback", operator="mpesa", action="payout")
    settlement = settle_merchant(merchant=water, day=YESTERDAY).settlement
    assert settlement is not None
    operator_simulator.wait_until_idle()
    settlement.refresh_from_db()
    assert settlement.state == SettlementState.PENDING
    assert account_of(water).held == settlement.amount
    check_requests()  # the status query's Result arrives at our status callback
    operator_simulator.wait_until_idle()
    settlement.refresh_from_db()
    assert settlement.state == SettlementState.SETTLED
    assert account_of(water).held == 0


def test_a_failed_payout_leaves_the_money_and_the_next_day_takes_it(
    mpesa, duka, alice, fund, settled
):
    # The simulator has no M-Pesa account for numbers ending 0003 (ResultCode 2040).
    configure(
        duka,
        settlement_method="operator",
        settlement_operator=mpesa,
        settlement_phone="+254722300003",
    )
    take_payments(duka, alice, fund, 400 * KES)
    before = account_of(duka).balance
    first = settle_merchant(merchant=duka, day=YESTERDAY - datetime.timedelta(days=1)).settlement
    assert first is not None
    payout = settled(first.operator_request, until_final=True)
    assert payout.state == RequestState.FAILED
    first.refresh_from_db()
    assert first.state == SettlementState.FAILED
    assert payout.hold.state == HoldState.RELEASED
    account = account_of(duka)
    assert (account.balance, account.held) == (before, 0)

    configure(duka, settlement_phone="+254722300001")
    second = settle_merchant(merchant=duka, day=YESTERDAY).settlement
    assert second is not None
    assert second.period_start == first.period_end
    assert settled(second.operator_request, until_final=True).state == RequestState.SUCCEEDED
    assert account_of(duka).balance == before - second.amount


def test_concurrent_sweeps_of_one_day_settle_once(mpesa, duka, alice, fund, settled):
    configure(
        duka,
        settlement_method="operator",
        settlement_operator=mpesa,
        settlement_phone="+254722300001",
    )
    take_payments(duka, alice, fund, 600 * KES)
    before = account_of(duka).balance
    outcomes = run_together(4, lambda _: settle_merchant(merchant=duka, day=YESTERDAY))
    settlements = {outcome.settlement.pk for outcome in outcomes}
    assert len(settlements) == 1, outcomes
    (request,) = OperatorRequest.objects.all()
    assert settled(request, until_final=True).state == RequestState.SUCCEEDED
    assert account_of(duka).balance == before - request.amount
    again = settle_day(YESTERDAY)[0].settlement  # and again: the same one
    assert again is not None
    assert again.pk in settlements
