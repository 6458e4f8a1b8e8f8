"""A one-time withdrawal code is shown once, on the customer's own screen, and kept nowhere."""

from __future__ import annotations

import pytest

from tests.agents.conftest import ASSISTANT_PIN, KES, build_network, customer_wallet
from tests.sms.test_inbound import replies, sms
from tests.ussd.conftest import EVENTS_URL, Phone
from ussd.models import UssdSession, UssdSessionEnd
from wallets import services

PIN = "4821"


@pytest.fixture
def wanjiku(db):
    wallet = customer_wallet("+254700100101", "Wanjiku Kamau", "28451937", 6_000 * KES)
    assert wallet.customer is not None
    services.set_pin(wallet.customer, PIN)
    return wallet


def code_from(screen: str) -> str:
    return screen.split("code is ")[1][:6]


def test_the_code_is_shown_once_and_a_retried_hop_shows_it_masked(client, wanjiku):
    phone = Phone(client, wanjiku.customer.phone)
    shown = phone.dial("2", "2", "1000", PIN)
    code = code_from(shown)
    assert code.isdigit()
    assert "******" in phone.resend()
    session = UssdSession.objects.get(session_id=phone.session_id)
    assert code not in session.last_reply
    assert code not in str(session.data)


def test_the_code_typed_by_the_agent_and_shown_to_the_customer_is_kept_masked(client, wanjiku):
    network = build_network()
    shown = Phone(client, wanjiku.customer.phone).dial("2", "2", "1000", PIN)
    code = code_from(shown)
    agent = Phone(client, network.assistant.phone)
    agent.dial("2", "0700100101", "1000", ASSISTANT_PIN)
    assert "Confirmed" in agent.type(code)
    client.post(
        EVENTS_URL,
        {
            "sessionId": agent.session_id,
            "phoneNumber": network.assistant.phone,
            "input": agent.text,
            "status": "Success",
            "lastAppResponse": shown,
        },
    )
    (report,) = UssdSessionEnd.objects.all()
    assert code not in report.input_redacted
    assert code not in report.last_app_response
    for session in UssdSession.objects.all():
        assert code not in session.last_reply


def test_the_sms_menu_never_sends_a_code_even_with_pins_allowed(client, wanjiku, settings):
    settings.SMS_PIN_ENABLED = True
    for text in ("MENU", "2", "2", "1000", PIN):
        sms(client, text, phone=wanjiku.customer.phone)
    last = replies(wanjiku.customer.phone)[-1]
    assert "code is" not in last
    assert "dial *384#" in last
