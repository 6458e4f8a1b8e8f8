"""SMS notices for reversal requests and payment requests, in each customer's language: both
parties hear of every outcome of a reversal request (receipts when the money went back)."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth import get_user_model

from tests.conftest import new_key
from ussd.sms.encoding import gsm7_length
from ussd.sms.models import SmsMessage
from ussd.sms.receipts import receipt_time
from wallets import errors, outbox, services
from wallets.services.reversals import consent_to_reversal, deciding, dispute_reversal


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


def deadline_of(request) -> str:
    day, time = receipt_time(request.hold.deadline)
    return f"{day.rsplit('/', 1)[0]} {time}"


def test_both_parties_are_told_and_the_recipient_is_asked_to_answer_by_the_deadline(
    alice, bob, request_
):
    ref, by = request_.original.reference, deadline_of(request_)
    assert inbox(alice.customer.phone) == [
        f"Reversal of {ref} requested. KES 200 is on hold at BOB OTIENO 0712000002. If they"
        f" do not dispute by {by}, it will be reversed."
    ]
    assert inbox(bob.customer.phone) == [
        f"ALICE WANJIRU 0712000001 asks to reverse {ref}. KES 200 is on hold. Dial *384*5*6#"
        f" to agree or dispute by {by}, or it will be reversed."
    ]
    assert all(
        gsm7_length(text) <= 160 for text in SmsMessage.objects.values_list("text", flat=True)
    )
    outbox.drain()
    assert SmsMessage.objects.count() == 2  # delivered again: nothing new


def test_the_recipient_is_asked_in_kiswahili_within_one_sms(alice, bob, fund):
    services.set_language(bob.customer, "sw")
    fund(alice, 100_000)
    sent = services.send_money(sender=alice, recipient=bob, amount=20_000, idempotency_key="s9")
    request = services.request_reversal(
        customer=alice.customer, reference=sent.reference, channel="ussd"
    )
    outbox.drain()
    asked = inbox(bob.customer.phone)[-1]
    assert asked == (
        f"ALICE WANJIRU 0712000001 anaomba kurejesha {sent.reference}. KES 200 imezuiliwa. Piga"
        f" *384*5*6# kukubali au kupinga kabla ya {deadline_of(request)}. Usipojibu,"
        " itarejeshwa."
    )
    assert gsm7_length(asked) <= 160


def test_a_dispute_tells_the_sender_who_disputed_and_frees_the_recipients_money(
    alice, bob, request_
):
    dispute_reversal(request=request_, customer=bob.customer, channel="ussd")
    outbox.drain()
    ref = request_.original.reference
    assert inbox(alice.customer.phone)[-1] == (
        f"BOB OTIENO 0712000002 disputed your request to reverse {ref}. The money stays with"
        " them. Call 100 for help."
    )
    assert inbox(bob.customer.phone)[-1] == (
        f"The reversal request for {ref} is closed. KES 200 on hold is available to you again."
    )


@pytest.mark.parametrize("how", ["agreed", "lapsed"])
def test_a_reversal_the_recipient_agreed_to_or_did_not_dispute_sends_receipts_to_both(
    alice, bob, request_, how
):
    if how == "agreed":
        consent_to_reversal(request=request_, customer=bob.customer, channel="ussd")
    else:
        later = request_.hold.deadline + datetime.timedelta(seconds=1)
        assert services.expire_reversal_requests(now=later) == 1
    outbox.drain()
    request_.refresh_from_db()
    reversal, ref = request_.reversal, request_.original.reference
    assert inbox(alice.customer.phone)[-1].startswith(
        f"{reversal.reference} Confirmed. Transaction {ref} reversed. KES 207 returned"
    )
    assert inbox(bob.customer.phone)[-1].startswith(
        f"{reversal.reference} Confirmed. Transaction {ref} reversed. KES 200 taken"
    )
    assert len(inbox(alice.customer.phone)) == len(inbox(bob.customer.phone)) == 2


def test_a_lapsed_case_that_could_not_be_reversed_tells_both(alice, bob, request_, monkeypatch):
    def refused(**kwargs: object) -> None:
        raise errors.AccountNotActive()

    monkeypatch.setattr(deciding, "post_transaction", refused)
    later = request_.hold.deadline + datetime.timedelta(seconds=1)
    assert services.expire_reversal_requests(now=later) == 1
    outbox.drain()
    ref = request_.original.reference
    assert inbox(alice.customer.phone)[-1] == (
        f"Your request to reverse {ref} was not approved. Call 100 for help."
    )
    assert inbox(bob.customer.phone)[-1].startswith(f"The reversal request for {ref} is closed.")


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
