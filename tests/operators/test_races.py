"""Operator reports racing each other, with real threads on PostgreSQL."""

from __future__ import annotations

import pytest

from operators import services
from operators.adapters.base import Outcome, Status
from operators.models import OperatorRequest, RequestState
from tests.threads import kinds, run_together
from wallets.models import TierLimit, Transaction, TransactionKind

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_success_and_a_failure_arriving_together_agree_with_the_ledger(mpesa, amina):
    request = OperatorRequest.objects.create(
        operator=mpesa,
        kind="collection",
        wallet=amina,
        phone=amina.customer.phone,
        amount=10_000,
        currency="KES",
        idempotency_key="race",
        sent_at="2026-11-24T09:00:00+03:00",
    )
    reports = [Outcome(Status.SUCCEEDED, amount=10_000), Outcome(Status.FAILED, reason="x")] * 4
    outcomes = run_together(8, lambda i: services.apply_outcome(request, reports[i]))
    assert kinds(outcomes) == {"OperatorRequest": 8}
    request.refresh_from_db()
    posted = Transaction.objects.filter(kind=TransactionKind.OPERATOR_TOP_UP).count()
    assert (request.state == RequestState.SUCCEEDED) == (posted == 1)
    assert posted <= 1
    assert request.state in (RequestState.SUCCEEDED, RequestState.FAILED)


def test_withdrawals_at_once_cannot_pass_the_daily_limit_together(mpesa, amina, fund):
    fund(amina, 5_000 * 100)
    TierLimit.objects.filter(tier=amina.customer.kyc_tier, currency="KES").update(
        max_per_transaction=600 * 100, max_daily=1_000 * 100
    )
    outcomes = run_together(
        4,
        lambda i: services.start_withdrawal(
            operator=mpesa, wallet=amina, amount=600 * 100, idempotency_key=f"limit-{i}"
        ),
    )
    assert kinds(outcomes) == {"OperatorRequest": 1, "DailyLimit": 3}
    amina.refresh_from_db()
    assert amina.day_total == 600 * 100
