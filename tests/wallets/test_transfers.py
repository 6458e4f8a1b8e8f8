"""Send money, reversals and statements, as worked examples in minor units (KES 1 = 100)."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from tests.conftest import balance, make_customer, new_key
from wallets import errors, services
from wallets.models import (
    Account,
    AccountKind,
    Customer,
    CustomerStatus,
    HouseBalance,
    KycTier,
    Posting,
    Transaction,
    TransactionKind,
    TransactionStatus,
)
from wallets.services.posting import Leg

pytestmark = pytest.mark.django_db

# Uppercase letters and digits without 0, O, 1, I and L, written out here rather than
# imported, so a change to the generator's alphabet fails this test.
REFERENCE = re.compile(r"[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{10}")


def _in_an_hour() -> datetime.datetime:
    return timezone.now() + datetime.timedelta(hours=1)


def fee_income() -> Account:
    return services.house_account(AccountKind.FEE_INCOME, "KES")


def send(sender: Account, recipient: Account, amount: int, key: str | None = None):
    return services.send_money(
        sender=sender, recipient=recipient, amount=amount, idempotency_key=key or new_key()
    )


def set_status(wallet: Account, status: str) -> None:
    Customer.objects.filter(accounts=wallet).update(status=status)


# --- send money --------------------------------------------------------------------------


def test_sending_kes_200_moves_the_amount_and_puts_the_kes_7_fee_in_fee_income(alice, bob, fund):
    fund(alice, 100_000)  # KES 1,000

    sent = send(alice, bob, 20_000)  # KES 200: the 101-500 band, fee KES 7

    assert (sent.kind, sent.amount, sent.fee, sent.currency) == ("send_money", 20_000, 700, "KES")
    assert balance(alice) == 100_000 - 20_000 - 700 == 79_300
    assert balance(bob) == 20_000
    assert fee_income().current_balance() == 700
    legs = [(p.debit_account_id, p.credit_account_id, p.amount) for p in sent.postings.all()]
    assert legs == [(alice.pk, bob.pk, 20_000), (alice.pk, fee_income().pk, 700)]


def test_the_fee_income_balance_is_the_sum_of_its_shards(alice, bob, fund):
    fund(alice, 1_000_000)
    for _ in range(6):
        send(alice, bob, 20_000)  # 6 x KES 7

    income = fee_income()
    shards = HouseBalance.objects.filter(account=income)
    assert shards.count() == 16
    assert sum(shard.balance for shard in shards) == 4_200
    assert income.current_balance() == 4_200
    assert income.balance == 0  # the house row itself is never written by a posting


def test_reference_codes_are_ten_unambiguous_characters_and_unique(alice, bob, fund):
    fund(alice, 1_000_000)
    sent = [send(alice, bob, 1_000) for _ in range(25)]

    references = [transaction.reference for transaction in sent]
    assert all(REFERENCE.fullmatch(reference) for reference in references), references
    assert len(set(references)) == 25


def test_a_retry_with_the_same_key_returns_the_first_transaction_and_moves_money_once(
    alice, bob, fund
):
    fund(alice, 100_000)
    key = new_key()

    first = send(alice, bob, 20_000, key)
    again = send(alice, bob, 20_000, key)

    assert again.pk == first.pk
    assert again.reference == first.reference
    assert balance(alice) == 79_300
    assert balance(bob) == 20_000
    assert Transaction.objects.filter(kind=TransactionKind.SEND_MONEY).count() == 1


def test_the_same_key_with_a_different_amount_is_a_conflict_and_posts_nothing(alice, bob, fund):
    fund(alice, 100_000)
    key = new_key()
    send(alice, bob, 20_000, key)

    with pytest.raises(errors.IdempotencyConflict):
        send(alice, bob, 30_000, key)

    assert balance(alice) == 79_300
    assert balance(bob) == 20_000
    assert Posting.objects.filter(credit_account=bob).count() == 1


def test_the_same_key_for_a_different_recipient_is_a_conflict(alice, bob, carol, fund):
    fund(alice, 100_000)
    key = new_key()
    send(alice, bob, 20_000, key)

    with pytest.raises(errors.IdempotencyConflict):
        send(alice, carol, 20_000, key)

    assert balance(carol) == 0


def test_the_balance_must_cover_the_amount_plus_the_fee(alice, bob, fund):
    fund(alice, 20_699)  # KES 206.99: one cent short of KES 200 + KES 7

    with pytest.raises(errors.InsufficientFunds):
        send(alice, bob, 20_000)

    assert balance(alice) == 20_699
    assert balance(bob) == 0
    assert fee_income().current_balance() == 0
    assert not Transaction.objects.filter(kind=TransactionKind.SEND_MONEY).exists()

    fund(alice, 1)  # now exactly KES 207.00
    send(alice, bob, 20_000)
    assert balance(alice) == 0
    assert balance(bob) == 20_000


def test_a_refused_send_records_nothing_so_its_key_can_be_retried(alice, bob, fund):
    fund(alice, 10_000)
    key = new_key()
    with pytest.raises(errors.InsufficientFunds):
        send(alice, bob, 20_000, key)

    fund(alice, 10_700)
    sent = send(alice, bob, 20_000, key)

    assert sent.idempotency_key == key
    assert (balance(alice), balance(bob)) == (0, 20_000)


def test_money_on_hold_cannot_be_sent(alice, bob, fund):
    fund(alice, 30_000)
    services.place_hold(
        account=alice,
        amount=10_000,
        reason="pending payout",
        idempotency_key=new_key(),
        deadline=_in_an_hour(),
    )

    with pytest.raises(errors.InsufficientFunds):
        send(alice, bob, 20_000)  # 20,700 needed, 20,000 available

    assert balance(bob) == 0


def test_a_zero_or_negative_amount_is_refused(alice, bob, fund):
    fund(alice, 10_000)
    for amount in (0, -500):
        with pytest.raises(errors.InvalidAmount):
            send(alice, bob, amount)
    assert balance(alice) == 10_000


def test_sending_to_yourself_is_refused(alice, fund):
    fund(alice, 10_000)
    with pytest.raises(errors.SameAccount):
        send(alice, alice, 1_000)
    assert balance(alice) == 10_000


def test_a_frozen_sender_cannot_send(alice, bob, fund):
    fund(alice, 10_000)
    set_status(alice, CustomerStatus.FROZEN)

    with pytest.raises(errors.AccountNotActive):
        send(alice, bob, 1_000)

    assert balance(alice) == 10_000
    assert balance(bob) == 0


def test_a_closed_recipient_cannot_receive(alice, bob, fund):
    fund(alice, 10_000)
    set_status(bob, CustomerStatus.CLOSED)

    with pytest.raises(errors.RecipientNotActive):
        send(alice, bob, 1_000)

    assert balance(alice) == 10_000
    assert balance(bob) == 0


def test_a_frozen_recipient_cannot_receive(alice, bob, fund):
    fund(alice, 10_000)
    set_status(bob, CustomerStatus.FROZEN)

    with pytest.raises(errors.RecipientNotActive):
        send(alice, bob, 1_000)

    assert balance(bob) == 0


def test_a_tier_0_sender_has_no_limits_and_cannot_send(bob, fund):
    unregistered = make_customer("+254712000009", "Dan Kamau", kyc_tier=KycTier.TIER_0).wallet()
    fund(unregistered, 10_000)

    with pytest.raises(errors.LimitsNotConfigured):
        send(unregistered, bob, 1_000)

    assert balance(unregistered) == 10_000
    assert balance(bob) == 0


def test_wallets_in_different_currencies_cannot_send_to_each_other(alice, bob, fund):
    fund(alice, 10_000)
    bob_ugx = services.open_wallet(customer=bob.customer, currency="UGX")

    with pytest.raises(errors.CurrencyMismatch):
        send(alice, bob_ugx, 1_000)

    assert balance(alice) == 10_000


def test_the_fee_can_only_be_paid_into_a_fee_income_account(alice, bob, carol, fund):
    fund(alice, 100_000)

    with pytest.raises(errors.LedgerError):
        services.send_money(
            sender=alice,
            recipient=bob,
            amount=20_000,
            idempotency_key=new_key(),
            fee_income=carol,
        )

    assert balance(carol) == 0
    assert balance(alice) == 100_000


# --- reversals ---------------------------------------------------------------------------


def test_reversing_a_send_restores_both_balances_and_refunds_the_fee(alice, bob, fund):
    fund(alice, 100_000)
    sent = send(alice, bob, 20_000)
    assert (balance(alice), balance(bob), fee_income().current_balance()) == (79_300, 20_000, 700)

    reversal = services.reverse_transaction(original=sent, reason="wrong number")

    assert (balance(alice), balance(bob), fee_income().current_balance()) == (100_000, 0, 0)
    assert reversal.kind == TransactionKind.REVERSAL
    assert reversal.reverses_id == sent.pk
    assert reversal.amount == 20_000
    assert REFERENCE.fullmatch(reversal.reference)
    sent.refresh_from_db()
    assert sent.status == TransactionStatus.REVERSED
    assert reversal.status == TransactionStatus.POSTED


def test_reversing_twice_returns_the_same_reversal(alice, bob, fund):
    fund(alice, 100_000)
    sent = send(alice, bob, 20_000)

    first = services.reverse_transaction(original=sent, reason="wrong number")
    again = services.reverse_transaction(original=sent, reason="asked again")

    assert again.pk == first.pk
    assert balance(alice) == 100_000
    assert Transaction.objects.filter(kind=TransactionKind.REVERSAL).count() == 1


def test_a_reversal_is_refused_when_the_recipient_has_spent_the_money(alice, bob, carol, fund):
    fund(alice, 100_000)
    sent = send(alice, bob, 20_000)  # Bob has KES 200
    send(bob, carol, 15_000)  # Bob spends KES 150 + KES 7 fee, KES 43 left
    assert balance(bob) == 4_300
    transactions_before = Transaction.objects.count()

    with pytest.raises(errors.ReversalRefused):
        services.reverse_transaction(original=sent, reason="wrong number")

    assert Transaction.objects.count() == transactions_before
    assert (balance(alice), balance(bob), balance(carol)) == (79_300, 4_300, 15_000)
    sent.refresh_from_db()
    assert sent.status == TransactionStatus.POSTED


def test_a_funding_can_be_reversed(alice, fund):
    funding = fund(alice, 50_000)

    services.reverse_transaction(original=funding, reason="issued in error")

    assert balance(alice) == 0
    issuance = services.house_account(AccountKind.ISSUANCE, "KES")
    assert issuance.current_balance() == 0


def test_only_sends_and_fundings_can_be_reversed(alice, bob, fund):
    fund(alice, 100_000)
    sent = send(alice, bob, 20_000)
    reversal = services.reverse_transaction(original=sent, reason="wrong number")

    with pytest.raises(errors.NotReversible):
        services.reverse_transaction(original=reversal, reason="undo the undo")

    hold = services.place_hold(
        account=alice,
        amount=5_000,
        reason="payout",
        idempotency_key=new_key(),
        deadline=_in_an_hour(),
    )
    committed = services.commit_hold(
        hold=hold, legs=[Leg(alice, services.house_account(AccountKind.SETTLEMENT), 5_000)]
    )
    with pytest.raises(errors.NotReversible):
        services.reverse_transaction(original=committed, reason="operator failed")

    assert balance(alice) == 95_000


# --- statements --------------------------------------------------------------------------


def test_a_statement_lists_the_last_postings_newest_first_with_the_balance_after_each(
    alice, bob, fund
):
    funding = fund(alice, 100_000)  # +KES 1,000  -> 1,000.00
    to_bob = send(alice, bob, 20_000)  # -KES 200   ->   800.00, fee -KES 7 -> 793.00
    from_bob = send(bob, alice, 5_000)  # +KES 50    ->   843.00 (free band)

    lines = services.statement(alice, limit=10)

    assert [(line.reference, line.amount, line.balance_after) for line in lines] == [
        (from_bob.reference, 5_000, 84_300),
        (to_bob.reference, -700, 79_300),
        (to_bob.reference, -20_000, 80_000),
        (funding.reference, 100_000, 100_000),
    ]
    assert lines[0].counterparty == "+254712000002"
    assert lines[1].counterparty == "fee_income:KES"
    assert lines[3].kind == TransactionKind.FUND


def test_a_statement_limited_to_two_lines_shows_the_newest_two(alice, bob, fund):
    fund(alice, 100_000)
    send(alice, bob, 20_000)
    send(bob, alice, 5_000)

    lines = services.statement(alice, limit=2)

    assert [(line.amount, line.balance_after) for line in lines] == [
        (5_000, 84_300),
        (-700, 79_300),
    ]
