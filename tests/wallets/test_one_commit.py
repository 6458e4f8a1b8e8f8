"""Several postings under one commit (`wallets.services.one_commit`, for batch lines): each is
`wallets_post_guarded`, its own subtransaction, so a refused one rolls back alone with its
error and the others are committed together."""

from __future__ import annotations

import pytest

from tests.conftest import balance, new_key, send_request
from wallets import errors, services
from wallets.models import Transaction
from wallets.services import posting

pytestmark = pytest.mark.django_db


def test_a_refused_posting_rolls_back_alone_and_keeps_its_error(alice, bob, carol, fund):
    fund(alice, 10_000)
    keys = [new_key(), new_key(), new_key()]
    with services.one_commit():
        first = services.send_money(
            sender=alice, recipient=bob, amount=2_000, idempotency_key=keys[0]
        )
        with pytest.raises(errors.InsufficientFunds):
            services.send_money(
                sender=alice, recipient=carol, amount=50_000, idempotency_key=keys[1]
            )
        third = services.send_money(
            sender=alice, recipient=carol, amount=3_000, idempotency_key=keys[2]
        )
    assert Transaction.objects.filter(idempotency_key__in=keys).count() == 2
    assert (first.reference, third.reference) == tuple(
        Transaction.objects.filter(idempotency_key__in=keys)
        .order_by("id")
        .values_list("reference", flat=True)
    )
    assert (balance(bob), balance(carol)) == (2_000, 3_000)


def test_a_retried_key_returns_the_first_posting_and_a_changed_request_is_refused(alice, bob, fund):
    fund(alice, 10_000)
    key = new_key()
    with services.one_commit():
        first = services.send_money(sender=alice, recipient=bob, amount=1_000, idempotency_key=key)
        again = services.send_money(sender=alice, recipient=bob, amount=1_000, idempotency_key=key)
        with pytest.raises(errors.IdempotencyConflict):
            services.send_money(sender=alice, recipient=bob, amount=1_001, idempotency_key=key)
    assert again.pk == first.pk
    assert (
        again.metadata
        == first.metadata
        == {
            "sender_account": alice.pk,
            "recipient_account": bob.pk,
        }
    )
    assert balance(bob) == 1_000


def test_a_drawn_reference_that_is_taken_is_drawn_again(alice, bob, fund, monkeypatch):
    taken = fund(alice, 10_000).reference
    drawn = iter([taken, "ZZZZZZZZZ2"])
    monkeypatch.setattr(posting, "new_reference", lambda: next(drawn))
    with services.one_commit():
        sent = services.send_money(
            sender=alice, recipient=bob, amount=1_000, idempotency_key=new_key()
        )
    assert sent.reference == "ZZZZZZZZZ2"
    assert balance(bob) == 1_000


def test_postings_under_one_commit_do_not_nest():
    with services.one_commit(), pytest.raises(errors.LedgerError), services.one_commit():
        pass


def test_postings_sent_together_keep_their_order_refusals_and_retries(
    alice, bob, carol, fund, monkeypatch
):
    """`post_together` pipelines the guarded calls, in order: the third is refused because
    the first two left too little; the first, whose drawn reference was taken, is retried
    alone after the others."""
    taken = fund(alice, 5_000).reference
    drawn = iter([taken, "ZZZZZZZZZ3", "ZZZZZZZZZ4", "ZZZZZZZZZ5", "ZZZZZZZZZ6"])
    monkeypatch.setattr(posting, "new_reference", lambda: next(drawn))

    with services.one_commit():
        first, second, third, fourth = services.post_together(
            [
                send_request(alice, bob, 1_000),
                send_request(alice, carol, 3_000),
                send_request(alice, bob, 5_000),
                send_request(alice, carol, 500),
            ]
        )
    assert isinstance(third, errors.InsufficientFunds)
    assert [getattr(result, "reference", None) for result in (first, second, fourth)] == [
        "ZZZZZZZZZ6",
        "ZZZZZZZZZ3",
        "ZZZZZZZZZ5",
    ]
    assert (balance(alice), balance(bob), balance(carol)) == (500, 1_000, 3_500)


def test_postings_are_sent_together_only_under_one_commit(alice, bob):
    with pytest.raises(errors.LedgerError):
        services.post_together([])
