"""Send money through the real callback, as a customer reads it, in English and Kiswahili."""

from __future__ import annotations

from tests.conftest import balance, make_customer
from tests.ussd.conftest import home_screen
from wallets.models import Transaction


def test_a_customer_sends_money_seeing_name_and_fee_before_the_pin(alice, bob, fund, phone_of):
    fund(alice, 100_000)
    phone = phone_of(alice)

    assert phone.dial() == home_screen("Alice")
    assert phone.type("1") == "CON Send money\nEnter phone number\n0. Back"
    assert phone.type("0712000002") == "CON Send to BOB OTIENO\nEnter amount\n0. Back"
    assert phone.type("200") == (
        "CON Send KES 200 to BOB OTIENO +254712000002?\nFee KES 7\nEnter PIN\n0. Back"
    )
    assert not Transaction.objects.filter(kind="send_money").exists()
    done = phone.type("2468")

    sent = Transaction.objects.get(kind="send_money")
    assert done == (
        f"END {sent.reference} Confirmed. KES 200 sent to BOB OTIENO. Fee KES 7. "
        "You will get an SMS."
    )
    assert balance(alice) == 100_000 - 20_000 - 700
    assert balance(bob) == 20_000


def test_a_swahili_speaker_sends_money_in_kiswahili(alice, bob, fund, phone_of):
    fund(alice, 500_000)
    phone = phone_of(alice, language="sw")

    assert phone.dial() == home_screen("Alice", "sw")
    assert phone.type("1") == "CON Tuma pesa\nWeka nambari ya simu\n0. Rudi"
    assert phone.type("0712000002") == "CON Tuma kwa BOB OTIENO\nWeka kiasi\n0. Rudi"
    assert phone.type("1,500") == (
        "CON Tuma KES 1,500 kwa BOB OTIENO +254712000002?\nAda KES 23\nWeka PIN\n0. Rudi"
    )
    done = phone.type("2468")

    sent = Transaction.objects.get(kind="send_money")
    assert done == (
        f"END {sent.reference} Imethibitishwa. KES 1,500 imetumwa kwa BOB OTIENO. "
        "Ada KES 23. Utapokea SMS."
    )
    assert balance(alice) == 500_000 - 150_000 - 2_300
    assert balance(bob) == 150_000


def test_sending_more_than_the_balance_ends_with_insufficient_funds_and_moves_nothing(
    alice, bob, fund, phone_of
):
    fund(alice, 10_000)
    phone = phone_of(alice)
    assert "Fee KES 7" in phone.dial("1", "0712000002", "100.01")  # she has exactly KES 100

    assert phone.type("2468") == (
        "END Insufficient funds: your balance does not cover the amount and the fee."
    )
    assert balance(alice) == 10_000
    assert not Transaction.objects.filter(kind="send_money").exists()


def test_insufficient_funds_reads_in_kiswahili_too(alice, bob, phone_of):
    phone = phone_of(alice, language="sw")
    phone.dial("1", "0712000002", "200")

    assert phone.type("2468") == (
        "END Huna pesa za kutosha: salio lako halitoshi kwa kiasi na ada."
    )


def test_the_recipient_must_be_a_registered_other_customer(alice, bob, phone_of):
    phone = phone_of(alice)
    phone.dial("1")

    assert phone.type("0712000001").startswith("CON You cannot send money to yourself.\n")
    assert phone.type("0712999999").startswith("CON +254712999999 is not registered.\n")
    assert phone.type("bob").startswith("CON That is not a valid phone number.\nSend money")
    assert phone.type("+254 712 000 002") == "CON Send to BOB OTIENO\nEnter amount\n0. Back"


def test_an_amount_over_the_tariff_is_refused_before_the_pin(alice, bob, phone_of):
    phone = phone_of(alice, language="sw")
    phone.dial("1", "0712000002")

    assert phone.type("250001") == (
        "CON Kiasi hicho kimezidi kikomo.\nTuma kwa BOB OTIENO\nWeka kiasi\n0. Rudi"
    )
    assert phone.type("mia mbili").startswith("CON Weka kiasi kwa shilingi, mfano 500.\n")
    assert phone.type("250000").startswith("CON Tuma KES 250,000 kwa BOB OTIENO")


def test_a_long_registered_name_is_cut_to_fit_the_confirmation_screen(alice, fund, phone_of):
    make_customer("+254712000004", "Wanjiku Njeri Kamau-Otieno Achieng Wambui Muthoni")
    fund(alice, 100_000)
    phone = phone_of(alice)
    phone.dial("1", "0712000004")

    confirm = phone.type("250")
    assert confirm == (
        "CON Send KES 250 to WANJIKU NJERI KAMAU-OTIENO +254712000004?\n"
        "Fee KES 7\nEnter PIN\n0. Back"
    )
    done = phone.type("2468")
    assert done.endswith("sent to WANJIKU NJERI KAMAU-OTIENO. Fee KES 7. You will get an SMS.")
