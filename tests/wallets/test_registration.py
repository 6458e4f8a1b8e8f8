"""Registering customers: one wallet per phone number, and the duplicate-ID policy."""

from __future__ import annotations

import pytest

from tests.conftest import make_customer
from wallets.errors import AlreadyRegistered, DuplicateIdNumber
from wallets.models import Customer


def test_a_phone_number_already_registered_is_refused_in_any_format(db):
    make_customer("+254712000001", "Alice Wanjiru")
    with pytest.raises(AlreadyRegistered):
        make_customer("0712 000 001", "Someone Else")
    assert Customer.objects.count() == 1


def test_an_id_number_already_registered_is_refused_by_default(db):
    make_customer("+254712000001", "Alice Wanjiru", id_type="national_id", id_number="12345678")
    with pytest.raises(DuplicateIdNumber):
        make_customer("+254712000002", "Alice Again", id_type="national_id", id_number="12345678")
    assert not Customer.objects.filter(phone="+254712000002").exists()


def test_the_same_number_on_another_kind_of_document_is_not_a_duplicate(db):
    make_customer("+254712000001", "Alice Wanjiru", id_type="national_id", id_number="A1234")
    make_customer("+254712000002", "Bob Otieno", id_type="passport", id_number="A1234")
    assert Customer.objects.exclude(kyc_review="").count() == 0


def test_with_the_flag_policy_a_duplicate_opens_and_both_are_marked_for_review(db, settings):
    settings.KYC_DUPLICATE_ID = "flag"
    first = make_customer("+254712000001", "Alice", id_type="national_id", id_number="12345678")
    second = make_customer("+254712000002", "Alicia", id_type="national_id", id_number="12345678")
    first.refresh_from_db()
    assert second.kyc_review == "Same ID number as +254712000001"
    assert first.kyc_review == "Same ID number as a newer registration"
