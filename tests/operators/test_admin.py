"""The operators' back office: pages load; breaks need a second person to approve."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from operators import safeguarding
from operators.models import Break, BreakKind, BreakState, Operator, Reconciliation


@pytest.fixture
def found(db) -> Break:
    operator = Operator.objects.create(
        code="mpesa",
        name="M-Pesa",
        kind="daraja",
        base_url="http://127.0.0.1:9/mpesa",
        callback_base_url="http://testserver",
    )
    run = Reconciliation.objects.create(operator=operator, day=datetime.date(2026, 11, 24))
    return Break.objects.create(
        reconciliation=run, kind=BreakKind.MISSING_ON_OURS, reference="x", their_amount=500
    )


def staff_client(username: str) -> Client:
    user = get_user_model().objects.create_superuser(username, f"{username}@example.com", "pw")
    client = Client()
    client.force_login(user)
    return client


def act(client: Client, action: str, found: Break, note: str = "", resolution: str = "") -> str:
    response = client.post(
        reverse("admin:operators_break_changelist"),
        {
            "action": action,
            "_selected_action": [found.pk],
            "note": note,
            "resolution": resolution,
        },
        follow=True,
    )
    return response.content.decode()


def test_every_operator_admin_page_loads(found):
    client = staff_client("ops")
    for model in (
        "operator",
        "operatorrequest",
        "operatorcallback",
        "reconciliation",
        "break",
        "trustbankbalance",
        "safeguardingcheck",
    ):
        assert client.get(reverse(f"admin:operators_{model}_changelist")).status_code == 200
    page = client.get(reverse("admin:operators_break_change", args=[found.pk]))
    assert page.status_code == 200


def test_a_break_is_resolved_by_two_different_people(found):
    maker, checker = staff_client("maker"), staff_client("checker")
    assert "Choose a resolution and write why" in act(maker, "propose", found)
    assert "does not fit" in act(maker, "propose", found, "why", resolution="settle_theirs")
    act(maker, "propose", found, "the operator reversed it on their side", "nothing")
    found.refresh_from_db()
    assert found.state == BreakState.PROPOSED
    assert "another staff member must approve" in act(maker, "approve", found)
    found.refresh_from_db()
    assert found.state == BreakState.PROPOSED
    act(checker, "approve", found)
    found.refresh_from_db()
    assert (found.state, found.approved_by.username) == (BreakState.RESOLVED, "checker")


def test_reconciling_today_with_an_unreachable_operator_says_so(found):
    client = staff_client("ops")
    response = client.post(
        reverse("admin:operators_operator_changelist"),
        {"action": "reconcile_today", "_selected_action": [found.reconciliation.operator.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "M-Pesa:" in response.content.decode()
    assert Reconciliation.objects.count() == 1  # only the fixture's: nothing was recorded


def test_the_safeguarding_report_shows_whether_e_money_is_covered(db):
    report = safeguarding.check("KES")
    client = staff_client("finance")
    page = client.get(reverse("admin:operators_safeguardingcheck_changelist")).content.decode()
    assert "icon-yes.svg" in page  # covered, and the signature verifies
    response = client.post(
        reverse("admin:operators_safeguardingcheck_changelist"),
        {"action": "check_now", "_selected_action": [report.pk]},
        follow=True,
    )
    assert "covered" in response.content.decode()
