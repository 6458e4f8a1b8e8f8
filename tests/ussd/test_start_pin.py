"""After a support reset, the next dial asks for the start PIN from the SMS and then a new PIN;
nothing else works until then, and the start PIN is in no stored row or log, only in the SMS
handed to the gateway. Alice (PIN 2468) registered with ID number 12345678."""

from __future__ import annotations

import logging
import re
import urllib.parse

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection, models

from tests.conftest import make_customer
from tests.sms.conftest import AT_SMS_URL, at_reply
from tests.sms.conftest import africastalking as africastalking  # the fixture
from tests.ussd.conftest import EVENTS_URL, home_screen
from ussd.sms import sealed
from ussd.sms.models import SmsMessage
from ussd.sms.tasks import send_sms
from wallets import errors, services
from wallets.models import Account, Transaction
from wallets.services.pins import reset_pin_by_support


@pytest.fixture
def alice(db) -> Account:
    customer = make_customer(
        "+254712000001", "Alice Wanjiru", id_type="national_id", id_number="12345678"
    )
    services.set_pin(customer, "2468")
    return customer.wallet()


@pytest.fixture
def start_pin(alice) -> str:
    """Support resets Alice's PIN; the start PIN her SMS carries."""
    staff = get_user_model().objects.create_user("support_sam", is_staff=True)
    reset_pin_by_support(customer=alice.customer, staff=staff, id_number="12345678")
    (seal,) = sealed.SEAL.findall(SmsMessage.objects.get(purpose="start-pin").text)
    return sealed.pin_for(seal)


def other_than(*pins: str) -> str:
    return next(pin for pin in ("7395", "8416", "5927") if pin not in pins)


def test_the_next_dial_takes_the_start_pin_then_a_new_pin(alice, bob, fund, start_pin, phone_of):
    new_pin = other_than(start_pin)
    phone = phone_of(alice)

    assert phone.dial() == (
        "CON Welcome Alice. Your PIN was reset. Enter the start PIN from your SMS"
    )
    assert phone.type(start_pin) == "CON Choose a 4-digit PIN\n0. Back"
    assert phone.type(start_pin) == (
        "CON Choose a PIN other than the start PIN.\nChoose a 4-digit PIN\n0. Back"
    )
    assert phone.type(new_pin) == "CON Enter the new PIN again\n0. Back"
    assert phone.type(new_pin) == "END Your PIN is set. Dial *384# again to use your wallet."

    alice.customer.refresh_from_db()
    assert not alice.customer.pin_must_change
    fund(alice, 100_000)
    phone = phone_of(alice)
    assert phone.dial() == home_screen("Alice")
    phone.dial("1", "0712000002", "200")
    assert phone.type(new_pin).startswith("END ")
    assert bob.customer.wallet().balance == 20_000


def test_a_wrong_start_pin_costs_a_try_and_the_old_pin_is_wrong_too(alice, start_pin, phone_of):
    phone = phone_of(alice)
    phone.dial()
    assert phone.type("2468") == (
        "CON Wrong PIN. 2 tries left.\n"
        "Welcome Alice. Your PIN was reset. Enter the start PIN from your SMS"
    )
    assert phone.type(other_than(start_pin, "2468")).startswith("CON Wrong PIN. 1 try left.")
    assert phone.type(other_than(start_pin, "2468", "7395")) == (
        "END Wrong PIN. Your PIN is locked. Try again later or call 100."
    )


def test_no_menu_but_the_pin_change_until_it_is_done(alice, fund, start_pin, phone_of):
    fund(alice, 100_000)
    # A shortcut dial to send money lands on the start-PIN screen and moves nothing.
    assert phone_of(alice).dial("1", "0712000002", "200") == (
        "CON A PIN is exactly 4 digits.\n"
        "Welcome Alice. Your PIN was reset. Enter the start PIN from your SMS"
    )
    assert not Transaction.objects.filter(kind="send_money").exists()
    with pytest.raises(errors.PinMustChange):
        services.verify_pin(alice.customer, start_pin)


def test_a_reset_during_a_session_ends_it(alice, phone_of):
    phone = phone_of(alice)
    assert phone.dial("5").startswith("CON My account")
    staff = get_user_model().objects.create_user("support_sam", is_staff=True)
    reset_pin_by_support(customer=alice.customer, staff=staff, id_number="12345678")

    assert phone.type("1") == "END Your PIN has changed. Please dial again."


# --- The start PIN is nowhere but in the SMS sent ------------------------------------------------

ARGON2 = re.compile(r"\$argon2id\$[^\s\"',]+")


def shows(pin: str, text: str) -> bool:
    text = ARGON2.sub("", text)  # a hash can hold any four digits by chance
    return bool(re.search(rf"(?<![0-9A-Za-z]){pin}(?![0-9A-Za-z])", text))


def stored_rows_showing(pin: str) -> list[tuple[str, str]]:
    """Every text, char and JSON column of every table of ours (and Django's) with the PIN."""
    tables = set(connection.introspection.table_names())
    found = []
    for model in apps.get_models():
        if model._meta.db_table not in tables:
            continue
        columns = [
            field.attname
            for field in model._meta.concrete_fields
            if isinstance(field, (models.CharField, models.TextField, models.JSONField))
            and field.name not in {"pin_hash", "password"}
        ]
        if not columns:
            continue
        for row in model._default_manager.values_list(*columns):
            for value in row:
                if value is not None and shows(pin, str(value)):
                    found.append((model._meta.label, str(value)))
    return found


def test_the_start_pin_is_in_no_stored_row_and_no_log_only_in_the_sms_sent(
    alice, africastalking, client, caplog, phone_of
):
    for name in ("", "django", "django.db.backends", "ussd", "wallets"):
        caplog.set_level(logging.DEBUG, logger=name)
    africastalking.post(AT_SMS_URL, json=at_reply(101, "Success", alice.customer.phone), status=201)
    connection.force_debug_cursor = True  # every SQL statement and its parameters, logged
    try:
        staff = get_user_model().objects.create_user("support_sam", is_staff=True)
        reset_pin_by_support(customer=alice.customer, staff=staff, id_number="12345678")
        message = SmsMessage.objects.get(purpose="start-pin")
        (seal,) = sealed.SEAL.findall(message.text)
        start_pin = sealed.pin_for(seal)
        new_pin = other_than(start_pin)
        send_sms.run(message.pk)
        phone = phone_of(alice)
        phone.dial()
        phone.type(start_pin)
        phone.type(new_pin)
        phone.type(new_pin)
        client.post(
            EVENTS_URL,
            {
                "sessionId": phone.session_id,
                "phoneNumber": alice.customer.phone,
                "input": f"{start_pin}*{new_pin}*{new_pin}",
                "status": "Success",
                "lastAppResponse": "END Your PIN is set.",
            },
        )
    finally:
        connection.force_debug_cursor = False

    body = africastalking.calls[0].request.body
    sent = dict(urllib.parse.parse_qsl(body if isinstance(body, str) else body.decode()))
    assert shows(start_pin, sent["message"])  # the customer got it
    assert stored_rows_showing(start_pin) == []
    # The search itself finds a PIN stored in clear (it is not vacuous).
    SmsMessage.objects.create(to=alice.customer.phone, text=f"PIN {start_pin}", dedup_key="probe")
    assert stored_rows_showing(start_pin) == [("sms.SmsMessage", f"PIN {start_pin}")]
    assert any(record.name == "django.db.backends" for record in caplog.records)
    for record in caplog.records:
        assert not shows(start_pin, record.getMessage()), record.getMessage()
        assert not shows(start_pin, str(record.args)), record.args
