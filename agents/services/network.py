"""Onboarding the network and finding who acts: aggregators, agents, stores, assistants.

Every money service starts by re-reading the acting store or assistant with its agent and
aggregator in one query and checking that each level is active (`serving_store`,
`acting_assistant`): a channel may hold an object from before a suspension.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from agents import errors
from agents.models import (
    Agent,
    AgentDocument,
    Aggregator,
    Assistant,
    AssistantRole,
    CashDrawer,
    NetworkStatus,
    Store,
)
from wallets import services as wallet_services
from wallets.errors import InvalidPhoneNumber
from wallets.models import Account, AccountKind
from wallets.phones import normalize_phone

AGENT_NUMBER_DIGITS = 6
ACTIVE = NetworkStatus.ACTIVE


def find_store(*, agent_number: str, store_number: str) -> Store:
    """The store a customer named, if its agent, the store and the head office are active."""
    agent_number, store_number = agent_number.strip(), store_number.strip()
    agent = Agent.objects.select_related("aggregator").filter(agent_number=agent_number).first()
    if agent is None:
        raise errors.UnknownAgent()
    store = (
        Store.objects.select_related("agent__aggregator", "agent__float_account")
        .filter(agent=agent, store_number=store_number)
        .first()
    )
    if store is None:
        raise errors.StoreMismatch()
    check_serving(store)
    return store


def assistant_for_phone(phone: str) -> Assistant | None:
    """The assistant using this phone, active or not; None if it is no assistant's."""
    try:
        phone = normalize_phone(phone)
    except InvalidPhoneNumber:
        return None
    return Assistant.objects.select_related("store__agent__aggregator").filter(phone=phone).first()


def check_serving(store: Store) -> None:
    """Refuse unless the store, its agent and the agent's aggregator are all active."""
    if store.agent.status != ACTIVE:
        raise errors.AgentNotActive()
    if store.status != ACTIVE:
        raise errors.StoreNotActive()
    if store.agent.aggregator.status != ACTIVE:
        raise errors.AggregatorNotActive()


def serving_store(store: Store) -> Store:
    """`store` read again with its agent, aggregator and the agent's float, checked active.

    The other accounts are named by id in postings (`account_ref`): joining them all made
    this read the slowest step of a cash-out.
    """
    fresh = Store.objects.select_related("agent__aggregator", "agent__float_account").get(
        pk=store.pk
    )
    check_serving(fresh)
    return fresh


def acting_assistant(assistant: Assistant, *, owner_only: bool = False) -> Assistant:
    """`assistant` read again with its store chain, checked active (and the owner if asked)."""
    fresh = Assistant.objects.select_related(
        "store__agent__aggregator", "store__agent__float_account"
    ).get(pk=assistant.pk)
    if fresh.status != ACTIVE:
        raise errors.AssistantNotActive()
    check_serving(fresh.store)
    if owner_only and not fresh.is_owner:
        raise errors.OwnerOnly()
    return fresh


def account_ref(account_id: int) -> Account:
    """An account as a posting leg names it: by id (the posting reads and locks the row).

    Its other fields are deferred, not defaults: reading one loads the row, so a zero balance
    cannot be mistaken for the account's."""
    return Account.from_db(connection.alias, ["id"], [account_id])


def open_accounts(currency: str) -> tuple[Account, Account]:
    """A new, empty float account and commission account (balances only move by posting)."""
    return (
        Account.objects.create(kind=AccountKind.AGENT_FLOAT, currency=currency),
        Account.objects.create(kind=AccountKind.AGENT_COMMISSION, currency=currency),
    )


@transaction.atomic
def create_aggregator(
    *,
    name: str,
    phone: str,
    commission_share: int = 2000,
    currency: str | None = None,
    language: str = "en",
    status: str = ACTIVE,
) -> Aggregator:
    """A head office with its own float and commission accounts."""
    float_account, commission_account = open_accounts(currency or settings.DEFAULT_CURRENCY)
    aggregator = Aggregator(
        name=name.strip(),
        phone=normalize_phone(phone),
        commission_share=commission_share,
        language=language,
        status=status,
        float_account=float_account,
        commission_account=commission_account,
    )
    aggregator.full_clean()
    aggregator.save()
    return aggregator


def create_agent(
    *,
    aggregator: Aggregator,
    business_name: str,
    phone: str,
    agent_number: str = "",
    language: str = "en",
    status: str = ACTIVE,
    **limits: int | None,
) -> Agent:
    """An agent under `aggregator`, in its currency, with a float and a commission account.

    `agent_number` is drawn at random when empty; `limits` are the Agent's limit and threshold
    fields (cash_out_max_daily=..., low_float_threshold=...).
    """
    for _ in range(20):
        number = agent_number or free_agent_number()
        if agent_number and Agent.objects.filter(agent_number=number).exists():
            raise errors.AgentNumberTaken()
        try:
            return _create_agent(aggregator, business_name, phone, number, language, status, limits)
        except IntegrityError:  # taken concurrently
            if agent_number:
                raise errors.AgentNumberTaken() from None
    raise errors.AgentNumberTaken()


def free_agent_number() -> str:
    """A random 6-digit agent number no agent has yet (taken ones are drawn again)."""
    while True:
        number = f"{secrets.randbelow(10**AGENT_NUMBER_DIGITS):0{AGENT_NUMBER_DIGITS}d}"
        if not Agent.objects.filter(agent_number=number).exists():
            return number


@transaction.atomic
def _create_agent(
    aggregator: Aggregator,
    business_name: str,
    phone: str,
    number: str,
    language: str,
    status: str,
    limits: dict[str, int | None],
) -> Agent:
    float_account, commission_account = open_accounts(aggregator.currency)
    agent = Agent(
        aggregator=aggregator,
        agent_number=number,
        business_name=business_name.strip(),
        phone=normalize_phone(phone),
        language=language,
        status=status,
        float_account=float_account,
        commission_account=commission_account,
        **limits,
    )
    agent.full_clean(validate_unique=False)
    agent.save()
    return agent


@transaction.atomic
def add_store(
    *,
    agent: Agent,
    name: str,
    location: str = "",
    store_number: str = "",
    opening_cash: int = 0,
    status: str = ACTIVE,
) -> Store:
    """A store of `agent` (numbered 1, 2, ... when no number is given) with its cash drawer."""
    if not store_number:
        Agent.objects.select_for_update().get(pk=agent.pk)  # two stores added at once
        numbers = Store.objects.filter(agent=agent).values_list("store_number", flat=True)
        highest = max((int(n) for n in numbers), default=0)
        store_number = str(highest + 1)
    store = Store(
        agent=agent, store_number=store_number, name=name.strip(), location=location, status=status
    )
    store.full_clean()
    store.save()
    CashDrawer.objects.create(store=store, opening_count=opening_cash, expected=opening_cash)
    return store


def add_assistant(
    *,
    store: Store,
    name: str,
    phone: str,
    role: str = AssistantRole.ASSISTANT,
    language: str = "en",
    pin: str = "",
    status: str = ACTIVE,
) -> Assistant:
    """A person serving at `store`; with `pin`, their PIN is set (weak PINs are refused first)."""
    phone = normalize_phone(phone)
    if pin:
        from wallets.pins import check_pin_strength

        check_pin_strength(pin)
    if Assistant.objects.filter(phone=phone).exists():
        raise errors.PhoneTaken()
    assistant = Assistant(
        store=store, name=name.strip(), phone=phone, role=role, language=language, status=status
    )
    assistant.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            assistant.save()
    except IntegrityError:
        raise errors.PhoneTaken() from None
    if pin:
        wallet_services.set_pin(assistant, pin)
    return assistant


def verify_documents(documents: QuerySet[AgentDocument], *, verifier: Any) -> int:
    """Record that `verifier` (a staff user) saw the originals; already verified ones keep
    who verified them first. Returns how many were verified now."""
    return documents.filter(verified_at__isnull=True).update(
        verified_by=verifier, verified_at=timezone.now()
    )


def agent_statement(*, agent: Agent, limit: int = 5) -> list[wallet_services.StatementLine]:
    """The last `limit` lines of the agent's float account, newest first."""
    return wallet_services.statement(agent.float_account, limit=limit)
