"""Operator callbacks: stored as they come (secrets masked), then applied by a task.

The view answers within milliseconds and only records; `process` parses the body with the
operator's adapter, matches it to our pending request by reference and checks phone and
amount before `services.apply_outcome` moves anything. A duplicate is recorded and changes
nothing; a callback for no request of ours is kept for reconciliation.
"""

from __future__ import annotations

import json
import re

from operators import services
from operators.adapters.base import InvalidCallback, Status
from operators.conf import adapter_of
from operators.models import Operator, OperatorCallback, OperatorRequest

SECRET_KEYS = re.compile(r'("(?:SecurityCredential|Password|access_token)"\s*:\s*)"[^"]*"', re.I)


def record(operator: Operator, kind: str, body: bytes, reference: str) -> OperatorCallback:
    text = SECRET_KEYS.sub(r'\1"****"', body.decode(errors="replace"))[:20_000]
    request = _request(operator, reference)
    return OperatorCallback.objects.create(
        operator=operator, kind=kind[:20], body=text, request=request
    )


def process(callback: OperatorCallback) -> OperatorCallback:
    operator = callback.operator
    reference = str(callback.request.reference) if callback.request else ""
    try:
        parsed = adapter_of(operator).parse_callback(
            kind=callback.kind, body=callback.body.encode(), headers={}, reference=reference
        )
    except InvalidCallback as error:
        return _note(callback, problem=f"unreadable: {error}"[:200])
    request = callback.request or _request(operator, parsed.reference)
    if request is None:
        return _note(callback, outcome=parsed.outcome.status, problem="no request of ours")
    outcome = parsed.outcome
    if parsed.kind not in (request.kind, "status"):  # e.g. a reversal's result sent as ours
        return _note(
            callback, outcome=outcome.status, problem="kind does not match", request=request
        )
    if outcome.phone and outcome.phone != request.phone:
        return _note(
            callback, outcome=outcome.status, problem="phone does not match", request=request
        )
    services.apply_outcome(request, outcome)
    # A repeat of a report already received (operators do send duplicates) changes nothing;
    # it is marked so that the admin shows it.
    repeat = OperatorCallback.objects.filter(
        request=request, kind=callback.kind, pk__lt=callback.pk
    ).exists()
    problem = "duplicate" if repeat and outcome.status != Status.PENDING else ""
    return _note(callback, outcome=outcome.status, problem=problem, request=request)


def _request(operator: Operator, reference: str) -> OperatorRequest | None:
    try:
        return OperatorRequest.objects.filter(operator=operator, reference=reference).first()
    except Exception:  # not a UUID
        return None


def _note(
    callback: OperatorCallback,
    *,
    outcome: str = "",
    problem: str = "",
    request: OperatorRequest | None = None,
) -> OperatorCallback:
    OperatorCallback.objects.filter(pk=callback.pk).update(
        outcome=outcome, problem=problem, request=request or callback.request
    )
    callback.refresh_from_db()
    return callback


def is_json(body: bytes) -> bool:
    try:
        json.loads(body)
    except ValueError:
        return False
    return True
