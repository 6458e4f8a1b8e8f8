"""Pay → Standing payments: a customer sets up a debit mandate with the PIN, lists, cancels,
and approves or declines one a partner asked for, through the real USSD view."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from merchants import errors as merchant_errors
from merchants import services as merchants
from merchants.models import Mandate, MandateState
from tests.conftest import balance, new_key
from ussd.mandate_actions import months_later

STANDING = "CON Standing payments\n1. Set up a new one\n2. My standing payments\n0. Back"


def mandate_for(wallet, merchant, *, approved: bool, description: str = "") -> Mandate:
    return merchants.create_mandate(
        customer=wallet.customer,
        merchant=merchant,
        max_per_payment=10_000,
        max_daily=30_000,
        ends_on=timezone.localdate() + datetime.timedelta(days=90),
        idempotency_key=new_key(),
        channel="api",
        description=description,
        approved=approved,
    )


def test_a_customer_sets_up_a_standing_payment_for_a_till_and_the_shop_debits_within_it(
    alice, fund, duka, phone_of
):
    fund(alice, 100_000)
    phone = phone_of(alice)
    ends_on = months_later(timezone.localdate(), 3)
    ends = f"{ends_on:%d/%m/%y}"

    assert phone.dial("4", "4") == STANDING
    assert phone.type("1") == (
        "CON New standing payment\nEnter the till or pay-bill number, or the business's phone"
        "\n0. Back"
    )
    assert phone.type("512345") == (
        "CON Standing payment to Mama Duka Shop\nMost per payment\nEnter amount\n0. Back"
    )
    assert phone.type("100") == "CON Most per day\nEnter amount\n0. Back"
    assert phone.type("50") == "CON Enter at least KES 100.\nMost per day\nEnter amount\n0. Back"
    assert phone.type("300") == (
        "CON For how long?\n1. 1 month\n2. 3 months\n3. 6 months\n4. 12 months\n0. Back"
    )
    assert phone.type("2") == (
        f"CON Allow Mama Duka Shop:\nKES 100 a payment\nKES 300 a day\nuntil {ends}\n"
        "Enter PIN\n0. Back"
    )
    assert phone.type("1357").startswith("CON Wrong PIN. 2 tries left.\nAllow Mama Duka Shop:")
    assert not Mandate.objects.exists()
    reply = phone.type("2468")

    mandate = Mandate.objects.get()
    assert reply == (
        f"END Standing payment {mandate.reference} to Mama Duka Shop is active until {ends}. "
        "Cancel it under Pay, Standing payments."
    )
    assert (mandate.state, mandate.channel, mandate.customer) == ("active", "ussd", alice.customer)
    assert (mandate.max_per_payment, mandate.max_daily, mandate.ends_on) == (
        10_000,
        30_000,
        ends_on,
    )
    merchants.debit(
        merchant=duka,
        mandate_reference=mandate.reference,
        amount=10_000,
        idempotency_key=new_key(),
        channel="api",
    )
    assert balance(alice) == 90_000
    with pytest.raises(merchant_errors.MandateCapExceeded):
        merchants.debit(
            merchant=duka,
            mandate_reference=mandate.reference,
            amount=10_001,
            idempotency_key=new_key(),
            channel="api",
        )


def test_a_standing_payment_is_set_up_by_the_business_phone_number_in_kiswahili(
    alice, water, phone_of
):
    phone = phone_of(alice, language="sw")
    ends = f"{months_later(timezone.localdate(), 12):%d/%m/%y}"
    assert phone.dial("4", "4", "1", "0700000000") == (
        "CON Hakuna biashara iliyosajiliwa kwa nambari hiyo.\nMalipo mapya ya kudumu\n"
        "Weka nambari ya till au paybill, au simu ya biashara\n0. Rudi"
    )
    assert phone.type("0722300002") == (
        "CON Malipo ya kudumu kwa Nairobi Water\nKiwango cha juu kwa malipo\nWeka kiasi\n0. Rudi"
    )
    assert phone.type("2000") == "CON Kiwango cha juu kwa siku\nWeka kiasi\n0. Rudi"
    assert phone.type("2000").startswith("CON Kwa muda gani?")
    assert phone.type("4") == (
        f"CON Ruhusu Nairobi Water:\nKES 2,000 kwa malipo\nKES 2,000 kwa siku\nhadi {ends}\n"
        "Weka PIN\n0. Rudi"
    )
    mandate_reply = phone.type("2468")
    mandate = Mandate.objects.get()
    assert mandate_reply == (
        f"END Malipo ya kudumu {mandate.reference} kwa Nairobi Water yanatumika hadi {ends}. "
        "Yasitishe kupitia Lipa, Malipo ya kudumu."
    )
    assert mandate.merchant == water


def test_an_active_standing_payment_is_cancelled_after_a_confirmation(alice, duka, phone_of):
    mandate = mandate_for(alice, duka, approved=True)
    phone = phone_of(alice)
    ends = f"{mandate.ends_on:%d/%m/%y}"

    assert phone.dial("4", "4", "2") == (
        "CON My standing payments\n1. Mama Duka Shop up to KES 100\n0. Back"
    )
    assert phone.type("1") == (
        f"CON Mama Duka Shop:\nKES 100 a payment\nKES 300 a day\nuntil {ends}\n1. Cancel it\n"
        "0. Back"
    )
    assert phone.type("1") == (
        "CON Cancel the standing payment to Mama Duka Shop?\n1. Yes, cancel it\n0. Back"
    )
    assert phone.type("1") == "END Standing payment to Mama Duka Shop cancelled."

    mandate.refresh_from_db()
    assert (mandate.state, mandate.ended_by) == (MandateState.CANCELLED, "customer")
    with pytest.raises(merchant_errors.MandateNotActive):
        merchants.debit(
            merchant=duka,
            mandate_reference=mandate.reference,
            amount=100,
            idempotency_key=new_key(),
            channel="api",
        )
    assert phone.dial("4", "4", "2") == "END You have no standing payments."


def test_going_back_from_the_cancel_confirmation_keeps_the_standing_payment(alice, duka, phone_of):
    mandate = mandate_for(alice, duka, approved=True)
    phone = phone_of(alice)
    phone.dial("4", "4", "2", "1", "1")
    assert phone.type("0").startswith("CON Mama Duka Shop:\nKES 100 a payment")
    mandate.refresh_from_db()
    assert mandate.state == MandateState.ACTIVE


def test_a_partners_pending_standing_payment_is_approved_with_the_pin(alice, duka, phone_of):
    mandate = mandate_for(alice, duka, approved=False, description="Daily bread")
    phone = phone_of(alice)
    ends = f"{mandate.ends_on:%d/%m/%y}"

    assert phone.dial("4", "4", "2") == (
        "CON My standing payments\n1. Mama Duka Shop up to KES 100 (new)\n0. Back"
    )
    assert phone.type("1") == (
        "CON Mama Duka Shop asks for a standing payment\nDaily bread\n1. Approve\n2. Decline\n"
        "0. Back"
    )
    terms = (
        f"Allow Mama Duka Shop:\nKES 100 a payment\nKES 300 a day\nuntil {ends}\nEnter PIN\n0. Back"
    )
    assert phone.type("1") == f"CON {terms}"
    assert phone.type("1111") == f"CON Wrong PIN. 2 tries left.\n{terms}"
    mandate.refresh_from_db()
    assert mandate.state == MandateState.PENDING
    assert phone.type("2468") == (
        "END Standing payment approved. Mama Duka Shop may take up to KES 100 a payment."
    )
    mandate.refresh_from_db()
    assert mandate.state == MandateState.ACTIVE
    assert mandate.approved_at is not None


def test_a_partners_pending_standing_payment_is_declined_in_kiswahili(alice, duka, phone_of):
    mandate = mandate_for(alice, duka, approved=False)
    phone = phone_of(alice, language="sw")
    assert phone.dial("4", "4", "2") == (
        "CON Malipo yangu ya kudumu\n1. Mama Duka Shop hadi KES 100 (mapya)\n0. Rudi"
    )
    assert phone.type("1") == (
        "CON Mama Duka Shop anaomba malipo ya kudumu\n1. Kubali\n2. Kataa\n0. Rudi"
    )
    assert phone.type("2") == "END Malipo ya kudumu kwa Mama Duka Shop yamekataliwa."
    mandate.refresh_from_db()
    assert mandate.state == MandateState.DECLINED


def test_a_standing_payment_answered_elsewhere_meanwhile_is_not_answered_again(
    alice, duka, phone_of
):
    mandate = mandate_for(alice, duka, approved=False)
    phone = phone_of(alice)
    phone.dial("4", "4", "2", "1")
    merchants.cancel_mandate(mandate=mandate, by="merchant")
    assert phone.type("2") == ("END That mandate is not active: it was cancelled or has ended.")
    mandate.refresh_from_db()
    assert mandate.state == MandateState.CANCELLED


def test_another_customers_standing_payments_are_not_listed(alice, bob, duka, phone_of):
    mandate_for(bob, duka, approved=True)
    assert phone_of(alice).dial("4", "4", "2") == "END You have no standing payments."


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (datetime.date(2026, 11, 24), 1, datetime.date(2026, 12, 24)),
        (datetime.date(2026, 11, 24), 3, datetime.date(2027, 2, 24)),
        (datetime.date(2027, 1, 31), 1, datetime.date(2027, 2, 28)),
        (datetime.date(2026, 12, 31), 12, datetime.date(2027, 12, 31)),
    ],
)
def test_the_end_date_is_the_same_day_months_later_or_the_months_last(day, months, expected):
    assert months_later(day, months) == expected
