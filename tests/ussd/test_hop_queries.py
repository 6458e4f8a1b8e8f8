"""The queries of a send-money journey, hop by hop (issue 8), pinned: a change that adds a
round trip to every hop shows up here, not only in `make bench`. Each hop reads its session
and its caller and saves the session; the recipient's hop reads the recipient, the amount's
hop the fee, and the PIN hop checks the PIN under the caller's row lock, reads both wallets
and posts."""

from __future__ import annotations

from tests.conftest import balance, statements_of
from wallets import services
from wallets.models import AccountKind


def test_each_hop_of_a_send_keeps_to_its_queries(alice, bob, fund, phone_of):
    fund(alice, 100_000)
    services.house_account(AccountKind.FEE_INCOME, "KES")
    phone = phone_of(alice)
    hops = {
        "dial": phone.dial,
        "menu": lambda: phone.type("1"),
        "recipient": lambda: phone.type("0712000002"),
        "amount": lambda: phone.type("200"),
        "pin": lambda: phone.type("2468"),
    }

    counts = {name: len(statements_of(hop)) for name, hop in hops.items()}

    assert counts == {"dial": 3, "menu": 3, "recipient": 4, "amount": 4, "pin": 7}
    assert balance(bob) == 20_000  # the journey went through to the posting
