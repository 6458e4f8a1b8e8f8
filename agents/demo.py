"""The demo agent network, for `manage.py seed_demo`: one aggregator, two agents, three stores,
four assistants with known PINs.

`seed()` is idempotent: people and shops are looked up (by phone or agent number) before they
are created, a PIN is set only if none is, and float moves with fixed idempotency keys, so a
second run posts nothing and changes nothing. The PINs are public on purpose (demo only), and
pass `wallets.pins.check_pin_strength`. Phones are in +25472040xxxx, apart from the demo
customers' numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

from agents import services
from agents.models import Agent, AgentDevice, Aggregator, Assistant, AssistantRole, Store
from agents.services.devices import token_digest
from wallets import services as wallet_services
from wallets.money import format_amount

CURRENCY = "KES"
KES = 100  # minor units per shilling

AGGREGATOR = "Kilimani Super Agents"
AGGREGATOR_PHONE = "+254720400100"
ISSUED = 1_000_000 * KES
FLOAT_CREDIT_DAILY = 300_000 * KES  # what each demo agent's owner may buy per day by phone


@dataclass(frozen=True)
class DemoAgent:
    agent_number: str
    business_name: str
    phone: str
    float_bought: int
    stores: tuple[str, ...]  # store names, numbered 1, 2, ...


@dataclass(frozen=True)
class DemoAssistant:
    phone: str
    name: str
    pin: str
    agent_number: str
    store_number: str
    role: str


AGENTS = [
    DemoAgent("100201", "Wanjiku Shop", "+254720400101", 200_000 * KES, ("Ngong Road", "Yaya")),
    DemoAgent("100202", "Baraka Agencies", "+254720400201", 100_000 * KES, ("Kawangware",)),
]
ASSISTANTS = [
    DemoAssistant("+254720400102", "Wanjiku Njeri", "4739", "100201", "1", AssistantRole.OWNER),
    DemoAssistant("+254720400103", "Kevin Mutua", "6182", "100201", "1", AssistantRole.ASSISTANT),
    DemoAssistant("+254720400104", "Faith Wairimu", "3950", "100201", "2", AssistantRole.ASSISTANT),
    DemoAssistant("+254720400202", "Baraka Omondi", "8264", "100202", "1", AssistantRole.OWNER),
]


# The agent API's demo device: Wanjiku Njeri's (the owner of agent 100201, store 1) phone.
DEVICE_PHONE = "+254720400102"
DEVICE_TOKEN = "demo-agent-device-7f3c9a1e5b2d4f6a8c0e"  # noqa: S105 - a documented demo token


def seed() -> list[str]:
    """Create the demo network where missing; return lines describing it, to print."""
    aggregator = seed_aggregator()
    for entry in AGENTS:
        seed_agent(aggregator, entry)
    for person in ASSISTANTS:
        seed_assistant(person)
    for entry in AGENTS:
        owner = next(
            p for p in ASSISTANTS if p.agent_number == entry.agent_number and p.role == "owner"
        )
        services.buy_float(
            assistant=Assistant.objects.get(phone=owner.phone),
            amount=entry.float_bought,
            idempotency_key=f"demo:agents:buy-float:{entry.agent_number}",
            channel="system",
        )
    seed_device()
    return summary(aggregator)


def seed_device() -> AgentDevice:
    """The demo device with its fixed, documented token (only its digest is stored)."""
    device, _ = AgentDevice.objects.get_or_create(
        token_digest=token_digest(DEVICE_TOKEN),
        defaults={"assistant": Assistant.objects.get(phone=DEVICE_PHONE), "name": "demo app"},
    )
    return device


def seed_aggregator() -> Aggregator:
    aggregator = Aggregator.objects.filter(phone=AGGREGATOR_PHONE).first()
    if aggregator is None:
        aggregator = services.create_aggregator(
            name=AGGREGATOR, phone=AGGREGATOR_PHONE, commission_share=2000, currency=CURRENCY
        )
    services.issue_aggregator_float(
        aggregator=aggregator,
        amount=ISSUED,
        idempotency_key="demo:agents:issue-float",
        initiator="seed_demo",
    )
    return aggregator


def seed_agent(aggregator: Aggregator, entry: DemoAgent) -> Agent:
    agent = Agent.objects.filter(agent_number=entry.agent_number).first()
    if agent is None:
        agent = services.create_agent(
            aggregator=aggregator,
            business_name=entry.business_name,
            phone=entry.phone,
            agent_number=entry.agent_number,
            low_float_threshold=20_000 * KES,
            low_cash_threshold=10_000 * KES,
            float_credit_daily=FLOAT_CREDIT_DAILY,
        )
    elif agent.float_credit_daily is None:  # data seeded before the credit existed
        Agent.objects.filter(pk=agent.pk).update(float_credit_daily=FLOAT_CREDIT_DAILY)
    for number, name in enumerate(entry.stores, start=1):
        if not Store.objects.filter(agent=agent, store_number=str(number)).exists():
            services.add_store(
                agent=agent, name=name, store_number=str(number), opening_cash=50_000 * KES
            )
    return agent


def seed_assistant(person: DemoAssistant) -> Assistant:
    assistant = Assistant.objects.filter(phone=person.phone).first()
    if assistant is None:
        store = Store.objects.get(
            agent__agent_number=person.agent_number, store_number=person.store_number
        )
        assistant = services.add_assistant(
            store=store, name=person.name, phone=person.phone, role=person.role
        )
    if not assistant.has_pin:  # a PIN changed while trying the demo is kept
        wallet_services.set_pin(assistant, person.pin)
    return assistant


def summary(aggregator: Aggregator) -> list[str]:
    aggregator.float_account.refresh_from_db()
    lines = [
        f"Agent network: {aggregator.name} ({aggregator.phone}), float "
        f"{format_amount(aggregator.float_account.balance, CURRENCY)}",
        "  phone          name             PIN   agent   store  role",
    ]
    for person in ASSISTANTS:
        lines.append(
            f"  {person.phone:<14} {person.name:<16} {person.pin:<5} {person.agent_number:<7} "
            f"{person.store_number:<6} {person.role}"
        )
    for entry in AGENTS:
        agent = Agent.objects.select_related("float_account").get(agent_number=entry.agent_number)
        lines.append(
            f"  agent {agent.agent_number} {agent.business_name}: float "
            f"{format_amount(agent.float_account.balance, CURRENCY)}, alerts to {agent.phone}"
        )
    lines.append(f"Agent API device ({DEVICE_PHONE}): Authorization: Device {DEVICE_TOKEN}")
    return lines
