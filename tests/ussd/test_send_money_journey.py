from __future__ import annotations

from tests.conftest import balance
from wallets.models import Transaction


def test_a_customer_sends_money_seeing_name_and_fee_before_the_pin(alice, bob, fund, phone_of):
    fund(alice, 100_000)
    phone = phone_of(alice)

    assert phone.dial().startswith("CON Welcome Alice\n1. Send money")
    assert "Enter phone number" in phone.type("1")
    assert phone.type("0712000002") == "CON Send to BOB OTIENO\nEnter amount\n0. Back"
    confirm = phone.type("200")
    assert "Send KES 200 to BOB OTIENO +254712000002?" in confirm
    assert "Fee KES 7" in confirm
    assert "Enter PIN" in confirm
    done = phone.type("2468")

    sent = Transaction.objects.get(kind="send_money")
    assert done == (
        f"END {sent.reference} Confirmed. KES 200 sent to BOB OTIENO. Fee KES 7. "
        "You will get an SMS."
    )
    assert balance(alice) == 100_000 - 20_000 - 700
    assert balance(bob) == 20_000
