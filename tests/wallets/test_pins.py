"""PINs: 4 digits, weak ones refused, Argon2id hashes, 3 wrong tries lock for a while."""

from __future__ import annotations

import datetime

import pytest
from django.test import override_settings
from django.utils import timezone

from tests.conftest import make_customer
from wallets import errors, services
from wallets.models import Customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def grace(db) -> Customer:
    """Grace Muthoni, born 17 May 1990, PIN 2468."""
    customer = make_customer(
        "+254712000010", "Grace Muthoni", date_of_birth=datetime.date(1990, 5, 17)
    )
    services.set_pin(customer, "2468")
    return customer


def fresh(customer: Customer) -> Customer:
    return Customer.objects.get(pk=customer.pk)


def later(monkeypatch: pytest.MonkeyPatch, minutes: float) -> None:
    moment = timezone.now() + datetime.timedelta(minutes=minutes)
    monkeypatch.setattr(timezone, "now", lambda: moment)


def test_the_right_pin_verifies(grace):
    services.verify_pin(fresh(grace), "2468")  # returns without an error
    assert fresh(grace).failed_pin_attempts == 0


def test_a_customer_without_a_pin_cannot_verify(db):
    customer = make_customer("+254712000011", "Hassan Ali")
    with pytest.raises(errors.PinNotSet):
        services.verify_pin(customer, "2468")


WEAK_PINS = [
    *("1111", "0000"),  # one digit repeated
    *("1234", "4321", "0123", "9876"),  # runs up or down
    *("1212", "4545", "2580"),  # a pair twice, a keypad column
    *("1990", "1705", "0517"),  # Grace's birth year, day-month and month-day
]


@pytest.mark.parametrize("pin", WEAK_PINS)
def test_a_weak_pin_is_refused(grace, pin):
    with pytest.raises(errors.WeakPin):
        services.set_pin(grace, pin)
    services.verify_pin(fresh(grace), "2468")  # the old PIN still works


def test_the_birth_year_is_refused_only_for_the_customer_born_that_year(grace, alice):
    with pytest.raises(errors.WeakPin):
        services.set_pin(grace, "1990")
    services.set_pin(alice.customer, "1990")  # Alice has no date of birth on file
    services.verify_pin(alice.customer, "1990")


@pytest.mark.parametrize("pin", ["", "123", "12345", "12a4", "١٢٣٤", "²⁴⁶⁸", " 2468", "24.8"])
def test_a_pin_that_is_not_exactly_4_digits_is_refused(grace, pin):
    with pytest.raises(errors.InvalidPin):
        services.set_pin(grace, pin)


def test_each_wrong_pin_counts_down_the_attempts_left(grace):
    with pytest.raises(errors.WrongPin) as first:
        services.verify_pin(fresh(grace), "9753")
    assert first.value.attempts_left == 2
    assert "2 attempt(s) left" in str(first.value)

    with pytest.raises(errors.WrongPin) as second:
        services.verify_pin(fresh(grace), "9753")
    assert second.value.attempts_left == 1
    assert fresh(grace).failed_pin_attempts == 2


def test_a_malformed_pin_counts_as_a_wrong_try(grace):
    with pytest.raises(errors.WrongPin) as wrong:
        services.verify_pin(fresh(grace), "24")
    assert wrong.value.attempts_left == 2


def test_the_right_pin_resets_the_count(grace):
    with pytest.raises(errors.WrongPin):
        services.verify_pin(fresh(grace), "9753")
    services.verify_pin(fresh(grace), "2468")
    assert fresh(grace).failed_pin_attempts == 0

    with pytest.raises(errors.WrongPin) as wrong:
        services.verify_pin(fresh(grace), "9753")
    assert wrong.value.attempts_left == 2


def test_the_third_wrong_pin_locks_even_the_right_pin_out(grace):
    for _ in range(2):
        with pytest.raises(errors.WrongPin):
            services.verify_pin(fresh(grace), "9753")
    with pytest.raises(errors.WrongPin) as third:
        services.verify_pin(fresh(grace), "9753")
    assert third.value.attempts_left == 0
    assert "locked" in str(third.value)
    assert fresh(grace).pin_is_locked

    with pytest.raises(errors.PinLocked):
        services.verify_pin(fresh(grace), "2468")


def _lock(customer: Customer) -> None:
    for _ in range(3):
        with pytest.raises(errors.WrongPin):
            services.verify_pin(fresh(customer), "9753")


@override_settings(PIN_LOCK_MINUTES=30)
def test_the_lock_lasts_pin_lock_minutes(grace, monkeypatch):
    _lock(grace)

    later(monkeypatch, 29)
    with pytest.raises(errors.PinLocked):
        services.verify_pin(fresh(grace), "2468")

    later(monkeypatch, 31)
    services.verify_pin(fresh(grace), "2468")
    assert not fresh(grace).pin_is_locked


@override_settings(PIN_LOCK_MINUTES=30)
def test_after_the_lock_expires_there_are_three_fresh_tries(grace, monkeypatch):
    _lock(grace)
    later(monkeypatch, 31)

    with pytest.raises(errors.WrongPin) as wrong:
        services.verify_pin(fresh(grace), "9753")
    assert wrong.value.attempts_left == 2


@override_settings(PIN_MAX_ATTEMPTS=5)
def test_the_number_of_tries_is_a_setting(grace):
    with pytest.raises(errors.WrongPin) as wrong:
        services.verify_pin(fresh(grace), "9753")
    assert wrong.value.attempts_left == 4


def test_the_attempt_counter_is_shared_by_every_copy_of_the_customer(grace):
    """USSD, SMS and the API each load their own copy; the count lives in the row."""
    ussd, api = fresh(grace), fresh(grace)
    with pytest.raises(errors.WrongPin):
        services.verify_pin(ussd, "9753")
    with pytest.raises(errors.WrongPin) as wrong:
        services.verify_pin(api, "9753")
    assert wrong.value.attempts_left == 1


def test_unlocking_clears_the_lock_and_the_count(grace):
    _lock(grace)

    services.unlock_pin(fresh(grace))

    customer = fresh(grace)
    assert not customer.pin_is_locked
    assert customer.failed_pin_attempts == 0
    services.verify_pin(customer, "2468")


def test_changing_the_pin_needs_the_old_one(grace):
    with pytest.raises(errors.WrongPin):
        services.change_pin(fresh(grace), "9753", "3691")
    services.verify_pin(fresh(grace), "2468")  # unchanged

    services.change_pin(fresh(grace), "2468", "3691")

    services.verify_pin(fresh(grace), "3691")
    with pytest.raises(errors.WrongPin):
        services.verify_pin(fresh(grace), "2468")


def test_a_weak_new_pin_is_refused_before_the_old_one_is_tried(grace):
    with pytest.raises(errors.WeakPin):
        services.change_pin(fresh(grace), "9753", "1111")
    assert fresh(grace).failed_pin_attempts == 0


def test_setting_a_pin_clears_a_lock(grace):
    _lock(grace)
    services.set_pin(fresh(grace), "3691")
    services.verify_pin(fresh(grace), "3691")


def test_the_stored_hash_is_argon2id_and_does_not_contain_the_pin(grace):
    stored = fresh(grace).pin_hash
    assert stored.startswith("$argon2id$")
    assert "2468" not in stored


def test_the_same_pin_for_two_customers_gives_different_hashes(grace):
    other = make_customer("+254712000011", "Hassan Ali")
    services.set_pin(other, "2468")

    assert fresh(other).pin_hash != fresh(grace).pin_hash
    services.verify_pin(fresh(other), "2468")
