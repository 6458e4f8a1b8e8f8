"""Adjustments and forced reversals: asked by one person, applied once on another's approval,
through the same services as everything else."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from approvals.kinds import KINDS
from approvals.models import ChangeState
from approvals.services import approve, request_change
from tests.agents.conftest import build_network
from tests.conftest import balance, new_key
from wallets import services
from wallets.models import (
    AccountKind,
    ReversalState,
    Transaction,
    TransactionKind,
    TransactionStatus,
)

KES = 100


def suspense() -> int:
    return services.house_account(AccountKind.SUSPENSE, "KES").current_balance()


def adjust(maker, payload: dict, reason: str = "Ticket 42: cash-in lost by the operator"):
    return request_change(kind="adjustment", maker=maker, reason=reason, payload=payload)


def test_a_credit_from_suspense_is_posted_once_when_a_second_person_approves(alice, maker, checker):
    change = adjust(maker, {"phone": "0712 000 001", "amount": 500 * KES, "direction": "credit"})

    assert change.state == ChangeState.PENDING
    assert change.description == (
        "Credit KES 500 to wallet +254712000001 (Alice Wanjiru) from suspense"
    )
    assert change.payload == {"account": alice.pk, "amount": 50_000, "direction": "credit"}
    assert change.target == alice.customer
    assert balance(alice) == 0  # asking moves nothing

    done = approve(change=change, checker=checker, note="matches the statement")

    assert done.state == ChangeState.APPROVED
    assert done.checker == checker
    assert done.applied_at is not None
    assert balance(alice) == 500 * KES
    assert suspense() == -500 * KES
    posted = done.transaction
    assert posted is not None
    assert posted.kind == TransactionKind.ADJUSTMENT
    assert posted.idempotency_key == f"change:{change.pk}"
    assert posted.channel == "admin"
    assert posted.initiator == "admin:mary_maker/chris_checker"
    assert done.result == f"Applied; posted {posted.reference}."


def test_applying_an_adjustment_again_posts_nothing_new(alice, maker, checker):
    done = approve(
        change=adjust(maker, {"phone": "+254712000001", "amount": 700, "direction": "credit"}),
        checker=checker,
    )

    again = KINDS["adjustment"].apply(done)

    assert again is not None
    assert again.pk == done.transaction_id
    assert balance(alice) == 700
    assert Transaction.objects.filter(kind=TransactionKind.ADJUSTMENT).count() == 1


def test_a_debit_into_suspense_takes_money_back(alice, fund, maker, checker):
    fund(alice, 1_000 * KES)
    change = adjust(maker, {"account": alice.pk, "amount": 300 * KES, "direction": "debit"})
    assert change.description.startswith("Debit KES 300 from wallet +254712000001")

    approve(change=change, checker=checker)

    assert balance(alice) == 700 * KES
    assert suspense() == 300 * KES


def test_a_debit_that_would_overdraw_ends_failed_and_moves_nothing(alice, fund, maker, checker):
    fund(alice, 100 * KES)
    change = adjust(maker, {"account": alice.pk, "amount": 150 * KES, "direction": "debit"})

    done = approve(change=change, checker=checker)

    assert done.state == ChangeState.FAILED
    assert done.result.startswith("Insufficient funds")
    assert done.transaction is None
    assert done.applied_at is None
    assert balance(alice) == 100 * KES
    assert suspense() == 0
    assert not Transaction.objects.filter(idempotency_key=f"change:{change.pk}").exists()


def test_an_agent_float_is_adjusted_by_agent_number(db, maker, checker):
    network = build_network()
    float_before = balance(network.agent.float_account)
    change = adjust(maker, {"agent_number": "100201", "amount": 50 * KES, "direction": "debit"})
    assert change.description == "Debit KES 50 from agent float 100201 Wanjiku Shop into suspense"

    approve(change=change, checker=checker)

    assert balance(network.agent.float_account) == float_before - 50 * KES


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"amount": 100, "direction": "credit"}, "Name the account once"),
        (
            {"phone": "0712000001", "agent_number": "100201", "amount": 1, "direction": "credit"},
            "Name the account once",
        ),
        ({"phone": "0799999999", "amount": 100, "direction": "credit"}, "No wallet"),
        ({"phone": "0712000001", "amount": 0, "direction": "credit"}, "greater than zero"),
        ({"phone": "0712000001", "amount": 1.5, "direction": "credit"}, "whole number"),
        ({"phone": "0712000001", "amount": 100, "direction": "sideways"}, "Choose one of"),
    ],
)
def test_an_adjustment_that_is_not_a_valid_change_is_refused_when_asked(
    alice, maker, payload, message
):
    with pytest.raises(ValidationError) as refused:
        adjust(maker, payload)

    assert message in " ".join(refused.value.messages)


def test_a_house_account_cannot_be_adjusted(db, maker):
    trust = services.house_account(AccountKind.TRUST, "KES")
    with pytest.raises(ValidationError, match="Only a customer wallet or an agent float"):
        adjust(maker, {"account": trust.pk, "amount": 100, "direction": "credit"})


def sent(alice, bob, fund, amount: int = 1_000 * KES) -> Transaction:
    fund(alice, 5_000 * KES)
    return services.send_money(
        sender=alice, recipient=bob, amount=amount, idempotency_key=new_key("send")
    )


def test_a_forced_reversal_by_reference_returns_the_money_and_the_fee(
    alice, bob, fund, maker, checker
):
    original = sent(alice, bob, fund)
    change = request_change(
        kind="forced_reversal",
        maker=maker,
        reason="Sent to the wrong number; recipient agreed on the phone",
        payload={"reference": original.reference.lower()},
    )
    assert change.payload == {"reference": original.reference}
    assert change.description.startswith(f"Reverse {original.reference} (Send money, KES 1,000,")

    done = approve(change=change, checker=checker)

    assert done.state == ChangeState.APPROVED
    assert balance(alice) == 5_000 * KES
    assert balance(bob) == 0
    original.refresh_from_db()
    assert original.status == TransactionStatus.REVERSED
    assert done.transaction is not None
    assert done.transaction.reverses_id == original.pk


def test_a_forced_reversal_the_recipient_spent_ends_failed(alice, bob, carol, fund, maker, checker):
    original = sent(alice, bob, fund)
    change = request_change(
        kind="forced_reversal",
        maker=maker,
        reason="wrong number",
        payload={"reference": original.reference},
    )
    services.send_money(sender=bob, recipient=carol, amount=900 * KES, idempotency_key=new_key())

    done = approve(change=change, checker=checker)

    assert done.state == ChangeState.FAILED
    assert "no longer holds the money" in done.result
    original.refresh_from_db()
    assert original.status == TransactionStatus.POSTED


def test_a_transaction_with_an_open_reversal_request_is_forced_through_that_request(
    alice, bob, fund, maker, checker
):
    original = sent(alice, bob, fund)
    asked = services.request_reversal(
        customer=alice.customer, reference=original.reference, channel="ussd"
    )
    with pytest.raises(ValidationError, match=f"reversal request #{asked.pk} holds this money"):
        request_change(
            kind="forced_reversal",
            maker=maker,
            reason="x",
            payload={"reference": original.reference},
        )

    change = request_change(
        kind="forced_reversal",
        maker=maker,
        reason="The recipient did not answer; the sender showed the SMS",
        payload={"reversal_request": asked.pk},
    )
    assert change.target == asked
    assert f"Force reversal request #{asked.pk} of {original.reference}" in change.description

    done = approve(change=change, checker=checker, note="evidence seen")

    asked.refresh_from_db()
    assert done.state == ChangeState.APPROVED
    assert asked.state == ReversalState.REVERSED
    assert asked.decided_by == checker
    assert done.transaction == asked.reversal
    assert balance(alice) == 5_000 * KES
    assert balance(bob) == 0


def test_a_transaction_already_reversed_cannot_be_asked_again(alice, bob, fund, maker):
    original = sent(alice, bob, fund)
    services.reverse_transaction(original=original, reason="test")
    with pytest.raises(ValidationError, match="already been reversed"):
        request_change(
            kind="forced_reversal",
            maker=maker,
            reason="x",
            payload={"reference": original.reference},
        )


def test_a_forced_reversal_names_one_thing(db, maker):
    with pytest.raises(ValidationError, match="either a transaction reference or a reversal"):
        request_change(kind="forced_reversal", maker=maker, reason="x", payload={})
    with pytest.raises(ValidationError, match="No transaction has that reference"):
        request_change(
            kind="forced_reversal", maker=maker, reason="x", payload={"reference": "ABCDEFGHJK"}
        )
