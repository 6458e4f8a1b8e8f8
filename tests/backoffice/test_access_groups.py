"""What each staff group sees and does in the admin (groups as migrate leaves them)."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.test import Client
from django.urls import reverse

from tests.agents.conftest import build_network
from tests.conftest import new_key
from wallets import services
from wallets.models import Account, Customer, Transaction

VISIBLE = {
    "Support": [
        "wallets.customer", "wallets.account", "wallets.transaction", "wallets.hold",
        "wallets.reversalrequest", "wallets.paymentrequest", "wallets.tariff", "sms.smsmessage",
        "sms.inboundsms", "ussd.ussdsession", "ussd.ussdsessionend", "agents.withdrawalcode",
        "merchants.merchant", "merchants.paymentpoint", "merchants.mandate",
        "merchants.webhookdelivery",
    ],
    "Agent operations": [
        "agents.aggregator", "agents.agent", "agents.store", "agents.assistant",
        "agents.agentdevice", "agents.agentdocument", "agents.flag", "agents.commissiontable",
        "agents.commissionstatement", "agents.registration", "wallets.account",
        "wallets.transaction", "merchants.merchant", "merchants.paymentpoint",
        "merchants.partnercredential", "merchants.mandate", "merchants.webhookdelivery",
    ],
    "Finance": [
        "operators.operator", "operators.operatorrequest", "operators.operatorcallback",
        "operators.reconciliation", "operators.break", "operators.trustbankbalance",
        "operators.safeguardingcheck", "agents.commissionstatement", "agents.commissiontable",
        "wallets.transaction", "wallets.tariff", "wallets.tierlimit", "audit.auditrecord",
        "approvals.changerequest", "merchants.merchant", "merchants.settlement",
    ],
    "Compliance": [
        "wallets.customer", "wallets.transaction", "wallets.account", "agents.agentdocument",
        "agents.flag", "agents.agent", "sms.smsmessage", "ussd.ussdsession",
        "audit.auditrecord", "approvals.changerequest", "merchants.merchant",
        "merchants.mandate",
    ],
}  # fmt: skip
HIDDEN = {
    "Support": [
        "agents.agent", "agents.assistant", "agents.flag", "agents.agentdocument",
        "operators.break", "operators.operator", "operators.trustbankbalance",
        "audit.auditrecord", "auth.user", "auth.group", "otp_totp.totpdevice",
        "axes.accessattempt", "merchants.partnercredential",
    ],
    "Agent operations": [
        "wallets.customer", "wallets.reversalrequest", "operators.break", "operators.operator",
        "sms.smsmessage", "ussd.ussdsession", "audit.auditrecord", "auth.user",
    ],
    "Finance": [
        "wallets.customer", "agents.assistant", "agents.agentdevice", "agents.flag",
        "sms.smsmessage", "ussd.ussdsession", "auth.group", "otp_totp.totpdevice",
        "merchants.partnercredential", "merchants.webhookdelivery", "merchants.mandate",
    ],
    "Compliance": [
        "operators.break", "operators.trustbankbalance", "operators.operator",
        "agents.agentdevice", "wallets.paymentrequest", "auth.user", "otp_static.staticdevice",
        "axes.accessattempt", "merchants.partnercredential", "merchants.webhookdelivery",
    ],
}  # fmt: skip
CHANGEABLE = {  # an add page each group may open
    "Support": [],
    "Agent operations": [
        "agents.agent", "agents.store", "agents.assistant", "merchants.merchant",
        "merchants.paymentpoint", "merchants.partnercredential",
    ],
    "Finance": ["operators.trustbankbalance"],
    "Compliance": [],
}  # fmt: skip
READ_ONLY = {  # an add page each group may not open, although it sees the list
    "Support": ["wallets.tariff", "merchants.merchant", "merchants.paymentpoint"],
    "Agent operations": ["agents.commissiontable"],
    "Finance": ["wallets.tariff", "agents.commissiontable", "merchants.merchant"],
    "Compliance": ["wallets.tierlimit", "merchants.merchant"],
}  # fmt: skip


def page(label: str, view: str = "changelist", *args: object) -> str:
    app_label, model = label.split(".")
    return reverse(f"admin:{app_label}_{model}_{view}", args=args)


def member(group: str) -> Client:
    user = User.objects.create_user(f"{group.split()[0].lower()}-1", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def business(alice, bob, fund):
    """Rows on every list: a funded wallet, a send, a hold, an agent network."""
    fund(alice, 50_000)
    services.send_money(sender=alice, recipient=bob, amount=5_000, idempotency_key=new_key())
    build_network()


@pytest.mark.parametrize("group", VISIBLE)
def test_each_group_opens_the_lists_of_its_part(business, group):
    client = member(group)
    assert client.get(reverse("admin:index")).status_code == 200
    for label in VISIBLE[group]:
        assert client.get(page(label)).status_code == 200, label


@pytest.mark.parametrize("group", HIDDEN)
def test_each_group_is_refused_the_lists_outside_its_part(business, group):
    client = member(group)
    for label in HIDDEN[group]:
        assert client.get(page(label)).status_code == 403, label


@pytest.mark.parametrize("group", CHANGEABLE)
def test_each_group_adds_only_what_it_manages(db, group):
    client = member(group)
    for label in CHANGEABLE[group]:
        assert client.get(page(label, "add")).status_code == 200, label
    for label in READ_ONLY[group]:
        assert client.get(page(label)).status_code == 200, label
        assert client.get(page(label, "add")).status_code == 403, label


@pytest.mark.parametrize("group", VISIBLE)
def test_no_group_can_change_a_balance_a_posting_or_a_hold(business, group):
    client = member(group)
    wallet = Account.objects.filter(customer__isnull=False).order_by("pk").first()
    assert wallet is not None
    before = wallet.balance
    sent = Transaction.objects.filter(kind="send_money").get()
    for label, pk in [("wallets.account", wallet.pk), ("wallets.transaction", sent.pk)]:
        response = client.post(page(label, "change", pk), {"balance": 99_999_999, "amount": 1})
        assert response.status_code == 403, (label, response.status_code)
        assert client.post(page(label, "delete", pk), {"post": "yes"}).status_code == 403
    assert client.post(page("wallets.account", "add"), {"balance": 1}).status_code == 403
    wallet.refresh_from_db()
    assert wallet.balance == before
    user = User.objects.get(groups__name=group)
    for model in ("account", "transaction", "posting", "housebalance", "hold"):
        for action in ("add", "change", "delete"):
            assert not user.has_perm(f"wallets.{action}_{model}")


def test_support_sees_customers_read_only_and_may_unlock_pins(alice):
    client = member("Support")
    customer = Customer.objects.get(pk=alice.customer_id)
    detail = client.get(page("wallets.customer", "change", customer.pk))
    assert detail.status_code == 200
    assert 'name="kyc_tier"' not in detail.content.decode()  # a view-only page, no form
    edit = client.post(page("wallets.customer", "change", customer.pk), {"kyc_tier": "2"})
    assert edit.status_code == 403
    customer.refresh_from_db()
    assert customer.kyc_tier != "2"
    support = User.objects.get(groups__name="Support")
    assert support.has_perm("wallets.unlock_pin")
    assert support.has_perm("wallets.change_reversalrequest")  # deciding reversal requests


def test_the_index_shows_support_no_compliance_finance_or_agent_network_app(business):
    index = member("Support").get(reverse("admin:index")).content.decode()
    assert "Customers" in index
    for hidden in ("Compliance", "Breaks", "Trust bank balances", "Aggregators", "Audit"):
        assert hidden not in index, hidden


def test_support_never_sees_compliance_alerts_which_compliance_does(db):
    support = member("Support")
    assert not User.objects.get(groups__name="Support").has_perm("compliance.view_alert")
    if not apps.is_installed("compliance") or "compliance.alert" not in {
        model._meta.label_lower for model in admin.site._registry
    }:
        pytest.skip("compliance.Alert has no admin page yet")
    assert support.get(page("compliance.alert")).status_code == 403
    assert member("Compliance").get(page("compliance.alert")).status_code == 200


def test_only_finance_reaches_the_reports_permissions(db):
    for group in VISIBLE:
        user = User.objects.create_user(f"reports-{group}", password="x", is_staff=True)
        user.groups.add(Group.objects.get(name=group))
        allowed = group == "Finance"
        assert user.has_perm("backoffice.view_reports") is allowed, group
        assert user.has_perm("backoffice.export_reports") is allowed, group


def test_a_superuser_opens_the_qr_code_of_a_staff_members_device(admin_client, db):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    staff = User.objects.create_user("new-staff", password="x", is_staff=True)
    device = TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)
    config = admin_client.get(reverse("admin:otp_totp_totpdevice_config", args=[device.pk]))
    assert config.status_code == 200
    qrcode = admin_client.get(reverse("admin:otp_totp_totpdevice_qrcode", args=[device.pk]))
    assert (qrcode.status_code, qrcode["Content-Type"]) == (200, "image/svg+xml")
    refused = member("Support").get(reverse("admin:otp_totp_totpdevice_qrcode", args=[device.pk]))
    assert refused.status_code == 403


MERCHANT_ACTIONS = {  # group -> what it may do to merchants beyond seeing them
    "Support": {"merchants.change_webhookdelivery", "merchants.change_mandate"},
    "Agent operations": {
        "merchants.add_merchant", "merchants.change_merchant", "merchants.verify_kyb",
        "merchants.change_paymentpoint", "merchants.add_partnercredential",
        "merchants.change_partnercredential",
        # a status changes only by maker-checker, asked and approved within the team
        "approvals.request_merchant_status", "approvals.approve_merchant_status",
    },
    "Finance": set(),
    "Compliance": set(),
}  # fmt: skip
EVERY_MERCHANT_ACTION = set().union(*MERCHANT_ACTIONS.values())


@pytest.mark.parametrize("group", MERCHANT_ACTIONS)
def test_each_group_acts_on_merchants_only_as_its_part_allows(db, group):
    user = User.objects.create_user(f"merchants-{group}", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    for permission in EVERY_MERCHANT_ACTION:
        allowed = permission in MERCHANT_ACTIONS[group]
        assert user.has_perm(permission) is allowed, (group, permission)
    assert not user.has_perm("merchants.change_settlement")
    assert not user.has_perm("merchants.set_merchant_status")  # no one acts alone on a status


def test_support_replays_a_webhook_and_finance_may_not(db):
    from merchants import services as merchant_services
    from merchants import webhooks
    from merchants.models import WebhookDelivery

    shop = merchant_services.create_merchant(
        name="Shop", display_name="Shop", phone="+254722300077", webhook_url="https://h.example/x"
    )
    delivery = webhooks.enqueue(merchant=shop, event="e", event_id="e1", payload={})
    assert delivery is not None
    WebhookDelivery.objects.filter(pk=delivery.pk).update(state="failed")
    replay = {"action": "replay", "_selected_action": [delivery.pk]}
    member("Finance").post(page("merchants.webhookdelivery"), replay)
    assert WebhookDelivery.objects.get(pk=delivery.pk).state == "failed"
    member("Support").post(page("merchants.webhookdelivery"), replay)
    assert WebhookDelivery.objects.get(pk=delivery.pk).state == "pending"
