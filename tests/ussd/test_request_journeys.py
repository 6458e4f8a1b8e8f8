"""My account → reverse a transaction, and pending payment requests, in both languages."""

from __future__ import annotations

from django.utils.timezone import localtime

from tests.conftest import balance, new_key
from wallets import services
from wallets.models import PaymentRequestState, ReversalRequest


def send_by_mistake(alice, bob, fund):
    fund(alice, 100_000)
    return services.send_money(
        sender=alice, recipient=bob, amount=20_000, idempotency_key=new_key("send")
    )


def test_a_sender_asks_to_reverse_a_send_and_the_money_is_held_at_the_recipient(
    alice, bob, fund, phone_of
):
    sent = send_by_mistake(alice, bob, fund)
    day = f"{localtime(sent.created_at):%d/%m/%y}"
    phone = phone_of(alice)

    assert phone.dial("5", "5") == (
        "CON Reverse a transaction\nEnter the reference from your SMS\n0. Back"
    )
    assert phone.type("ZZZZZZZZZZ") == (
        "CON No transaction of yours has that reference.\n"
        "Reverse a transaction\nEnter the reference from your SMS\n0. Back"
    )
    assert phone.type(sent.reference.lower()) == (
        f"CON Reverse {sent.reference}: KES 200 to BOB OTIENO on {day}?\nEnter PIN\n0. Back"
    )
    assert phone.type("2468") == (
        "END Reversal request received. KES 200 is on hold at the recipient, who is asked to "
        "agree. You will get an SMS."
    )
    bob.refresh_from_db()
    assert (bob.balance, bob.held) == (20_000, 20_000)
    assert ReversalRequest.objects.get().original == sent


def test_a_reversal_is_asked_for_in_kiswahili_and_a_second_ask_is_refused(
    alice, bob, fund, phone_of
):
    sent = send_by_mistake(alice, bob, fund)
    day = f"{localtime(sent.created_at):%d/%m/%y}"
    phone = phone_of(alice, language="sw")
    assert phone.dial("5", "5", sent.reference) == (
        f"CON Rejesha {sent.reference}: KES 200 kwa BOB OTIENO tarehe {day}?\nWeka PIN\n0. Rudi"
    )
    assert phone.type("2468").startswith("END Ombi la kurejesha limepokelewa. KES 200")
    assert phone.dial("5", "5", sent.reference) == (
        "CON Urejeshaji wa muamala huo tayari unashughulikiwa.\n"
        "Rejesha muamala\nWeka nambari ya kumbukumbu kutoka SMS yako\n0. Rudi"
    )


def test_a_wrong_pin_asks_for_no_reversal(alice, bob, fund, phone_of):
    sent = send_by_mistake(alice, bob, fund)
    phone = phone_of(alice)
    assert phone.dial("5", "5", sent.reference, "1111") == (
        f"CON Wrong PIN. 2 tries left.\nReverse {sent.reference}: KES 200 to BOB OTIENO on "
        f"{localtime(sent.created_at):%d/%m/%y}?\nEnter PIN\n0. Back"
    )
    assert not ReversalRequest.objects.exists()
    bob.refresh_from_db()
    assert bob.held == 0


def ask(requester, payer, amount=50_000, note="school fees", key="r1"):
    return services.request_payment(
        requester=requester,
        requester_name="Bob the plumber",
        payer=payer.customer,
        amount=amount,
        idempotency_key=key,
        note=note,
    )


def test_a_customer_pays_a_pending_request_with_the_fee_shown_first(alice, bob, fund, phone_of):
    fund(alice, 100_000)
    request = ask(bob, alice)
    phone = phone_of(alice)

    assert phone.dial("5", "6") == ("CON Pending requests\n1. KES 500 BOB OTIENO\n0. Back")
    assert phone.type("2") == (
        "CON Invalid choice. Try again.\nPending requests\n1. KES 500 BOB OTIENO\n0. Back"
    )
    assert phone.type("1") == (
        "CON BOB OTIENO asks for KES 500\nschool fees\n1. Pay\n2. Decline\n0. Back"
    )
    assert phone.type("1") == "CON Pay KES 500 to BOB OTIENO?\nFee KES 7\nEnter PIN\n0. Back"
    reply = phone.type("2468")
    request.refresh_from_db()
    assert request.state == PaymentRequestState.PAID
    assert request.transaction is not None
    assert reply == (
        f"END {request.transaction.reference} Confirmed. KES 500 paid to BOB OTIENO. Fee KES 7."
        " You will get an SMS."
    )
    assert (balance(alice), balance(bob)) == (100_000 - 50_000 - 700, 50_000)
    assert phone.dial("5", "6") == "END You have no pending requests."


def test_a_customer_declines_a_request_in_kiswahili(alice, bob, phone_of):
    request = ask(bob, alice, note="")
    phone = phone_of(alice, language="sw")
    assert phone.dial("5", "6", "1") == (
        "CON BOB OTIENO anaomba KES 500\n1. Lipa\n2. Kataa\n0. Rudi"
    )
    assert phone.type("2") == "END Ombi la malipo limekataliwa."
    request.refresh_from_db()
    assert request.state == PaymentRequestState.DECLINED
    assert phone.dial("5", "6") == "END Huna maombi yanayosubiri."


def test_another_customers_request_cannot_be_answered(alice, bob, carol, phone_of):
    ask(bob, carol)
    assert phone_of(alice).dial("5", "6") == "END You have no pending requests."
