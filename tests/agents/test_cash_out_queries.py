"""The round trips of a cash-out (issue 8), pinned: the store and its agent's terms in one
read, then the posting."""

from __future__ import annotations

from agents import services
from tests.conftest import new_key, statements_of


def withdraw(network, wallet) -> None:
    services.cash_out(
        wallet=wallet,
        store=network.store2,
        amount=1_000_00,
        idempotency_key=new_key("cash-out"),
        channel="ussd",
        initiator="ussd:+254700100101",
    )


def test_a_cash_out_is_one_read_and_the_posting(network, wanjiku):
    withdraw(network, wanjiku)  # the first one opens the fee-income account

    sent = statements_of(lambda: withdraw(network, wanjiku))

    assert len(sent) == 2, sent
    assert "FROM wallets_post(" in sent[1]
