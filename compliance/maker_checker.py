"""The one door from compliance to maker-checker (the approvals app).

Compliance never applies a freeze, an unfreeze or a tier change itself: it asks for one, and a
second staff member approves it in the approvals queue, which applies it through the wallet
services. The approvals app is imported when a request is made, so compliance still works (and
says plainly that it cannot ask) on an installation where that app is missing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model

from compliance.errors import ApprovalsUnavailable, ComplianceRefused


def request_change(
    *, kind: str, maker: Any, reason: str, payload: dict[str, Any], target: Model
) -> str:
    """Ask for `kind` to be applied to `target` once a second person approves; returns the
    request's id. The approvals service commits the request itself."""
    try:
        from approvals import services
    except ImportError as missing:
        raise ApprovalsUnavailable() from missing
    try:
        request = services.request_change(
            kind=kind, maker=maker, reason=reason, payload=payload, target=target
        )
    except PermissionDenied as refused:
        raise ComplianceRefused(str(refused) or "You may not ask for this change.") from None
    except ValidationError as invalid:
        raise ComplianceRefused(" ".join(invalid.messages)) from None
    return str(request.pk)


def refused_requests(request_ids: Iterable[str]) -> dict[str, str]:
    """Of these requests, those a checker rejected or that could not be applied: id -> state.
    Empty while the approvals app is missing."""
    try:
        from approvals.models import ChangeRequest, ChangeState
    except ImportError:
        return {}
    ids = [int(pk) for pk in request_ids if pk.isdigit()]
    ended = ChangeRequest.objects.filter(
        pk__in=ids, state__in=[ChangeState.REJECTED, ChangeState.FAILED]
    ).values_list("pk", "state")
    return {str(pk): state for pk, state in ended}
