"""The demo agent network: seeded once, however often `seed()` runs."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from agents import demo
from agents.models import Agent, AgentDevice, Aggregator, Assistant, Store
from tests.agents.conftest import KES, balance_of
from wallets import services as wallet_services
from wallets.models import Transaction
from wallets.pins import check_pin_strength

pytestmark = pytest.mark.django_db

CUSTOMER_DEMO_PHONES = {
    "+254700100101",
    "+254711100102",
    "+254722100103",
    "+254733100104",
    "+254110100105",
}


def test_seeding_twice_builds_the_network_once(db):
    first = demo.seed()
    transactions = Transaction.objects.count()
    again = demo.seed()

    assert again == first
    assert Transaction.objects.count() == transactions == 3  # one issue, two float purchases
    aggregator = Aggregator.objects.get()
    assert balance_of(aggregator.float_account) == 700_000 * KES
    wanjiku, baraka = Agent.objects.order_by("agent_number")
    assert (balance_of(wanjiku.float_account), balance_of(baraka.float_account)) == (
        200_000 * KES,
        100_000 * KES,
    )
    assert Store.objects.filter(agent=wanjiku).count() == 2
    assert Assistant.objects.count() == 4
    assert any("Faith Wairimu" in line and "3950" in line for line in first)


def test_the_demo_pins_work_and_are_strong(db):
    demo.seed()
    for person in demo.ASSISTANTS:
        check_pin_strength(person.pin)
        wallet_services.verify_pin(Assistant.objects.get(phone=person.phone), person.pin)


def test_a_pin_changed_after_seeding_is_kept(db):
    demo.seed()
    owner = Assistant.objects.get(phone=demo.ASSISTANTS[0].phone)
    wallet_services.set_pin(owner, "5071")
    demo.seed()
    wallet_services.verify_pin(Assistant.objects.get(pk=owner.pk), "5071")


def test_demo_phones_are_apart_from_the_customer_demo_phones():
    phones = {demo.AGGREGATOR_PHONE} | {a.phone for a in demo.AGENTS}
    phones |= {p.phone for p in demo.ASSISTANTS}
    assert len(phones) == 1 + len(demo.AGENTS) + len(demo.ASSISTANTS)
    assert not phones & CUSTOMER_DEMO_PHONES


def test_the_demo_device_token_opens_the_agent_api(db):
    demo.seed()
    demo.seed()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Device {demo.DEVICE_TOKEN}")
    body = client.get("/api/v1/agent/me").json()
    assert (body["agent_number"], body["store_number"], body["role"]) == ("100201", "1", "owner")
    assert AgentDevice.objects.count() == 1
