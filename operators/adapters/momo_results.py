"""Reading MoMo's answers: request-to-pay and transfer objects, reasons and errors.

The GET answer and the callback body are the same object, so one function reads both.
"""

from __future__ import annotations

from typing import Any

from operators.adapters.base import Outcome, Reason, Status
from operators.adapters.formats import e164, minor_units, text
from operators.adapters.http import Reply

STATUSES = {
    "SUCCESSFUL": Status.SUCCEEDED,
    "FAILED": Status.FAILED,
    "PENDING": Status.PENDING,
    "CREATED": Status.PENDING,
    "ONGOING": Status.PENDING,
}
REASONS = {
    "PAYER_NOT_FOUND": Reason.PAYER_NOT_FOUND,
    "PAYEE_NOT_FOUND": Reason.PAYER_NOT_FOUND,
    "NOT_ENOUGH_FUNDS": Reason.INSUFFICIENT_FUNDS,
    "PAYER_LIMIT_REACHED": Reason.LIMIT,
    "PAYEE_LIMIT_REACHED": Reason.LIMIT,
    "APPROVAL_REJECTED": Reason.CANCELLED,
    "TRANSACTION_CANCELED": Reason.CANCELLED,
    "EXPIRED": Reason.TIMEOUT,
    "PAYER_DELAYED": Reason.TIMEOUT,
    "PAYEE_DELAYED": Reason.TIMEOUT,
    "COULD_NOT_PERFORM_TRANSACTION": Reason.TIMEOUT,  # MTN: mostly not approved within 5 min
    "PAYEE_NOT_ALLOWED_TO_RECEIVE": Reason.REJECTED,
    "NOT_ALLOWED": Reason.REJECTED,
    "NOT_ALLOWED_TARGET_ENVIRONMENT": Reason.REJECTED,
    "INVALID_CALLBACK_URL_HOST": Reason.REJECTED,
    "INVALID_CURRENCY": Reason.REJECTED,
    "RESOURCE_ALREADY_EXIST": Reason.DUPLICATE,
    "INTERNAL_PROCESSING_ERROR": Reason.OPERATOR_ERROR,
    "SERVICE_UNAVAILABLE": Reason.OPERATOR_ERROR,
}


def transfer_outcome(body: Any, party_key: str, currency: str) -> Outcome:
    """A request-to-pay or transfer object (GET answer or callback body) as an Outcome."""
    if not isinstance(body, dict):
        raise ValueError("the body is not an object")
    state = body.get("status")
    if not isinstance(state, str):
        raise ValueError("status is missing or not a string")
    reported = body.get("currency", currency)
    if reported != currency:
        raise ValueError(f"currency {reported!r}, expected {currency}")
    amount = body.get("amount")
    party = body.get(party_key)
    if party is not None and not isinstance(party, dict):
        raise ValueError(f"{party_key} is not an object")
    phone = ""
    if party and party.get("partyIdType") == "MSISDN":
        phone = e164(party.get("partyId"))
    status = STATUSES.get(state.upper(), Status.UNKNOWN)
    code, message = reason_of(body.get("reason"))
    reason = Reason.NONE
    if status == Status.FAILED:
        reason = REASONS.get(code, Reason.OPERATOR_ERROR) if code else Reason.UNKNOWN
    elif status == Status.UNKNOWN:
        reason = Reason.UNKNOWN
    return Outcome(
        status,
        operator_reference=text(body.get("financialTransactionId")),
        amount=None if amount is None else minor_units(amount, currency),
        phone=phone,
        reason=reason,
        detail=f"{state} {code} {message}".strip()[:300],
    )


def reason_of(value: object) -> tuple[str, str]:
    """MoMo's `reason`: "NOT_ENOUGH_FUNDS", or {"code": ..., "message": ...}."""
    if isinstance(value, dict):
        return text(value.get("code")), text(value.get("message"))
    if isinstance(value, str):
        return value, ""
    if value is None:
        return "", ""
    raise ValueError(f"reason {value!r} is not a string or an object")


def error_code(reply: Reply) -> str:
    return text(reply.body.get("code")) if isinstance(reply.body, dict) else ""


def error_detail(reply: Reply) -> str:
    body = reply.body if isinstance(reply.body, dict) else {}
    code = text(body.get("code")) or f"HTTP {reply.status}"
    return f"{code} {text(body.get('message'))}".strip()[:300]
