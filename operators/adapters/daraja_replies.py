"""Reading Daraja's synchronous answers (the acknowledgements and the STK query).

    accepted:  200 {"MerchantRequestID", "CheckoutRequestID", "ResponseCode": "0",
                    "ResponseDescription", "CustomerMessage"}                   (STK push)
               200 {"ConversationID", "OriginatorConversationID", "ResponseCode": "0",
                    "ResponseDescription"}                          (B2C, status, reversal)
    refused:   4xx {"requestId", "errorCode": "400.002.02", "errorMessage": "Bad Request - ..."}
    STK query: 200 {"ResponseCode": "0", ..., "ResultCode": "1032", "ResultDesc": "..."}
               500 {"errorCode": "500.001.1001", "errorMessage": "The transaction is being
                    processed"}                                   (still waiting for the PIN)

The adapter redacts each returned detail; these functions only read.
"""

from __future__ import annotations

from typing import Any

from operators.adapters import daraja_results as results
from operators.adapters.base import Outcome, Reason, Status
from operators.adapters.formats import text
from operators.adapters.http import Reply

STILL_PROCESSING = "500.001.1001"  # STK query: "The transaction is being processed"


def body_of(reply: Reply) -> dict[str, Any]:
    return reply.body if isinstance(reply.body, dict) else {}


def error_code(reply: Reply) -> str:
    return text(body_of(reply).get("errorCode"))


def unavailable_problem(reply: Reply) -> str:
    """Why this answer leaves the request's fate open ('' if it does not): 5xx, 408, 429."""
    if reply.status >= 500 or reply.status in (408, 429):
        body = body_of(reply)
        detail = results.detail_of(body.get("errorCode"), body.get("errorMessage"))
        return f"HTTP {reply.status} {detail}"
    return ""


def acknowledgement(reply: Reply, handle: str) -> Outcome | None:
    """PENDING with the operator's handle, FAILED if refused, None if unreadable (the request
    may have been taken: the caller must treat that as unavailable). Call after checking
    `unavailable_problem`."""
    body = body_of(reply)
    if not reply.ok:  # refused at the gateway: a 4xx never reached M-Pesa
        detail = results.detail_of(body.get("errorCode", reply.status), body.get("errorMessage"))
        return Outcome(Status.FAILED, reason=Reason.REJECTED, detail=detail)
    code = text(body.get("ResponseCode"))
    detail = results.detail_of(code, body.get("ResponseDescription"))
    if code == "0" and isinstance(body.get(handle), str) and body[handle]:
        return Outcome(Status.PENDING, operator_reference=body[handle], detail=detail)
    if code and code != "0":
        return Outcome(Status.FAILED, reason=Reason.REJECTED, detail=detail)
    return None


def stk_query(reply: Reply, checkout: str) -> Outcome:
    """The STK query's answer; call after `still_processing` and `unavailable_problem`."""
    body = body_of(reply)
    if not reply.ok or text(body.get("ResponseCode", "0")) != "0" or "ResultCode" not in body:
        return unknown(reply, checkout)
    try:
        code = results.code_of(body["ResultCode"])
    except ValueError:
        return unknown(reply, checkout)
    status, reason = results.map_code(code)
    detail = results.detail_of(code, body.get("ResultDesc"))
    return Outcome(status, operator_reference=checkout, reason=reason, detail=detail)


def still_processing(reply: Reply, checkout: str) -> Outcome | None:
    if error_code(reply) != STILL_PROCESSING:
        return None
    detail = results.detail_of(STILL_PROCESSING, body_of(reply).get("errorMessage"))
    return Outcome(Status.PENDING, operator_reference=checkout, detail=detail)


def status_query(reply: Reply, operator_reference: str, currency: str) -> Outcome:
    """The transaction-status query's acknowledgement: UNKNOWN (the answer comes by callback)
    unless it carries a `Result` (the simulator's synchronous answer), read like the callback."""
    body = body_of(reply)
    if not reply.ok or text(body.get("ResponseCode")) != "0":
        return unknown(reply, operator_reference)
    if isinstance(body.get("Result"), dict):
        try:
            return results.status_result(body["Result"], currency)
        except (ValueError, KeyError, TypeError):
            return unknown(reply, operator_reference)
    return Outcome(
        Status.UNKNOWN,
        operator_reference=operator_reference,
        reason=Reason.UNKNOWN,
        detail="status query accepted; the answer comes to the status callback",
    )


def unknown(reply: Reply, operator_reference: str) -> Outcome:
    body = body_of(reply)
    detail = results.detail_of(
        body.get("errorCode") or body.get("ResponseCode") or f"HTTP {reply.status}",
        body.get("errorMessage") or body.get("ResponseDescription") or body.get("ResultDesc"),
    )
    return Outcome(
        Status.UNKNOWN, operator_reference=operator_reference, reason=Reason.UNKNOWN, detail=detail
    )
