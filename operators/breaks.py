"""Breaks: what reconciliation could not settle safely, resolved by two people.

One staff member (the maker) proposes a resolution and writes why; a different one (the
checker) approves it, and only then does the resolution move money, through the services,
under an idempotency key of the break (`break:<id>`), so a second approval or a retry posts
nothing new. The checker may instead send the proposal back. The two-person rule is the
back office's one maker-checker mechanism: a proposal is a change request (approvals, kind
`break_resolution`), decided there or from the break's page.

What a resolution does:
- settle_theirs: an open request is settled as the operator's statement says (a top-up
  credits what they collected; a payout charges the customer at most what they asked, and
  any excess the operator paid is our loss, booked from suspense);
- fail: an open request is recorded as failed; a payout's held money is released;
- credit_late: a top-up we recorded as failed but the operator collected is credited;
- suspense: the difference between what moved at the operator and what our ledger says is
  booked between the settlement account and suspense, so the mirror is right and the money
  waits in suspense (which must drain, four-eyes) until it is traced;
- nothing: no posting (the operator corrects it on their side; the note says so).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from operators import services
from operators.adapters.base import Outcome, Status
from operators.models import (
    Break,
    BreakState,
    OperatorRequest,
    RequestKind,
    RequestState,
    Resolution,
)
from wallets import errors
from wallets.models import AccountKind, Channel, Transaction, TransactionKind
from wallets.services import house_account
from wallets.services.posting import Leg, post_transaction, request_hash


class BreakRefused(errors.LedgerError):
    code = "break_refused"
    message = "That resolution does not fit this break."


def resolutions_for(found: Break) -> list[Resolution]:
    """The resolutions that make sense for `found`, most likely first."""
    request = found.request
    theirs_succeeded = found.their_status == Status.SUCCEEDED
    if request is not None and request.state in services.OPEN_STATES:
        return ([Resolution.SETTLE_THEIRS] if theirs_succeeded else []) + [
            Resolution.FAIL,
            Resolution.NOTHING,
        ]
    if (
        request is not None
        and request.state == RequestState.FAILED
        and request.kind == RequestKind.COLLECTION
        and theirs_succeeded
    ):
        return [Resolution.CREDIT_LATE, Resolution.SUSPENSE, Resolution.NOTHING]
    return [Resolution.SUSPENSE, Resolution.NOTHING]


def propose(*, found: Break, staff: Any, resolution: str, note: str) -> Break:
    """The maker: choose how the break is resolved and say why. This asks for a change
    request (approvals, kind `break_resolution`) that a second person approves."""
    from approvals.errors import ApprovalRefused
    from approvals.services import request_change

    found.refresh_from_db()
    if found.state != BreakState.OPEN:
        raise BreakRefused("A resolution is proposed already; approve or send it back first.")
    if resolution not in resolutions_for(found):
        raise BreakRefused()
    if not note.strip():
        raise BreakRefused("Write why, for the person who approves it.")
    try:
        request_change(
            kind="break_resolution",
            maker=staff,
            reason=note,
            payload={"break": found.pk, "resolution": resolution},
            target=found,
        )
    except ApprovalRefused as error:
        raise BreakRefused(error.text) from None
    Break.objects.filter(pk=found.pk, state=BreakState.OPEN).update(
        state=BreakState.PROPOSED, resolution=resolution, proposal=note[:300], proposed_by=staff
    )
    found.refresh_from_db()
    return found


def send_back(*, found: Break, staff: Any) -> Break:
    """The checker disagrees: the change request is rejected and the break is open again."""
    from approvals.errors import ApprovalRefused
    from approvals.services import reject

    change = _waiting_change(found)
    if change is not None:
        try:
            reject(change=change, checker=staff, note="Sent back for a new proposal.")
        except ApprovalRefused as error:
            raise BreakRefused(error.text) from None
    Break.objects.filter(pk=found.pk, state=BreakState.PROPOSED).update(
        state=BreakState.OPEN, resolution="", proposed_by=None
    )
    found.refresh_from_db()
    return found


def approve(*, found: Break, staff: Any) -> Break:
    """The checker: a different staff member approves the break's change request, which
    applies the resolution once (`apply_approved`)."""
    from approvals.errors import AlreadyDecided, NotPermitted
    from approvals.models import ChangeState
    from approvals.services import approve as approve_change

    found.refresh_from_db()
    if found.state == BreakState.RESOLVED:
        return found
    change = _waiting_change(found) if found.state == BreakState.PROPOSED else None
    if change is None:
        raise BreakRefused("Only a proposed resolution can be approved.")
    try:
        decided = approve_change(change=change, checker=staff)
    except NotPermitted as error:  # the maker, or someone without the permission
        raise PermissionError(error.text) from None
    except AlreadyDecided:
        decided = change
        decided.refresh_from_db()
    if decided.state == ChangeState.FAILED:
        raise BreakRefused(decided.result or "The resolution could not be applied.")
    found.refresh_from_db()
    return found


def apply_approved(*, found: Break, checker: Any) -> Transaction | None:
    """Apply the approved resolution and close the break (called by the change request)."""
    found.refresh_from_db()
    if found.state == BreakState.RESOLVED:
        return found.transaction
    posted = _apply(found)
    _close(found, checker, posted)
    return posted


def _waiting_change(found: Break) -> Any:
    from django.contrib.contenttypes.models import ContentType

    from approvals.models import ChangeRequest, ChangeState

    return (
        ChangeRequest.objects.filter(
            kind="break_resolution",
            target_type=ContentType.objects.get_for_model(Break),
            target_id=str(found.pk),
            state__in=[ChangeState.PENDING, ChangeState.APPLYING],
        )
        .order_by("-id")
        .first()
    )


@transaction.atomic(durable=True)
def _close(found: Break, staff: Any, posted: Transaction | None) -> None:
    Break.objects.filter(pk=found.pk, state=BreakState.PROPOSED).exclude(proposed_by=staff).update(
        state=BreakState.RESOLVED, approved_by=staff, resolved_at=timezone.now(), transaction=posted
    )
    run = found.reconciliation
    run.breaks = run.found.exclude(state=BreakState.RESOLVED).count()
    run.save(update_fields=["breaks"])


def _apply(found: Break) -> Transaction | None:
    request = found.request
    if found.resolution == Resolution.NOTHING:
        return None
    if found.resolution == Resolution.SUSPENSE:
        return _to_suspense(found)
    if request is None:
        raise BreakRefused()
    if found.resolution == Resolution.FAIL:
        done = services.apply_outcome(request, Outcome(Status.FAILED, reason="break_resolved"))
        return done.transaction
    if found.resolution == Resolution.SETTLE_THEIRS:
        if found.their_amount is None:
            raise BreakRefused()
        done = services.settle_as_reported(request, found.their_amount, f"break #{found.pk}")
        return done.transaction
    if found.resolution == Resolution.CREDIT_LATE:
        return _credit_late(found, request)
    raise BreakRefused()


def _credit_late(found: Break, request: OperatorRequest) -> Transaction:
    amount = found.their_amount or request.amount
    return post_transaction(
        kind=TransactionKind.OPERATOR_TOP_UP,
        idempotency_key=f"break:{found.pk}",
        currency=request.currency,
        amount=amount,
        legs=[Leg(services.settlement_account(request.operator), request.wallet, amount)],
        fingerprint=request_hash("break_credit_late", found.pk, amount),
        channel=Channel.ADMIN,
        initiator=f"operator:{request.operator.code}",
        metadata=request.metadata
        | {"operator": request.operator.code, "operator_request": str(request.reference)},
        receiver_limits=False,
    )


def _to_suspense(found: Break) -> Transaction | None:
    """Book (money that moved at the operator) - (what our ledger says moved) to suspense."""
    operator = found.reconciliation.operator
    delta = _net_theirs(found) - _net_ours(found)
    if delta == 0:
        return None
    settlement = services.settlement_account(operator)
    suspense = house_account(AccountKind.SUSPENSE, operator.currency)
    # More at the operator than we recorded: settlement (what they hold) up, suspense owes it.
    leg = Leg(settlement, suspense, delta) if delta > 0 else Leg(suspense, settlement, -delta)
    return post_transaction(
        kind=TransactionKind.ADJUSTMENT,
        idempotency_key=f"break:{found.pk}",
        currency=operator.currency,
        amount=abs(delta),
        legs=[leg],
        fingerprint=request_hash("break_suspense", found.pk, delta),
        channel=Channel.ADMIN,
        initiator=f"operator:{operator.code}",
        metadata={"operator": operator.code, "break": found.pk, "reference": found.reference},
    )


def _net_theirs(found: Break) -> int:
    """Money into our account at the operator by their statement (a payout is negative)."""
    if found.their_status != Status.SUCCEEDED or found.their_amount is None:
        return 0
    return _signed(found, found.their_amount)


def _net_ours(found: Break) -> int:
    """Money into our account at the operator by our ledger, for this request."""
    request = found.request
    if request is None or request.transaction is None:
        return 0
    settlement = services.settlement_account(request.operator)
    net = 0
    for posting in request.transaction.postings.all():
        if posting.debit_account_id == settlement.pk:
            net += posting.amount
        elif posting.credit_account_id == settlement.pk:
            net -= posting.amount
    return net


def _signed(found: Break, amount: int) -> int:
    kind = found.request.kind if found.request else found.their_kind
    return amount if kind == RequestKind.COLLECTION else -amount
