"""Retries replay the stored reply; shortcuts, `0`, `00` and bad input keep the session alive."""

from __future__ import annotations

import pytest

from tests.conftest import balance
from tests.ussd.conftest import home_screen, post_hop
from ussd.models import UssdSession
from wallets.models import Customer, Transaction

HOME_SCREEN = home_screen("Alice")
SEND_TO = "CON Send money\nEnter phone number\n0. Back"
AMOUNT = "CON Send to BOB OTIENO\nEnter amount\n0. Back"
CONFIRM = "CON Send KES 200 to BOB OTIENO +254712000002?\nFee KES 7\nEnter PIN\n0. Back"


def test_a_repeated_hop_gets_the_identical_reply_and_applies_nothing_twice(alice, bob, phone_of):
    phone = phone_of(alice)
    phone.dial()
    assert phone.type("1") == SEND_TO
    assert phone.resend() == SEND_TO
    assert phone.type("0712000002") == AMOUNT
    assert phone.resend() == AMOUNT
    assert UssdSession.objects.get(session_id=phone.session_id).consumed == 2


def test_a_retried_final_pin_hop_replays_the_receipt_and_posts_once(alice, bob, fund, phone_of):
    fund(alice, 100_000)
    phone = phone_of(alice)
    phone.dial("1", "0712000002", "200")
    done = phone.type("2468")

    assert phone.resend() == done
    assert phone.resend() == done
    assert Transaction.objects.filter(kind="send_money").count() == 1
    assert balance(bob) == 20_000


def test_a_retried_wrong_pin_costs_one_try_only(alice, bob, phone_of):
    phone = phone_of(alice)
    phone.dial("1", "0712000002", "200")
    first = phone.type("1357")

    assert phone.resend() == first == f"CON Wrong PIN. 2 tries left.\n{CONFIRM[4:]}"
    assert Customer.objects.get(pk=alice.customer.pk).failed_pin_attempts == 1


def test_a_late_retry_of_an_older_hop_does_not_replay_its_tokens_later(alice, bob, phone_of):
    phone = phone_of(alice)
    phone.dial("1", "0712000002")
    late = post_hop(
        phone.client, sessionId=phone.session_id, phoneNumber=phone.number, text="1"
    )  # the gateway's retry of hop 1 arrives after hop 2

    assert late.content.decode() == AMOUNT
    assert phone.type("200") == CONFIRM


def test_a_shortcut_dial_lands_on_the_confirmation_in_one_hop(alice, bob, fund, phone_of):
    fund(alice, 100_000)
    phone = phone_of(alice)

    assert phone.dial("1", "0712000002", "200") == CONFIRM
    assert phone.type("2468").startswith("END ")
    assert balance(bob) == 20_000


def test_zero_goes_back_and_double_zero_goes_home(alice, bob, phone_of):
    phone = phone_of(alice)
    phone.dial("1", "0712000002", "200")

    assert phone.type("0") == AMOUNT
    assert phone.type("0") == SEND_TO
    assert phone.type("0") == HOME_SCREEN
    assert phone.type("0") == f"CON Invalid choice. Try again.\n{HOME_SCREEN[4:]}"
    assert phone.type("5").startswith("CON My account")
    assert phone.type("1") == "CON Balance\nEnter PIN\n0. Back"
    assert phone.type("00") == HOME_SCREEN
    assert phone.type("1") == SEND_TO
    assert phone.type("0712000002") == AMOUNT
    assert phone.type("300").startswith("CON Send KES 300 to BOB OTIENO")


def test_home_forgets_the_values_typed_so_far(alice, bob, phone_of):
    phone = phone_of(alice)
    phone.dial("1", "0712000002", "200", "00")

    session = UssdSession.objects.get(session_id=phone.session_id)
    assert (session.screen, session.stack, session.data) == ("home", [], {})


@pytest.mark.parametrize(
    ("inputs", "notice"),
    [
        (["1", ""], "Nothing was entered. Try again."),
        (["", ""], "Please choose one of the options."),
        (["abc"], "Invalid choice. Try again."),
        (["7"], "Invalid choice. Try again."),
        (["1", "", ""], "Nothing was entered. Try again."),  # text "1**"
        (["1", "0712abc678"], "That is not a valid phone number."),
        (["1", "7" * 60], "That is too long. Try again."),
        (["1", "0712000002", "mia tano"], "Enter an amount in shillings, like 500."),
        (["1", "0712000002", "-200"], "Enter an amount in shillings, like 500."),
        (["1", "0712000002", "200.555"], "Enter an amount in shillings, like 500."),
        (["1", "0712000002", "1e3"], "Enter an amount in shillings, like 500."),
        (["5", "1", "PIN!"], "A PIN is exactly 4 digits."),
        (["5", "3", "2468", "four"], "A PIN is exactly 4 digits."),
    ],
    ids=[
        "empty-token",
        "empty-on-home",
        "letters-on-home",
        "unknown-option",
        "text-1**",
        "letters-in-phone",
        "60-character-token",
        "amount-in-words",
        "negative-amount",
        "three-decimals",
        "exponent",
        "pin-with-letters",
        "new-pin-in-words",
    ],
)
def test_garbled_input_gets_the_screen_again_with_a_helpful_line(
    alice, bob, phone_of, inputs, notice
):
    phone = phone_of(alice)
    reply = phone.dial(*inputs)

    assert reply.startswith(f"CON {notice}\n")
    assert not Transaction.objects.exists()


def test_garbled_input_reads_in_kiswahili(alice, bob, phone_of):
    phone = phone_of(alice, language="sw")
    assert phone.dial("9").startswith("CON Chaguo si sahihi. Jaribu tena.\nKaribu Alice")
    assert phone.type("1").startswith("CON Tuma pesa")
    assert phone.type("").startswith("CON Hukuweka chochote. Jaribu tena.\nTuma pesa")
    assert phone.type("x" * 41).startswith("CON Ni ndefu mno. Jaribu tena.\nTuma pesa")
    assert phone.type("mimi").startswith("CON Nambari ya simu si sahihi.\nTuma pesa")
    assert phone.type("0712000001").startswith("CON Huwezi kujitumia pesa.\n")
    assert phone.type("0712999999").startswith("CON +254712999999 haijasajiliwa.\n")


def test_text_longer_than_500_characters_is_a_bad_request(alice, client):
    response = post_hop(
        client, sessionId="ATUid_long", phoneNumber="+254712000001", text="1*" * 251
    )
    assert response.status_code == 400
    assert not UssdSession.objects.exists()
