"""Receipts: queued from the outbox once per party, with the ledger's numbers, in one SMS."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.conftest import make_customer, new_key
from ussd.sms.encoding import gsm7_length, is_gsm7, plain_name, segments
from ussd.sms.models import SmsMessage
from ussd.sms.receipts import receipt_time, receipts_for
from wallets import outbox, services
from wallets.models import OutboxMessage, Transaction

pytestmark = pytest.mark.django_db


def on(posted: Transaction) -> str:
    """'on 24/11/26 at 3:05 PM' for the transaction's local time, as receipts write it."""
    local = timezone.localtime(posted.created_at)
    return f"on {local:%-d/%-m/%y} at {local:%-I:%M %p}"


def texts(posted: Transaction) -> dict[str, str]:
    return dict(SmsMessage.objects.filter(reference=posted.reference).values_list("to", "text"))


def test_a_transfer_queues_one_receipt_per_party_even_when_its_outbox_row_is_delivered_twice(
    alice, bob, fund
):
    fund(alice, 1_000_000)
    sent = services.send_money(sender=alice, recipient=bob, amount=50_000, idempotency_key="k1")
    outbox.drain()
    # A worker that crashed after the handlers ran hands the row over again.
    OutboxMessage.objects.filter(transaction=sent).update(delivered_at=None)
    assert outbox.drain() >= 1

    receipts = SmsMessage.objects.filter(reference=sent.reference)
    assert sorted(receipts.values_list("to", flat=True)) == ["+254712000001", "+254712000002"]
    assert {m.dedup_key for m in receipts} == {
        f"receipt:{sent.reference}:+254712000001",
        f"receipt:{sent.reference}:+254712000002",
    }
    assert all(m.state == "queued" and m.purpose == "receipt" for m in receipts)


def test_the_sender_is_told_the_amount_recipient_fee_and_new_balance(alice, bob, fund):
    fund(alice, 1_000_000)
    sent = services.send_money(sender=alice, recipient=bob, amount=50_000, idempotency_key="k1")
    outbox.drain()

    assert texts(sent)["+254712000001"] == (
        f"{sent.reference} Confirmed. KES 500 sent to BOB OTIENO 0712000002 {on(sent)}. "
        "Fee KES 7. New balance KES 9,493."
    )


def test_the_recipient_is_told_the_amount_sender_and_new_balance_without_a_fee(alice, bob, fund):
    fund(alice, 1_000_000)
    fund(bob, 25_050)
    sent = services.send_money(sender=alice, recipient=bob, amount=120_000, idempotency_key="k1")
    outbox.drain()

    assert texts(sent)["+254712000002"] == (
        f"{sent.reference} Confirmed. You have received KES 1,200 from ALICE WANJIRU "
        f"0712000001 {on(sent)}. New balance KES 1,450.50."
    )


def test_a_receipt_rendered_again_after_later_postings_shows_the_same_balance(alice, bob, fund):
    fund(alice, 1_000_000)
    sent = services.send_money(sender=alice, recipient=bob, amount=50_000, idempotency_key="k1")
    first = receipts_for(sent)
    services.send_money(sender=alice, recipient=bob, amount=10_000, idempotency_key="k2")
    fund(bob, 300_000)

    assert receipts_for(sent) == first
    assert "New balance KES 9,493." in first[0].text


def test_funding_tells_the_customer_what_was_added(alice, fund):
    funded = fund(alice, 250_000)
    outbox.drain()

    assert texts(funded) == {
        "+254712000001": f"{funded.reference} Confirmed. KES 2,500 added to your account "
        f"{on(funded)}. New balance KES 2,500."
    }


def test_a_reversal_tells_both_customers_what_moved_back(alice, bob, fund):
    fund(alice, 1_000_000)
    sent = services.send_money(sender=alice, recipient=bob, amount=50_000, idempotency_key="k1")
    reversal = services.reverse_transaction(original=sent, reason="sent to the wrong number")
    outbox.drain()

    assert texts(reversal) == {
        "+254712000001": f"{reversal.reference} Confirmed. Transaction {sent.reference} "
        f"reversed. KES 507 returned to your account {on(reversal)}. "
        "New balance KES 10,000.",
        "+254712000002": f"{reversal.reference} Confirmed. Transaction {sent.reference} "
        f"reversed. KES 500 taken from your account {on(reversal)}. New balance KES 0.",
    }


def test_a_receipt_is_queued_in_the_customer_language(bob, fund):
    swahili = make_customer("+254712000005", "Juma Hamisi", language="sw").wallet()
    fund(swahili, 100_000)
    services.send_money(sender=swahili, recipient=bob, amount=10_000, idempotency_key="k1")
    outbox.drain()

    assert set(
        SmsMessage.objects.filter(to="+254712000005").values_list("language", flat=True)
    ) == {"sw"}
    assert set(
        SmsMessage.objects.filter(to=bob.customer.phone).values_list("language", flat=True)
    ) == {"en"}


LONG_NAMES = [
    "Bartholomew Kipchirchir arap Kiprotich Ole Nkaissery-Wanjiru",
    "Nyokabi Wambui-Wanjiku Muthoni Nyambura Njeri Wairimu Wangari Waceke",
    "Wanjiku-Nyambura-Muthoni-Wairimu-Wangari-Waceke-Njeri",
    # Not GSM-7 as typed: a diaeresis and a curly apostrophe.
    "Zo\u00eb Akinyi Ochieng\u2019 Odhiambo",
]


@pytest.mark.parametrize("language", ["en", "sw"])
@pytest.mark.parametrize("name", LONG_NAMES)
def test_every_receipt_fits_one_gsm7_sms_even_with_long_names_and_the_largest_amounts(
    name, language, fund
):
    sender = make_customer("+254722100001", name, language=language).wallet()
    recipient = make_customer("+254733100002", name, language=language).wallet()
    funded = fund(sender, 49_999_999)  # KES 499,999.99: just under the balance limit
    sent = services.send_money(  # KES 249,999.99: just under the per-transaction limit
        sender=sender, recipient=recipient, amount=24_999_999, idempotency_key=new_key()
    )
    reversal = services.reverse_transaction(original=sent, reason="sent by mistake")

    receipts = [*receipts_for(funded), *receipts_for(sent), *receipts_for(reversal)]
    assert len(receipts) == 5
    for receipt in receipts:
        assert is_gsm7(receipt.text), receipt.text
        assert gsm7_length(receipt.text) <= 160, receipt.text
        assert segments(receipt.text) == 1
    first_name = plain_name(name).split()[0]
    assert all(first_name[:6] in receipt.text for receipt in receipts_for(sent))
    confirmed = {"en": "Confirmed.", "sw": "Imethibitishwa."}[language]
    assert all(confirmed in receipt.text for receipt in receipts)


def test_a_swahili_sender_reads_the_receipt_in_kiswahili(bob, fund):
    juma = make_customer("+254712000005", "Juma Hamisi", language="sw").wallet()
    fund(juma, 100_000)
    sent = services.send_money(sender=juma, recipient=bob, amount=20_000, idempotency_key="k")

    (receipt,) = [r for r in receipts_for(sent) if r.phone == "+254712000005"]
    date, time = receipt_time(sent.created_at)
    assert receipt.text == (
        f"{sent.reference} Imethibitishwa. KES 200 imetumwa kwa BOB OTIENO 0712000002 "
        f"{date} saa {time}. Ada KES 7. Salio jipya KES 793."
    )


def test_receipt_time_is_the_local_day_and_twelve_hour_clock():
    moment = datetime.datetime(2026, 11, 24, 12, 5, tzinfo=datetime.UTC)  # 15:05 in Nairobi

    assert receipt_time(moment) == ("24/11/26", "3:05 PM")
    assert receipt_time(moment.replace(hour=21, minute=30)) == ("25/11/26", "12:30 AM")


def test_names_are_shown_as_plain_uppercase_letters():
    assert plain_name("  Zoë  Nyambura-Ödhiambo {x} ") == "ZOE NYAMBURA-ODHIAMBO X"
    assert plain_name("O\u2019Neil") == "ONEIL"


def test_a_text_with_one_character_outside_gsm7_costs_the_ucs2_rate():
    assert segments("a" * 160) == 1
    assert segments("a" * 161) == 2
    assert segments("€" * 80) == 1
    assert segments("€" * 81) == 2
    assert segments("é" * 160) == 1  # é is in GSM-7's basic set
    assert segments("ë" * 71) == 2  # ë is not
