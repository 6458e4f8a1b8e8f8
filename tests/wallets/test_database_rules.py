"""The database itself refuses what must never happen, whatever code (or person) asks.

Each refused statement runs in its own savepoint (`transaction.atomic()`), so the test's
transaction stays usable and the ledger check after the test still sees a sound ledger.
"""

from __future__ import annotations

import datetime

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from tests.conftest import new_key
from wallets import services
from wallets.models import Account, Posting, Transaction, TransactionStatus

pytestmark = pytest.mark.django_db


def execute(sql: str, params: list | None = None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.rowcount


@pytest.fixture
def sent(alice, bob, fund) -> Transaction:
    """Alice funded with KES 1,000 sends Bob KES 200 (fee KES 7)."""
    fund(alice, 100_000)
    return services.send_money(
        sender=alice, recipient=bob, amount=20_000, idempotency_key=new_key()
    )


def test_a_posting_cannot_be_updated(sent):
    posting = sent.postings.first()
    assert posting is not None
    with pytest.raises(DatabaseError, match="append_only"), transaction.atomic():
        execute("UPDATE wallets_posting SET amount = 1 WHERE id = %s", [posting.pk])
    assert Posting.objects.get(pk=posting.pk).amount == 20_000


def test_a_posting_cannot_be_deleted(sent):
    with pytest.raises(DatabaseError, match="append_only"), transaction.atomic():
        execute("DELETE FROM wallets_posting WHERE transaction_id = %s", [sent.pk])
    assert sent.postings.count() == 2


def test_a_transaction_cannot_be_deleted(sent):
    with pytest.raises(DatabaseError, match="append_only"), transaction.atomic():
        execute("DELETE FROM wallets_transaction WHERE id = %s", [sent.pk])
    assert Transaction.objects.filter(pk=sent.pk).exists()


@pytest.mark.parametrize(
    ("column", "value"),
    [("amount", 1), ("fee", 0), ("reference", "AAAAAAAAAA"), ("currency", "UGX")],
)
def test_a_transactions_recorded_fields_cannot_be_updated(sent, column, value):
    with pytest.raises(DatabaseError, match="append_only"), transaction.atomic():
        execute(f"UPDATE wallets_transaction SET {column} = %s WHERE id = %s", [value, sent.pk])
    stored = Transaction.objects.get(pk=sent.pk)
    assert (stored.amount, stored.fee, stored.reference) == (20_000, 700, sent.reference)


def test_a_transaction_may_go_from_posted_to_reversed(sent):
    with transaction.atomic():
        changed = execute(
            "UPDATE wallets_transaction SET status = 'reversed' WHERE id = %s", [sent.pk]
        )
        assert changed == 1
        assert Transaction.objects.get(pk=sent.pk).status == TransactionStatus.REVERSED
        # Undo it: a reversed status without its reversal breaks a ledger invariant.
        transaction.set_rollback(True)
    assert Transaction.objects.get(pk=sent.pk).status == TransactionStatus.POSTED


def test_a_reversed_transaction_cannot_go_back_to_posted(sent):
    services.reverse_transaction(original=sent, reason="wrong number")

    with pytest.raises(DatabaseError, match="append_only"), transaction.atomic():
        execute("UPDATE wallets_transaction SET status = 'posted' WHERE id = %s", [sent.pk])

    assert Transaction.objects.get(pk=sent.pk).status == TransactionStatus.REVERSED


def test_a_customer_wallet_cannot_be_set_negative(alice):
    with pytest.raises(IntegrityError, match="account_not_overdrawn"), transaction.atomic():
        execute("UPDATE wallets_account SET balance = -1 WHERE id = %s", [alice.pk])
    alice.refresh_from_db()
    assert alice.balance == 0


def test_more_cannot_be_held_than_the_balance(alice, fund):
    fund(alice, 1_000)
    with pytest.raises(IntegrityError, match="account_not_overdrawn"), transaction.atomic():
        execute("UPDATE wallets_account SET held = 1001 WHERE id = %s", [alice.pk])
    alice.refresh_from_db()
    assert alice.held == 0


@pytest.mark.parametrize("amount", [0, -100])
def test_a_posting_of_zero_or_less_cannot_be_inserted(sent, alice, bob, amount):
    with pytest.raises(IntegrityError, match="posting_amount_positive"), transaction.atomic():
        execute(
            "INSERT INTO wallets_posting (transaction_id, debit_account_id, credit_account_id,"
            " amount) VALUES (%s, %s, %s, %s)",
            [sent.pk, alice.pk, bob.pk, amount],
        )
    assert sent.postings.count() == 2


def test_a_posting_cannot_move_money_from_an_account_to_itself(sent, alice):
    with pytest.raises(IntegrityError, match="posting_two_accounts"), transaction.atomic():
        execute(
            "INSERT INTO wallets_posting (transaction_id, debit_account_id, credit_account_id,"
            " amount) VALUES (%s, %s, %s, 100)",
            [sent.pk, alice.pk, alice.pk],
        )


def _released_hold(wallet: Account):
    hold = services.place_hold(
        account=wallet,
        amount=5_000,
        reason="payout",
        idempotency_key=new_key(),
        deadline=timezone.now() + datetime.timedelta(minutes=5),
    )
    return services.release_hold(hold=hold, reason="operator refused")


@pytest.mark.parametrize(
    "assignment",
    ["state = 'open', ended_at = NULL", "amount = 1", "end_reason = 'changed my mind'"],
)
def test_an_ended_hold_cannot_be_changed(alice, fund, assignment):
    fund(alice, 10_000)
    hold = _released_hold(alice)

    with pytest.raises(DatabaseError, match="append_only"), transaction.atomic():
        execute(f"UPDATE wallets_hold SET {assignment} WHERE id = %s", [hold.pk])

    hold.refresh_from_db()
    assert (hold.state, hold.amount, hold.end_reason) == ("released", 5_000, "operator refused")


def test_a_hold_cannot_be_deleted(alice, fund):
    fund(alice, 10_000)
    hold = _released_hold(alice)
    with pytest.raises(DatabaseError, match="append_only"), transaction.atomic():
        execute("DELETE FROM wallets_hold WHERE id = %s", [hold.pk])


def test_an_open_hold_keeps_its_amount(alice, fund):
    fund(alice, 10_000)
    hold = services.place_hold(
        account=alice,
        amount=5_000,
        reason="payout",
        idempotency_key=new_key(),
        deadline=timezone.now() + datetime.timedelta(minutes=5),
    )
    with pytest.raises(DatabaseError, match="append_only"), transaction.atomic():
        execute("UPDATE wallets_hold SET amount = 1 WHERE id = %s", [hold.pk])


def test_an_account_cannot_be_deleted(alice):
    with pytest.raises(DatabaseError, match="append_only"), transaction.atomic():
        execute("DELETE FROM wallets_account WHERE id = %s", [alice.pk])
    assert Account.objects.filter(pk=alice.pk).exists()


def test_a_posting_to_an_account_that_does_not_exist_is_refused(alice, fund):
    """The postings table keeps no foreign keys (migration 0014): the function checks."""
    fund(alice, 100_000)
    missing = Account(pk=Account.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1)
    missing.currency, missing.kind = "KES", "customer_wallet"
    with pytest.raises(DatabaseError, match="unknown_account"):
        services.post_transaction(
            kind="send_money",
            idempotency_key=new_key(),
            currency="KES",
            amount=1_000,
            legs=[services.Leg(alice, missing, 1_000)],
            fingerprint="x",
            channel="api",
        )
    assert Posting.objects.filter(credit_account_id=missing.pk).count() == 0


@pytest.mark.corrupts_ledger
def test_check_ledger_reports_a_posting_whose_account_is_missing(sent):
    from wallets.invariants import check_ledger

    with transaction.atomic():
        execute(
            "INSERT INTO wallets_posting (transaction_id, debit_account_id, credit_account_id,"
            " amount) VALUES (%s, %s, %s, 100)",
            [sent.pk, sent.postings.first().debit_account_id, 10**12],
        )
        broken = {violation.invariant for violation in check_ledger()}
        transaction.set_rollback(True)
    assert "postings are positive, between two accounts of the transaction's currency" in broken
