"""The back office decides reversal requests; payment requests are shown read-only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import balance
from wallets import services
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


def test_approving_in_the_admin_returns_the_money_and_records_who(
    admin_client, admin_user, alice, bob, open_request
):
    page = act(admin_client, "approve", open_request, "called both").content.decode()
    open_request.refresh_from_db()
    assert open_request.state == ReversalState.REVERSED
    assert open_request.reversal is not None
    assert f"is reversed by {open_request.reversal.reference}" in page
    assert (open_request.decided_by, open_request.decision_note) == (admin_user, "called both")
    assert (balance(alice), balance(bob)) == (100_000, 0)


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
