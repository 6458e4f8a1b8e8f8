"""The back office on reversal requests: force one only through maker-checker, or reject it;
payment requests are shown read-only."""

from __future__ import annotations

import sys

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from tests.conftest import balance
from wallets import services
from wallets.admin.requests import MAKER_CHECKER_UNAVAILABLE
from wallets.models import PaymentRequest, ReversalRequest, ReversalState


@pytest.fixture
def open_request(alice, bob, fund) -> ReversalRequest:
    fund(alice, 100_000)
    sent = services.send_money(sender=alice, recipient=bob, amount=20_000, idempotency_key="s")
    return services.request_reversal(
        customer=alice.customer, reference=sent.reference, channel="ussd"
    )


def act(admin_client, action: str, request: ReversalRequest, note: str = ""):
    return admin_client.post(
        reverse("admin:wallets_reversalrequest_changelist"),
        {"action": action, "_selected_action": [request.pk], "note": note},
        follow=True,
    )


def test_the_list_and_a_request_page_render(admin_client, open_request):
    listing = admin_client.get(reverse("admin:wallets_reversalrequest_changelist"))
    page = admin_client.get(reverse("admin:wallets_reversalrequest_change", args=[open_request.pk]))
    assert listing.status_code == page.status_code == 200
    assert open_request.original.reference in page.content.decode()


def test_staff_cannot_approve_a_reversal_directly_any_more(admin_client, bob, open_request):
    act(admin_client, "approve", open_request, "called both")
    open_request.refresh_from_db()
    bob.refresh_from_db()
    assert (open_request.state, bob.held) == (ReversalState.OPEN, 20_000)


def test_forcing_needs_a_reason(admin_client, open_request):
    page = act(admin_client, "force", open_request).content.decode()
    assert "Say why the reversal must be forced." in page


def test_forcing_asks_a_second_person_and_only_their_approval_returns_the_money(
    admin_client, admin_user, alice, bob, open_request
):
    approvals = pytest.importorskip("approvals.services")  # built alongside: skip until then
    changes = pytest.importorskip("approvals.models").ChangeRequest.objects
    page = act(admin_client, "force", open_request, "recipient unreachable").content.decode()

    change = changes.get()
    assert f"change request #{change.pk} asks to force it" in page
    assert (change.kind, change.maker, change.reason) == (
        "forced_reversal",
        admin_user,
        "recipient unreachable",
    )
    assert change.payload == {"reversal_request": open_request.pk}
    open_request.refresh_from_db()
    assert open_request.state == ReversalState.OPEN  # nothing moved yet
    with pytest.raises(PermissionDenied):  # the maker cannot be the checker
        approvals.approve(change=change, checker=admin_user)

    checker = get_user_model().objects.create_superuser("checker", "c@example.com", "pw")
    approvals.approve(change=change, checker=checker, note="called both parties")

    open_request.refresh_from_db()
    assert open_request.state == ReversalState.REVERSED
    assert open_request.decided_by == checker
    assert (balance(alice), balance(bob)) == (100_000, 0)


def test_without_maker_checker_forcing_is_refused_clearly(
    admin_client, bob, open_request, monkeypatch
):
    monkeypatch.setitem(sys.modules, "approvals.services", None)  # the import fails

    page = act(admin_client, "force", open_request, "recipient unreachable").content.decode()

    assert MAKER_CHECKER_UNAVAILABLE in page
    open_request.refresh_from_db()
    bob.refresh_from_db()
    assert (open_request.state, bob.held) == (ReversalState.OPEN, 20_000)


def test_rejecting_needs_a_note_and_then_releases_the_hold(admin_client, bob, open_request):
    page = act(admin_client, "reject", open_request).content.decode()
    assert "Say why the reversal is rejected." in page
    open_request.refresh_from_db()
    assert open_request.state == ReversalState.OPEN

    act(admin_client, "reject", open_request, "recipient disputes")
    open_request.refresh_from_db()
    bob.refresh_from_db()
    assert (open_request.state, bob.held, bob.balance) == (ReversalState.REJECTED, 0, 20_000)


def test_requests_cannot_be_added_or_edited(admin_client, alice, bob, open_request):
    services.request_payment(
        requester=bob, requester_name="Bob", payer=alice.customer, amount=100, idempotency_key="p"
    )
    for model in ("reversalrequest", "paymentrequest"):
        assert admin_client.get(reverse(f"admin:wallets_{model}_add")).status_code == 403
    pk = PaymentRequest.objects.get().pk
    page = admin_client.get(reverse("admin:wallets_paymentrequest_change", args=[pk]))
    assert page.status_code == 200
    assert 'name="amount"' not in page.content.decode()
