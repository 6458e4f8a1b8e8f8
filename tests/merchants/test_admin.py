"""The merchant back office: onboarding with an account opened empty, KYB by an action and the
status by maker-checker only, balances shown and never edited, mandates cancelled by staff;
pages in a few queries."""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditRecord
from merchants import credentials, services, webhooks
from merchants.models import BusinessStatus, Mandate, Merchant, PointKind
from tests.conftest import new_key
from wallets.models import AccountKind
from wallets.money import format_amount


def url(model: str, view: str = "changelist", *args: object) -> str:
    return reverse(f"admin:merchants_{model}_{view}", args=args)


def merchant_form(**changes: object) -> dict[str, object]:
    form: dict[str, object] = {
        "name": "Kibanda Hardware Ltd",
        "display_name": "Kibanda Hardware",
        "phone": "0722300099",
        "language": "en",
        "fee_kind": "merchant_standard",
        "notify_by_sms": "on",
        "settlement_method": "none",
        "settlement_reserve": "0",
        "points-TOTAL_FORMS": "1",
        "points-INITIAL_FORMS": "0",
        "points-0-kind": PointKind.TILL,
        "points-0-number": "534000",
        "points-0-active": "on",
    }
    return form | changes


_numbers = itertools.count(1)


def make_merchants(count: int) -> None:
    for n in itertools.islice(_numbers, count):
        merchant = services.create_merchant(
            name=f"Shop {n}", display_name=f"Shop {n}", phone=f"+2547223100{n:02d}"
        )
        services.add_payment_point(merchant=merchant, kind=PointKind.TILL, number=f"60{n:04d}")


def test_a_merchant_added_in_the_admin_gets_an_empty_account_and_waits_for_kyb(admin_client):
    response = admin_client.post(url("merchant", "add"), merchant_form(status="active"))
    assert response.status_code == 302, response.content.decode()[:3000]
    merchant = Merchant.objects.get(name="Kibanda Hardware Ltd")
    assert merchant.phone == "+254722300099"
    assert merchant.status == BusinessStatus.PENDING  # the posted status is not a field
    assert (merchant.account.kind, merchant.account.balance) == (AccountKind.MERCHANT, 0)
    assert len(merchant.webhook_secret) == 64
    assert merchant.points.get().number == "534000"
    created = AuditRecord.objects.get(action="create", object_type="merchants.merchant")
    assert (created.after or {})["webhook_secret"] == "********"


def test_a_bad_pay_bill_pattern_is_refused_with_a_message(admin_client):
    form = merchant_form(**{"points-0-kind": "paybill", "points-0-account_pattern": "W[0-9"})
    response = admin_client.post(url("merchant", "add"), form)
    assert response.status_code == 200
    assert "Not a valid regular expression" in response.content.decode()
    assert not Merchant.objects.filter(name="Kibanda Hardware Ltd").exists()


def test_verify_kyb_activates_a_pending_merchant_and_records_who(admin_client, admin_user):
    merchant = services.create_merchant(name="New", display_name="New", phone="+254722300050")
    admin_client.post(url("merchant"), {"action": "verify_kyb", "_selected_action": [merchant.pk]})
    merchant.refresh_from_db()
    assert merchant.status == BusinessStatus.ACTIVE
    assert merchant.kyb_verified_by == admin_user
    assert merchant.kyb_verified_at is not None
    assert (AuditRecord.objects.get(action="verify_kyb").after or {})["status"] == "active"


def test_the_status_changes_only_by_a_maker_checker_request_linked_from_the_page(
    admin_client, duka
):
    page = admin_client.get(url("merchant", "change", duka.pk)).content.decode()
    assert "/admin/approvals/changerequest/add/?kind=merchant_status&amp;ref=512345" in page
    assert "Request it (a second person approves)" in page
    actions = admin_client.get(url("merchant")).content.decode()
    assert 'value="verify_kyb"' in actions
    for removed in ("suspend", "reactivate", "close"):
        assert f'value="{removed}"' not in actions
        admin_client.post(url("merchant"), {"action": removed, "_selected_action": [duka.pk]})
    duka.refresh_from_db()
    assert duka.status == BusinessStatus.ACTIVE


def test_a_closed_merchant_offers_no_status_change(admin_client, duka):
    services.set_status(merchant=duka, status=BusinessStatus.CLOSED)
    page = admin_client.get(url("merchant", "change", duka.pk)).content.decode()
    assert "closed for good" in page
    assert "kind=merchant_status" not in page


def test_the_status_and_the_balance_cannot_be_edited_on_the_change_page(
    admin_client, duka, alice, fund
):
    fund(alice, 10_000)
    offer = services.quote(point=duka.points.get(), amount=5_000)
    services.pay(payer=alice, offer=offer, idempotency_key=new_key(), channel="ussd")
    page = admin_client.get(url("merchant", "change", duka.pk)).content.decode()
    assert format_amount(5_000, "KES") in page
    assert 'name="status"' not in page
    assert 'name="balance"' not in page
    form = merchant_form(
        name=duka.name,
        display_name=duka.display_name,
        phone=duka.phone,
        status="closed",
        balance="99999999",
        **{"points-TOTAL_FORMS": "0"},
    )
    admin_client.post(url("merchant", "change", duka.pk), form)
    duka.refresh_from_db()
    duka.account.refresh_from_db()
    assert (duka.status, duka.account.balance) == (BusinessStatus.ACTIVE, 5_000)


def test_staff_cancel_a_mandate(admin_client, alice, duka):
    mandate = services.create_mandate(
        customer=alice.customer,
        merchant=duka,
        max_per_payment=1_000,
        max_daily=2_000,
        ends_on=timezone.localdate() + datetime.timedelta(days=3),
        idempotency_key=new_key(),
        channel="ussd",
        approved=True,
    )
    admin_client.post(url("mandate"), {"action": "cancel", "_selected_action": [mandate.pk]})
    mandate = Mandate.objects.get(pk=mandate.pk)
    assert (mandate.state, mandate.ended_by) == ("cancelled", "staff")
    assert admin_client.get(url("mandate", "change", mandate.pk)).status_code == 200
    assert admin_client.get(url("mandate") + "?state__exact=cancelled").status_code == 200


@pytest.mark.parametrize(
    "model", ["merchant", "paymentpoint", "mandate", "webhookdelivery", "partnercredential"]
)
def test_a_list_takes_the_same_queries_for_two_rows_or_eight(admin_client, duka, model):
    def rows(count: int) -> None:
        make_merchants(count)
        for merchant in Merchant.objects.filter(credentials__isnull=True):
            merchant.webhook_url = "https://hooks.example.com/x"
            webhooks.enqueue(
                merchant=merchant, event="e", event_id=f"{model}:{merchant.pk}", payload={}
            )
            if model == "partnercredential":
                credentials.issue(merchant=merchant, scopes=["merchantpay"])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get(url(model)).status_code == 200
        return len(captured)

    rows(1)
    few = queries()
    rows(6)
    assert queries() == few


@pytest.mark.parametrize("model", ["merchant", "paymentpoint", "webhookdelivery", "settlement"])
def test_the_pages_render(admin_client, duka, model):
    duka.webhook_url = "https://hooks.example.com/x"
    delivery = webhooks.enqueue(merchant=duka, event="e", event_id="e1", payload={"a": 1})
    assert delivery is not None
    assert admin_client.get(url(model)).status_code == 200
    pk = {"merchant": duka.pk, "paymentpoint": duka.points.get().pk, "webhookdelivery": delivery.pk}
    if model in pk:
        assert admin_client.get(url(model, "change", pk[model])).status_code == 200
    if model == "merchant":
        assert admin_client.get(url(model, "add")).status_code == 200
