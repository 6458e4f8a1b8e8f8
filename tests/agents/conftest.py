"""A small agent network for the agent tests, built through the services.

Kilimani Super Agents (the aggregator, 20% of commission) holds KES 1,000,000 of issued float
and has sold KES 10,000 of it to WANJIKU SHOP (agent 100201), which has two stores, each with
KES 5,000 declared in the drawer: store 1 served by the owner, store 2 by an assistant.
Customers are registered with an ID number, as they would be at an agent.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.utils import timezone

from agents import services
from agents.models import Agent, Aggregator, Assistant, AssistantRole, Store
from tests.conftest import make_customer, new_key
from ussd.sms.models import SmsMessage
from wallets import outbox
from wallets.models import Account, AccountKind, Transaction
from wallets.models.customers import IdType
from wallets.services import fund_from_issuance, house_account

KES = 100
OWNER_PIN = "4739"
ASSISTANT_PIN = "6182"


@dataclass
class Network:
    aggregator: Aggregator
    agent: Agent
    store1: Store
    store2: Store
    owner: Assistant  # at store 1
    assistant: Assistant  # at store 2


def build_network(*, agent_number: str = "100201", phone_offset: int = 0, **limits) -> Network:
    limits.setdefault("float_credit_daily", 10_000_000 * KES)
    aggregator = services.create_aggregator(
        name="Kilimani Super Agents", phone=f"+25472030{phone_offset:02d}00", commission_share=2000
    )
    services.issue_aggregator_float(
        aggregator=aggregator,
        amount=1_000_000 * KES,
        idempotency_key=new_key("issue"),
        initiator="test",
    )
    agent = services.create_agent(
        aggregator=aggregator,
        business_name="Wanjiku Shop",
        phone=f"+25472030{phone_offset:02d}01",
        agent_number=agent_number,
        **limits,
    )
    store1 = services.add_store(agent=agent, name="Ngong Road", opening_cash=5_000 * KES)
    store2 = services.add_store(agent=agent, name="Kilimani Mall", opening_cash=5_000 * KES)
    owner = services.add_assistant(
        store=store1,
        name="Wanjiku Njeri",
        phone=f"+25472030{phone_offset:02d}02",
        role=AssistantRole.OWNER,
        pin=OWNER_PIN,
    )
    assistant = services.add_assistant(
        store=store2,
        name="Kevin Mutua",
        phone=f"+25472030{phone_offset:02d}03",
        pin=ASSISTANT_PIN,
    )
    services.buy_float(
        assistant=owner, amount=10_000 * KES, idempotency_key=new_key("buy"), channel="ussd"
    )
    agent.refresh_from_db()
    return Network(aggregator, agent, store1, store2, owner, assistant)


@pytest.fixture
def network(db) -> Network:
    return build_network()


def customer_wallet(phone: str, name: str, id_number: str, funding: int = 0) -> Account:
    customer = make_customer(
        phone,
        name,
        id_type=IdType.NATIONAL_ID,
        id_number=id_number,
        date_of_birth=datetime.date(1990, 4, 12),
    )
    wallet = customer.wallet()
    if funding:
        fund_from_issuance(wallet=wallet, amount=funding, idempotency_key=new_key("fund"))
    wallet.refresh_from_db()
    return wallet


@pytest.fixture
def wanjiku(db) -> Account:
    """Wanjiku Kamau, national ID 28451937, KES 6,000 in her wallet."""
    return customer_wallet("+254700100101", "Wanjiku Kamau", "28451937", 6_000 * KES)


@pytest.fixture
def otieno(db) -> Account:
    """Otieno Ochieng, national ID 23718460, an empty wallet."""
    return customer_wallet("+254711100102", "Otieno Ochieng", "23718460")


def balance_of(account: Account) -> int:
    """An account's balance now (house accounts summed over their shards)."""
    return Account.objects.get(pk=account.pk).current_balance()


def fee_income() -> Account:
    return house_account(AccountKind.FEE_INCOME, "KES")


def issuance() -> Account:
    return house_account(AccountKind.ISSUANCE, "KES")


def on(posted: Transaction) -> str:
    """'on 24/11/26 at 3:05 PM' for the transaction's local time, as receipts write it."""
    local = timezone.localtime(posted.created_at)
    return f"on {local:%-d/%-m/%y} at {local:%-I:%M %p}"


def sms_texts(posted: Transaction) -> dict[str, str]:
    """phone -> receipt text of one transaction (after the outbox is delivered)."""
    return dict(SmsMessage.objects.filter(reference=posted.reference).values_list("to", "text"))


@pytest.fixture
def deliver() -> Callable[[], int]:
    """Deliver the outbox (receipts, drawer entries, flags, alerts) as the worker would."""
    return outbox.drain
