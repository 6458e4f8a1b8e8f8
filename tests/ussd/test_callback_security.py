"""Who may call the USSD callbacks, and what a malformed or foreign request gets."""

from __future__ import annotations

import pytest
from django.conf import settings

from tests.ussd.conftest import EVENTS_URL, post_hop
from ussd.models import UssdSession, UssdSessionEnd
from wallets.models import Customer, CustomerStatus

ALICE = "+254712000001"


def hop_fields(**overrides: str | None) -> dict[str, str]:
    fields: dict[str, str | None] = {
        "sessionId": "ATUid_security",
        "serviceCode": "*384#",
        "phoneNumber": ALICE,
        "networkCode": "63902",
        "text": "",
    }
    fields.update(overrides)
    return {name: value for name, value in fields.items() if value is not None}


def test_a_wrong_token_is_forbidden_and_creates_no_session(alice, client):
    for url in ("/ussd/africastalking/guess/", "/ussd/africastalking/dev-ussd-tokem/"):
        response = post_hop(client, url, **hop_fields())
        assert response.status_code == 403
    assert not UssdSession.objects.exists()


def test_a_caller_outside_the_allow_list_is_forbidden(alice, client, settings):
    settings.USSD_ALLOWED_IPS = ["196.201.214.200"]
    assert post_hop(client, **hop_fields()).status_code == 403
    settings.USSD_ALLOWED_IPS = ["127.0.0.1"]
    assert post_hop(client, **hop_fields()).status_code == 200


def test_only_post_is_accepted(alice, client):
    assert client.get(f"/ussd/africastalking/{settings.USSD_CALLBACK_TOKEN}/").status_code == 405


@pytest.mark.parametrize(
    "fields",
    [
        hop_fields(sessionId=None),
        hop_fields(sessionId="  "),
        hop_fields(sessionId="x" * 101),
        hop_fields(phoneNumber=None),
        hop_fields(phoneNumber="alice"),
        hop_fields(phoneNumber="+2547120000011"),
        hop_fields(sessionId="ATUid_\x00"),
        hop_fields(serviceCode="*384\x00#"),
    ],
    ids=[
        "no-session",
        "blank-session",
        "long-session",
        "no-phone",
        "garbled-phone",
        "too-long-phone",
        "nul-session",
        "nul-service-code",
    ],
)
def test_a_malformed_request_is_a_bad_request(alice, client, fields):
    response = post_hop(client, **fields)
    assert response.status_code == 400
    assert response.content.startswith(b"Bad request")
    assert not UssdSession.objects.exists()


def test_a_session_id_reused_by_another_phone_is_refused(alice, bob, client, phone_of):
    phone = phone_of(alice)
    phone.dial("1")

    response = post_hop(
        client,
        **hop_fields(sessionId=phone.session_id, phoneNumber="+254712000002", text="1*0712000001"),
    )
    assert response.content.decode() == "END This session belongs to another phone."
    session = UssdSession.objects.get(session_id=phone.session_id)
    assert (session.phone, session.screen, session.consumed) == (ALICE, "send.to", 1)
    assert phone.type("0712000002").startswith("CON Send to BOB OTIENO")


def test_an_unregistered_number_is_told_how_to_register(db, client):
    response = post_hop(client, **hop_fields(phoneNumber="+254712999999", text="1"))
    assert response.status_code == 200
    assert response.content.decode() == (
        "END This number has no wallet. Visit an agent with your ID to register."
    )
    assert not UssdSession.objects.exists()


def test_a_frozen_wallet_is_told_to_call_customer_care(alice, client, phone_of):
    Customer.objects.filter(pk=alice.customer.pk).update(status=CustomerStatus.FROZEN)
    assert (
        phone_of(alice).dial() == "END Your wallet is not active. Please call customer care on 100."
    )
    assert phone_of(alice, language="sw").dial() == (
        "END Akaunti yako haitumiki kwa sasa. Tafadhali piga huduma kwa wateja 100."
    )


def test_the_reply_is_plain_text_with_a_screen_label_for_the_gateway(alice, client):
    response = post_hop(client, **hop_fields(text="1"))
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["at-ussd-hop-metadata"] == "send.to"


def end_event(**overrides: str) -> dict[str, str]:
    event = {
        "sessionId": "ATUid_ended",
        "serviceCode": "*384#",
        "networkCode": "63902",
        "phoneNumber": ALICE,
        "status": "Success",
        "cost": "KES 0.0000",
        "durationInMillis": "23150",
        "hopsCount": "5",
        "input": "1*0712000002*2000*2468",
        "lastAppResponse": "END QK7T3M9XRA Confirmed. KES 2,000 sent to BOB OTIENO.",
        "errorMessage": "",
    }
    event.update(overrides)
    return event


def test_the_end_of_session_report_is_stored_with_four_digit_tokens_redacted(db, client):
    response = client.post(EVENTS_URL, end_event())
    assert response.status_code == 200

    stored = UssdSessionEnd.objects.get()
    assert stored.input_redacted == "1*0712000002*" + "****" + "*" + "****"  # amount too
    assert (stored.status, stored.duration_ms, stored.hops) == ("Success", 23150, 5)
    for value in vars(stored).values():
        assert "2468" not in str(value)


@pytest.mark.parametrize("typed", ["2468", " 2468", "2468 "])
def test_a_pin_with_spaces_around_it_is_redacted_too(db, client, typed):
    client.post(EVENTS_URL, end_event(input=f"5*1*{typed}"))
    assert UssdSessionEnd.objects.get().input_redacted == "5*1*****"


def test_an_end_of_session_report_needs_the_token_and_a_session_id(db, client):
    assert client.post("/ussd/africastalking/guess/events/", end_event()).status_code == 403
    assert client.post(EVENTS_URL, end_event(sessionId="")).status_code == 400
    assert client.post(EVENTS_URL, end_event(input="1*\x00")).status_code == 400
    assert (
        client.post(EVENTS_URL, end_event(durationInMillis="-5", hopsCount="many")).status_code
        == 200
    )
    stored = UssdSessionEnd.objects.get()
    assert (stored.duration_ms, stored.hops) == (None, None)
