"""The recipient answers a reversal request by SMS: `REVERSE <reference> YES|NO <PIN>` where SMS
may carry a PIN (SMS_PIN_ENABLED), otherwise a pointer to the USSD screen. Bob (PIN 1357)
received KES 200 from Alice, who asked for it back."""

from __future__ import annotations

import pytest

from tests.conftest import balance, new_key
from tests.sms.test_inbound import sms
from ussd.sms.models import InboundSms
from wallets import services
from wallets.models import Customer, ReversalRequest, ReversalState

pytestmark = pytest.mark.django_db

BOB = "+254712000002"


@pytest.fixture
def asked(alice, bob, fund) -> ReversalRequest:
    fund(alice, 100_000)
    sent = services.send_money(
        sender=alice, recipient=bob, amount=20_000, idempotency_key=new_key()
    )
    return services.request_reversal(
        customer=alice.customer, reference=sent.reference, channel="ussd"
    )


def test_by_default_the_reply_points_to_the_ussd_screen_and_changes_nothing(client, asked):
    ref = asked.original.reference
    assert sms(client, f"REVERSE {ref} NO 1357", phone=BOB) == (
        "For your safety, dial *384*5*6# to agree or dispute. Never send your PIN by SMS."
    )
    asked.refresh_from_db()
    assert asked.state == ReversalState.OPEN
    assert InboundSms.objects.get().text == f"REVERSE {ref} NO ****"


def test_with_pins_allowed_the_recipient_disputes_by_sms(client, settings, bob, asked):
    settings.SMS_PIN_ENABLED = True
    ref = asked.original.reference

    reply = sms(client, f"reverse {ref.lower()} no 1357", phone=BOB)

    assert reply == "You disputed the reversal. KES 200 is available to you again."
    asked.refresh_from_db()
    assert (asked.state, asked.decision_note) == (
        ReversalState.REJECTED,
        "disputed by the recipient (sms)",
    )
    assert balance(bob) == 20_000
    assert "1357" not in "".join(InboundSms.objects.values_list("text", flat=True))


def test_with_pins_allowed_the_recipient_agrees_by_sms_in_kiswahili(
    client, settings, alice, bob, asked
):
    settings.SMS_PIN_ENABLED = True
    services.set_language(bob.customer, "sw")

    reply = sms(client, f"REJESHA {asked.original.reference} NDIYO 1357", phone=BOB)

    asked.refresh_from_db()
    assert asked.state == ReversalState.REVERSED
    assert asked.reversal is not None
    assert reply.startswith(f"{asked.reversal.reference} Imethibitishwa.")
    assert (balance(alice), balance(bob)) == (100_000, 0)


def test_a_wrong_pin_by_sms_moves_nothing_and_says_the_tries_left(client, settings, asked):
    settings.SMS_PIN_ENABLED = True
    reply = sms(client, f"REVERSE {asked.original.reference} YES 1111", phone=BOB)
    assert reply == "Wrong PIN. 2 tries left."
    asked.refresh_from_db()
    assert asked.state == ReversalState.OPEN


def test_a_malformed_or_unknown_answer_gets_help(client, settings, alice, asked):
    settings.SMS_PIN_ENABLED = True
    assert sms(client, "REVERSE", phone=BOB) == (
        "Send REVERSE, the reference, YES or NO and your PIN, like this: REVERSE QK7T3M9XRA NO 1234"
    )
    assert sms(client, "REVERSE ZZZZZZZZZZ NO 1357", phone=BOB) == (
        "No reversal request for ZZZZZZZZZZ is waiting for your answer."
    )
    # The sender cannot answer their own request.
    assert sms(client, f"REVERSE {asked.original.reference} YES 2468") == (
        f"No reversal request for {asked.original.reference} is waiting for your answer."
    )
    asked.refresh_from_db()
    assert asked.state == ReversalState.OPEN


def test_after_a_support_reset_the_sms_menu_asks_for_the_ussd_pin_change_first(
    client, settings, alice, bob, asked
):
    settings.SMS_PIN_ENABLED = True
    Customer.objects.filter(phone=BOB).update(pin_must_change=True)  # as a reset leaves it
    expected = "Your PIN was reset. Dial *384# and enter the start PIN from your SMS."
    assert sms(client, "MENU", phone=BOB) == expected
    assert sms(client, "BAL 1357", phone=BOB) == expected
    assert sms(client, f"REVERSE {asked.original.reference} YES 1357", phone=BOB) == expected
