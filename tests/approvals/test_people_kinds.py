"""KYC tiers, freezing and unfreezing wallets, and suspending the agent network: each asked by
one person and applied by another's approval through the profile and status services."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from agents import errors as agent_errors
from agents import services as agent_services
from agents.models import NetworkStatus
from approvals.kinds.people import LEVELS
from approvals.models import ChangeRequest, ChangeState
from approvals.services import approve, request_change
from tests.agents.conftest import build_network
from tests.conftest import balance, new_key
from wallets import services
from wallets.errors import AccountNotActive
from wallets.models import CustomerStatus, KycTier


def ask(kind: str, maker, payload: dict) -> ChangeRequest:
    return request_change(kind=kind, maker=maker, reason="Compliance case 17", payload=payload)


def test_a_kyc_tier_change_applies_on_approval(alice, maker, checker):
    change = ask("kyc_tier", maker, {"phone": "0712000001", "tier": KycTier.TIER_2})
    assert change.description == (
        "Move +254712000001 (Alice Wanjiru) from Tier 1: registered with an ID"
        " to Tier 2: enhanced due diligence"
    )
    alice.customer.refresh_from_db()
    assert alice.customer.kyc_tier == KycTier.TIER_1

    approve(change=change, checker=checker)

    alice.customer.refresh_from_db()
    assert alice.customer.kyc_tier == KycTier.TIER_2


def test_a_kyc_tier_change_to_the_same_tier_is_refused(alice, maker):
    with pytest.raises(ValidationError, match="already on tier1"):
        ask("kyc_tier", maker, {"customer": alice.customer.pk, "tier": KycTier.TIER_1})


def test_a_frozen_wallet_cannot_send_until_it_is_unfrozen(alice, bob, fund, maker, checker):
    fund(alice, 10_000)
    freeze = ask("freeze", maker, {"phone": "+254712000001"})
    assert freeze.description == "Freeze the wallet of +254712000001 (Alice Wanjiru)"

    approve(change=freeze, checker=checker)

    alice.customer.refresh_from_db()
    assert alice.customer.status == CustomerStatus.FROZEN
    with pytest.raises(AccountNotActive):
        services.send_money(sender=alice, recipient=bob, amount=1_000, idempotency_key=new_key())

    approve(change=ask("unfreeze", maker, {"phone": "+254712000001"}), checker=checker)

    alice.customer.refresh_from_db()
    assert alice.customer.status == CustomerStatus.ACTIVE
    services.send_money(sender=alice, recipient=bob, amount=1_000, idempotency_key=new_key())
    assert balance(bob) == 1_000


def test_unfreezing_a_wallet_that_is_not_frozen_is_refused_when_asked(alice, maker):
    with pytest.raises(ValidationError, match="The wallet is already active"):
        ask("unfreeze", maker, {"phone": "+254712000001"})


def test_a_wallet_closed_after_an_unfreeze_was_asked_stays_closed(alice, maker, checker):
    services.set_customer_status(alice.customer, CustomerStatus.FROZEN)
    change = ask("unfreeze", maker, {"phone": "+254712000001"})
    services.set_customer_status(alice.customer, CustomerStatus.CLOSED)

    done = approve(change=change, checker=checker)

    assert done.state == ChangeState.FAILED
    assert done.result == "The wallet is closed: it cannot be unfrozen."
    alice.customer.refresh_from_db()
    assert alice.customer.status == CustomerStatus.CLOSED


def test_two_freezes_of_one_wallet_apply_once_and_the_second_fails_readably(alice, maker, checker):
    first = ask("freeze", maker, {"phone": "+254712000001"})
    second = ask("freeze", maker, {"phone": "+254712000001"})

    assert approve(change=first, checker=checker).state == ChangeState.APPROVED
    done = approve(change=second, checker=checker)

    assert done.state == ChangeState.FAILED
    assert done.result == "The wallet is already frozen."


def test_a_suspended_agent_cannot_serve_customers_until_reactivated(db, maker, checker):
    network = build_network()
    suspend = ask("agent_status", maker, {"level": "agent", "ref": "100201", "status": "suspended"})
    assert suspend.description == "Suspend agent 100201 Wanjiku Shop"
    assert suspend.payload == {"level": "agent", "id": network.agent.pk, "status": "suspended"}

    approve(change=suspend, checker=checker)

    network.agent.refresh_from_db()
    assert network.agent.status == NetworkStatus.SUSPENDED
    with pytest.raises(agent_errors.AgentNotActive):
        agent_services.find_store(agent_number="100201", store_number="1")

    reactivate = ask(
        "agent_status", maker, {"level": "agent", "id": network.agent.pk, "status": "active"}
    )
    approve(change=reactivate, checker=checker)

    assert agent_services.find_store(agent_number="100201", store_number="1") == network.store1


@pytest.mark.parametrize(
    ("level", "ref", "expected"),
    [
        ("store", "100201/2", "Suspend store 100201/2 Kilimani Mall"),
        ("assistant", "0720300003", "Suspend assistant Kevin Mutua (+254720300003)"),
        ("aggregator", "kilimani super agents", "Suspend aggregator Kilimani Super Agents"),
    ],
)
def test_each_level_of_the_network_can_be_suspended(db, maker, checker, level, ref, expected):
    build_network()
    change = ask("agent_status", maker, {"level": level, "ref": ref, "status": "suspended"})
    assert change.description == expected

    approve(change=change, checker=checker)

    assert LEVELS[level].objects.get(pk=change.payload["id"]).status == "suspended"


def test_an_agent_already_suspended_cannot_be_suspended_again(db, maker):
    network = build_network()
    agent_services.set_status(network.agent, NetworkStatus.SUSPENDED)
    with pytest.raises(ValidationError, match="already suspended"):
        ask("agent_status", maker, {"level": "agent", "ref": "100201", "status": "suspended"})
    with pytest.raises(ValidationError, match="No store matches"):
        ask("agent_status", maker, {"level": "store", "ref": "100201/9", "status": "suspended"})


def test_a_dormant_wallet_is_reactivated_by_an_unfreeze(alice, maker, checker):
    services.set_customer_status(alice.customer, CustomerStatus.DORMANT)
    change = ask("unfreeze", maker, {"customer": alice.customer.pk})
    assert change.description == ("Reactivate the dormant wallet of +254712000001 (Alice Wanjiru)")

    approve(change=change, checker=checker)

    alice.customer.refresh_from_db()
    assert alice.customer.status == CustomerStatus.ACTIVE
