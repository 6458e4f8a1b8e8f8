"""A wrong PIN costs a try and keeps the customer on the PIN screen; the third locks it."""

from __future__ import annotations

from tests.conftest import balance
from wallets.models import Customer, Transaction

CONFIRM = "Send KES 200 to BOB OTIENO +254712000002?\nFee KES 7\nEnter PIN\n0. Back"


def test_wrong_pins_show_tries_left_then_lock_and_nothing_is_sent(alice, bob, fund, phone_of):
    fund(alice, 100_000)
    phone = phone_of(alice)
    phone.dial("1", "0712000002", "200")

    assert phone.type("1357") == f"CON Wrong PIN. 2 tries left.\n{CONFIRM}"
    assert phone.type("9753") == f"CON Wrong PIN. 1 try left.\n{CONFIRM}"
    assert phone.type("8642") == ("END Wrong PIN. Your PIN is locked. Try again later or call 100.")

    assert not Transaction.objects.filter(kind="send_money").exists()
    assert balance(alice) == 100_000
    assert Customer.objects.get(pk=alice.customer.pk).pin_is_locked


def test_a_locked_pin_refuses_even_the_right_pin_in_the_next_session(alice, bob, fund, phone_of):
    fund(alice, 100_000)
    phone_of(alice).dial("5", "1", "1111", "2222", "3333")

    assert phone_of(alice).dial("1", "0712000002", "200", "2468") == (
        "END Your PIN is locked. Try again later or call customer care on 100."
    )
    assert phone_of(alice, language="sw").dial("5", "1", "2468") == (
        "END PIN yako imefungwa. Jaribu tena baadaye au piga huduma kwa wateja 100."
    )
    assert not Transaction.objects.filter(kind="send_money").exists()


def test_wrong_pins_read_in_kiswahili(alice, phone_of):
    phone = phone_of(alice, language="sw")
    phone.dial("5", "1")

    assert (
        phone.type("1357") == "CON PIN si sahihi. Umebakiza majaribio 2.\nSalio\nWeka PIN\n0. Rudi"
    )
    assert phone.type("1357") == "CON PIN si sahihi. Umebakiza jaribio 1.\nSalio\nWeka PIN\n0. Rudi"
    assert phone.type("1357") == (
        "END PIN si sahihi. PIN yako imefungwa. Jaribu tena baadaye au piga 100."
    )


def test_a_pin_that_is_not_four_digits_is_explained_and_costs_no_try(alice, phone_of):
    phone = phone_of(alice)
    phone.dial("5", "1")

    for typo in ("abcd", "24680", "246", "\uff12\uff14\uff16\uff18"):
        assert phone.type(typo) == (
            "CON A PIN is exactly 4 digits.\nBalance\nEnter PIN\n0. Back"
        ), typo
    assert Customer.objects.get(pk=alice.customer.pk).failed_pin_attempts == 0
    assert phone.type("2468") == "END Balance KES 0. Available KES 0."


def test_the_right_pin_after_a_wrong_one_clears_the_count(alice, phone_of):
    phone = phone_of(alice)
    phone.dial("5", "1", "1357")
    assert phone.type("2468") == "END Balance KES 0. Available KES 0."
    assert Customer.objects.get(pk=alice.customer.pk).failed_pin_attempts == 0


def test_a_customer_without_a_pin_or_an_id_number_is_sent_to_an_agent(carol, phone_of):
    phone = phone_of(carol)
    assert phone.dial("5", "1", "2468") == (
        "END You have no PIN yet. Visit an agent with your ID to set it."
    )
    assert phone_of(carol, language="sw").dial("5", "1", "2468") == (
        "END Bado huna PIN. Tembelea wakala ukiwa na kitambulisho chako ili uiweke."
    )
