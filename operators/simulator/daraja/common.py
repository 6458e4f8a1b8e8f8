"""What every Daraja endpoint shares: its error shape, its ids, its clock and its codes.

Field names, error codes and descriptions are Safaricom's, as its documentation and the
callbacks seen in the field show them. Where Daraja has no single documented answer, the
choice is written next to the constant so the adapter can be checked against it.
"""

from __future__ import annotations

import base64
import datetime
import re
import secrets
import string
from typing import Any

from operators.simulator.engine import Engine
from operators.simulator.faults import Plan
from operators.simulator.ledger import (
    ALREADY_REVERSED,
    CANCELLED,
    EXPIRED,
    INITIATOR_INVALID,
    INSUFFICIENT_FUNDS,
    NOT_REVERSIBLE,
    RECIPIENT_NOT_FOUND,
    SUCCESSFUL,
    Record,
)
from operators.simulator.web import Request, Response, json_response

OPERATOR = "mpesa"
BUSINESS_NAME = "Simulated Business"
SUCCESS_DESCRIPTION = "The service request is processed successfully."
ACCEPTED = "Accept the service request successfully."
PHONE = re.compile(r"^254[17]\d{8}$")
MAX_AMOUNT = 250_000  # whole shillings: M-Pesa's per-transaction ceiling

# Neutral reasons (ledger.py) as Daraja ResultCodes.
RESULT_CODES: dict[str, tuple[int | str, str]] = {
    CANCELLED: (1032, "Request cancelled by user"),
    EXPIRED: (1037, "DS timeout user cannot be reached"),
    # For B2C this is the code M-Pesa uses when the shortcode's utility account is short.
    INSUFFICIENT_FUNDS: (1, "The balance is insufficient for the transaction."),
    RECIPIENT_NOT_FOUND: (
        2040,
        "Credit Party customer type (Unregistered or Registered Customer) can't be supported "
        "by the service.",
    ),
    INITIATOR_INVALID: (2001, "The initiator information is invalid."),
    ALREADY_REVERSED: ("R000001", "The transaction has already been reversed."),
    NOT_REVERSIBLE: ("R000002", "The OriginalTransactionID is invalid."),
}
NOT_FOUND = (2032, "The transaction receipt number does not exist.")  # transaction status

_RECEIPT_CHARACTERS = string.ascii_uppercase + string.digits


def error(status: int, code: str, message: str, request_id: str | None = None) -> Response:
    """Daraja's error body: {"requestId", "errorCode", "errorMessage"}."""
    return json_response(
        status,
        {
            "requestId": request_id or merchant_request_id(),
            "errorCode": code,
            "errorMessage": message,
        },
    )


def bad_request(field: str) -> Response:
    return error(400, "400.002.02", f"Bad Request - Invalid {field}")


def unauthorized(engine: Engine, request: Request) -> Response | None:
    """401 unless the request carries a live token from /oauth/v1/generate."""
    if engine.tokens.valid(request.header("Authorization"), OPERATOR):
        return None
    return error(401, "404.001.03", "Invalid Access Token")


def faulted(engine: Engine, plan: Plan) -> Response | None:
    """The error fault answers 500 at once; the timeout fault sits on the call first."""
    if plan.error:
        return error(500, "500.003.1001", "Internal Server Error")
    if plan.timeout and not engine.hang(plan.timeout):
        return error(503, "503.003.01", "Service Unavailable")
    return None


def password_ok(engine: Engine, body: dict[str, Any]) -> bool:
    """STK Password = base64(BusinessShortCode + passkey + Timestamp)."""
    passkey = engine.config.mpesa_passkey
    if passkey is None:
        return True
    expected = f"{body.get('BusinessShortCode', '')}{passkey}{body.get('Timestamp', '')}"
    return secrets.compare_digest(
        base64.b64encode(expected.encode()).decode(), str(body.get("Password", ""))
    )


def initiator_ok(engine: Engine, body: dict[str, Any], name_field: str = "Initiator") -> bool:
    return str(body.get(name_field, "")) == engine.config.mpesa_initiator_name and (
        str(body.get("SecurityCredential", "")) == engine.config.mpesa_security_credential
    )


def result_code(record: Record) -> tuple[int | str, str]:
    if record.status == SUCCESSFUL:
        return 0, SUCCESS_DESCRIPTION
    return RESULT_CODES[record.reason or INSUFFICIENT_FUNDS]


def receipt() -> str:
    """An M-Pesa receipt number: ten capitals and digits, starting with a letter."""
    rest = "".join(secrets.choice(_RECEIPT_CHARACTERS) for _ in range(9))
    return secrets.choice(string.ascii_uppercase) + rest


def conversation_id(engine: Engine) -> str:
    return f"AG_{engine.config.now():%Y%m%d}_{secrets.token_hex(10)}"


def merchant_request_id() -> str:
    return f"{10000 + secrets.randbelow(90000)}-{10**7 + secrets.randbelow(9 * 10**7)}-1"


def checkout_request_id(engine: Engine) -> str:
    return f"ws_CO_{engine.config.now():%d%m%Y%H%M%S}{secrets.randbelow(10**9):09d}"


def stamp(engine: Engine, iso: str | None) -> int:
    """A Daraja timestamp, YYYYMMDDHHMMSS in Nairobi time, as the number Daraja sends."""
    moment = datetime.datetime.fromisoformat(iso) if iso else engine.config.now()
    return int(moment.astimezone(engine.config.timezone).strftime("%Y%m%d%H%M%S"))


def party(engine: Engine, record: Record, *, customer: bool) -> str:
    """ "2547XXXXXXXX - NAME" for the customer, "SHORTCODE - NAME" for the business."""
    if customer:  # or the pay-bill a B2B payment went to
        known = engine.ledger.books[OPERATOR].customers.get(record.party)  # a read opens nothing
        return f"{record.party} - {known.name if known else ''}"
    return f"{record.details.get('shortcode', '')} - {BUSINESS_NAME}"


def ack(record_or_ids: dict[str, Any]) -> Response:
    """The synchronous acknowledgement of a B2C, status, balance or reversal request."""
    return json_response(
        200,
        {
            "OriginatorConversationID": record_or_ids["OriginatorConversationID"],
            "ConversationID": record_or_ids["ConversationID"],
            "ResponseCode": "0",
            "ResponseDescription": ACCEPTED,
        },
    )


def url(body: dict[str, Any], field: str) -> str | None:
    value = body.get(field)
    return value if isinstance(value, str) and value.startswith(("http://", "https://")) else None
