"""The change requests' admin: staff ask for each kind with a form, the checker reads the
request and approves or rejects it; the maker is told they cannot."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from approvals.kinds import KINDS
from approvals.models import ChangeRequest, ChangeState
from approvals.services import APPLY_LEASE, request_change
from tests.approvals.conftest import make_staff
from tests.conftest import balance
from wallets.models import CustomerStatus

ADD = reverse("admin:approvals_changerequest_add")
LIST = reverse("admin:approvals_changerequest_changelist")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(change: ChangeRequest) -> str:
    return reverse("admin:approvals_changerequest_change", args=[change.pk])


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root", "root@example.com", "pw")


def ask_freeze(maker) -> ChangeRequest:
    return request_change(
        kind="freeze", maker=maker, reason="AML case 17", payload={"phone": "0712000001"}
    )


def test_every_page_renders_for_a_superuser(alice, superuser, maker):
    change = ask_freeze(maker)
    client = client_for(superuser)

    assert client.get(LIST).status_code == 200
    assert client.get(LIST, {"state": "pending", "kind": "freeze", "q": "AML"}).status_code == 200
    choice = client.get(ADD)
    assert choice.status_code == 200
    for name, kind in KINDS.items():
        if name == "break_resolution":  # asked for from the break's page, not here
            assert kind.label not in choice.content.decode()
            continue
        assert kind.label in choice.content.decode()
        form = client.get(ADD, {"kind": name})
        assert form.status_code == 200, name
        assert 'name="reason"' in form.content.decode()
    detail = client.get(page(change)).content.decode()
    assert "Freeze the wallet of +254712000001 (Alice Wanjiru)" in detail
    assert "AML case 17" in detail
    assert 'name="_approve"' in detail


def test_a_maker_asks_for_an_adjustment_with_the_form(alice, maker):
    client = client_for(maker)
    response = client.post(
        f"{ADD}?kind=adjustment",
        {
            "phone": "0712 000 001",
            "currency": "KES",
            "amount": "1,500.50",
            "direction": "credit",
            "reason": "Ticket 42",
        },
    )

    change = ChangeRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == page(change)
    assert change.maker == maker
    assert change.payload == {"account": alice.pk, "amount": 150_050, "direction": "credit"}
    assert balance(alice) == 0


def test_the_form_shows_what_is_wrong_and_asks_for_a_reason(alice, maker):
    client = client_for(maker)
    no_reason = client.post(
        f"{ADD}?kind=freeze", {"phone": "0712000001", "reason": ""}
    ).content.decode()
    unknown = client.post(
        f"{ADD}?kind=freeze", {"phone": "0799999999", "reason": "case"}
    ).content.decode()
    gap = client.post(
        f"{ADD}?kind=tariff",
        {
            "kind": "send_money",
            "currency": "KES",
            "bands": "1 to 100: 0\n200 to 300: 5",
            "reason": "new tariff",
        },
    ).content.decode()

    assert "This field is required" in no_reason
    assert "No wallet is registered for that customer" in unknown
    assert "fall in no band" in gap
    assert not ChangeRequest.objects.exists()


def test_a_tariff_is_typed_in_shillings_one_band_per_line(db, maker):
    client_for(maker).post(
        f"{ADD}?kind=tariff",
        {
            "kind": "send_money",
            "currency": "KES",
            "bands": "101 to 1,000: 7.50\n1 to 100: 0\n",
            "reason": "New tariff from 1 July",
        },
    )

    assert ChangeRequest.objects.get().payload["bands"] == [
        {"min_amount": 100, "max_amount": 10_000, "fee": 0},
        {"min_amount": 10_001, "max_amount": 100_000, "fee": 750},
    ]


def test_the_maker_is_told_they_cannot_decide_and_their_post_changes_nothing(alice, maker):
    change = ask_freeze(maker)
    client = client_for(maker)

    assert "another staff member must approve" in client.get(page(change)).content.decode()
    response = client.post(page(change), {"_approve": "1", "note": ""}, follow=True)

    assert "another staff member must approve or reject it" in response.content.decode()
    change.refresh_from_db()
    assert change.state == ChangeState.PENDING
    alice.customer.refresh_from_db()
    assert alice.customer.status == CustomerStatus.ACTIVE


def test_the_checker_approves_on_the_requests_page(alice, maker, checker):
    change = ask_freeze(maker)

    response = client_for(checker).post(
        page(change), {"_approve": "1", "note": "case file read"}, follow=True
    )

    assert "approved and applied" in response.content.decode()
    change.refresh_from_db()
    assert change.state == ChangeState.APPROVED
    assert change.decision_note == "case file read"
    alice.customer.refresh_from_db()
    assert alice.customer.status == CustomerStatus.FROZEN


def test_the_checker_rejects_with_a_note_only(alice, maker, checker):
    change = ask_freeze(maker)
    client = client_for(checker)

    silent = client.post(page(change), {"_reject": "1", "note": ""}, follow=True)
    assert "Say why the change is rejected" in silent.content.decode()
    client.post(page(change), {"_reject": "1", "note": "wrong customer"})

    change.refresh_from_db()
    assert change.state == ChangeState.REJECTED
    alice.customer.refresh_from_db()
    assert alice.customer.status == CustomerStatus.ACTIVE


def test_a_failed_apply_is_shown_with_its_reason(alice, fund, maker, checker):
    fund(alice, 100)
    change = request_change(
        kind="adjustment",
        maker=maker,
        reason="duplicate credit",
        payload={"account": alice.pk, "amount": 500, "direction": "debit"},
    )

    response = client_for(checker).post(page(change), {"_approve": "1"}, follow=True)

    assert "failed: Insufficient funds" in response.content.decode()
    assert balance(alice) == 100


def test_list_actions_approve_and_reject_with_the_note(alice, bob, maker, checker):
    first = ask_freeze(maker)
    second = request_change(
        kind="freeze", maker=maker, reason="AML case 18", payload={"phone": "0712000002"}
    )
    client = client_for(checker)

    client.post(LIST, {"action": "approve_selected", "_selected_action": [first.pk], "note": ""})
    client.post(
        LIST, {"action": "reject_selected", "_selected_action": [second.pk], "note": "no case"}
    )

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state) == (ChangeState.APPROVED, ChangeState.REJECTED)
    assert second.decision_note == "no case"


def test_a_group_member_sees_only_the_kinds_they_may_ask_for_or_decide(alice, maker):
    ask_freeze(maker)
    reversal_asker = make_staff("support_sam", "request_forced_reversal")
    client = client_for(reversal_asker)

    listing = client.get(LIST)
    choice = client.get(ADD).content.decode()
    refused_form = client.get(ADD, {"kind": "freeze"}).content.decode()

    assert listing.status_code == 200
    assert "AML case" not in listing.content.decode()
    assert "Freeze the wallet" not in listing.content.decode()
    assert "Forced reversal" in choice
    assert "Freeze a wallet" not in choice
    assert 'name="reason"' not in refused_form  # back to the kinds they may ask for
    assert client.get(page(ChangeRequest.objects.get())).status_code == 302  # not theirs to see


def test_staff_without_any_approvals_permission_cannot_open_the_pages(db):
    nobody = make_staff("nobody")
    client = client_for(nobody)

    assert client.get(LIST).status_code == 403
    assert client.get(ADD).status_code == 403


def test_an_interrupted_apply_can_be_finished_from_its_page(alice, maker, checker):
    change = ask_freeze(maker)
    long_ago = timezone.now() - APPLY_LEASE * 2
    ChangeRequest.objects.filter(pk=change.pk).update(
        state=ChangeState.APPLYING, checker=checker, decided_at=long_ago, claimed_at=long_ago
    )
    client = client_for(make_staff("second_checker", "approve_freeze"))

    assert "Finish applying" in client.get(page(change)).content.decode()
    client.post(page(change), {"_approve": "1"})

    change.refresh_from_db()
    assert change.state == ChangeState.APPROVED
    alice.customer.refresh_from_db()
    assert alice.customer.status == CustomerStatus.FROZEN
