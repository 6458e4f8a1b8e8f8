"""Customer care in the admin: the 360 overview (a pinned number of queries, no PIN on it) and
the PIN reset after an ID check. Alice (PIN 2468, ID number 12345678) has a history."""

from __future__ import annotations

import datetime
import itertools
from typing import Any

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone

from agents.models import Flag
from tests.agents.conftest import build_network
from tests.conftest import make_customer, new_key
from ussd.models import UssdSession, UssdSessionEnd
from ussd.sms import sealed
from ussd.sms.models import SmsMessage
from ussd.sms.services import send_message
from wallets import services
from wallets.models import Account, Customer
from wallets.services.pins import reset_pin_by_support

ID_NUMBER = "12345678"
# The session and user, the customer, accounts, transactions and their postings, holds, flags,
# reversal and payment requests, SMS, USSD sessions and their end reports (13), and saving
# the admin session (3: staff sessions slide their expiry on every request).
QUERIES = 16
_sessions = itertools.count(1)


@pytest.fixture
def alice(db) -> Account:
    customer = make_customer(
        "+254712000001", "Alice Wanjiru", id_type="national_id", id_number=ID_NUMBER
    )
    services.set_pin(customer, "2468")
    return customer.wallet()


def overview_url(customer: Customer) -> str:
    return reverse("admin:wallets_customer_overview", args=[customer.pk])


def reset_url(customer: Customer) -> str:
    return reverse("admin:wallets_customer_reset_pin", args=[customer.pk])


def a_session(phone: str, **data: Any) -> UssdSession:
    return UssdSession.objects.create(
        session_id=f"ATUid_care_{next(_sessions)}",
        phone=phone,
        screen="pin.confirm",
        data=data,
        last_reply="END Your code is 482913. Show it to the agent.",
    )


def history(alice: Account, bob: Account, fund, sends: int = 2) -> None:
    """Sends both ways, a reversal asked each way, a payment request, a hold, a flag, SMS
    (a receipt and a sealed start PIN) and USSD sessions with an end-of-session report."""
    she, he = alice.customer, bob.customer
    assert she is not None
    assert he is not None
    fund(alice, 1_000_000)
    fund(bob, 100_000)
    last = None
    for _ in range(sends):
        last = services.send_money(
            sender=alice, recipient=bob, amount=10_000, idempotency_key=new_key()
        )
    to_alice = services.send_money(
        sender=bob, recipient=alice, amount=5_000, idempotency_key=new_key()
    )
    assert last is not None
    services.request_reversal(customer=she, reference=last.reference, channel="ussd")
    services.request_reversal(customer=he, reference=to_alice.reference, channel="ussd")
    services.request_payment(
        requester=bob, requester_name="Bob", payer=she, amount=100, idempotency_key="p"
    )
    services.place_hold(
        account=alice,
        amount=1_000,
        reason="payout to M-Pesa",
        idempotency_key=new_key(),
        deadline=timezone.now() + datetime.timedelta(hours=1),
    )
    network = build_network()
    Flag.objects.create(agent=network.agent, customer=she, kind="velocity", dedup_key=new_key())
    for _ in range(sends):
        SmsMessage.objects.create(
            to=she.phone,
            text="QK7T3M9XRA Confirmed.",
            purpose="receipt",
            dedup_key=new_key(),
        )
        session = a_session(
            she.phone,
            recipient="+254712000002",
            new_pin_hash="$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$aGFzaA",
        )
        UssdSessionEnd.objects.create(
            session_id=session.session_id, input_redacted="1*0712000002*200*2468"
        )


def test_the_overview_shows_every_section_and_no_secret(admin_client, alice, bob, fund):
    history(alice, bob, fund)
    staff = get_user_model().objects.create_user("support_sam", is_staff=True)
    reset_pin_by_support(customer=alice.customer, staff=staff, id_number=ID_NUMBER)
    start = SmsMessage.objects.get(purpose="start-pin")
    (seal,) = sealed.SEAL.findall(start.text)
    start_pin = sealed.pin_for(seal)

    page = admin_client.get(overview_url(alice.customer)).content.decode()

    for expected in (
        "Alice Wanjiru",
        ID_NUMBER,
        "Tier 1",
        "a start PIN was sent and must be changed",
        "KES 9,",  # the wallet's balance
        "Bob Otieno +254712000002",  # a counterparty
        "payout to M-Pesa",
        "Velocity",
        "Wanjiku Shop",
        "QK7T3M9XRA Confirmed.",
        "start PIN is ****.",
        "pin.confirm",
        "1*0712000002*200*****",
        "Your code is ******",
    ):
        assert expected in page, expected
    assert "[[pin:" not in page
    assert start_pin not in page
    assert "new_pin_hash" not in page
    assert "$argon2" not in page
    assert "2468" not in page
    assert "482913" not in page


def test_the_overview_runs_a_fixed_number_of_queries_however_long_the_history(
    admin_client, alice, bob, fund, django_assert_num_queries
):
    history(alice, bob, fund, sends=2)
    url = overview_url(alice.customer)
    admin_client.get(url)  # warm: the session, the content types

    with django_assert_num_queries(QUERIES):
        assert admin_client.get(url).status_code == 200

    history_more = 25
    for _ in range(history_more):
        services.send_money(sender=alice, recipient=bob, amount=1_000, idempotency_key=new_key())
        SmsMessage.objects.create(
            to=alice.customer.phone, text="more", purpose="receipt", dedup_key=new_key()
        )
        a_session(alice.customer.phone)
    with django_assert_num_queries(QUERIES):
        page = admin_client.get(url).content.decode()
    assert page.count("admin/wallets/transaction/") >= 20


def test_a_support_agent_sees_the_overview_without_the_agent_flags(client, alice, bob, fund):
    history(alice, bob, fund)
    support = get_user_model().objects.create_user("support_sue", is_staff=True)
    support.groups.add(Group.objects.get(name="Support"))  # backoffice/roles.py
    client.force_login(support)

    page = client.get(overview_url(alice.customer))

    assert page.status_code == 200
    body = page.content.decode()
    assert "Last SMS sent" in body
    assert "Reversal requests" in body
    assert "Agent flags" not in body  # agents' business, not support's


def test_the_reset_page_renders_and_a_wrong_id_is_refused(admin_client, alice):
    assert admin_client.get(reset_url(alice.customer)).status_code == 200

    page = admin_client.post(reset_url(alice.customer), {"id_number": "87654321"})

    assert page.status_code == 200
    assert "does not match the customer&#x27;s. The PIN was not reset." in page.content.decode()
    alice.customer.refresh_from_db()
    assert not alice.customer.pin_must_change
    assert not SmsMessage.objects.exists()


def test_a_refused_reset_is_audited_without_the_id_number_typed(admin_client, alice):
    records = pytest.importorskip("audit.models").AuditRecord.objects

    admin_client.post(reset_url(alice.customer), {"id_number": "87654321"})

    refused = records.get(action="pin_reset_refused")
    assert refused.object_id == str(alice.customer.pk)
    assert refused.reason == "the ID number typed does not match the customer's"
    assert "87654321" not in str(list(records.values()))


def test_the_right_id_resets_the_pin_and_sends_the_start_pin_by_sms(admin_client, alice):
    response = admin_client.post(reset_url(alice.customer), {"id_number": ID_NUMBER}, follow=True)

    assert response.redirect_chain[-1][0] == reverse(
        "admin:wallets_customer_change", args=[alice.customer.pk]
    )
    assert "a one-time start PIN was sent by SMS to +254712000001" in response.content.decode()
    alice.customer.refresh_from_db()
    assert alice.customer.pin_must_change
    message = SmsMessage.objects.get(purpose="start-pin")
    send_message(message.pk)
    message.refresh_from_db()
    assert "start PIN is ****." in message.text
    assert LogEntry.objects.filter(object_id=str(alice.customer.pk)).exists()
    change_page = admin_client.get(
        reverse("admin:wallets_customer_change", args=[alice.customer.pk])
    )
    assert "start PIN sent, not changed yet" in change_page.content.decode()


def test_only_staff_allowed_to_reset_pins_can(client, alice):
    viewer = get_user_model().objects.create_user("viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_customer"))
    client.force_login(viewer)
    assert client.get(overview_url(alice.customer)).status_code == 200
    assert client.post(reset_url(alice.customer), {"id_number": ID_NUMBER}).status_code == 403
    alice.customer.refresh_from_db()
    assert not alice.customer.pin_must_change
