"""A merchant is suspended, reactivated or closed only by maker-checker (kind
`merchant_status`): one staff member asks, another approves, and the change is applied once
through `merchants.services.set_status`. Activating a pending merchant stays the KYB check."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from approvals.errors import AlreadyDecided, MakerCannotDecide, NotPermitted
from approvals.models import ChangeRequest, ChangeState
from approvals.services import approve, reject, request_change
from merchants import errors, services
from merchants.models import BusinessStatus, Merchant, PointKind
from tests.conftest import balance, new_key

ADD = reverse("admin:approvals_changerequest_add")


@pytest.fixture
def duka(db) -> Merchant:
    merchant = services.create_merchant(
        name="Mama Duka General Stores Ltd",
        display_name="Mama Duka Shop",
        phone="+254722300001",
        status=BusinessStatus.ACTIVE,
    )
    services.add_payment_point(merchant=merchant, kind=PointKind.TILL, number="512345")
    return merchant


def ask(maker, payload: dict) -> ChangeRequest:
    return request_change(
        kind="merchant_status", maker=maker, reason="Fraud case 31", payload=payload
    )


def status_of(merchant: Merchant) -> str:
    merchant.refresh_from_db()
    return merchant.status


def test_the_maker_cannot_approve_their_own_suspension(duka, maker):
    change = ask(maker, {"ref": "512345", "status": "suspended"})

    with pytest.raises(MakerCannotDecide):
        approve(change=change, checker=maker)

    assert status_of(duka) == BusinessStatus.ACTIVE
    assert ChangeRequest.objects.get(pk=change.pk).state == ChangeState.PENDING


def test_an_approved_suspension_applies_once_and_the_till_refuses_payments(
    duka, alice, fund, maker, checker
):
    fund(alice, 10_000)
    change = ask(maker, {"ref": "512345", "status": "suspended"})
    assert change.description == "Suspend merchant Mama Duka General Stores Ltd (512345)"
    assert change.payload == {"merchant": duka.pk, "status": "suspended"}
    assert change.target == duka
    assert services.find_point("512345").merchant == duka  # nothing changes until approved

    done = approve(change=change, checker=checker, note="checked the case")

    assert (done.state, done.result) == (ChangeState.APPROVED, "Applied.")
    assert status_of(duka) == BusinessStatus.SUSPENDED
    with pytest.raises(AlreadyDecided):
        approve(change=change, checker=checker)
    with pytest.raises(errors.MerchantNotActive):
        services.find_point("512345")
    assert balance(alice) == 10_000


def test_a_rejected_request_changes_nothing(duka, maker, checker):
    change = ask(maker, {"ref": "512345", "status": "closed"})

    rejected = reject(change=change, checker=checker, note="wrong merchant")

    assert (rejected.state, rejected.applied_at) == (ChangeState.REJECTED, None)
    assert status_of(duka) == BusinessStatus.ACTIVE
    assert services.find_point("512345").merchant == duka
    with pytest.raises(AlreadyDecided):
        approve(change=change, checker=checker)
    assert status_of(duka) == BusinessStatus.ACTIVE


def test_a_closed_merchant_takes_no_payments_and_cannot_be_reopened(duka, maker, checker):
    close = ask(maker, {"ref": "mama duka general stores ltd", "status": "closed"})
    assert close.description == "Close merchant Mama Duka General Stores Ltd (512345)"

    approve(change=close, checker=checker)

    assert status_of(duka) == BusinessStatus.CLOSED
    with pytest.raises(errors.MerchantNotActive):
        services.find_point("512345")
    with pytest.raises(ValidationError, match="is closed"):
        ask(maker, {"ref": "512345", "status": "active"})


def test_a_suspended_merchant_is_reactivated_and_takes_payments_again(
    duka, alice, fund, maker, checker
):
    services.set_status(merchant=duka, status=BusinessStatus.SUSPENDED)
    change = ask(maker, {"merchant": duka.pk, "status": "active"})
    assert change.description.startswith("Reactivate merchant")

    approve(change=change, checker=checker)

    fund(alice, 10_000)
    offer = services.quote(point=services.find_point("512345"), amount=2_000)
    services.pay(payer=alice, offer=offer, idempotency_key=new_key(), channel="ussd")
    assert balance(alice) == 8_000


def test_a_pending_merchant_is_activated_by_its_kyb_check_not_by_a_request(db, maker, checker):
    pending = services.create_merchant(name="New Shop", display_name="New", phone="+254722300060")

    with pytest.raises(ValidationError, match="can only be closed"):
        ask(maker, {"ref": "New Shop", "status": "active"})
    with pytest.raises(ValidationError, match="can only be closed"):
        ask(maker, {"ref": "New Shop", "status": "suspended"})
    approve(change=ask(maker, {"ref": "New Shop", "status": "closed"}), checker=checker)

    assert status_of(pending) == BusinessStatus.CLOSED


def test_a_change_overtaken_before_approval_fails_and_says_why(duka, maker, checker):
    first = ask(maker, {"ref": "512345", "status": "suspended"})
    second = ask(maker, {"ref": "512345", "status": "suspended"})
    approve(change=first, checker=checker)

    done = approve(change=second, checker=checker)

    assert done.state == ChangeState.FAILED
    assert done.result == "Mama Duka General Stores Ltd is already suspended."
    assert status_of(duka) == BusinessStatus.SUSPENDED


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"ref": "999999", "status": "suspended"}, "No merchant has that"),
        ({"ref": "", "status": "suspended"}, "Enter a till or pay-bill number"),
        ({"ref": "512345", "status": "pending"}, "Choose one of"),
        ({"ref": "512345", "status": "active"}, "already active"),
        ({"merchant": 987654, "status": "closed"}, "There is no such merchant"),
    ],
)
def test_a_request_that_is_not_a_valid_change_is_refused_when_asked(duka, maker, payload, message):
    with pytest.raises(ValidationError, match=message):
        ask(maker, payload)
    assert not ChangeRequest.objects.exists()


def test_two_merchants_of_the_same_name_are_told_apart_by_their_numbers(duka, maker):
    services.create_merchant(name=duka.name, display_name="Branch", phone="+254722300061")
    with pytest.raises(ValidationError, match="Several merchants have that name"):
        ask(maker, {"ref": duka.name, "status": "suspended"})
    assert ask(maker, {"ref": "512345", "status": "suspended"}).payload["merchant"] == duka.pk


def test_asking_and_approving_need_the_kinds_permissions(duka, staff):
    outsider = staff("olive", "request_agent_status", "approve_agent_status")
    with pytest.raises(NotPermitted):
        ask(outsider, {"ref": "512345", "status": "suspended"})
    change = ask(staff("mo", "request_merchant_status"), {"ref": "512345", "status": "suspended"})
    with pytest.raises(NotPermitted):
        approve(change=change, checker=outsider)
    assert status_of(duka) == BusinessStatus.ACTIVE


def agent_operations(username: str) -> tuple[User, Client]:
    user = User.objects.create_user(username, password="x", is_staff=True)
    user.groups.add(Group.objects.get(name="Agent operations"))
    client = Client()
    client.force_login(user)
    return user, client


def test_agent_operations_ask_and_a_colleague_approves_in_the_admin(duka):
    _, maker_client = agent_operations("ops-maker")
    _, checker_client = agent_operations("ops-checker")
    form = maker_client.get(ADD, {"kind": "merchant_status", "ref": "512345"}).content.decode()
    assert 'value="512345"' in form
    asked = maker_client.post(
        f"{ADD}?kind=merchant_status",
        {"ref": "512345", "status": "suspended", "reason": "Chargebacks, ticket 88"},
    )
    assert asked.status_code == 302, asked.content.decode()[:2000]
    change = ChangeRequest.objects.get(kind="merchant_status")
    page = reverse("admin:approvals_changerequest_change", args=[change.pk])

    maker_client.post(page, {"_approve": "1"})
    assert status_of(duka) == BusinessStatus.ACTIVE  # the maker's own approval is refused

    checker_client.post(page, {"_approve": "1", "note": "seen the chargebacks"})
    assert status_of(duka) == BusinessStatus.SUSPENDED
    assert ChangeRequest.objects.get(pk=change.pk).state == ChangeState.APPROVED


def test_support_cannot_ask_for_a_merchant_status_change(duka):
    user = User.objects.create_user("support-1", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name="Support"))
    client = Client()
    client.force_login(user)
    client.post(
        f"{ADD}?kind=merchant_status",
        {"ref": "512345", "status": "suspended", "reason": "a customer complained"},
    )
    assert not ChangeRequest.objects.filter(kind="merchant_status").exists()
    assert status_of(duka) == BusinessStatus.ACTIVE
