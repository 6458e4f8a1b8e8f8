"""Reversal requests: hold what the recipient still has; a forced reversal (`approve_reversal`,
which maker-checker applies) returns it, a rejection releases it. The recipient's own answers
and the deadline are in test_reversal_answers.py."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from tests.conftest import balance, new_key
from wallets import errors, services
from wallets.models import (
    Account,
    HoldState,
    ReversalRequest,
    ReversalState,
    Transaction,
    TransactionKind,
    TransactionStatus,
)


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_user("care", password="x", is_staff=True)


@pytest.fixture
def sent(alice: Account, bob: Account, fund) -> Transaction:
    """Alice sent KES 200 (fee KES 7) to Bob by mistake; she has KES 793 left."""
    fund(alice, 100_000)
    return services.send_money(
        sender=alice, recipient=bob, amount=20_000, idempotency_key=new_key("send")
    )


def ask(alice: Account, sent: Transaction) -> ReversalRequest:
    assert alice.customer is not None
    return services.request_reversal(
        customer=alice.customer, reference=sent.reference.lower(), channel="ussd"
    )


def test_a_request_holds_the_amount_at_the_recipient_and_approval_returns_it_with_the_fee(
    alice, bob, sent, staff
):
    request = ask(alice, sent)
    bob.refresh_from_db()
    assert (request.held_amount, bob.balance, bob.held) == (20_000, 20_000, 20_000)
    assert request.hold.state == HoldState.OPEN

    reversal = services.approve_reversal(request=request, staff=staff, note="called both")

    assert (balance(alice), balance(bob)) == (100_000, 0)
    assert reversal.kind == TransactionKind.REVERSAL
    assert reversal.amount == 20_000
    assert reversal.initiator == "admin:care"
    sent.refresh_from_db()
    request.refresh_from_db()
    assert sent.status == TransactionStatus.REVERSED
    assert (request.state, request.reversal, request.decided_by) == ("reversed", reversal, staff)
    assert request.hold.state == HoldState.COMMITTED


def test_approving_twice_returns_the_same_reversal(alice, sent, staff):
    request = ask(alice, sent)
    first = services.approve_reversal(request=request, staff=staff)
    assert services.approve_reversal(request=request, staff=staff) == first
    assert Transaction.objects.filter(kind=TransactionKind.REVERSAL).count() == 1


def test_when_the_recipient_spent_part_only_the_rest_is_held_and_returned_without_the_fee(
    alice, bob, carol, sent, staff
):
    services.send_money(sender=bob, recipient=carol, amount=5_000, idempotency_key=new_key())
    left = balance(bob)  # 20,000 - 5,000 - 0 fee (KES 50 is free)
    request = ask(alice, sent)
    assert request.held_amount == left == 15_000

    services.approve_reversal(request=request, staff=staff)

    assert balance(alice) == 100_000 - 20_000 - 700 + 15_000
    assert balance(bob) == 0
    assert request.reversal is not None
    assert request.reversal.metadata["partial"] is True


def test_when_the_recipient_has_spent_everything_the_request_is_refused_and_nothing_held(
    alice, bob, carol, sent
):
    services.send_money(sender=bob, recipient=carol, amount=19_300, idempotency_key=new_key())
    assert balance(bob) == 0
    with pytest.raises(errors.ReversalRefused):
        ask(alice, sent)
    assert not ReversalRequest.objects.exists()


def test_a_rejection_when_the_recipient_disputes_gives_the_money_back_to_the_recipient(
    alice, bob, sent, staff
):
    request = ask(alice, sent)
    services.reject_reversal(request=request, staff=staff, note="recipient disputes: rent")
    bob.refresh_from_db()
    assert (bob.balance, bob.held, balance(alice)) == (20_000, 0, 79_300)
    request.refresh_from_db()
    assert request.state == ReversalState.REJECTED
    assert request.decision_note == "recipient disputes: rent"
    with pytest.raises(errors.NotReversible):
        services.approve_reversal(request=request, staff=staff)


def test_only_the_sender_can_ask_and_only_for_a_send(alice, bob, sent, fund):
    assert bob.customer is not None
    with pytest.raises(errors.UnknownReference):
        services.request_reversal(customer=bob.customer, reference=sent.reference, channel="ussd")
    funding = fund(alice, 1_000)
    with pytest.raises(errors.UnknownReference):
        ask(alice, funding)


def test_a_second_request_while_one_is_open_is_refused(alice, sent):
    ask(alice, sent)
    with pytest.raises(errors.ReversalAlreadyRequested):
        ask(alice, sent)
    assert ReversalRequest.objects.count() == 1


def test_a_send_older_than_the_window_cannot_be_asked_for(alice, sent, settings):
    settings.REVERSAL_WINDOW_HOURS = 0
    with pytest.raises(errors.ReversalWindowClosed):
        ask(alice, sent)


def test_a_request_whose_hold_the_generic_expiry_released_closes_as_expired(
    alice, bob, sent, staff
):
    # Beat decides lapsed requests before it releases overdue holds (so they are reversed);
    # if the generic expiry got there first anyway, the released hold decides: expired.
    request = ask(alice, sent)
    later = timezone.now() + datetime.timedelta(days=30)
    assert services.expire_overdue_holds(now=later) == 1
    assert services.expire_reversal_requests() == 1
    request.refresh_from_db()
    bob.refresh_from_db()
    assert (request.state, bob.held) == (ReversalState.EXPIRED, 0)
    with pytest.raises(errors.NotReversible):
        services.approve_reversal(request=request, staff=staff)


def test_after_a_partial_reversal_no_second_request_can_freeze_more(
    alice, bob, carol, sent, staff, fund
):
    services.send_money(sender=bob, recipient=carol, amount=5_000, idempotency_key=new_key())
    services.approve_reversal(request=ask(alice, sent), staff=staff)
    fund(bob, 50_000)
    with pytest.raises(errors.AlreadyReversed):
        ask(alice, sent)
    bob.refresh_from_db()
    assert bob.held == 0


def test_the_hold_decides_a_request_whatever_closes_it_first(alice, bob, sent, staff):
    request = ask(alice, sent)
    reversal = services.approve_reversal(request=request, staff=staff)
    # A late expiry run, a second approval and a rejection all find the money returned.
    assert services.expire_reversal_requests() == 0
    assert services.approve_reversal(request=request, staff=staff) == reversal
    with pytest.raises(errors.NotReversible):
        services.reject_reversal(request=request, staff=staff, note="too late")
    request.refresh_from_db()
    assert (request.state, request.reversal) == (ReversalState.REVERSED, reversal)


def test_a_request_closed_by_another_path_after_its_hold_committed_is_reversed(
    alice, bob, sent, staff
):
    request = ask(alice, sent)
    # The posting commits the hold; the request is closed by `settle`, not by approval.
    services.commit_hold(
        hold=request.hold,
        legs=[services.Leg(request.hold.account, alice, request.held_amount)],
    )
    assert services.expire_reversal_requests() == 1
    request.refresh_from_db()
    assert request.state == ReversalState.REVERSED
    assert request.reversal == request.hold.transaction
