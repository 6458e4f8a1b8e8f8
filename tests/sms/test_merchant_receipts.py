"""SMS for money between customers and businesses: receipts for merchant payments, mandate
debits and disbursements (customer and merchant, each in their language, once per phone),
a merchant's request to pay, and a partner's request for a mandate."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from merchants import services as merchants
from tests.conftest import make_customer, new_key
from ussd.sms.encoding import gsm7_length, is_gsm7
from ussd.sms.models import SmsMessage
from wallets import outbox, services
from wallets.models import OutboxMessage, Transaction
from wallets.money import format_amount

pytestmark = pytest.mark.django_db

SHOP_PHONE, WATER_PHONE = "+254722300001", "+254722300002"
ENDS_ON = timezone.localdate() + datetime.timedelta(days=60)
ENDS = f"{ENDS_ON.day}/{ENDS_ON.month}/{ENDS_ON:%y}"  # as receipts write dates


def on(posted: Transaction, language: str = "en") -> str:
    local = timezone.localtime(posted.created_at)
    if language == "sw":
        return f"{local:%-d/%-m/%y} saa {local:%-I:%M %p}"
    return f"on {local:%-d/%-m/%y} at {local:%-I:%M %p}"


def texts(posted: Transaction) -> dict[str, str]:
    return dict(SmsMessage.objects.filter(reference=posted.reference).values_list("to", "text"))


def pay(wallet, point_number: str, amount: int, account: str = "") -> Transaction:
    offer = merchants.quote(
        point=merchants.find_point(point_number), amount=amount, account_reference=account
    )
    paid = merchants.pay(payer=wallet, offer=offer, idempotency_key=new_key(), channel="ussd")
    outbox.drain()
    return paid


def test_a_till_payment_tells_the_customer_without_a_fee_and_the_shop_with_its_fee(
    alice, fund, duka
):
    fund(alice, 100_000)
    paid = pay(alice, "512345", 50_000)

    assert texts(paid) == {
        "+254712000001": (
            f"{paid.reference} Confirmed. KES 500 paid to Mama Duka Shop {on(paid)}. "
            "New balance KES 500."
        ),
        SHOP_PHONE: (
            f"{paid.reference} Confirmed. KES 500 received from ALICE WANJIRU 0712***001 "
            f"{on(paid)}. Fee KES 1. New balance KES 499."
        ),
    }


def test_a_bill_payment_names_the_account_to_both_in_their_languages(alice, fund, water):
    services.set_language(alice.customer, "sw")
    water.language = "sw"
    water.save(update_fields=["language"])
    fund(alice, 100_000)
    paid = pay(alice, "888880", 25_000, account="W123456")
    fee, left = format_amount(paid.fee, "KES"), format_amount(25_000 - paid.fee, "KES")

    assert texts(paid) == {
        "+254712000001": (
            f"{paid.reference} Imethibitishwa. KES 250 imelipwa kwa Nairobi Water kwa akaunti "
            f"W123456 {on(paid, 'sw')}. Salio jipya KES 750."
        ),
        WATER_PHONE: (
            f"{paid.reference} Imethibitishwa. KES 250 imepokelewa kutoka kwa ALICE WANJIRU "
            f"0712***001 kwa akaunti W123456 {on(paid, 'sw')}. Ada {fee}. Salio jipya {left}."
        ),
    }


def test_the_bill_receipts_read_in_english(alice, fund, water):
    fund(alice, 100_000)
    paid = pay(alice, "888880", 25_000, account="W123456")
    assert texts(paid)["+254712000001"] == (
        f"{paid.reference} Confirmed. KES 250 paid to Nairobi Water for account W123456 "
        f"{on(paid)}. New balance KES 750."
    )
    assert texts(paid)[WATER_PHONE].startswith(
        f"{paid.reference} Confirmed. KES 250 received from ALICE WANJIRU 0712***001 for account "
        f"W123456 {on(paid)}. Fee KES "
    )


def test_a_merchant_that_asked_for_no_sms_gets_none(alice, fund, duka):
    duka.notify_by_sms = False
    duka.save(update_fields=["notify_by_sms"])
    fund(alice, 100_000)
    paid = pay(alice, "512345", 50_000)
    assert list(texts(paid)) == ["+254712000001"]


def test_receipts_are_queued_once_per_phone_however_often_the_row_is_delivered(alice, fund, duka):
    fund(alice, 100_000)
    paid = pay(alice, "512345", 50_000)
    OutboxMessage.objects.filter(transaction=paid).update(delivered_at=None)
    assert outbox.drain() >= 1

    receipts = SmsMessage.objects.filter(reference=paid.reference)
    assert sorted(receipts.values_list("dedup_key", flat=True)) == sorted(
        [f"receipt:{paid.reference}:+254712000001", f"receipt:{paid.reference}:{SHOP_PHONE}"]
    )


def test_a_mandate_debit_names_the_standing_payment(alice, fund, duka):
    fund(alice, 100_000)
    mandate = merchants.create_mandate(
        customer=alice.customer,
        merchant=duka,
        max_per_payment=10_000,
        max_daily=30_000,
        ends_on=timezone.localdate() + datetime.timedelta(days=30),
        idempotency_key=new_key(),
        channel="ussd",
        approved=True,
    )
    debited = merchants.debit(
        merchant=duka,
        mandate_reference=mandate.reference,
        amount=5_000,
        idempotency_key=new_key(),
        channel="api",
    )
    outbox.drain()
    assert texts(debited)["+254712000001"] == (
        f"{debited.reference} Confirmed. KES 50 paid to Mama Duka Shop under standing payment "
        f"{mandate.reference} {on(debited)}. New balance KES 950."
    )
    assert texts(debited)[SHOP_PHONE].startswith(
        f"{debited.reference} Confirmed. KES 50 received from ALICE WANJIRU 0712***001"
    )


def test_a_disbursement_tells_the_customer_who_paid_them_and_not_the_business(
    alice, bob, fund, duka
):
    fund(alice, 200_000)
    pay(alice, "512345", 150_000)
    paid_out = merchants.disburse(
        merchant=duka, recipient=bob.customer, amount=100_000, idempotency_key="d1", channel="api"
    )
    outbox.drain()
    assert texts(paid_out) == {
        "+254712000002": (
            f"{paid_out.reference} Confirmed. You have received KES 1,000 from Mama Duka Shop "
            f"{on(paid_out)}. New balance KES 1,000."
        )
    }


def test_long_names_still_fit_one_gsm7_sms(fund, duka):
    duka.display_name = "Mama Duka General Stores and Café Ltd"[:40]
    duka.save(update_fields=["display_name"])
    payer = make_customer("+254712000009", "Wanjiru Nyambura-Ödhiambo Kamau Achieng Mwangi")
    services.set_pin(payer, "2468")
    wallet = payer.wallet()
    fund(wallet, 25_000_000)
    paid = pay(wallet, "512345", 24_999_999)
    for text in texts(paid).values():
        assert is_gsm7(text), text
        assert gsm7_length(text) <= 160, text


def test_a_merchants_request_to_pay_is_announced_with_the_shortcut_to_answer_it(alice, water):
    merchants.request_to_pay(
        merchant=water, payer=alice.customer, amount=50_000, idempotency_key="r1", note="May bill"
    )
    bob_sw = make_customer("+254712000007", "Juma Hamisi", language="sw")
    merchants.request_to_pay(merchant=water, payer=bob_sw, amount=50_000, idempotency_key="r2")
    outbox.drain()
    outbox.drain()

    assert SmsMessage.objects.get(to="+254712000001").text == (
        "Nairobi Water asks you to pay KES 500. May bill. Dial *384*4*3# to pay or decline."
    )
    assert SmsMessage.objects.get(to="+254712000007").text == (
        "Nairobi Water anakuomba ulipe KES 500. Piga *384*4*3# kulipa au kukataa."
    )


def test_a_long_note_is_cut_to_keep_the_request_in_one_sms(alice, water):
    water.display_name = "W" * 40
    water.save(update_fields=["display_name"])
    merchants.request_to_pay(
        merchant=water, payer=alice.customer, amount=24_999_999, idempotency_key="r", note="N" * 60
    )
    outbox.drain()
    text = SmsMessage.objects.get(to="+254712000001").text
    assert gsm7_length(text) <= 160
    assert text.endswith("Dial *384*4*3# to pay or decline.")


def ask_for_mandate(wallet, merchant):
    mandate = merchants.create_mandate(
        customer=wallet.customer,
        merchant=merchant,
        max_per_payment=10_000,
        max_daily=30_000,
        ends_on=ENDS_ON,
        idempotency_key=new_key(),
        channel="api",
        approved=False,
    )
    # A pending mandate's row writes the outbox message "mandate.requested" with it.
    assert OutboxMessage.objects.filter(topic="mandate.requested").exists()
    return mandate


def test_a_partners_mandate_asks_the_customer_to_approve_it_once(alice, duka):
    ask_for_mandate(alice, duka)
    outbox.drain()
    OutboxMessage.objects.filter(topic="mandate.requested").update(delivered_at=None)
    outbox.drain()
    assert list(SmsMessage.objects.filter(to="+254712000001").values_list("text", flat=True)) == [
        "Mama Duka Shop asks to take up to KES 100 a payment and KES 300 a day from your wallet "
        f"until {ENDS}. Dial *384*4*4*2# to approve or decline."
    ]


def test_a_mandate_request_reads_in_kiswahili_and_an_answered_one_sends_nothing(alice, bob, duka):
    services.set_language(alice.customer, "sw")
    ask_for_mandate(alice, duka)
    answered = ask_for_mandate(bob, duka)
    merchants.decline_mandate(mandate=answered, customer=bob.customer)
    outbox.drain()
    assert SmsMessage.objects.get(to="+254712000001").text == (
        "Mama Duka Shop anaomba kukata hadi KES 100 kwa malipo na KES 300 kwa siku kutoka "
        f"akaunti yako hadi {ENDS}. Piga *384*4*4*2# kukubali au kukataa."
    )
    assert not SmsMessage.objects.filter(to="+254712000002").exists()
