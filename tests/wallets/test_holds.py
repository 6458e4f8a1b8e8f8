"""Holds: money reserved until a pending operation commits or is released, exactly once."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.conftest import balance, new_key
from wallets import errors, services
from wallets.models import Account, AccountKind, Hold, HoldState, Transaction, TransactionKind
from wallets.services import holds
from wallets.services.posting import Leg

pytestmark = pytest.mark.django_db


def hold_on(
    wallet: Account,
    amount: int,
    *,
    key: str | None = None,
    deadline: datetime.datetime | None = None,
) -> Hold:
    return services.place_hold(
        account=wallet,
        amount=amount,
        reason="operator payout",
        idempotency_key=key or new_key("hold"),
        deadline=deadline or timezone.now() + datetime.timedelta(minutes=15),
    )


def available(wallet: Account) -> int:
    wallet.refresh_from_db()
    return wallet.available


def settlement() -> Account:
    return services.house_account(AccountKind.SETTLEMENT, name="mpesa")


def test_a_hold_reduces_what_is_available_but_not_the_balance(alice, fund):
    fund(alice, 10_000)

    hold = hold_on(alice, 3_000)

    assert hold.state == HoldState.OPEN
    assert balance(alice) == 10_000
    assert available(alice) == 7_000
    assert alice.held == 3_000


def test_a_hold_beyond_the_available_balance_is_refused(alice, fund):
    fund(alice, 10_000)
    hold_on(alice, 6_000)

    with pytest.raises(errors.InsufficientFunds):
        hold_on(alice, 4_001)  # 4,000 available

    assert available(alice) == 4_000
    assert Hold.objects.filter(account=alice).count() == 1
    hold_on(alice, 4_000)
    assert available(alice) == 0


def test_a_hold_of_zero_is_refused(alice, fund):
    fund(alice, 10_000)
    with pytest.raises(errors.InvalidAmount):
        hold_on(alice, 0)
    assert available(alice) == 10_000


def test_a_house_account_cannot_carry_a_hold(db):
    with pytest.raises(errors.LedgerError):
        hold_on(settlement(), 1_000)
    assert not Hold.objects.exists()


def test_the_same_key_returns_the_same_hold_and_reserves_once(alice, fund):
    fund(alice, 10_000)

    first = hold_on(alice, 3_000, key="payout-77")
    again = hold_on(alice, 3_000, key="payout-77")

    assert again.pk == first.pk
    assert available(alice) == 7_000


def test_the_same_hold_key_for_another_amount_is_a_conflict(alice, fund):
    fund(alice, 10_000)
    hold_on(alice, 3_000, key="payout-77")

    with pytest.raises(errors.IdempotencyConflict):
        hold_on(alice, 4_000, key="payout-77")

    assert available(alice) == 7_000


def test_releasing_a_hold_restores_what_is_available(alice, fund):
    fund(alice, 10_000)
    hold = hold_on(alice, 3_000)

    released = services.release_hold(hold=hold, reason="operator refused")

    assert released.state == HoldState.RELEASED
    assert released.end_reason == "operator refused"
    assert released.ended_at is not None
    assert available(alice) == 10_000
    assert balance(alice) == 10_000


def test_releasing_twice_is_a_no_op(alice, fund):
    fund(alice, 10_000)
    hold = hold_on(alice, 3_000)
    hold_on(alice, 2_000)  # another hold that must stay put

    first = services.release_hold(hold=hold, reason="operator refused")
    again = services.release_hold(hold=hold, reason="retried")

    assert again.state == HoldState.RELEASED
    assert again.ended_at == first.ended_at
    assert again.end_reason == "operator refused"
    assert available(alice) == 8_000  # released once: 10,000 - 2,000


def test_committing_a_hold_posts_the_legs_and_ends_the_hold(alice, fund):
    fund(alice, 10_000)
    hold = hold_on(alice, 3_000)

    committed = services.commit_hold(hold=hold, legs=[Leg(alice, settlement(), 3_000)])

    hold.refresh_from_db()
    assert hold.state == HoldState.COMMITTED
    assert hold.transaction_id == committed.pk
    assert committed.kind == TransactionKind.HOLD_COMMIT
    assert committed.amount == 3_000
    assert balance(alice) == 7_000
    assert alice.held == 0
    assert settlement().current_balance() == 3_000


def test_committing_twice_returns_the_same_transaction(alice, fund):
    fund(alice, 10_000)
    hold = hold_on(alice, 3_000)
    legs = [Leg(alice, settlement(), 3_000)]

    first = services.commit_hold(hold=hold, legs=legs)
    again = services.commit_hold(hold=hold, legs=legs)

    assert again.pk == first.pk
    assert balance(alice) == 7_000


def test_a_commit_may_take_less_than_the_hold_and_frees_the_rest(alice, fund):
    fund(alice, 10_000)
    hold = hold_on(alice, 3_000)

    services.commit_hold(hold=hold, legs=[Leg(alice, settlement(), 2_500)])

    assert balance(alice) == 7_500
    assert available(alice) == 7_500


def test_a_commit_must_debit_the_held_account(alice, bob, fund):
    fund(alice, 10_000)
    fund(bob, 10_000)
    hold = hold_on(alice, 3_000)

    with pytest.raises(errors.LedgerError):
        services.commit_hold(hold=hold, legs=[Leg(bob, settlement(), 3_000)])

    hold.refresh_from_db()
    assert hold.state == HoldState.OPEN
    assert (balance(bob), available(alice)) == (10_000, 7_000)


def test_a_commit_after_a_release_is_refused(alice, fund):
    fund(alice, 10_000)
    hold = hold_on(alice, 3_000)
    services.release_hold(hold=hold, reason="timed out")

    with pytest.raises(errors.HoldNotOpen):
        services.commit_hold(hold=hold, legs=[Leg(alice, settlement(), 3_000)])

    assert balance(alice) == 10_000
    assert not Transaction.objects.filter(kind=TransactionKind.HOLD_COMMIT).exists()


def test_a_release_after_a_commit_is_refused(alice, fund):
    fund(alice, 10_000)
    hold = hold_on(alice, 3_000)
    services.commit_hold(hold=hold, legs=[Leg(alice, settlement(), 3_000)])

    with pytest.raises(errors.HoldNotOpen):
        services.release_hold(hold=hold, reason="too late")

    assert (balance(alice), available(alice)) == (7_000, 7_000)


def test_expiry_releases_only_the_overdue_holds(alice, fund):
    fund(alice, 10_000)
    now = timezone.now()
    overdue = hold_on(alice, 1_000, deadline=now - datetime.timedelta(minutes=1))
    also_overdue = hold_on(alice, 2_000, deadline=now - datetime.timedelta(hours=2))
    current = hold_on(alice, 3_000, deadline=now + datetime.timedelta(minutes=5))

    assert services.expire_overdue_holds(now=now) == 2

    states = {hold.pk: hold.state for hold in Hold.objects.all()}
    assert states == {
        overdue.pk: HoldState.RELEASED,
        also_overdue.pk: HoldState.RELEASED,
        current.pk: HoldState.OPEN,
    }
    assert Hold.objects.get(pk=overdue.pk).end_reason == "expired"
    assert available(alice) == 7_000
    assert services.expire_overdue_holds(now=now) == 0


def test_expiry_skips_a_hold_committed_after_it_was_found(alice, fund, monkeypatch):
    """A commit can land between the expiry job's query and its release of that hold."""
    fund(alice, 10_000)
    now = timezone.now()
    raced = hold_on(alice, 1_000, deadline=now - datetime.timedelta(minutes=2))
    overdue = hold_on(alice, 2_000, deadline=now - datetime.timedelta(minutes=1))
    expire_one = holds._expire

    def commit_just_before_expiry(hold: Hold) -> bool:
        if hold.pk == raced.pk:
            services.commit_hold(hold=raced, legs=[Leg(alice, settlement(), 1_000)])
        return expire_one(hold)

    monkeypatch.setattr(holds, "_expire", commit_just_before_expiry)

    assert services.expire_overdue_holds(now=now) == 1

    assert Hold.objects.get(pk=raced.pk).state == HoldState.COMMITTED
    assert Hold.objects.get(pk=overdue.pk).state == HoldState.RELEASED
    assert (balance(alice), available(alice)) == (9_000, 9_000)


def test_an_open_hold_can_be_extended_and_an_ended_one_cannot(alice, fund):
    fund(alice, 10_000)
    soon = timezone.now() + datetime.timedelta(minutes=5)
    later = soon + datetime.timedelta(days=2)
    hold = services.place_hold(
        account=alice, amount=1_000, reason="payout", idempotency_key="h-ext", deadline=soon
    )
    assert services.extend_hold(hold=hold, deadline=later).deadline == later
    assert services.extend_hold(hold=hold, deadline=soon).deadline == later  # never shortened
    services.release_hold(hold=hold, reason="done")
    assert services.extend_hold(hold=hold, deadline=later + later.resolution).deadline == later
