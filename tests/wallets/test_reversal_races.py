"""Reversal requests under real concurrency (threads, PostgreSQL): the hold decides.

Since the recipient answers (issue 6), a case can be closed by the recipient agreeing or
disputing, the deadline job and a forced reversal at the same moment; whichever ends the hold
first decides, and everyone else is told so or gets the same reversal back.
"""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth import get_user_model

from tests.conftest import balance, new_key
from tests.threads import kinds, run_together
from wallets import services
from wallets.models import (
    HoldState,
    ReversalRequest,
    ReversalState,
    Transaction,
    TransactionKind,
)
from wallets.services.reversals import consent_to_reversal, dispute_reversal

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


def opened(alice, bob, fund) -> ReversalRequest:
    fund(alice, 100_000)
    sent = services.send_money(
        sender=alice, recipient=bob, amount=20_000, idempotency_key=new_key()
    )
    return services.request_reversal(
        customer=alice.customer, reference=sent.reference, channel="ussd"
    )


def test_an_agreement_and_a_dispute_at_once_end_the_hold_once_and_the_case_agrees(alice, bob, fund):
    request = opened(alice, bob, fund)
    answers = [consent_to_reversal, dispute_reversal] * 2

    outcomes = run_together(
        4,
        lambda index: answers[index](
            request=ReversalRequest.objects.get(pk=request.pk),
            customer=bob.customer,
            channel="ussd",
        ),
    )

    found = kinds(outcomes)
    assert set(found) <= {"Transaction", "ReversalRequest", "ReversalDecided"}, outcomes
    request.refresh_from_db()
    bob.refresh_from_db()
    if request.state == ReversalState.REVERSED:  # an agreement won: the disputes were late
        assert request.hold.state == HoldState.COMMITTED
        assert found["ReversalRequest"] == 0
        assert (bob.balance, bob.held) == (0, 0)
        assert Transaction.objects.filter(kind=TransactionKind.REVERSAL).count() == 1
    else:  # a dispute won: nothing moved, and an agreement after it was refused
        assert request.state == ReversalState.REJECTED
        assert request.hold.state == HoldState.RELEASED
        assert found["Transaction"] == 0
        assert (bob.balance, bob.held) == (20_000, 0)
        assert not Transaction.objects.filter(kind=TransactionKind.REVERSAL).exists()
    assert found["ReversalDecided"] >= 1  # at least the other kind of answer lost


def test_the_recipient_the_deadline_job_and_a_forced_reversal_at_once_post_one_reversal(
    alice, bob, fund
):
    request = opened(alice, bob, fund)
    late = request.hold.deadline + datetime.timedelta(seconds=1)
    staff = get_user_model().objects.create_user("checker", is_staff=True)

    def act(index: int) -> object:
        mine = ReversalRequest.objects.get(pk=request.pk)
        if index == 0:
            return consent_to_reversal(request=mine, customer=bob.customer, channel="ussd")
        if index == 1:
            return services.expire_reversal_requests(now=late)
        return services.approve_reversal(request=mine, staff=staff, note="forced")

    outcomes = run_together(3, act)

    reversals = Transaction.objects.filter(kind=TransactionKind.REVERSAL)
    assert reversals.count() == 1
    (reversal,) = reversals
    # Whoever posted it, everyone who asked for it got that one reversal back.
    assert [outcomes[0], outcomes[2]] == [reversal, reversal], outcomes
    assert outcomes[1] in (0, 1)
    request.refresh_from_db()
    assert (request.state, request.reversal) == (ReversalState.REVERSED, reversal)
    assert (balance(alice), balance(bob)) == (100_000, 0)
