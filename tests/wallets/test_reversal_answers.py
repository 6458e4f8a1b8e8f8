"""The recipient answers a reversal request: agreed or not disputed in time, the held money
goes back; disputed, it is released. Worked examples: Alice sent KES 200 (fee KES 7) to Bob by
mistake and asked for it back; Bob's KES 200 is on hold."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from tests.conftest import balance, new_key
from wallets import errors, services
from wallets.models import (
    Account,
    Hold,
    HoldState,
    ReversalRequest,
    ReversalState,
    Transaction,
    TransactionKind,
    TransactionStatus,
)
from wallets.services.reversals import (
    LAPSED,
    closing_cause,
    consent_to_reversal,
    deciding,
    dispute_reversal,
    open_reversals_against,
)
from wallets.tasks import expire_overdue_holds


@pytest.fixture
def sent(alice: Account, bob: Account, fund) -> Transaction:
    fund(alice, 100_000)
    return services.send_money(
        sender=alice, recipient=bob, amount=20_000, idempotency_key=new_key("send")
    )


def ask(alice: Account, sent: Transaction) -> ReversalRequest:
    assert alice.customer is not None
    return services.request_reversal(
        customer=alice.customer, reference=sent.reference, channel="ussd"
    )


def after_the_deadline(request: ReversalRequest) -> datetime.datetime:
    return request.hold.deadline + datetime.timedelta(seconds=1)


def test_the_recipient_sees_the_case_and_the_sender_does_not(alice, bob, sent):
    request = ask(alice, sent)
    assert list(open_reversals_against(bob.customer)) == [request]
    assert list(open_reversals_against(alice.customer)) == []


def test_when_the_recipient_agrees_the_money_and_fee_go_back_at_once(alice, bob, sent):
    request = ask(alice, sent)

    reversal = consent_to_reversal(request=request, customer=bob.customer, channel="ussd")

    assert (balance(alice), balance(bob)) == (100_000, 0)
    assert (reversal.kind, reversal.amount, reversal.channel) == ("reversal", 20_000, "ussd")
    assert reversal.initiator == f"ussd:{bob.customer.phone}"
    request.refresh_from_db()
    assert (request.state, request.reversal, request.decided_by) == ("reversed", reversal, None)
    assert request.decision_note == "the recipient agreed (ussd)"
    assert request.hold.state == HoldState.COMMITTED
    sent.refresh_from_db()
    assert sent.status == TransactionStatus.REVERSED
    # Agreeing again returns the same reversal; nothing is posted twice.
    assert consent_to_reversal(request=request, customer=bob.customer, channel="sms") == reversal
    assert Transaction.objects.filter(kind=TransactionKind.REVERSAL).count() == 1


def test_when_the_recipient_disputes_the_hold_is_released_and_nothing_moves(alice, bob, sent):
    request = ask(alice, sent)

    dispute_reversal(request=request, customer=bob.customer, channel="ussd")

    bob.refresh_from_db()
    assert (bob.balance, bob.held, balance(alice)) == (20_000, 0, 79_300)
    request.refresh_from_db()
    assert request.state == ReversalState.REJECTED
    assert request.decision_note == "disputed by the recipient (ussd)"
    assert closing_cause(request) == "disputed"
    with pytest.raises(errors.ReversalDecided):
        consent_to_reversal(request=request, customer=bob.customer, channel="ussd")
    with pytest.raises(errors.NotReversible):  # nor can staff force it afterwards
        services.approve_reversal(request=request, staff=None)
    # The deadline job leaves it alone.
    assert services.expire_reversal_requests(now=after_the_deadline(request)) == 0
    assert balance(bob) == 20_000


def test_only_the_recipient_can_answer(alice, bob, carol, sent):
    request = ask(alice, sent)
    for someone in (alice.customer, carol.customer):
        with pytest.raises(errors.UnknownReference):
            consent_to_reversal(request=request, customer=someone, channel="ussd")
        with pytest.raises(errors.UnknownReference):
            dispute_reversal(request=request, customer=someone, channel="ussd")
    request.refresh_from_db()
    assert request.state == ReversalState.OPEN


def test_nobody_disputing_by_the_deadline_means_the_money_goes_back(alice, bob, sent):
    request = ask(alice, sent)
    assert services.expire_reversal_requests(now=timezone.now()) == 0  # not due yet

    assert services.expire_reversal_requests(now=after_the_deadline(request)) == 1

    assert (balance(alice), balance(bob)) == (100_000, 0)
    request.refresh_from_db()
    assert (request.state, request.decision_note) == (ReversalState.REVERSED, LAPSED)
    assert request.reversal is not None
    assert (request.reversal.channel, request.reversal.initiator) == ("system", "system")
    assert services.expire_reversal_requests(now=after_the_deadline(request)) == 0


def test_a_dispute_after_the_deadline_is_refused_and_the_money_goes_back(alice, bob, sent):
    request = ask(alice, sent)
    past = timezone.now() - datetime.timedelta(minutes=1)
    Hold.objects.filter(pk=request.hold.pk).update(deadline=past)  # the deadline passed
    request.refresh_from_db()

    with pytest.raises(errors.DisputeTooLate):
        dispute_reversal(request=request, customer=bob.customer, channel="ussd")
    assert services.expire_reversal_requests() == 1
    assert (balance(alice), balance(bob)) == (100_000, 0)


def test_a_lapsed_partial_case_returns_only_what_was_held_without_the_fee(alice, bob, carol, sent):
    # Bob spent KES 50 before Alice asked: KES 150 is held, and only that can come back.
    services.send_money(sender=bob, recipient=carol, amount=5_000, idempotency_key=new_key())
    request = ask(alice, sent)
    assert request.held_amount == 15_000

    assert services.expire_reversal_requests(now=after_the_deadline(request)) == 1

    assert balance(alice) == 100_000 - 20_000 - 700 + 15_000
    assert (balance(bob), balance(carol)) == (0, 5_000)
    request.refresh_from_db()
    assert request.reversal is not None
    assert request.reversal.metadata["partial"] is True
    sent.refresh_from_db()
    assert sent.status == TransactionStatus.POSTED  # a partial reversal does not mirror it


def test_a_lapsed_case_the_ledger_cannot_reverse_is_released_not_left_frozen(
    alice, bob, sent, monkeypatch
):
    request = ask(alice, sent)

    def refused(**kwargs: object) -> Transaction:
        raise errors.AccountNotActive()

    monkeypatch.setattr(deciding, "post_transaction", refused)

    assert services.expire_reversal_requests(now=after_the_deadline(request)) == 1

    request.refresh_from_db()
    bob.refresh_from_db()
    assert request.state == ReversalState.EXPIRED
    assert request.decision_note == "reversal refused: account_not_active"
    assert closing_cause(request) == "expired"
    assert (bob.balance, bob.held) == (20_000, 0)


def test_the_beat_job_reverses_a_lapsed_case_instead_of_releasing_its_hold(
    alice, bob, fund, sent, settings
):
    settings.REVERSAL_HOLD_HOURS = 0  # the case is due as soon as it is opened
    request = ask(alice, sent)
    other = services.place_hold(
        account=alice,
        amount=1_000,
        reason="payout",
        idempotency_key=new_key(),
        deadline=timezone.now() - datetime.timedelta(minutes=1),
    )

    assert expire_overdue_holds() == 1  # released: the payout hold only

    request.refresh_from_db()
    other.refresh_from_db()
    assert request.state == ReversalState.REVERSED
    assert request.hold.state == HoldState.COMMITTED
    assert other.state == HoldState.RELEASED
    assert (balance(alice), balance(bob)) == (100_000, 0)


def test_staff_rejection_closes_the_case_and_records_the_note(alice, bob, sent):
    staff = get_user_model().objects.create_user("care", is_staff=True)
    request = ask(alice, sent)

    services.reject_reversal(request=request, staff=staff, note="the sender withdrew it")

    request.refresh_from_db()
    assert (request.state, request.decided_by) == (ReversalState.REJECTED, staff)
    assert request.decision_note == "the sender withdrew it"
    assert request.hold.end_reason == "reversal rejected: the sender withdrew it"
    assert closing_cause(request) == "rejected"
    assert balance(bob) == 20_000
