"""The agent-operations back office: pages load, money is shown not edited, actions call
the services."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from agents import services
from agents.models import (
    Agent,
    AgentDevice,
    AgentDocument,
    Aggregator,
    CommissionTable,
    Flag,
    Store,
)
from agents.services.devices import token_digest
from tests.agents.conftest import KES, balance_of
from tests.conftest import new_key
from wallets.models import Account

pytestmark = pytest.mark.django_db


def url(model: str, view: str, *args: object) -> str:
    return reverse(f"admin:agents_{model}_{view}", args=args)


@pytest.fixture
def busy(network, wanjiku, deliver):
    """A split withdrawal (so there is a flag), a registration, a code and a statement."""
    for _ in range(2):
        services.cash_out(
            wallet=wanjiku,
            store=network.store1,
            amount=1_000 * KES,
            idempotency_key=new_key(),
            channel="ussd",
        )
    services.register_customer_at_agent(
        assistant=network.owner,
        phone="+254722100103",
        name="Achieng Odhiambo",
        id_type="national_id",
        id_number="33604128",
        date_of_birth=datetime.date(1996, 7, 21),
    )
    services.create_withdrawal_code(customer=wanjiku.customer, amount=1_000 * KES)
    services.record_cash_count(assistant=network.owner, counted=3_000 * KES)
    deliver()
    services.build_commission_statement(
        agent=network.agent, month=timezone.localdate().replace(day=1)
    )
    return network


def test_every_agent_admin_page_loads(admin_client, busy):
    network = busy
    pages = [
        url(model, "changelist")
        for model in (
            "aggregator",
            "agent",
            "store",
            "assistant",
            "commissiontable",
            "flag",
            "commissionstatement",
            "withdrawalcode",
            "registration",
            "agentdevice",
        )
    ] + [
        url("aggregator", "change", network.aggregator.pk),
        url("agent", "change", network.agent.pk),
        url("store", "change", network.store1.pk),
        url("assistant", "change", network.owner.pk),
        url("commissiontable", "change", CommissionTable.objects.earliest("id").pk),
        url("flag", "change", Flag.objects.get().pk),
        url("aggregator", "add"),
        url("agent", "add"),
        url("commissiontable", "add"),
        url("agent", "changelist") + "?liquidity=low_float",
        url("agent", "changelist") + "?liquidity=low_cash",
    ]
    for page in pages:
        response = admin_client.get(page)
        assert response.status_code == 200, page


def test_the_agent_page_shows_balances_and_statement_but_no_balance_field(admin_client, busy):
    page = admin_client.get(url("agent", "change", busy.agent.pk)).content.decode()
    assert "KES 12,000" in page  # the float after two withdrawals of 1,000
    assert "KES 12" in page  # commission: 8 + 4 (the split part)
    assert 'name="balance"' not in page
    assert 'name="float_account"' not in page
    assert "cash_out" in page  # a statement line


def test_no_pin_hash_reaches_the_assistant_pages(admin_client, busy):
    page = admin_client.get(url("assistant", "change", busy.owner.pk)).content.decode()
    listing = admin_client.get(url("assistant", "changelist")).content.decode()
    assert busy.owner.pin_hash
    for content in (page, listing):
        assert "argon2" not in content
        assert busy.owner.pin_hash not in content
    assert "set" in page


def test_the_issue_float_action_posts_once_per_drawn_page(admin_client, network):
    form = {
        "action": "issue_float",
        "_selected_action": [network.aggregator.pk],
        "amount": "250,000",
        "request_key": "page-1",
    }
    admin_client.post(url("aggregator", "changelist"), form)
    admin_client.post(url("aggregator", "changelist"), form)  # the same page submitted twice

    assert balance_of(network.aggregator.float_account) == (990_000 + 250_000) * KES
    response = admin_client.post(
        url("aggregator", "changelist"), form | {"amount": "ten", "request_key": "page-2"}
    )
    assert balance_of(network.aggregator.float_account) == (990_000 + 250_000) * KES
    assert response.status_code == 302


def test_adding_an_agent_in_the_admin_opens_its_accounts(admin_client, network):
    response = admin_client.post(
        url("agent", "add"),
        {
            "aggregator": network.aggregator.pk,
            "agent_number": "200300",
            "business_name": "Baraka Agencies",
            "phone": "+254720300050",
            "language": "sw",
            "status": "active",
            "low_float_threshold": "0",
            "low_cash_threshold": "0",
            **inline_management("stores", "documents", "flags"),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    agent = Agent.objects.get(agent_number="200300")
    assert (agent.float_account.kind, agent.commission_account.kind) == (
        "agent_float",
        "agent_commission",
    )
    assert Account.objects.filter(pk=agent.float_account_id, balance=0).exists()


def inline_management(*prefixes: str) -> dict[str, str]:
    form: dict[str, str] = {}
    for prefix in prefixes:
        form |= {
            f"{prefix}-TOTAL_FORMS": "0",
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
        }
    return form


def test_the_liquidity_filter_lists_agents_below_their_thresholds(admin_client, network):
    Agent.objects.filter(pk=network.agent.pk).update(low_float_threshold=20_000 * KES)
    other = services.create_agent(
        aggregator=network.aggregator, business_name="Baraka", phone="+254720300050"
    )
    services.add_store(agent=other, name="Baraka 1", opening_cash=100 * KES)
    Agent.objects.filter(pk=other.pk).update(low_cash_threshold=1_000 * KES)

    low_float = admin_client.get(url("agent", "changelist") + "?liquidity=low_float")
    low_cash = admin_client.get(url("agent", "changelist") + "?liquidity=low_cash")

    assert list(low_float.context["cl"].result_list) == [network.agent]
    assert list(low_cash.context["cl"].result_list) == [other]


def test_commission_bands_with_a_gap_are_refused(admin_client):
    form = {
        "kind": "cash_in",
        "currency": "KES",
        "effective_from_0": "2030-01-01",
        "effective_from_1": "00:00:00",
        "description": "with a gap",
        "bands-TOTAL_FORMS": "2",
        "bands-INITIAL_FORMS": "0",
        "bands-MIN_NUM_FORMS": "1",
        "bands-MAX_NUM_FORMS": "1000",
        "bands-0-min_amount": "5000",
        "bands-0-max_amount": "10000",
        "bands-0-commission": "400",
        "bands-1-min_amount": "10002",
        "bands-1-max_amount": "51000",
        "bands-1-commission": "800",
    }
    refused = admin_client.post(url("commissiontable", "add"), form)
    assert refused.status_code == 200
    assert "fall in no band" in refused.content.decode()
    accepted = admin_client.post(
        url("commissiontable", "add"), form | {"bands-1-min_amount": "10001"}
    )
    assert accepted.status_code == 302
    assert CommissionTable.objects.filter(description="with a gap").get().bands.count() == 2


def test_mark_reviewed_action(admin_client, admin_user, busy):
    flag = Flag.objects.get()
    admin_client.post(
        url("flag", "changelist"), {"action": "mark_reviewed", "_selected_action": [flag.pk]}
    )
    flag.refresh_from_db()
    assert (flag.reviewed_by, flag.reviewed_at is not None) == (admin_user, True)


def test_unlock_pin_action(admin_client, network):
    from wallets import services as wallet_services
    from wallets.errors import PinLocked, WrongPin

    for _ in range(3):
        with pytest.raises(WrongPin):
            wallet_services.verify_pin(network.assistant, "9999")
    with pytest.raises(PinLocked):
        wallet_services.verify_pin(network.assistant, "6182")
    listing = admin_client.get(url("assistant", "changelist")).content.decode()
    assert re.search(r"locked until", listing)

    admin_client.post(
        url("assistant", "changelist"),
        {"action": "unlock_pin", "_selected_action": [network.assistant.pk]},
    )
    wallet_services.verify_pin(network.assistant, "6182")


def test_stores_show_their_drawer(admin_client, network):
    store = Store.objects.get(pk=network.store1.pk)
    page = admin_client.get(url("store", "change", store.pk)).content.decode()
    assert "KES 5,000" in page
    assert Aggregator.objects.count() == 1


def test_a_device_token_is_shown_once_stored_as_a_digest_and_revocable(admin_client, network):
    response = admin_client.post(
        url("assistant", "changelist"),
        {"action": "issue_device_token", "_selected_action": [network.assistant.pk]},
    )
    assert "no-store" in response["Cache-Control"]
    assert not list(response.context["messages"])  # never kept in the message storage
    token = re.search(r"<code>(\S+)</code>", response.content.decode()).group(1)  # type: ignore[union-attr]
    device = AgentDevice.objects.get()
    assert device.token_digest == token_digest(token) != token
    assert token not in admin_client.get(url("agentdevice", "change", device.pk)).content.decode()

    admin_client.post(
        url("agentdevice", "changelist"), {"action": "revoke", "_selected_action": [device.pk]}
    )
    device.refresh_from_db()
    assert device.is_revoked


def test_documents_are_marked_verified_by_the_staff_member(admin_client, admin_user, network):
    document = AgentDocument.objects.create(
        agent=network.agent, kind="business_permit", number="BP-2026-114"
    )
    assert admin_client.get(url("agentdocument", "changelist")).status_code == 200
    admin_client.post(
        url("agentdocument", "changelist"),
        {"action": "verify", "_selected_action": [document.pk]},
    )
    document.refresh_from_db()
    assert (document.verified_by, document.verified_at is not None) == (admin_user, True)


@pytest.mark.parametrize("model", ["aggregator", "agent", "store", "assistant"])
def test_a_status_changes_only_by_maker_checker(admin_client, network, model):
    member = {
        "aggregator": network.aggregator,
        "agent": network.agent,
        "store": network.store1,
        "assistant": network.owner,
    }[model]
    page = admin_client.get(url(model, "change", member.pk)).content.decode()
    assert 'name="status"' not in page  # shown, not editable
    assert "/admin/approvals/changerequest/add/?kind=agent_status" in page
