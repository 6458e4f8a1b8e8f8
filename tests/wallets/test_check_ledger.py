"""`manage.py check_ledger` passes on a sound ledger and names the invariant a tamper breaks.

The corrupting tests change rows behind the services' back (and behind the triggers, where
needed), inside the test's own transaction, which is rolled back afterwards.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from tests.conftest import new_key
from wallets import services
from wallets.invariants import check_ledger
from wallets.models import Account, AccountKind, Posting, Transaction
from wallets.services.posting import Leg

pytestmark = pytest.mark.django_db


def execute(sql: str, params: list | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


@contextmanager
def triggers_disabled(table: str) -> Iterator[None]:
    """What someone with direct database access could do; the hash chain still tells."""
    # ALTER TABLE refuses while deferred foreign-key checks are pending: run them now.
    execute("SET CONSTRAINTS ALL IMMEDIATE")
    execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
    try:
        yield
    finally:
        execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        execute("SET CONSTRAINTS ALL DEFERRED")


def broken_invariants() -> set[str]:
    return {violation.invariant for violation in check_ledger()}


def run_check() -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("check_ledger", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def busy_ledger(alice, bob, carol, fund) -> dict[str, Transaction]:
    """Fundings, sends with fees, a committed and a released hold, and a reversal."""
    fund(alice, 200_000)
    fund(bob, 50_000)
    first = services.send_money(
        sender=alice, recipient=bob, amount=20_000, idempotency_key=new_key()
    )
    second = services.send_money(
        sender=alice, recipient=carol, amount=60_000, idempotency_key=new_key()
    )
    back = services.send_money(sender=bob, recipient=alice, amount=5_000, idempotency_key=new_key())
    reversed_send = services.send_money(
        sender=bob, recipient=carol, amount=1_000, idempotency_key=new_key()
    )
    services.reverse_transaction(original=reversed_send, reason="wrong number")
    deadline = timezone.now() + datetime.timedelta(minutes=10)
    committed = services.place_hold(
        account=alice, amount=10_000, reason="payout", idempotency_key=new_key(), deadline=deadline
    )
    settlement = services.house_account(AccountKind.SETTLEMENT, name="mpesa")
    services.commit_hold(hold=committed, legs=[Leg(alice, settlement, 10_000)])
    released = services.place_hold(
        account=bob, amount=2_000, reason="payout", idempotency_key=new_key(), deadline=deadline
    )
    services.release_hold(hold=released, reason="operator refused")
    services.place_hold(
        account=carol, amount=3_000, reason="payout", idempotency_key=new_key(), deadline=deadline
    )
    return {"first": first, "second": second, "back": back}


def test_the_check_passes_on_a_ledger_with_sends_holds_and_reversals(busy_ledger):
    out, err = run_check()

    assert "Ledger verified: every invariant holds." in out
    assert "FAIL" not in out
    assert err == ""
    assert "1 open holds" in out


@pytest.mark.corrupts_ledger
def test_a_wallet_balance_changed_directly_fails_the_balance_check(busy_ledger, bob):
    execute("UPDATE wallets_account SET balance = balance + 10000 WHERE id = %s", [bob.pk])

    with pytest.raises(CommandError, match="invariant"):
        run_check()

    broken = broken_invariants()
    assert "each stored balance equals its postings" in broken
    assert "postings sum to zero per currency" in broken
    assert "the hash chain verifies" not in broken


@pytest.mark.corrupts_ledger
def test_the_check_reports_the_broken_invariant_and_the_account(busy_ledger, bob):
    execute("UPDATE wallets_account SET balance = balance + 10000 WHERE id = %s", [bob.pk])
    out, err = io.StringIO(), io.StringIO()

    with pytest.raises(CommandError):
        call_command("check_ledger", stdout=out, stderr=err)

    assert "FAIL each stored balance equals its postings" in out.getvalue()
    assert f"VIOLATION each stored balance equals its postings: ({bob.pk}, " in err.getvalue()


@pytest.mark.corrupts_ledger
def test_the_command_exits_non_zero_on_a_violation(busy_ledger, bob, capsys):
    execute("UPDATE wallets_account SET balance = balance + 10000 WHERE id = %s", [bob.pk])

    with pytest.raises(SystemExit) as exit_status:
        execute_from_command_line(["manage.py", "check_ledger"])

    assert exit_status.value.code == 1
    assert "invariant(s) violated" in capsys.readouterr().err


@pytest.mark.corrupts_ledger
def test_a_posting_amount_changed_behind_the_triggers_fails_balances_and_the_hash_chain(
    busy_ledger,
):
    posting = Posting.objects.filter(transaction=busy_ledger["first"]).first()
    assert posting is not None
    with triggers_disabled("wallets_posting"):
        execute("UPDATE wallets_posting SET amount = 2000 WHERE id = %s", [posting.pk])

    with pytest.raises(CommandError):
        run_check()

    assert broken_invariants() == {
        "each stored balance equals its postings",
        "the hash chain verifies",
    }


@pytest.mark.corrupts_ledger
def test_a_broken_hash_fails_the_hash_chain(busy_ledger):
    tampered = busy_ledger["first"]  # in the middle of Alice's chain
    with triggers_disabled("wallets_transaction"):
        execute(
            "UPDATE wallets_transaction SET hash = repeat('0', 64) WHERE id = %s", [tampered.pk]
        )

    with pytest.raises(CommandError):
        run_check()

    (violation,) = check_ledger()
    assert violation.invariant == "the hash chain verifies"
    # The tampered link fails, and so does the next one, which was built on the real hash.
    assert (tampered.reference,) in violation.rows
    assert (busy_ledger["second"].reference,) in violation.rows


@pytest.mark.corrupts_ledger
def test_a_consistent_rewrite_of_a_fee_is_caught_only_by_the_hash_chain(busy_ledger, alice):
    """Lower a KES 7 fee to KES 5 everywhere, so every balance still matches its postings."""
    sent = busy_ledger["first"]
    fee_leg = Posting.objects.get(transaction=sent, amount=700)
    income = Account.objects.get(pk=fee_leg.credit_account_id)
    with triggers_disabled("wallets_transaction"), triggers_disabled("wallets_posting"):
        execute("UPDATE wallets_transaction SET fee = 500 WHERE id = %s", [sent.pk])
        execute("UPDATE wallets_posting SET amount = 500 WHERE id = %s", [fee_leg.pk])
    execute("UPDATE wallets_account SET balance = balance + 200 WHERE id = %s", [alice.pk])
    execute(
        "UPDATE wallets_housebalance SET balance = balance - 200"
        " WHERE id = (SELECT id FROM wallets_housebalance WHERE account_id = %s"
        " AND balance >= 700 ORDER BY shard LIMIT 1)",
        [income.pk],
    )

    assert broken_invariants() == {"the hash chain verifies"}


@pytest.mark.corrupts_ledger
def test_held_money_without_an_open_hold_fails_the_hold_check(busy_ledger, alice):
    execute("UPDATE wallets_account SET held = held + 100 WHERE id = %s", [alice.pk])

    assert broken_invariants() == {"held equals the open holds"}


@pytest.mark.corrupts_ledger
def test_a_reversed_status_without_a_reversal_fails_the_reversal_check(busy_ledger):
    execute(
        "UPDATE wallets_transaction SET status = 'reversed' WHERE id = %s",
        [busy_ledger["back"].pk],
    )

    assert broken_invariants() == {"a reversed transaction has exactly one mirroring reversal"}
