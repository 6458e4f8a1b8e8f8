"""PIN reset by support after an ID check: a one-time start PIN, sent sealed by SMS, that works
only to choose a new PIN. Alice (PIN 2468) registered with ID number 12345678."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.conftest import make_customer
from ussd.sms import sealed
from ussd.sms.models import SmsMessage
from wallets import errors, services
from wallets.models import Account, Customer, Transaction
from wallets.services import pins
from wallets.services.pins import reset_pin_by_support, verify_pin_to_change

ID_NUMBER = "12345678"


@pytest.fixture
def alice(db) -> Account:
    customer = make_customer(
        "+254712000001", "Alice Wanjiru", id_type="national_id", id_number=ID_NUMBER
    )
    services.set_pin(customer, "2468")
    return customer.wallet()


@pytest.fixture
def staff(django_user_model) -> Any:
    return django_user_model.objects.create_user("support_sam", is_staff=True)


def start_pin_of(customer: Customer) -> str:
    """What the customer reads in their SMS (the row holds it sealed)."""
    message = SmsMessage.objects.get(to=customer.phone, purpose="start-pin")
    (seal,) = sealed.SEAL.findall(message.text)
    return sealed.pin_for(seal)


def reset(customer: Customer, staff: Any, id_number: str = ID_NUMBER) -> str:
    reset_pin_by_support(customer=customer, staff=staff, id_number=id_number)
    customer.refresh_from_db()
    return start_pin_of(customer)


def test_a_wrong_id_number_is_refused_changes_nothing_and_costs_no_pin_try(alice, staff, caplog):
    customer = alice.customer
    with (
        caplog.at_level(logging.WARNING, logger="wallets.services.pins"),
        pytest.raises(errors.IdNumberMismatch),
    ):
        reset_pin_by_support(customer=customer, staff=staff, id_number="87654321")

    customer.refresh_from_db()
    assert (customer.failed_pin_attempts, customer.pin_must_change) == (0, False)
    services.verify_pin(customer, "2468")  # the PIN is what it was
    assert not SmsMessage.objects.exists()
    (record,) = caplog.records
    assert "PIN reset refused" in record.getMessage()
    assert "support_sam" in record.getMessage()
    assert "87654321" not in record.getMessage()  # not even the wrong number typed


def test_a_customer_without_an_id_number_cannot_be_reset_by_support(db, staff):
    customer = make_customer("+254712000009", "Juma Hamisi")
    services.set_pin(customer, "2468")
    with pytest.raises(errors.IdNumberMismatch, match="no ID number on file"):
        reset_pin_by_support(customer=customer, staff=staff, id_number="")


def test_the_right_id_sets_a_start_pin_clears_the_lock_and_sends_it_by_sms(alice, staff, settings):
    customer = alice.customer
    for _ in range(settings.PIN_MAX_ATTEMPTS):
        with pytest.raises((errors.WrongPin, errors.PinLocked)):
            services.verify_pin(customer, "1111")
    customer.refresh_from_db()
    assert customer.pin_is_locked

    start = reset(alice.customer, staff, id_number=" 1234 5678 ")  # typed as read out

    assert customer.pin_must_change
    assert not customer.pin_is_locked
    assert customer.failed_pin_attempts == 0
    message = SmsMessage.objects.get()
    assert (message.to, message.purpose, message.state) == (customer.phone, "start-pin", "queued")
    assert start not in message.text
    assert message.text.startswith("Your PIN was reset by customer care. Your one-time start PIN")
    with pytest.raises(errors.WrongPin):  # the old PIN no longer works
        services.verify_pin(customer, "2468")


def test_the_start_pin_authorises_nothing_but_choosing_a_new_pin(alice, staff):
    customer = alice.customer
    start = reset(customer, staff)

    with pytest.raises(errors.PinMustChange):
        services.verify_pin(customer, start)
    verify_pin_to_change(customer, start)  # the change-PIN step accepts it
    with pytest.raises(errors.WeakPin, match="other than the start PIN"):
        services.change_pin(customer, start, start)

    services.change_pin(customer, start, "3958")

    customer.refresh_from_db()
    assert not customer.pin_must_change
    services.verify_pin(customer, "3958")
    with pytest.raises(errors.WrongPin):
        services.verify_pin(customer, start)


def test_a_wrong_start_pin_counts_as_a_wrong_try(alice, staff):
    customer = alice.customer
    start = reset(customer, staff)
    wrong = "9999" if start != "9999" else "9998"
    with pytest.raises(errors.WrongPin) as caught:
        verify_pin_to_change(customer, wrong)
    assert caught.value.attempts_left == 2


def test_the_start_pin_is_random_never_trivial_and_never_the_previous_pin(
    alice, staff, monkeypatch
):
    # The first candidates drawn are weak (1234, 0000) or Alice's current PIN: all skipped.
    drawn = iter(["1234", "0000", "2468", "7395"])
    monkeypatch.setattr(sealed, "pin_for", lambda seal: next(drawn))

    seal, pin = pins._start_pin(alice.customer)

    assert pin == "7395"
    assert len(seal) == 32


def test_start_pins_vary(alice, staff):
    seen = {sealed.pin_for(sealed.new_seal()) for _ in range(50)}
    assert len(seen) > 40


def test_the_api_refuses_a_transfer_with_the_start_pin(alice, bob, fund, staff):
    fund(alice, 100_000)
    start = reset(alice.customer, staff)
    client = APIClient()
    client.force_authenticate(staff.__class__.objects.create_user("partner-app"))

    response = client.post(
        "/api/v1/transfers",
        {
            "sender": alice.customer.phone,
            "recipient": bob.customer.phone,
            "amount": 20_000,
            "pin": start,
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY="start-pin-1",
    )

    assert response.status_code == 403, response.content
    assert response.json()["error"] == {
        "code": "pin_must_change",
        "message": errors.PinMustChange.message,
    }
    assert not Transaction.objects.filter(kind="send_money").exists()
