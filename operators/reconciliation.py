"""Reconcile an operator's daily statement with our requests.

Each statement line is matched to our request by reference (ours, which the operator
echoes). The safe cases settle themselves through `services.apply_outcome`, as a late
callback would: a success we never heard of is posted, a failure we still hold is released.
Everything else becomes a `Break` for people to resolve, maker-checker (operators.breaks):

- on their statement, not ours (no request with that reference, or one that failed here);
- ours succeeded, not on their statement;
- amounts differ.

Running a day again compares again and adds only breaks not already recorded.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from operators import services
from operators.adapters.base import Outcome, StatementLine, Status
from operators.adapters.daraja import account_reference
from operators.conf import adapter_of
from operators.models import (
    Break,
    BreakKind,
    BreakState,
    Operator,
    OperatorRequest,
    Reconciliation,
    RequestKind,
    RequestState,
)

BATCH = 5_000


def reconcile_day(operator: Operator, day: datetime.date) -> Reconciliation:
    """Fetch the operator's statement for `day` and reconcile it."""
    return reconcile(operator, day, adapter_of(operator).statement(day))


def reconcile(
    operator: Operator, day: datetime.date, lines: Iterable[StatementLine]
) -> Reconciliation:
    started = time.monotonic()
    # Collections and payouts are matched with our requests; a reversal line carries the
    # reference of what it reversed and must not stand in for it.
    theirs = {line.reference: line for line in lines if line.kind in RequestKind.values}
    ours = _requests(operator, day, theirs.keys())
    counts = {"matched": 0, "auto": 0}
    found: list[dict[str, Any]] = []
    for reference, line in theirs.items():
        request = ours.get(reference)
        _compare(request, line, counts, found)
    for key, request in ours.items():
        if key not in theirs and request.state == RequestState.SUCCEEDED:
            found.append(
                {
                    "kind": BreakKind.MISSING_ON_THEIRS,
                    "reference": str(request.reference),
                    "request": request,
                    "our_amount": request.amount,
                }
            )
    return _record(operator, day, len(theirs), counts, found, started)


def _compare(
    request: OperatorRequest | None,
    line: StatementLine,
    counts: dict[str, int],
    found: list[dict[str, Any]],
) -> None:
    theirs = {
        "reference": line.reference,
        "operator_reference": line.operator_reference,
        "their_amount": line.amount,
        "their_status": line.status,
        "their_kind": line.kind,
    }
    if request is None:
        if line.status == Status.SUCCEEDED:  # money moved at the operator for nothing of ours
            found.append({"kind": BreakKind.MISSING_ON_OURS, **theirs})
        return
    if line.status == Status.SUCCEEDED and line.amount != request.amount:
        found.append(
            {"kind": BreakKind.AMOUNT_MISMATCH, "request": request, "our_amount": request.amount}
            | theirs
        )
        return
    if request.state in (RequestState.PENDING, RequestState.UNKNOWN):
        if request.reason == "amount_mismatch":  # a person decides, even if the line agrees
            found.append(
                {
                    "kind": BreakKind.AMOUNT_MISMATCH,
                    "request": request,
                    "our_amount": request.amount,
                }
                | theirs
            )
            return
        outcome = Outcome(
            line.status, operator_reference=line.operator_reference, amount=line.amount
        )
        services.apply_outcome(request, outcome)
        counts["auto"] += 1
        return
    agrees = (request.state == RequestState.SUCCEEDED) == (line.status == Status.SUCCEEDED)
    if agrees:
        counts["matched"] += 1
    else:
        found.append(
            {"kind": BreakKind.STATUS_MISMATCH, "request": request, "our_amount": request.amount}
            | theirs
        )


def _requests(
    operator: Operator, day: datetime.date, references: Iterable[str]
) -> dict[str, OperatorRequest]:
    """Our requests of the day, and any other the statement names (a late completion)."""
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    end = start + datetime.timedelta(days=1)
    named = [reference for reference in references if _is_uuid(reference)]
    found: dict[str, OperatorRequest] = {}
    query = OperatorRequest.objects.filter(operator=operator)
    for request in query.filter(created_at__gte=start, created_at__lt=end).iterator(BATCH):
        found[statement_key(operator, request)] = request
    for offset in range(0, len(named), BATCH):
        chunk = named[offset : offset + BATCH]
        for request in query.filter(Q(reference__in=chunk)).iterator(BATCH):
            found[statement_key(operator, request)] = request
    return found


def statement_key(operator: Operator, request: OperatorRequest) -> str:
    """How the statement names our request: the full reference, except Daraja collections,
    whose STK AccountReference holds only its first 12 hex digits."""
    if operator.kind == "daraja" and request.kind == RequestKind.COLLECTION:
        return account_reference(str(request.reference))
    return str(request.reference)


@transaction.atomic(durable=True)
def _record(
    operator: Operator,
    day: datetime.date,
    lines: int,
    counts: dict[str, int],
    found: list[dict[str, Any]],
    started: float,
) -> Reconciliation:
    run, _ = Reconciliation.objects.update_or_create(
        operator=operator,
        day=day,
        defaults={
            "lines": lines,
            "matched": counts["matched"],
            "auto_resolved": counts["auto"],
            "ran_at": timezone.now(),
        },
    )
    Break.objects.bulk_create(
        (Break(reconciliation=run, **fields) for fields in found),
        ignore_conflicts=True,  # a second run adds only what is new
        batch_size=BATCH,
    )
    run.breaks = run.found.exclude(state=BreakState.RESOLVED).count()
    run.duration_ms = int((time.monotonic() - started) * 1000)
    run.save(update_fields=["breaks", "duration_ms"])
    return run


def _is_uuid(text: str) -> bool:
    return len(text) == 36 and text.count("-") == 4
