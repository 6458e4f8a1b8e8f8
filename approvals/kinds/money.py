"""Kinds that move money: manual adjustments against suspense, and forced reversals.

An adjustment posts through `wallets.services.post_adjustment` under the key `change:<id>`.
A forced reversal either reverses a transaction by its reference
(`wallets.services.reverse_transaction`, whose own key is per original) or decides an open
customer reversal request as approved (`wallets.services.approve_reversal`), so the held money
goes back exactly as the customer flow would send it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils import timezone

from agents.models import Agent, Aggregator
from approvals.kinds.base import (
    Kind,
    Payload,
    choice,
    currency_of,
    find_customer,
    initiator,
    positive_amount,
    whole_number,
)
from wallets import services
from wallets.errors import AlreadyReversed
from wallets.models import (
    Account,
    AccountKind,
    Channel,
    ReversalRequest,
    ReversalState,
    Transaction,
    TransactionStatus,
)
from wallets.money import format_amount
from wallets.services.adjustments import ADJUSTABLE_KINDS, Direction
from wallets.services.transfers import REVERSIBLE_KINDS

if TYPE_CHECKING:
    from approvals.models import ChangeRequest


class Adjustment(Kind):
    """Credit a customer wallet or agent float from suspense, or debit it into suspense.

    Payload: the account as `account` (an id), `phone` (a customer's wallet in `currency`,
    by default the market's) or `agent_number` (the agent's float); `amount` in minor units;
    `direction` "credit" or "debit". Stored as {"account", "amount", "direction"}.
    """

    name = "adjustment"

    def clean(self, payload: Mapping[str, Any]) -> Payload:
        account = _adjustable_account(payload)
        return {
            "account": account.pk,
            "amount": positive_amount(payload),
            "direction": choice(payload, "direction", dict(Direction.choices)),
        }

    def describe(self, payload: Payload) -> str:
        account = Account.objects.get(pk=payload["account"])
        amount = format_amount(payload["amount"], account.currency)
        if payload["direction"] == Direction.CREDIT:
            return f"Credit {amount} to {account_owner(account)} from suspense"
        return f"Debit {amount} from {account_owner(account)} into suspense"

    def target(self, payload: Payload) -> Model | None:
        account = Account.objects.select_related("customer").get(pk=payload["account"])
        return account.customer or account

    def apply(self, change: ChangeRequest) -> Transaction | None:
        return services.post_adjustment(
            account=Account.objects.get(pk=change.payload["account"]),
            amount=change.payload["amount"],
            direction=change.payload["direction"],
            idempotency_key=f"change:{change.pk}",
            reason=change.reason,
            initiator=initiator(change),
        )


def _adjustable_account(payload: Mapping[str, Any]) -> Account:
    named = [key for key in ("account", "agent_number", "phone") if payload.get(key)]
    if len(named) != 1:
        raise ValidationError(
            "Name the account once: a customer's phone, an agent number or an id."
        )
    account_id = whole_number(payload, "account", required=False)
    if account_id is not None:
        account = Account.objects.filter(pk=account_id).first()
    elif payload.get("agent_number"):
        agent = Agent.objects.filter(agent_number=str(payload["agent_number"]).strip()).first()
        account = agent.float_account if agent else None
    else:
        customer = find_customer(payload)
        wallets = customer.accounts.filter(kind=AccountKind.CUSTOMER_WALLET)
        account = wallets.filter(currency=currency_of(payload)).first()
    if account is None:
        raise ValidationError("No such account.")
    if account.kind not in ADJUSTABLE_KINDS:
        raise ValidationError("Only a customer wallet or an agent float can be adjusted.")
    return account


def account_owner(account: Account) -> str:
    """'wallet +254722555123 (Alice Wanjiru)', 'agent float 100201 Wanjiku Shop'."""
    if account.customer is not None:
        return f"wallet {account.customer.phone} ({account.customer.name})"
    agent = Agent.objects.filter(float_account=account).first()
    if agent is not None:
        return f"agent float {agent}"
    aggregator = Aggregator.objects.filter(float_account=account).first()
    if aggregator is not None:
        return f"aggregator float {aggregator}"
    return str(account)


class ForcedReversal(Kind):
    """Staff force a reversal: of a transaction by `reference`, or of an open customer
    reversal request by its id (`reversal_request`), returning the money held for it."""

    name = "forced_reversal"

    def clean(self, payload: Mapping[str, Any]) -> Payload:
        reference = str(payload.get("reference") or "").strip().upper()
        request_id = whole_number(payload, "reversal_request", required=False)
        if bool(reference) == (request_id is not None):
            raise ValidationError("Give either a transaction reference or a reversal request.")
        if request_id is not None:
            _open_request(request_id)
            return {"reversal_request": request_id}
        _reversible(reference)
        return {"reference": reference}

    def describe(self, payload: Payload) -> str:
        if "reversal_request" in payload:
            request = ReversalRequest.objects.select_related("original", "requested_by").get(
                pk=payload["reversal_request"]
            )
            held = format_amount(request.held_amount, request.original.currency)
            return (
                f"Force reversal request #{request.pk} of {request.original.reference}:"
                f" return the {held} on hold to {request.requested_by.phone}"
            )
        original = Transaction.objects.get(reference=payload["reference"])
        amount = format_amount(original.amount, original.currency)
        when = f"{timezone.localtime(original.created_at):%Y-%m-%d %H:%M}"
        return f"Reverse {original.reference} ({original.get_kind_display()}, {amount}, {when})"

    def target(self, payload: Payload) -> Model | None:
        if "reversal_request" in payload:
            return ReversalRequest.objects.get(pk=payload["reversal_request"])
        return Transaction.objects.get(reference=payload["reference"])

    def apply(self, change: ChangeRequest) -> Transaction | None:
        if "reversal_request" in change.payload:
            request = ReversalRequest.objects.get(pk=change.payload["reversal_request"])
            note = change.decision_note or change.reason
            return services.approve_reversal(request=request, staff=change.checker, note=note)
        original = Transaction.objects.get(reference=change.payload["reference"])
        if original.status == TransactionStatus.REVERSED:
            raise AlreadyReversed()
        return services.reverse_transaction(
            original=original,
            reason=f"change #{change.pk}: {change.reason}"[:200],
            channel=Channel.ADMIN,
            initiator=initiator(change),
        )


def _open_request(request_id: int) -> ReversalRequest:
    request = ReversalRequest.objects.filter(pk=request_id).first()
    if request is None:
        raise ValidationError({"reversal_request": "No such reversal request."})
    if request.state != ReversalState.OPEN:
        raise ValidationError(
            {"reversal_request": f"That request is {request.get_state_display().lower()}."}
        )
    return request


def _reversible(reference: str) -> Transaction:
    original = Transaction.objects.filter(reference=reference).first()
    if original is None:
        raise ValidationError({"reference": "No transaction has that reference."})
    if original.kind not in REVERSIBLE_KINDS:
        raise ValidationError(
            {"reference": f"A {original.get_kind_display().lower()} cannot be reversed."}
        )
    if original.status == TransactionStatus.REVERSED:
        raise ValidationError({"reference": AlreadyReversed.message})
    if ReversalRequest.objects.filter(original=original, state=ReversalState.REVERSED).exists():
        raise ValidationError({"reference": "A reversal request already returned part of it."})
    asked = ReversalRequest.objects.filter(original=original, state=ReversalState.OPEN).first()
    if asked is not None:
        raise ValidationError(
            {
                "reference": f"The customer's reversal request #{asked.pk} holds this money:"
                " force that request instead."
            }
        )
    return original
