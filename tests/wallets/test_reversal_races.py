"""Reversal requests under real concurrency (threads, PostgreSQL)."""

from __future__ import annotations

import pytest

from tests.conftest import new_key
from tests.threads import kinds, run_together
from wallets import services
from wallets.models import HoldState, ReversalRequest

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_two_requests_at_once_open_one_and_its_hold_stays_open(alice, bob, fund):
    fund(alice, 100_000)
    sent = services.send_money(
        sender=alice, recipient=bob, amount=20_000, idempotency_key=new_key()
    )
    assert alice.customer is not None
    outcomes = run_together(
        4,
        lambda _: services.request_reversal(
            customer=alice.customer, reference=sent.reference, channel="ussd"
        ),
    )
    # The others are told it is already asked for, or (if they looked before the winner's
    # request was written) that nothing is left to hold: never a second request or hold.
    found = kinds(outcomes)
    assert found["ReversalRequest"] == 1
    assert found["ReversalAlreadyRequested"] + found["ReversalRefused"] == 3
    (request,) = ReversalRequest.objects.all()
    assert request.hold.state == HoldState.OPEN
    bob.refresh_from_db()
    assert bob.held == 20_000
