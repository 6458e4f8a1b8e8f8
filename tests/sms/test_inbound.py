"""The customer menu by SMS, through the real incoming-message callback: every reply is a
queued SMS, a redelivered message changes nothing, and no PIN is taken or kept by default."""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.forms.models import model_to_dict

from tests.conftest import balance
from ussd.models import UssdSession
from ussd.sms.models import InboundSms, SmsMessage
from wallets import services
from wallets.models import Transaction

pytestmark = pytest.mark.django_db

TOKEN = "dev-only-sms-callback-token"
URL = f"/sms/africastalking/{TOKEN}/inbound/"
ALICE = "+254712000001"
_ids = itertools.count(1)


def post(client, url: str = URL, **fields: str):
    return client.post(url, fields)


def sms(client, text: str, phone: str = ALICE, message_id: str = "") -> str:
    """Send `text` as the phone; the reply queued for it."""
    message_id = message_id or f"ATXid_in_{next(_ids)}"
    response = post(
        client,
        **{
            "from": phone,
            "to": "20880",
            "text": text,
            "date": "2025-05-01 10:00:00",
            "id": message_id,
            "networkCode": "63902",
        },
    )
    assert response.status_code == 200, response.content
    return replies(phone)[-1]


def replies(phone: str = ALICE) -> list[str]:
    return [message.text for message in SmsMessage.objects.for_phone(phone).reverse()]


def sent_money() -> int:
    return Transaction.objects.filter(kind="send_money").count()


def walk_to_the_pin(client) -> str:
    sms(client, "MENU")
    sms(client, "1")
    sms(client, "0712000002")
    return sms(client, "200")


def test_menu_starts_a_conversation_and_the_home_screen_arrives_as_a_queued_sms(client, alice):
    reply = sms(client, " menu ")

    message = SmsMessage.objects.get()
    assert (message.to, message.purpose, message.state) == (ALICE, "sms-menu", "queued")
    assert reply.startswith("Welcome Alice\n1. Send money")
    assert reply.endswith("\nReply with a number.")
    assert not reply.startswith(("CON", "END"))
    stored = InboundSms.objects.get()
    assert (stored.phone, stored.text, stored.outcome) == (ALICE, "menu", "menu")
    assert stored.reply == message
    assert stored.session_id == f"sms:{ALICE}:{stored.pk}"


def test_by_default_the_pin_screen_is_refused_over_sms_and_no_money_moves(client, alice, bob, fund):
    fund(alice, 100_000)
    assert sms(client, "MENU").startswith("Welcome Alice")
    assert sms(client, "1") == "Send money\nEnter phone number\n0. Back"
    assert sms(client, "0712000002") == "Send to BOB OTIENO\nEnter amount\n0. Back"

    assert sms(client, "200") == (
        "For your safety, dial *384# to continue. Never send your PIN by SMS."
    )
    assert UssdSession.objects.get().ended
    # A PIN sent anyway is not applied to anything: the conversation is over.
    assert sms(client, "2468").startswith("Your last session has ended.\nWelcome Alice")
    assert sent_money() == 0
    assert balance(bob) == 0


def test_with_pin_over_sms_enabled_a_send_completes_once_even_if_redelivered(
    client, settings, alice, bob, fund
):
    settings.SMS_PIN_ENABLED = True
    fund(alice, 100_000)
    assert walk_to_the_pin(client) == (
        "Send KES 200 to BOB OTIENO +254712000002?\nFee KES 7\nEnter PIN\n0. Back"
    )

    done = sms(client, "2468", message_id="ATXid_pin")
    again = post(client, **{"from": ALICE, "to": "20880", "text": "2468", "id": "ATXid_pin"})

    assert again.status_code == 200
    sent = Transaction.objects.get(kind="send_money")
    assert done == (
        f"{sent.reference} Confirmed. KES 200 sent to BOB OTIENO. Fee KES 7. You will get an SMS."
    )
    assert replies().count(done) == 1
    assert InboundSms.objects.filter(provider_id="ATXid_pin").count() == 1
    assert balance(alice) == 100_000 - 20_000 - 700
    assert balance(bob) == 20_000


def test_a_redelivered_menu_message_gets_one_reply(client, alice):
    sms(client, "MENU", message_id="ATXid_same")
    sms(client, "MENU", message_id="ATXid_same")

    assert len(replies()) == 1
    assert UssdSession.objects.count() == 1


def test_bal_by_default_points_to_the_ussd_code_and_keeps_no_pin(client, alice, fund):
    fund(alice, 50_000)
    advice = "For your safety, dial *384# to check your balance. Never send your PIN by SMS."

    assert sms(client, "BAL") == advice
    assert sms(client, "bal 2468") == advice
    assert "KES" not in "".join(replies())
    assert list(InboundSms.objects.order_by("id").values_list("text", flat=True)) == [
        "BAL",
        "bal ****",
    ]


def test_bal_with_the_pin_enabled_tells_the_balance_for_the_right_pin(
    client, settings, alice, fund
):
    settings.SMS_PIN_ENABLED = True
    fund(alice, 50_000)

    assert sms(client, "BAL") == "Send BAL and your PIN, like this: BAL 1234"
    assert sms(client, "BAL 1111").startswith("Wrong PIN.")
    assert sms(client, "Bal 2468") == "Balance KES 500. Available KES 500."


def test_a_reply_after_the_idle_timeout_starts_over(client, settings, alice):
    settings.SMS_SESSION_IDLE_MINUTES = 5
    sms(client, "MENU")
    assert sms(client, "5").startswith("My account\n1. Balance")
    UssdSession.objects.update(updated_at=datetime.datetime.now(datetime.UTC).replace(year=2020))

    reply = sms(client, "1")

    assert reply.startswith("Your last session has ended.\nWelcome Alice\n1. Send money")
    assert UssdSession.objects.count() == 2
    assert sms(client, "5").startswith("My account")  # the new conversation carries on


def test_a_reply_within_the_idle_timeout_carries_on_and_0_goes_back(client, alice):
    sms(client, "MENU")
    sms(client, "1")
    UssdSession.objects.update(
        updated_at=datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=4)
    )

    assert sms(client, "0").startswith("Welcome Alice")


def test_menu_during_a_conversation_starts_a_new_one(client, alice):
    sms(client, "MENU")
    sms(client, "1")

    assert sms(client, "MENU").startswith("Welcome Alice")
    assert sms(client, "5").startswith("My account")


def test_help_lists_the_commands_and_unknown_text_gets_a_short_help(client, alice):
    assert sms(client, "help").endswith(
        "Reply with a number. Send MENU to start again, BAL for your balance."
    )
    UssdSession.objects.update(ended=True)
    assert sms(client, "hello there") == (
        "Send MENU for the menu, BAL for your balance or HELP for help."
    )
    assert sms(client, "") == "Send MENU for the menu, BAL for your balance or HELP for help."


def test_an_unregistered_number_is_told_how_to_register(client, db):
    reply = sms(client, "MENU", phone="+254712999999")

    assert reply == "This number has no wallet. Visit an agent with your ID to register."
    assert not UssdSession.objects.exists()
    assert InboundSms.objects.get().outcome == "unregistered"


def test_a_bad_token_is_refused_and_nothing_is_stored(client, alice):
    response = post(
        client, "/sms/africastalking/wrong/inbound/", **{"from": ALICE, "text": "MENU", "id": "x"}
    )

    assert response.status_code == 403
    assert not InboundSms.objects.exists()
    assert not SmsMessage.objects.exists()


@pytest.mark.parametrize(
    "fields",
    [
        {"from": ALICE, "text": "MENU"},
        {"id": "ATXid_1", "text": "MENU"},
        {"id": "ATXid_1", "from": "not a phone", "text": "MENU"},
        {"id": "ATXid_1", "from": ALICE, "text": "MENU\x00"},
        {"id": "ATXid_1", "from": ALICE, "text": "x" * 1601},
    ],
)
def test_a_malformed_message_is_a_400_and_nothing_is_stored(client, alice, fields):
    assert post(client, **fields).status_code == 400
    assert not InboundSms.objects.exists()
    assert not SmsMessage.objects.exists()


def test_the_pin_is_masked_in_stored_messages_and_absent_from_every_session(
    client, settings, alice, bob, fund
):
    settings.SMS_PIN_ENABLED = True
    fund(alice, 100_000)
    walk_to_the_pin(client)
    sms(client, "2468")
    sms(client, "MENU")
    sms(client, "5")
    sms(client, "1")  # the balance screen asks for the PIN
    sms(client, "2468")
    sms(client, "BAL 2468")

    assert sent_money() == 1
    stored = list(InboundSms.objects.values_list("text", flat=True))
    assert stored.count("****") == 2
    assert "BAL ****" in stored
    assert all("2468" not in text for text in stored)
    sessions = [str(model_to_dict(session)) for session in UssdSession.objects.all()]
    assert len(sessions) == 2
    assert all("2468" not in session for session in sessions)


def test_a_swahili_customer_gets_swahili_replies(client, alice, bob):
    services.set_language(alice.customer, "sw")

    assert sms(client, "MENU").startswith("Karibu Alice\n1. Tuma pesa")
    assert sms(client, "1") == "Tuma pesa\nWeka nambari ya simu\n0. Rudi"
    assert {message.language for message in SmsMessage.objects.all()} == {"sw"}
