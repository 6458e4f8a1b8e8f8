"""The MTN MoMo Open API subset, served under /momo: collection and disbursement.

A request names itself with X-Reference-Id (a UUID); reusing one is refused with 409
RESOURCE_ALREADY_EXIST, which is what makes a retry safe. The POST answers 202 with no body;
the outcome is PUT once to X-Callback-Url (MTN never retries it) and can always be read with
GET .../{referenceId}, which is how a careful caller resolves a lost callback.

A failed request's `reason` is the object of MTN's specification, {"code", "message"}; the
live sandbox has been seen to send a bare string instead, so adapters should accept both.
Error bodies for malformed requests ({"code": "BAD_REQUEST", ...}) are the simulator's own.
"""

from __future__ import annotations

import re
import secrets
import uuid
from functools import partial
from typing import Any

from operators.simulator import statements
from operators.simulator.config import format_decimal, parse_decimal
from operators.simulator.engine import Callback, Engine
from operators.simulator.ledger import (
    CANCELLED,
    COLLECTION,
    EXPIRED,
    FAILED,
    INSUFFICIENT_FUNDS,
    PAYOUT,
    RECIPIENT_NOT_FOUND,
    SUCCESSFUL,
    Record,
)
from operators.simulator.web import Request, Response, Router, basic_credentials, json_response

OPERATOR = "momo"
PRODUCTS = {  # product: (resource, party, kind)
    "collection": ("requesttopay", "payer", COLLECTION),
    "disbursement": ("transfer", "payee", PAYOUT),
}
MSISDN = re.compile(r"^\d{9,15}$")
REASONS = {
    CANCELLED: ("APPROVAL_REJECTED", "The approval was rejected"),
    EXPIRED: ("EXPIRED", "The request has expired"),
    INSUFFICIENT_FUNDS: ("NOT_ENOUGH_FUNDS", "The payer does not have enough funds"),
    RECIPIENT_NOT_FOUND: ("PAYEE_NOT_FOUND", "The payee was not found"),
}
DENIED_KEY = (
    "Access denied due to invalid subscription key. "
    "Make sure to provide a valid key for an active subscription."
)


def register(router: Router, engine: Engine) -> None:
    for product, (resource, _, _) in PRODUCTS.items():
        prefix = f"/momo/{product}"
        router.add("POST", f"{prefix}/token/?", partial(token, engine, product))
        router.add("POST", f"{prefix}/v1_0/{resource}", partial(create, engine, product))
        router.add(
            "GET",
            f"{prefix}/v1_0/{resource}/(?P<reference>[^/]+)",
            partial(status, engine, product),
        )
        router.add("GET", f"{prefix}/v1_0/account/balance", partial(balance, engine, product))
    router.add("GET", r"/momo/statements/(?P<day>[^/]+)", partial(statement, engine))
    engine.builders[OPERATOR] = callback_for


def token(engine: Engine, product: str, request: Request) -> Response:
    """POST /momo/<product>/token/ with Basic api-user:api-key and the subscription key."""
    config = engine.config
    if request.header("Ocp-Apim-Subscription-Key") != config.momo_subscription_key:
        return json_response(401, {"statusCode": 401, "message": DENIED_KEY})
    user, key = basic_credentials(request.header("Authorization"))
    if (user, key) != (config.momo_api_user, config.momo_api_key):
        return json_response(401, {"error": "login_failed"})
    access_token = engine.tokens.issue(f"momo-{product}")
    return json_response(
        200,
        {
            "access_token": access_token,
            "token_type": "access_token",
            "expires_in": config.token_seconds,
        },
    )


def create(engine: Engine, product: str, request: Request) -> Response:
    """POST requesttopay (collect from `payer`) or transfer (pay `payee`): 202, no body."""
    if denied := _unauthorized(engine, request, product):
        return denied
    _, party, kind = PRODUCTS[product]
    reference, body = request.header("X-Reference-Id") or "", request.json_object()
    if body is None:
        return _error(400, "BAD_REQUEST", "the body must be a JSON object")
    if problem := _invalid(engine, reference, body, party):
        return problem
    phone = str(body[party]["partyId"])
    plan = engine.plan(OPERATOR, kind, reference, phone)
    if plan.error:
        return _error(500, "INTERNAL_PROCESSING_ERROR", "An internal error occurred.")
    if plan.timeout and not engine.hang(plan.timeout):
        return _error(503, "SERVICE_UNAVAILABLE", "Service temporarily unavailable")
    with engine.ledger.lock:  # a retry racing a hung first request must find it
        if engine.ledger.find(OPERATOR, "referenceId", reference):
            return _error(409, "RESOURCE_ALREADY_EXIST", "Duplicated reference id.")
        record = Record(
            id=uuid.uuid4().hex,
            operator=OPERATOR,
            kind=kind,
            reference=reference,
            amount=parse_decimal(body["amount"], engine.config.momo_currency) or 0,
            currency=engine.config.momo_currency,
            phone=phone,
            transaction_id=str(10**9 + secrets.randbelow(9 * 10**9)),
            requested_at=engine.config.now().isoformat(timespec="seconds"),
            details={
                "referenceId": reference,
                "product": product,
                "callback_url": request.header("X-Callback-Url"),
                **{field: str(body.get(field, "")) for field in _ECHOED},
            },
        )
        engine.accept(record, plan)
    return Response(202)


def status(engine: Engine, product: str, request: Request) -> Response:
    """GET .../{referenceId}: PENDING, SUCCESSFUL or FAILED with a reason."""
    if denied := _unauthorized(engine, request, product):
        return denied
    reference = request.params["reference"]
    plan = engine.plan(OPERATOR, "status", reference)
    if plan.error:
        return _error(500, "INTERNAL_PROCESSING_ERROR", "An internal error occurred.")
    if plan.timeout and not engine.hang(plan.timeout):
        return _error(503, "SERVICE_UNAVAILABLE", "Service temporarily unavailable")
    record = engine.ledger.find(OPERATOR, "referenceId", reference)
    if record is None or record.details.get("product") != product:
        return _error(404, "RESOURCE_NOT_FOUND", "Requested resource was not found.")
    return json_response(200, _outcome(record, record.amount))


def balance(engine: Engine, product: str, request: Request) -> Response:
    if denied := _unauthorized(engine, request, product):
        return denied
    plan = engine.plan(OPERATOR, "balance")
    if plan.error:
        return _error(500, "INTERNAL_PROCESSING_ERROR", "An internal error occurred.")
    if plan.timeout and not engine.hang(plan.timeout):
        return _error(503, "SERVICE_UNAVAILABLE", "Service temporarily unavailable")
    books = engine.ledger.books[OPERATOR]
    return json_response(
        200,
        {
            "availableBalance": format_decimal(books.business, books.currency),
            "currency": books.currency,
        },
    )


def statement(engine: Engine, request: Request) -> Response:
    """GET /momo/statements/<day>: either product's token will do."""
    if denied := _unauthorized(engine, request, *PRODUCTS):
        return denied
    return statements.statement(engine, OPERATOR, request.params["day"])


def callback_for(record: Record) -> Callback | None:
    """The body GET would show, PUT once to X-Callback-Url (if the caller gave one)."""
    url = record.details.get("callback_url")
    if not url:
        return None
    return Callback("PUT", url, _outcome(record, record.reported_amount or record.amount))


_ECHOED = ("externalId", "payerMessage", "payeeNote")


def _outcome(record: Record, amount: int) -> dict[str, Any]:
    _, party, _ = PRODUCTS[record.details["product"]]
    body: dict[str, Any] = {
        "amount": format_decimal(amount, record.currency),
        "currency": record.currency,
        **{field: record.details.get(field, "") for field in _ECHOED},
        party: {"partyIdType": "MSISDN", "partyId": record.phone},
        "status": record.status,
    }
    if record.status == SUCCESSFUL:
        body["financialTransactionId"] = record.transaction_id
    if record.status == FAILED:
        code, message = REASONS.get(record.reason or "", ("INTERNAL_PROCESSING_ERROR", ""))
        body["reason"] = {"code": code, "message": message}
    return body


def _unauthorized(engine: Engine, request: Request, *products: str) -> Response | None:
    config = engine.config
    if request.header("Ocp-Apim-Subscription-Key") != config.momo_subscription_key:
        return json_response(401, {"statusCode": 401, "message": DENIED_KEY})
    scopes = [f"momo-{product}" for product in products]
    if not engine.tokens.valid(request.header("Authorization"), *scopes):
        return json_response(
            401, {"statusCode": 401, "message": "Access denied due to invalid token"}
        )
    if request.header("X-Target-Environment") != config.momo_target_environment:
        return _error(
            403, "NOT_ALLOWED_TARGET_ENVIRONMENT", "Access to target environment is forbidden"
        )
    return None


def _invalid(engine: Engine, reference: str, body: dict[str, Any], party: str) -> Response | None:
    try:
        uuid.UUID(reference)
    except ValueError:
        return _error(400, "BAD_REQUEST", "X-Reference-Id must be a UUID")
    if body.get("currency") != engine.config.momo_currency:
        return _error(400, "INVALID_CURRENCY", "Currency not supported")
    if parse_decimal(body.get("amount"), engine.config.momo_currency) is None:
        return _error(400, "BAD_REQUEST", "amount must be a positive decimal string")
    who = body.get(party)
    if not isinstance(who, dict) or who.get("partyIdType") != "MSISDN":
        return _error(400, "BAD_REQUEST", f"{party} must be an MSISDN party")
    if not MSISDN.match(str(who.get("partyId", ""))):
        return _error(400, "BAD_REQUEST", f"{party}.partyId must be digits with the country code")
    return None


def _error(status_code: int, code: str, message: str) -> Response:
    return json_response(status_code, {"code": code, "message": message})
