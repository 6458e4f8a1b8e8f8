"""The ledger under real concurrency: threads, each with its own PostgreSQL connection.

Every test starts its threads together on a barrier. Where the worst interleaving matters (every
request already past its idempotency check when the first one commits), a "gate" holds a row
lock from the main thread until all workers are queued behind it, then lets them go at once.

The tests are transactional (the services commit for real), so they restore the seeded market
rules with `serialized_rollback`; the autouse fixture in conftest checks the ledger after each.
"""

from __future__ import annotations

import datetime
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone

from tests.conftest import balance, make_customer, new_key
from tests.threads import JOIN_SECONDS, kinds, run_together
from wallets import services
from wallets.errors import HoldNotOpen
from wallets.models import (
    Account,
    AccountKind,
    Hold,
    HoldState,
    LimitCounter,
    Transaction,
    TransactionKind,
)
from wallets.models.customers import KycTier
from wallets.models.rules import TariffKind, TierLimit

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def lock_waiters() -> int:
    """How many other sessions of this database wait for a lock right now."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
            " AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def wait_for_lock_waiters(count: int, timeout: float = 20) -> None:
    give_up = time.monotonic() + timeout
    while lock_waiters() < count:
        assert time.monotonic() < give_up, f"fewer than {count} sessions queued on the lock"
        time.sleep(0.02)


@contextmanager
def gate(row: Account | Hold | Transaction) -> Iterator[None]:
    """Hold `row`'s lock (as a posting would) until the block ends."""
    with transaction.atomic():
        type(row).objects.select_for_update(no_key=True).get(pk=row.pk)
        yield


def start_in_background(count: int, work: Callable[[int], Any]) -> Callable[[], list[Any]]:
    """`run_together` in a helper thread; call the returned function to collect the outcomes."""
    results: list[list[Any]] = []
    helper = threading.Thread(target=lambda: results.append(run_together(count, work)))
    helper.start()

    def collect() -> list[Any]:
        helper.join(timeout=JOIN_SECONDS * 2)
        assert results, "the workers did not finish"
        return results[0]

    return collect


def deadlocks_so_far() -> int:
    """PostgreSQL's count of deadlocks detected in this database (flushed when sessions end)."""
    give_up = time.monotonic() + 5
    with connection.cursor() as cursor:
        while True:  # wait for the workers' sessions to exit, which flushes their statistics
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0] == 0 or time.monotonic() > give_up:
                break
            time.sleep(0.05)
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


def wallet(number: int, name: str) -> Account:
    return make_customer(f"+25471230{number:04d}", name).wallet()


def fee(amount: int) -> int:
    return services.fee_for(TariffKind.SEND_MONEY, "KES", amount)


def fee_income() -> Account:
    return services.house_account(AccountKind.FEE_INCOME, "KES")


def test_twenty_sends_that_together_overspend_a_wallet_let_exactly_seven_through(
    alice, bob, carol, fund
):
    amount = 50_000  # KES 500
    cost = amount + fee(amount)
    assert cost == 50_700
    # Enough for seven sends and one shilling short of an eighth.
    fund(alice, 7 * cost + cost - 100)

    outcomes = run_together(
        20,
        lambda index: services.send_money(
            sender=alice,
            recipient=bob if index % 2 else carol,
            amount=amount,
            idempotency_key=new_key("overspend"),
        ),
    )

    assert kinds(outcomes) == {"Transaction": 7, "InsufficientFunds": 13}
    assert balance(alice) == cost - 100
    assert balance(bob) + balance(carol) == 7 * amount
    assert fee_income().current_balance() == 7 * (cost - amount)
    assert Transaction.objects.filter(kind=TransactionKind.SEND_MONEY).count() == 7


def test_ten_concurrent_retries_of_one_key_post_once_and_all_get_the_same_reference(
    alice, bob, fund
):
    fund(alice, 1_000_000)
    key = new_key("retry")

    def retry(index: int) -> Transaction:
        return services.send_money(sender=alice, recipient=bob, amount=20_000, idempotency_key=key)

    with gate(alice):  # every retry is past its idempotency check before the first commits
        collect = start_in_background(10, retry)
        wait_for_lock_waiters(10)
    outcomes = collect()

    assert kinds(outcomes) == {"Transaction": 10}
    assert len({sent.reference for sent in outcomes}) == 1
    assert Transaction.objects.filter(kind=TransactionKind.SEND_MONEY).count() == 1
    assert balance(alice) == 1_000_000 - 20_000 - 700
    assert balance(bob) == 20_000


def test_concurrent_retries_of_a_send_that_emptied_the_wallet_all_get_its_reference(
    alice, bob, fund
):
    # A client that times out and retries must learn that its money went, not that the
    # wallet (which its own first attempt emptied) has insufficient funds.
    fund(alice, 20_700)
    key = new_key("retry-exact")

    def retry(index: int) -> Transaction:
        return services.send_money(sender=alice, recipient=bob, amount=20_000, idempotency_key=key)

    with gate(alice):
        collect = start_in_background(10, retry)
        wait_for_lock_waiters(10)
    outcomes = collect()

    assert balance(alice) == 0
    assert balance(bob) == 20_000
    assert Transaction.objects.filter(kind=TransactionKind.SEND_MONEY).count() == 1
    assert kinds(outcomes) == {"Transaction": 10}, outcomes


def test_concurrent_retries_of_a_hold_that_reserved_everything_all_get_the_hold(alice, fund):
    fund(alice, 30_000)
    key = new_key("hold-retry")
    deadline = timezone.now() + datetime.timedelta(minutes=5)

    def retry(index: int) -> Hold:
        return services.place_hold(
            account=alice, amount=30_000, reason="payout", idempotency_key=key, deadline=deadline
        )

    with gate(alice):
        collect = start_in_background(10, retry)
        wait_for_lock_waiters(10)
    outcomes = collect()

    alice.refresh_from_db()
    assert (alice.balance, alice.held) == (30_000, 30_000)
    assert Hold.objects.count() == 1
    assert kinds(outcomes) == {"Hold": 10}, outcomes


def test_concurrent_retries_of_a_hold_commit_all_get_its_transaction(alice, bob, fund):
    fund(alice, 30_000)
    hold = services.place_hold(
        account=alice,
        amount=30_000,
        reason="payout",
        idempotency_key=new_key("hold"),
        deadline=timezone.now() + datetime.timedelta(minutes=5),
    )

    def retry(index: int) -> Transaction:
        return services.commit_hold(hold=hold, legs=[services.Leg(alice, bob, 30_000)])

    with gate(hold):
        collect = start_in_background(10, retry)
        wait_for_lock_waiters(10)
    outcomes = collect()

    assert (balance(alice), balance(bob)) == (0, 30_000)
    assert Transaction.objects.filter(kind=TransactionKind.HOLD_COMMIT).count() == 1
    assert kinds(outcomes) == {"Transaction": 10}, outcomes


def test_concurrent_retries_of_a_reversal_all_get_the_reversal(alice, bob, fund):
    fund(alice, 30_000)
    sent = services.send_money(
        sender=alice, recipient=bob, amount=20_000, idempotency_key=new_key()
    )

    def retry(index: int) -> Transaction:
        return services.reverse_transaction(original=sent, reason="wrong number")

    with gate(sent):
        collect = start_in_background(10, retry)
        wait_for_lock_waiters(10)
    outcomes = collect()

    assert (balance(alice), balance(bob)) == (30_000, 0)
    assert Transaction.objects.filter(kind=TransactionKind.REVERSAL).count() == 1
    assert kinds(outcomes) == {"Transaction": 10}, outcomes


def test_holds_and_sends_competing_for_one_balance_never_reserve_more_than_it_holds(
    alice, bob, fund
):
    fund(alice, 100_000)
    assert fee(30_000) == 700
    deadline = timezone.now() + datetime.timedelta(minutes=5)

    def compete(index: int) -> Transaction | Hold:
        if index % 2:
            return services.place_hold(
                account=alice,
                amount=30_000,
                reason="payout",
                idempotency_key=new_key("hold"),
                deadline=deadline,
            )
        return services.send_money(
            sender=alice, recipient=bob, amount=30_000, idempotency_key=new_key("send")
        )

    outcomes = run_together(20, compete)

    # Three of anything fit in 100,000 (3 x 30,700 at most); a fourth never does.
    won = [o for o in outcomes if isinstance(o, Transaction | Hold)]
    assert len(won) == 3, outcomes
    assert kinds(outcomes)["InsufficientFunds"] == 17
    sends = sum(isinstance(o, Transaction) for o in won)
    alice.refresh_from_db()
    assert alice.balance == 100_000 - sends * 30_700
    assert alice.held == (3 - sends) * 30_000
    assert balance(bob) == sends * 30_000


def test_concurrent_sends_cannot_together_pass_the_daily_limit(alice, bob, fund):
    TierLimit.objects.create(
        tier=KycTier.TIER_1,
        currency="KES",
        effective_from=timezone.now(),
        min_amount=100,
        max_per_transaction=1_000,
        max_daily=5_000,
        max_monthly=None,
        max_balance=None,
    )
    assert fee(1_000) == 0
    fund(alice, 100_000)

    outcomes = run_together(
        20,
        lambda index: services.send_money(
            sender=alice, recipient=bob, amount=1_000, idempotency_key=new_key("daily")
        ),
    )

    assert kinds(outcomes) == {"Transaction": 5, "DailyLimit": 15}
    assert balance(bob) == 5_000
    alice.refresh_from_db()
    assert (alice.balance, alice.day_total) == (100_000 - 5_000, 5_000)


def test_transfers_in_opposite_directions_never_deadlock(alice, bob, fund):
    amount = 20_000  # fee 700
    fund(alice, 2_000_000)
    fund(bob, 2_000_000)
    deadlocks_before = deadlocks_so_far()

    def shuttle(index: int) -> list[Transaction]:
        sent = []
        for turn in range(25):
            sender, recipient = (alice, bob) if (index + turn) % 2 else (bob, alice)
            sent.append(
                services.send_money(
                    sender=sender,
                    recipient=recipient,
                    amount=amount,
                    idempotency_key=new_key("shuttle"),
                )
            )
        return sent

    outcomes = run_together(4, shuttle)

    assert kinds(outcomes) == {"list": 4}, outcomes
    assert sum(len(sent) for sent in outcomes) == 100
    # Each wallet sent 50 times and received 50 times; only the fees are gone.
    assert balance(alice) == 2_000_000 - 50 * 700
    assert balance(bob) == 2_000_000 - 50 * 700
    assert fee_income().current_balance() == 100 * 700
    # The service retries a deadlock silently; PostgreSQL's own counter says none happened.
    assert deadlocks_so_far() == deadlocks_before


def test_many_senders_crediting_fee_income_at_once_all_succeed_and_every_fee_is_counted(fund):
    wallets = [wallet(number, f"Customer {number}") for number in range(20)]
    amounts = [15_000, 60_000, 120_000, 300_000, 1_200_000]  # five different fee bands
    for each in wallets:
        fund(each, 2_000_000)
    income = fee_income()

    def send_five(index: int) -> list[Transaction]:
        with connection.cursor() as cursor:  # waiting on the locked row below fails the send
            cursor.execute("SET lock_timeout = '10s'")
        return [
            services.send_money(
                sender=wallets[index],
                recipient=wallets[(index + 1) % len(wallets)],
                amount=amount,
                idempotency_key=new_key("hot"),
            )
            for amount in amounts
        ]

    # The fee-income account's own row is locked throughout: no send may need it.
    with gate(income):
        outcomes = run_together(20, send_five)

    assert kinds(outcomes) == {"list": 20}, outcomes
    fees_each = sum(fee(amount) for amount in amounts)
    assert sum(sent.fee for batch in outcomes for sent in batch) == 20 * fees_each
    assert income.current_balance() == 20 * fees_each
    assert {balance(each) for each in wallets} == {2_000_000 - fees_each}
    assert income.shards.filter(balance__gt=0).count() > 1  # spread over shards, not one row


def test_expiring_holds_skips_a_hold_committed_meanwhile_and_releases_the_rest(
    alice, bob, carol, fund
):
    fund(alice, 10_000)
    fund(carol, 10_000)
    now = timezone.now()
    contested = services.place_hold(
        account=alice,
        amount=4_000,
        reason="payout",
        idempotency_key=new_key("hold"),
        deadline=now + datetime.timedelta(minutes=1),
    )
    later = services.place_hold(
        account=carol,
        amount=3_000,
        reason="payout",
        idempotency_key=new_key("hold"),
        deadline=now + datetime.timedelta(minutes=2),
    )
    after_both = now + datetime.timedelta(minutes=3)
    outcomes: dict[str, Any] = {}

    def attempt(name: str, call: Callable[[], Any]) -> threading.Thread:
        def run() -> None:
            try:
                outcomes[name] = call()
            except Exception as error:  # the outcome is asserted on
                outcomes[name] = error
            finally:
                connection.close()

        thread = threading.Thread(target=run)
        thread.start()
        return thread

    with gate(bob):  # the commit locks the hold row, then waits here for bob's row
        committer = attempt(
            "commit",
            lambda: services.commit_hold(hold=contested, legs=[services.Leg(alice, bob, 4_000)]),
        )
        wait_for_lock_waiters(1)
        # The expiry job reads the hold as open and queues behind the commit's row lock.
        expirer = attempt("expire", lambda: services.expire_overdue_holds(now=after_both))
        wait_for_lock_waiters(2)
    committer.join(JOIN_SECONDS)
    expirer.join(JOIN_SECONDS)

    assert isinstance(outcomes["commit"], Transaction)
    contested.refresh_from_db()
    assert contested.state == HoldState.COMMITTED
    assert not isinstance(outcomes["expire"], HoldNotOpen), "the expiry job crashed"
    later.refresh_from_db()
    assert later.state == HoldState.RELEASED
    assert outcomes["expire"] == 1


def test_a_reversal_racing_the_recipient_spending_the_money_lets_only_one_through(
    alice, bob, carol, fund
):
    fund(alice, 100_000)
    sent = services.send_money(
        sender=alice, recipient=bob, amount=50_000, idempotency_key=new_key()
    )
    spend = 40_000
    assert fee(spend) == 700

    def race(index: int) -> Transaction:
        if index == 0:
            return services.reverse_transaction(original=sent, reason="wrong number")
        return services.send_money(
            sender=bob, recipient=carol, amount=spend, idempotency_key=new_key("spend")
        )

    outcomes = run_together(10, race)

    # Bob holds 50,000: the reversal (50,000) or one spend (40,700) fits, never two of them.
    assert kinds(outcomes)["Transaction"] == 1, outcomes
    sent.refresh_from_db()
    if isinstance(outcomes[0], Transaction):
        assert sent.status == "reversed"
        assert kinds(outcomes[1:]) == {"InsufficientFunds": 9}
        assert (balance(alice), balance(bob), balance(carol)) == (100_000, 0, 0)
    else:
        assert type(outcomes[0]).__name__ == "ReversalRefused"
        assert sent.status == "posted"
        assert (balance(bob), balance(carol)) == (50_000 - spend - 700, spend)


def test_concurrent_postings_cannot_together_pass_a_named_daily_counter(alice, bob, fund):
    fund(alice, 100_000)
    counter = services.CounterLimit("test:alice-out", max_per_transaction=2_000, max_daily=7_000)

    outcomes = run_together(
        12,
        lambda index: services.post_transaction(
            kind=TransactionKind.ADJUSTMENT,
            idempotency_key=new_key("counter"),
            currency="KES",
            amount=1_000,
            legs=[services.Leg(alice, bob, 1_000)],
            fingerprint=f"counter-{index}",
            channel="system",
            counter=counter,
        ),
    )

    assert kinds(outcomes) == {"Transaction": 7, "CounterDailyLimit": 5}
    assert balance(bob) == 7_000
    assert LimitCounter.objects.get(key="test:alice-out").day_total == 7_000
