"""Breaks are resolved by two people, and only the approval moves money, once."""

from __future__ import annotations

import pytest
from django.utils import timezone

from approvals.models import ChangeRequest
from approvals.services import approve as approve_change
from operators import services
from operators.adapters.base import Outcome, StatementLine, Status
from operators.breaks import BreakRefused, approve, propose, resolutions_for, send_back
from operators.models import BreakKind, BreakState, OperatorRequest, RequestState, Resolution
from operators.reconciliation import reconcile, statement_key
from tests.conftest import balance
from wallets.models import AccountKind, Transaction
from wallets.services import house_account

KES = 100
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def maker(django_user_model):
    return django_user_model.objects.create_superuser("maker", "maker@example.com", "pw")


@pytest.fixture
def checker(django_user_model):
    return django_user_model.objects.create_superuser("checker", "checker@example.com", "pw")


def line(
    operator, request: OperatorRequest | None, amount: int, status: Status = Status.SUCCEEDED
) -> StatementLine:
    return StatementLine(
        operator_reference="OP123",
        reference=statement_key(operator, request) if request else "phantom-1",
        kind=request.kind if request else "collection",
        amount=amount,
        currency="KES",
        phone="254722555123",
        status=status,
        completed_at=timezone.now(),
    )


def settlement(operator) -> int:
    return services.settlement_account(operator).current_balance()


def suspense() -> int:
    return house_account(AccountKind.SUSPENSE, "KES").current_balance()


def resolve(found, resolution, maker, checker):
    proposed = propose(found=found, staff=maker, resolution=resolution, note="checked with them")
    return approve(found=proposed, staff=checker)


def test_a_wrong_amount_top_up_is_credited_what_they_collected_once_two_people_agree(
    mpesa, operator_simulator, amina, settled, maker, checker
):
    operator_simulator.inject("wrong_amount", operator="mpesa", amount=39_900)
    top_up = settled(
        services.start_top_up(operator=mpesa, wallet=amina, amount=400 * KES, idempotency_key="w")
    )
    assert top_up.reason == "amount_mismatch"
    run = reconcile(mpesa, timezone.localdate(), [line(mpesa, top_up, 399 * KES)])
    found = run.found.get()
    assert found.kind == BreakKind.AMOUNT_MISMATCH
    assert resolutions_for(found)[0] == Resolution.SETTLE_THEIRS
    proposed = propose(found=found, staff=maker, resolution="settle_theirs", note="they took 399")
    assert balance(amina) == 0  # a proposal moves nothing
    with pytest.raises(PermissionError):
        approve(found=proposed, staff=maker)
    done = approve(found=proposed, staff=checker)
    assert done.state == BreakState.RESOLVED
    assert done.transaction is not None
    assert balance(amina) == 399 * KES
    top_up.refresh_from_db()
    assert top_up.state == RequestState.SUCCEEDED
    assert approve(found=done, staff=checker).transaction == done.transaction
    assert Transaction.objects.filter(kind="operator_top_up").count() == 1
    run.refresh_from_db()
    assert run.breaks == 0


def test_a_payout_they_overpaid_charges_the_customer_what_they_asked_and_suspense_the_rest(
    mpesa, operator_simulator, amina, fund, maker, checker
):
    operator_simulator.inject("lose_callback", operator="mpesa")
    fund(amina, 1_000 * KES)
    payout = services.start_withdrawal(
        operator=mpesa, wallet=amina, amount=500 * KES, idempotency_key="over"
    )
    run = reconcile(mpesa, timezone.localdate(), [line(mpesa, payout, 550 * KES)])
    resolve(run.found.get(), "settle_theirs", maker, checker)
    amina.refresh_from_db()
    assert (amina.balance, amina.held) == (1_000 * KES - 507 * KES, 0)
    assert settlement(mpesa) == 550 * KES  # what left our account at the operator
    assert suspense() == -50 * KES  # our loss, to be traced


def test_a_line_we_never_asked_for_is_booked_to_suspense(mpesa, maker, checker):
    run = reconcile(mpesa, timezone.localdate(), [line(mpesa, None, 2_500)])
    found = run.found.get()
    assert found.kind == BreakKind.MISSING_ON_OURS
    assert resolutions_for(found) == [Resolution.SUSPENSE, Resolution.NOTHING]
    with pytest.raises(BreakRefused):
        propose(found=found, staff=maker, resolution="settle_theirs", note="x")
    resolve(found, "suspense", maker, checker)
    assert (settlement(mpesa), suspense()) == (-2_500, 2_500)  # money at them, owed to someone


def test_a_top_up_we_failed_but_they_collected_is_credited_late(
    mpesa, operator_simulator, amina, settled, maker, checker
):
    operator_simulator.inject("lose_callback", operator="mpesa")
    top_up = services.start_top_up(
        operator=mpesa, wallet=amina, amount=300 * KES, idempotency_key="late"
    )
    services.apply_outcome(top_up, Outcome(Status.FAILED, reason="timeout"))
    run = reconcile(mpesa, timezone.localdate(), [line(mpesa, top_up, 300 * KES)])
    found = run.found.get()
    assert found.kind == BreakKind.STATUS_MISMATCH
    resolve(found, "credit_late", maker, checker)
    assert balance(amina) == 300 * KES
    assert settlement(mpesa) == -300 * KES


def test_failing_an_open_payout_releases_its_money_and_limits(
    mpesa, operator_simulator, amina, fund, maker, checker
):
    operator_simulator.inject("lose_callback", operator="mpesa")
    fund(amina, 1_000 * KES)
    payout = services.start_withdrawal(
        operator=mpesa, wallet=amina, amount=500 * KES, idempotency_key="f"
    )
    run = reconcile(
        mpesa, timezone.localdate(), [line(mpesa, payout, 450 * KES, status=Status.SUCCEEDED)]
    )
    resolve(run.found.get(), "fail", maker, checker)
    amina.refresh_from_db()
    assert (amina.balance, amina.held, amina.day_total) == (1_000 * KES, 0, 0)


def test_a_proposal_sent_back_is_open_again_and_moves_nothing(mpesa, maker, checker):
    run = reconcile(mpesa, timezone.localdate(), [line(mpesa, None, 2_500)])
    found = propose(found=run.found.get(), staff=maker, resolution="suspense", note="why")
    found = send_back(found=found, staff=checker)
    assert (found.state, found.resolution) == (BreakState.OPEN, "")
    with pytest.raises(BreakRefused):
        approve(found=found, staff=checker)
    assert suspense() == 0


def test_a_proposal_is_a_change_request_decided_by_the_one_maker_checker(mpesa, maker, checker):
    run = reconcile(mpesa, timezone.localdate(), [line(mpesa, None, 2_500)])
    found = propose(found=run.found.get(), staff=maker, resolution="suspense", note="traced")
    change = ChangeRequest.objects.get(kind="break_resolution")
    assert (change.state, change.maker, change.payload) == (
        "pending",
        maker,
        {"break": found.pk, "resolution": "suspense"},
    )
    assert approve_change(change=change, checker=checker).state == "approved"  # from approvals
    found.refresh_from_db()
    assert (found.state, found.approved_by) == (BreakState.RESOLVED, checker)
    assert suspense() == 2_500
    assert approve(found=found, staff=checker).transaction == found.transaction  # once


def test_staff_without_the_maker_checker_permission_cannot_propose(mpesa, django_user_model):
    clerk = django_user_model.objects.create_user("clerk", is_staff=True)
    run = reconcile(mpesa, timezone.localdate(), [line(mpesa, None, 2_500)])
    with pytest.raises(BreakRefused):
        propose(found=run.found.get(), staff=clerk, resolution="suspense", note="why")
    assert not ChangeRequest.objects.exists()
    assert run.found.get().state == BreakState.OPEN
