"""Kinds that change who may transact: a customer's KYC tier and wallet status, and the
status of a level of the agent network. Each applies one service call
(`wallets.services.set_kyc_tier`, `set_customer_status`, `agents.services.set_status`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db.models import Model

from agents import services as agent_services
from agents.models import Agent, Aggregator, Assistant, NetworkStatus, Store
from approvals.kinds.base import Kind, Payload, choice, customer_named, find_customer, whole_number
from wallets import services
from wallets.errors import InvalidPhoneNumber
from wallets.models import Customer, CustomerStatus, KycTier, Transaction
from wallets.phones import normalize_phone

if TYPE_CHECKING:
    from approvals.models import ChangeRequest


class KycTierChange(Kind):
    """Put a customer on another KYC tier. Payload: `customer` (id) or `phone`, and `tier`."""

    name = "kyc_tier"

    def clean(self, payload: Mapping[str, Any]) -> Payload:
        customer = find_customer(payload)
        tier = choice(payload, "tier", dict(KycTier.choices))
        if customer.kyc_tier == tier:
            raise ValidationError({"tier": f"The customer is already on {tier}."})
        return {"customer": customer.pk, "tier": tier}

    def describe(self, payload: Payload) -> str:
        customer = Customer.objects.get(pk=payload["customer"])
        return (
            f"Move {customer_named(customer.pk)} from {customer.get_kyc_tier_display()}"
            f" to {KycTier(payload['tier']).label}"
        )

    def target(self, payload: Payload) -> Model | None:
        return Customer.objects.get(pk=payload["customer"])

    def apply(self, change: ChangeRequest) -> Transaction | None:
        customer = Customer.objects.get(pk=change.payload["customer"])
        services.set_kyc_tier(customer, change.payload["tier"])
        return None


class StatusChange(Kind):
    """Move a customer's wallet to `status` from one of the statuses `verbs` names (what the
    checker reads for each). Payload: `customer` (id) or `phone`."""

    status: str
    verbs: dict[str, str]
    participle: str

    @property
    def from_statuses(self) -> frozenset[str]:
        return frozenset(self.verbs)

    def clean(self, payload: Mapping[str, Any]) -> Payload:
        customer = find_customer(payload)
        now = customer.get_status_display().lower()
        if customer.status == self.status:
            raise ValidationError(f"The wallet is already {now}.")
        if customer.status not in self.from_statuses:
            raise ValidationError(f"The wallet is {now}: it cannot be {self.participle}.")
        return {"customer": customer.pk}

    def describe(self, payload: Payload) -> str:
        customer = Customer.objects.get(pk=payload["customer"])
        verb = self.verbs.get(customer.status) or next(iter(self.verbs.values()))
        return f"{verb} of {customer_named(customer.pk)}"

    def target(self, payload: Payload) -> Model | None:
        return Customer.objects.get(pk=payload["customer"])

    def apply(self, change: ChangeRequest) -> Transaction | None:
        customer = Customer.objects.get(pk=change.payload["customer"])
        services.set_customer_status(customer, self.status, only_from=self.from_statuses)
        return None


class Freeze(StatusChange):
    name = "freeze"
    status = CustomerStatus.FROZEN
    # A dormant wallet may be frozen too (a case found on a wallet that fell asleep).
    verbs = {
        CustomerStatus.ACTIVE: "Freeze the wallet",
        CustomerStatus.DORMANT: "Freeze the dormant wallet",
    }
    participle = "frozen"


class Unfreeze(StatusChange):
    name = "unfreeze"
    status = CustomerStatus.ACTIVE
    # Reactivating a dormant wallet (after compliance checked the customer's ID) is the same
    # change: back to active, from a status that stopped it.
    verbs = {
        CustomerStatus.FROZEN: "Unfreeze the wallet",
        CustomerStatus.DORMANT: "Reactivate the dormant wallet",
    }
    participle = "unfrozen"


LEVELS: dict[str, type[Aggregator | Agent | Store | Assistant]] = {
    "aggregator": Aggregator,
    "agent": Agent,
    "store": Store,
    "assistant": Assistant,
}
AGENT_STATUSES = {
    NetworkStatus.SUSPENDED.value: "Suspend",
    NetworkStatus.ACTIVE.value: "Reactivate",
}


class AgentStatus(Kind):
    """Suspend or reactivate an aggregator, agent, store or assistant.

    Payload: `level`, and the member as `id` or `ref` (an agent number; a store as
    "agent number/store number"; an assistant's phone; an aggregator's exact name); `status`
    "suspended" or "active". Stored as {"level", "id", "status"}.
    """

    name = "agent_status"

    def clean(self, payload: Mapping[str, Any]) -> Payload:
        level = choice(payload, "level", {name: name for name in LEVELS})
        status = choice(payload, "status", AGENT_STATUSES)
        member = _member(level, payload)
        if member.status == NetworkStatus.CLOSED:
            raise ValidationError(f"{member} is closed.")
        if member.status == status:
            raise ValidationError(f"{member} is already {member.get_status_display().lower()}.")
        return {"level": level, "id": member.pk, "status": status}

    def describe(self, payload: Payload) -> str:
        member = self.target(payload)
        return f"{AGENT_STATUSES[payload['status']]} {payload['level']} {member}"

    def target(self, payload: Payload) -> Aggregator | Agent | Store | Assistant:
        return LEVELS[payload["level"]].objects.get(pk=payload["id"])

    def apply(self, change: ChangeRequest) -> Transaction | None:
        agent_services.set_status(self.target(change.payload), change.payload["status"])
        return None


def _member(level: str, payload: Mapping[str, Any]) -> Aggregator | Agent | Store | Assistant:
    member_id = whole_number(payload, "id", required=False)
    ref = str(payload.get("ref") or "").strip()
    found: Aggregator | Agent | Store | Assistant | None
    if member_id is not None:
        found = LEVELS[level].objects.filter(pk=member_id).first()
    elif level == "agent":
        found = Agent.objects.filter(agent_number=ref).first()
    elif level == "store":
        agent_number, _, store_number = ref.partition("/")
        found = Store.objects.filter(
            agent__agent_number=agent_number.strip(), store_number=store_number.strip()
        ).first()
    elif level == "assistant":
        try:
            found = Assistant.objects.filter(phone=normalize_phone(ref)).first()
        except InvalidPhoneNumber as error:
            raise ValidationError({"ref": error.text}) from None
    else:
        found = Aggregator.objects.filter(name__iexact=ref).first()
    if found is None:
        raise ValidationError({"ref": f"No {level} matches that."})
    return found
