from __future__ import annotations

from tests.conftest import balance, new_key
from wallets import services


def test_a_send_moves_the_amount_and_charges_the_fee(alice, bob, fund):
    fund(alice, 100_000)
    sent = services.send_money(
        sender=alice, recipient=bob, amount=20_000, idempotency_key=new_key()
    )
    assert sent.fee == 700
    assert balance(alice) == 100_000 - 20_000 - 700
    assert balance(bob) == 20_000
