"""My account → Pending requests: the recipient of a reversal request agrees or disputes with
their PIN, in English and Kiswahili. Alice sent Bob (PIN 1357) KES 200 by mistake and asked for
it back."""

from __future__ import annotations

import pytest
from django.utils.timezone import localtime

from tests.conftest import balance, new_key
from wallets import services
from wallets.models import Hold, ReversalRequest, ReversalState
from wallets.services.reversals import dispute_reversal


@pytest.fixture
def asked(alice, bob, fund) -> ReversalRequest:
    fund(alice, 100_000)
    sent = services.send_money(
        sender=alice, recipient=bob, amount=20_000, idempotency_key=new_key()
    )
    return services.request_reversal(
        customer=alice.customer, reference=sent.reference, channel="ussd"
    )


def deadline(request: ReversalRequest) -> str:
    return f"{localtime(request.hold.deadline):%d/%m %H:%M}"


def test_the_recipient_agrees_and_the_money_goes_back_at_once(alice, bob, asked, phone_of):
    phone = phone_of(bob)

    # The SMS's shortcut *384*5*6# lands on the list.
    assert (
        phone.dial("5", "6") == "CON Pending requests\n1. Return KES 200 to ALICE WANJIRU\n0. Back"
    )
    assert phone.type("1") == (
        f"CON ALICE WANJIRU asks for KES 200 back. Answer by {deadline(asked)} or it goes back.\n"
        "1. Agree\n2. Dispute\n0. Back"
    )
    assert phone.type("1") == "CON Return KES 200 to ALICE WANJIRU?\nEnter PIN\n0. Back"
    reply = phone.type("1357")

    asked.refresh_from_db()
    assert asked.reversal is not None
    assert reply == (
        f"END {asked.reversal.reference} Confirmed. KES 200 returned to ALICE WANJIRU. "
        "You will get an SMS."
    )
    assert asked.state == ReversalState.REVERSED
    assert (balance(alice), balance(bob)) == (100_000, 0)
    assert phone.dial("5", "6") == "END You have no pending requests."


def test_the_recipient_disputes_in_kiswahili_and_keeps_the_money(bob, asked, phone_of):
    phone = phone_of(bob, language="sw")

    assert phone.dial("5", "6", "1") == (
        f"CON ALICE WANJIRU anaomba KES 200 irudi. Jibu kufikia {deadline(asked)} au"
        " itarudishwa.\n1. Kubali\n2. Pinga\n0. Rudi"
    )
    assert phone.type("2") == "CON Pinga na ubaki na KES 200?\nWeka PIN\n0. Rudi"
    assert phone.type("1357") == "END Umepinga urejeshaji. KES 200 inapatikana kwako tena."

    asked.refresh_from_db()
    bob.refresh_from_db()
    assert asked.state == ReversalState.REJECTED
    assert (bob.balance, bob.held) == (20_000, 0)


def test_a_wrong_pin_answers_nothing(bob, asked, phone_of):
    phone = phone_of(bob)
    assert phone.dial("5", "6", "1", "1", "1111") == (
        "CON Wrong PIN. 2 tries left.\nReturn KES 200 to ALICE WANJIRU?\nEnter PIN\n0. Back"
    )
    asked.refresh_from_db()
    assert asked.state == ReversalState.OPEN


def test_a_case_closed_meanwhile_is_said_to_be_closed(bob, asked, phone_of):
    phone = phone_of(bob)
    phone.dial("5", "6", "1", "1")
    dispute_reversal(request=asked, customer=bob.customer, channel="sms")
    assert phone.type("1357") == "END That reversal request is already closed."


def test_the_sender_is_not_asked(alice, asked, phone_of):
    assert phone_of(alice).dial("5", "6") == "END You have no pending requests."


def test_payment_requests_come_first_then_reversal_requests(alice, bob, asked, phone_of):
    services.request_payment(
        requester=alice,
        requester_name="Alice",
        payer=bob.customer,
        amount=5_000,
        idempotency_key="pay-me",
    )
    phone = phone_of(bob)
    assert phone.dial("5", "6") == (
        "CON Pending requests\n1. KES 50 ALICE WANJIRU\n2. Return KES 200 to ALICE WANJIRU\n0. Back"
    )
    assert phone.type("2").startswith("CON ALICE WANJIRU asks for KES 200 back.")
    assert phone.type("0").startswith("CON Pending requests")
    assert phone.type("1").startswith("CON ALICE WANJIRU asks for KES 50")


def test_a_dispute_after_the_deadline_is_refused(bob, asked, phone_of):
    phone = phone_of(bob)
    phone.dial("5", "6", "1", "2")
    Hold.objects.filter(pk=asked.hold.pk).update(deadline=asked.created_at)  # it passed
    assert phone.type("1357") == "END The time to dispute this reversal has passed."
    asked.refresh_from_db()
    assert asked.state == ReversalState.OPEN  # the deadline job will reverse it
