"""SMS notices for reversal requests and payment requests, in each customer's language."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from tests.conftest import new_key
from ussd.sms.encoding import gsm7_length
from ussd.sms.models import SmsMessage
from wallets import outbox, services


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_user("care", is_staff=True)


def inbox(phone: str) -> list[str]:
    return list(SmsMessage.objects.filter(to=phone).order_by("id").values_list("text", flat=True))


@pytest.fixture
def request_(alice, bob, fund):
    fund(alice, 100_000)
    sent = services.send_money(sender=alice, recipient=bob, amount=20_000, idempotency_key="s1")
    request = services.request_reversal(
        customer=alice.customer, reference=sent.reference, channel="ussd"
    )
    outbox.drain()
    SmsMessage.objects.filter(purpose="receipt").delete()
    return request


def test_both_parties_are_told_of_a_reversal_request(alice, bob, request_):
    ref = request_.original.reference
    assert inbox(alice.customer.phone) == [
        f"Reversal of {ref} requested. KES 200 is on hold at BOB OTIENO 0712000002."
        " Customer care will call you."
    ]
    assert inbox(bob.customer.phone) == [
        f"ALICE WANJIRU 0712000001 asked to reverse {ref} of KES 200. KES 200 in your account"
        " is on hold until customer care calls you. To dispute, call 100."
    ]
    assert all(gsm7_length(text) <= 160 for text in inbox(bob.customer.phone))
    outbox.drain()
    assert SmsMessage.objects.count() == 2  # delivered again: nothing new


def test_a_rejected_request_tells_the_sender_and_frees_the_recipients_money(
    alice, bob, request_, staff
):
    services.set_language(bob.customer, "sw")
    services.reject_reversal(request=request_, staff=staff, note="recipient disputes")
    outbox.drain()
    ref = request_.original.reference
    assert inbox(alice.customer.phone)[-1] == (
        f"Your request to reverse {ref} was not approved. Call 100 for help."
    )
    assert inbox(bob.customer.phone)[-1] == (
        f"Ombi la kurejesha {ref} limefungwa. KES 200 iliyozuiliwa inapatikana kwako tena."
    )


def test_an_approved_request_sends_the_reversal_receipts(alice, bob, request_, staff):
    reversal = services.approve_reversal(request=request_, staff=staff)
    outbox.drain()
    ref = request_.original.reference
    assert inbox(alice.customer.phone)[-1].startswith(
        f"{reversal.reference} Confirmed. Transaction {ref} reversed. KES 207 returned"
    )
    assert inbox(bob.customer.phone)[-1].startswith(
        f"{reversal.reference} Confirmed. Transaction {ref} reversed. KES 200 taken"
    )


def test_a_partial_reversal_receipt_names_the_original(alice, bob, carol, fund, staff):
    fund(alice, 100_000)
    sent = services.send_money(sender=alice, recipient=bob, amount=20_000, idempotency_key="s2")
    services.send_money(sender=bob, recipient=carol, amount=5_000, idempotency_key=new_key())
    request = services.request_reversal(
        customer=alice.customer, reference=sent.reference, channel="ussd"
    )
    reversal = services.approve_reversal(request=request, staff=staff)
    outbox.drain()
    assert inbox(alice.customer.phone)[-1].startswith(
        f"{reversal.reference} Confirmed. Transaction {sent.reference} reversed. KES 150 returned"
    )


def test_the_payer_is_asked_and_the_requester_told_of_a_decline(alice, bob):
    request = services.request_payment(
        requester=bob,
        requester_name="Bob Otieno",
        payer=alice.customer,
        amount=50_000,
        idempotency_key="r1",
        note="school fees",
    )
    outbox.drain()
    assert inbox(alice.customer.phone) == [
        "BOB OTIENO asks you to pay KES 500. SCHOOL FEES. Dial *384#, My account, Pending"
        " requests to pay or decline."
    ]
    services.decline_request(request=request)
    outbox.drain()
    assert inbox(bob.customer.phone) == [
        "ALICE WANJIRU 0712000001 declined your request for KES 500."
    ]
