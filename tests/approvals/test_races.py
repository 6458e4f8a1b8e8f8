"""Decisions taken at the same moment, on real threads with their own PostgreSQL connections:
a change request is applied exactly once however many checkers press Approve together."""

from __future__ import annotations

import pytest

from approvals.errors import AlreadyDecided
from approvals.models import ChangeRequest, ChangeState
from approvals.services import approve, reject, request_change
from tests.approvals.conftest import make_staff
from tests.conftest import balance, make_customer
from tests.threads import kinds, run_together
from wallets.models import AccountKind, Transaction
from wallets.services import house_account

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

CHECKERS = 4


def credit_request(amount: int):
    wallet = make_customer("+254712000009", "Zawadi Chebet").wallet()
    maker = make_staff("maker", "request_adjustment")
    change = request_change(
        kind="adjustment",
        maker=maker,
        reason="Ticket 99",
        payload={"account": wallet.pk, "amount": amount, "direction": "credit"},
    )
    return wallet, change


def test_checkers_approving_at_the_same_moment_apply_the_change_once():
    wallet, change = credit_request(2_500)
    checkers = [make_staff(f"checker{i}", "approve_adjustment") for i in range(CHECKERS)]

    outcomes = run_together(
        CHECKERS,
        lambda i: approve(change=ChangeRequest.objects.get(pk=change.pk), checker=checkers[i]),
    )

    assert kinds(outcomes) == {"ChangeRequest": 1, "AlreadyDecided": CHECKERS - 1}
    winner = next(outcome for outcome in outcomes if isinstance(outcome, ChangeRequest))
    assert winner.state == ChangeState.APPROVED
    assert balance(wallet) == 2_500
    assert house_account(AccountKind.SUSPENSE, "KES").current_balance() == -2_500
    assert Transaction.objects.filter(idempotency_key=f"change:{change.pk}").count() == 1
    change.refresh_from_db()
    assert change.checker == winner.checker


def test_an_approval_and_a_rejection_at_the_same_moment_end_one_way_only():
    wallet, change = credit_request(1_000)
    approver = make_staff("approver", "approve_adjustment")
    rejecter = make_staff("rejecter", "approve_adjustment")

    def decide(index: int) -> ChangeRequest:
        fresh = ChangeRequest.objects.get(pk=change.pk)
        if index % 2 == 0:
            return approve(change=fresh, checker=approver)
        return reject(change=fresh, checker=rejecter, note="not this one")

    outcomes = run_together(2, decide)

    assert kinds(outcomes)["AlreadyDecided"] == 1
    assert not any(isinstance(o, Exception) and not isinstance(o, AlreadyDecided) for o in outcomes)
    change.refresh_from_db()
    if change.state == ChangeState.APPROVED:
        assert balance(wallet) == 1_000
    else:
        assert change.state == ChangeState.REJECTED
        assert balance(wallet) == 0
        assert not Transaction.objects.filter(idempotency_key=f"change:{change.pk}").exists()
