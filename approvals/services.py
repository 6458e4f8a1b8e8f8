"""Maker-checker: asking for a sensitive change, and approving or rejecting it.

    change = request_change(kind="freeze", maker=staff, reason="AML case 17",
                            payload={"phone": "0722555123"})
    approve(change=change, checker=other_staff, note="checked the case file")

Only approval applies a change, once. The checker claims the row with a conditional UPDATE
(pending -> applying), so of two approvals at the same moment one applies and the other is
told it was decided (AlreadyDecided). Applying calls the kind's services, each a durable
transaction of its own, so the claim is committed before and the result after: a domain
refusal (LedgerError, or the kind finding the change no longer makes sense) ends the request
`failed` with the reason and nothing moved. Any other error leaves it `applying`; after
APPLY_LEASE anyone allowed may approve it again, which finishes it (applying is idempotent:
postings are keyed `change:<id>`, statuses and rule versions are set, not added).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils import timezone

from approvals.errors import AlreadyDecided, MakerCannotDecide, NoteRequired, NotPermitted
from approvals.kinds import Kind, get_kind
from approvals.models import ChangeRequest, ChangeState
from wallets.errors import LedgerError

logger = logging.getLogger(__name__)

APPLY_LEASE = datetime.timedelta(minutes=5)


def request_change(
    *,
    kind: str,
    maker: Any,
    reason: str,
    payload: Mapping[str, Any],
    target: Model | None = None,
) -> ChangeRequest:
    """Record a pending change after its kind has checked and normalised the payload.

    Refused with NotPermitted if `maker` lacks `approvals.request_<kind>`, with a
    ValidationError if the reason is empty or the payload is not a valid change.
    """
    spec = get_kind(kind)
    if not maker.has_perm(spec.request_permission):
        raise NotPermitted(f"You may not request a {spec.label.lower()}.")
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why this change is needed."})
    cleaned = spec.clean(payload)
    if target is None:
        target = spec.target(cleaned)
    change = ChangeRequest(
        kind=kind,
        payload=cleaned,
        description=spec.describe(cleaned)[:300],
        reason=reason,
        maker=maker,
    )
    if target is not None:
        change.target = target
    change.save()
    return change


def approve(*, change: ChangeRequest, checker: Any, note: str = "") -> ChangeRequest:
    """Apply the change once, as `checker` (not the maker, with `approvals.approve_<kind>`).

    Returns the request, approved or failed; AlreadyDecided if another decision came first.
    Call it outside any transaction: the services it applies through commit durably.
    """
    spec = _allowed(change, checker)
    if not _claim(change, checker, note.strip()):
        change.refresh_from_db()
        raise AlreadyDecided(
            f"This change request is already decided: {change.get_state_display()}."
        )
    change.refresh_from_db()
    return _apply(change, spec)


def reject(*, change: ChangeRequest, checker: Any, note: str) -> ChangeRequest:
    """Close the request without changing anything; the note says why."""
    _allowed(change, checker)
    note = note.strip()
    if not note:
        raise NoteRequired()
    rejected = ChangeRequest.objects.filter(pk=change.pk, state=ChangeState.PENDING).update(
        state=ChangeState.REJECTED, checker=checker, decision_note=note, decided_at=timezone.now()
    )
    change.refresh_from_db()
    if not rejected:
        raise AlreadyDecided(
            f"This change request is already decided: {change.get_state_display()}."
        )
    return change


def is_interrupted(change: ChangeRequest) -> bool:
    """Whether the apply of `change` started longer than APPLY_LEASE ago and never finished
    (its worker died): approving it again finishes it."""
    return bool(
        change.state == ChangeState.APPLYING
        and change.claimed_at
        and change.claimed_at < timezone.now() - APPLY_LEASE
    )


def may_decide(change: ChangeRequest, user: Any) -> bool:
    """Whether `user` may approve or reject `change` (for showing the buttons)."""
    return user.pk != change.maker_id and user.has_perm(change.approve_permission)


def _allowed(change: ChangeRequest, checker: Any) -> Kind:
    spec = get_kind(change.kind)
    if checker.pk == change.maker_id:
        raise MakerCannotDecide()
    if not checker.has_perm(spec.approve_permission):
        raise NotPermitted(f"You may not approve a {spec.label.lower()}.")
    return spec


def _claim(change: ChangeRequest, checker: Any, note: str) -> bool:
    """Take the request for applying: from pending, or from a claim whose lease ran out."""
    now = timezone.now()
    claimed = (
        ChangeRequest.objects.filter(pk=change.pk, state=ChangeState.PENDING)
        .exclude(maker=checker)
        .update(
            state=ChangeState.APPLYING,
            checker=checker,
            decision_note=note,
            decided_at=now,
            claimed_at=now,
        )
    )
    if claimed:
        return True
    # A worker that died while applying: the first checker's decision stands; finish it.
    stale = ChangeRequest.objects.filter(
        pk=change.pk, state=ChangeState.APPLYING, claimed_at__lt=now - APPLY_LEASE
    ).update(claimed_at=now)
    if stale:
        logger.warning("change request %s: finishing an apply that was interrupted", change.pk)
    return bool(stale)


def _apply(change: ChangeRequest, spec: Kind) -> ChangeRequest:
    try:
        spec.clean(change.payload)  # still a valid change now?
        posted = spec.apply(change)
    except LedgerError as error:
        return _finish(change, ChangeState.FAILED, error.text)
    except ValidationError as error:
        return _finish(change, ChangeState.FAILED, " ".join(error.messages))
    result = f"Applied; posted {posted.reference}." if posted is not None else "Applied."
    return _finish(change, ChangeState.APPROVED, result, posted)


def _finish(change: ChangeRequest, state: str, result: str, posted: Any = None) -> ChangeRequest:
    ChangeRequest.objects.filter(pk=change.pk, state=ChangeState.APPLYING).update(
        state=state,
        result=result,
        transaction=posted,
        applied_at=timezone.now() if state == ChangeState.APPROVED else None,
    )
    change.refresh_from_db()
    return change
