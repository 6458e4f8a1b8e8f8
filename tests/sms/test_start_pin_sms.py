"""The start PIN of a support reset travels sealed: the gateway gets it, no row or log does.

Africa's Talking is stubbed at the `requests` boundary; the database is real.
"""

from __future__ import annotations

import logging
import urllib.parse

import pytest
from celery.exceptions import Retry
from django.db import connection
from django.utils import translation

from tests.sms.conftest import AT_SMS_URL, at_reply
from ussd.sms import sealed
from ussd.sms.models import SmsMessage
from ussd.sms.notices import queue_start_pin
from ussd.sms.services import send_message
from ussd.sms.tasks import send_sms
from wallets.models import Customer

pytestmark = pytest.mark.django_db

ALICE = "+254712000001"


@pytest.fixture
def customer(db) -> Customer:
    return Customer.objects.create(phone=ALICE, name="Alice Wanjiru", language="en")


@pytest.fixture
def queued(customer) -> tuple[SmsMessage, str]:
    """A start-PIN SMS waiting to be sent, and the PIN it stands for."""
    seal = sealed.new_seal()
    return queue_start_pin(customer=customer, seal=seal), sealed.pin_for(seal)


def form(call: object) -> dict[str, str]:
    body = call.request.body  # type: ignore[attr-defined]
    return dict(urllib.parse.parse_qsl(body if isinstance(body, str) else body.decode()))


def test_the_stored_text_holds_a_seal_and_no_pin(queued):
    message, pin = queued
    assert sealed.is_sealed(message.text)
    assert pin not in message.text
    assert pin not in message.dedup_key
    assert sealed.SEAL.findall(message.text)[0] not in message.dedup_key  # nor the seal


def test_the_gateway_gets_the_pin_and_the_row_keeps_it_masked_once_sent(africastalking, queued):
    message, pin = queued
    africastalking.post(AT_SMS_URL, json=at_reply(101, "Success", ALICE, "ATXid_9"), status=201)

    assert send_sms.run(message.pk) == "sent"

    assert form(africastalking.calls[0])["message"] == (
        f"Your PIN was reset by customer care. Your one-time start PIN is {pin}. Dial *384# and"
        " choose a new PIN. Never share your PIN."
    )
    message.refresh_from_db()
    assert message.text == (
        "Your PIN was reset by customer care. Your one-time start PIN is ****. Dial *384# and"
        " choose a new PIN. Never share your PIN."
    )


def test_a_transient_failure_keeps_the_seal_for_the_retry_and_no_pin_in_the_error(
    africastalking, queued
):
    message, pin = queued
    # A gateway that echoes the message in its error body.
    africastalking.post(AT_SMS_URL, body=f"Bad Gateway for {pin}", status=502)

    with pytest.raises(Retry):
        send_sms.run(message.pk)

    message.refresh_from_db()
    assert message.state == "queued"
    assert sealed.is_sealed(message.text)  # the retry can still send it
    assert pin not in message.last_error
    assert "****" in message.last_error


def test_a_message_that_fails_for_good_is_masked_too(africastalking, queued):
    message, _pin = queued
    africastalking.post(AT_SMS_URL, json=at_reply(406, "UserInBlacklist", ALICE), status=201)

    assert send_sms.run(message.pk) == "failed"

    message.refresh_from_db()
    assert not sealed.is_sealed(message.text)
    assert "start PIN is ****." in message.text


def test_a_backend_that_raises_is_logged_without_its_message(queued, settings, caplog):
    message, pin = queued
    settings.SMS_BACKEND = "tests.sms.test_start_pin_sms.EchoingBackend"

    outcome = send_message(message.pk)

    assert outcome.state == "queued"
    message.refresh_from_db()
    assert message.last_error == "RuntimeError"
    assert pin not in caplog.text


class EchoingBackend:
    name = "echoing"

    def send(self, to: str, text: str) -> object:
        raise RuntimeError(f"cannot send {text!r}")


def test_the_console_backend_logs_it_masked_even_with_sql_logged(queued, caplog):
    message, pin = queued
    for name in ("", "django.db.backends", "ussd"):
        caplog.set_level(logging.DEBUG, logger=name)
    connection.force_debug_cursor = True
    try:
        assert send_message(message.pk).state == "sent"
    finally:
        connection.force_debug_cursor = False

    assert "start PIN is ****" in caplog.text
    assert pin not in caplog.text
    message.refresh_from_db()
    assert pin not in message.text


def test_the_start_pin_sms_is_in_the_customers_language_and_fits_one_sms(customer):
    customer.language = "sw"
    customer.save()
    message = queue_start_pin(customer=customer, seal=sealed.new_seal())
    with translation.override("sw"):
        rendered = sealed.unseal(message.text)
    assert rendered.startswith("Huduma kwa wateja wameweka upya PIN yako.")
    assert message.language == "sw"
    assert len(rendered) <= 160
