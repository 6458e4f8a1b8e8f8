"""Daraja money movement: OAuth, STK push (collect) and its query, and B2C (pay out).

STK push has no idempotency key in Daraja: every push is a new prompt on the customer's
phone, so a retried push is a second request, exactly as on the real API. B2C v3 dedupes on
OriginatorConversationID: a repeat gets the first answer and moves no money.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from operators.simulator.config import parse_whole, whole_units, wire_number
from operators.simulator.daraja import common
from operators.simulator.daraja.common import OPERATOR, bad_request, error
from operators.simulator.engine import Callback, Engine
from operators.simulator.ledger import COLLECTION, INITIATOR_INVALID, PAYOUT, PENDING, Record
from operators.simulator.web import Request, Response, basic_credentials, json_response

STK_TYPES = ("CustomerPayBillOnline", "CustomerBuyGoodsOnline")
B2C_COMMANDS = ("SalaryPayment", "BusinessPayment", "PromotionPayment")
STK_ACCEPTED = "Success. Request accepted for processing"


def generate_token(engine: Engine, request: Request) -> Response:
    """GET /oauth/v1/generate?grant_type=client_credentials with Basic key:secret."""
    key, secret = basic_credentials(request.header("Authorization"))
    config = engine.config
    if (key, secret) != (config.mpesa_consumer_key, config.mpesa_consumer_secret):
        return error(400, "400.008.01", "Invalid Authentication passed")
    if request.query.get("grant_type") != "client_credentials":
        return error(400, "400.008.02", "Invalid grant type passed")
    token = engine.tokens.issue(OPERATOR)
    return json_response(200, {"access_token": token, "expires_in": str(config.token_seconds - 1)})


def stk_push(engine: Engine, request: Request) -> Response:
    if denied := common.unauthorized(engine, request):
        return denied
    body = request.json_object()
    if body is None:
        return bad_request("JSON")
    if problem := _invalid_stk(engine, body):
        return problem
    currency = engine.config.mpesa_currency
    amount = parse_whole(body["Amount"], currency) or 0
    phone, reference = str(body["PhoneNumber"]), str(body.get("AccountReference", ""))
    plan = engine.plan(OPERATOR, COLLECTION, reference, phone)
    if answer := common.faulted(engine, plan):
        return answer
    ids = {"MerchantRequestID": common.merchant_request_id()}
    ids["CheckoutRequestID"] = common.checkout_request_id(engine)
    record = Record(
        id=uuid.uuid4().hex,
        operator=OPERATOR,
        kind=COLLECTION,
        reference=reference,
        amount=amount,
        currency=currency,
        phone=phone,
        transaction_id=common.receipt(),
        requested_at=engine.config.now().isoformat(timespec="seconds"),
        details={
            **ids,
            "callback_url": body["CallBackURL"],
            "shortcode": body["BusinessShortCode"],
        },
    )
    engine.accept(record, plan)
    return json_response(
        200,
        {
            **ids,
            "ResponseCode": "0",
            "ResponseDescription": STK_ACCEPTED,
            "CustomerMessage": STK_ACCEPTED,
        },
    )


def stk_query(engine: Engine, request: Request) -> Response:
    if denied := common.unauthorized(engine, request):
        return denied
    body = request.json_object()
    if body is None:
        return bad_request("JSON")
    if not common.password_ok(engine, body):
        return error(500, "500.001.1001", "Wrong credentials")
    checkout = str(body.get("CheckoutRequestID", ""))
    plan = engine.plan(OPERATOR, "status", checkout)
    if answer := common.faulted(engine, plan):
        return answer
    record = engine.ledger.find(OPERATOR, "CheckoutRequestID", checkout)
    if record is None:
        return bad_request("CheckoutRequestID")
    if record.status == PENDING:
        return error(500, "500.001.1001", "The transaction is being processed", checkout)
    code, description = common.result_code(record)
    return json_response(
        200,
        {
            "ResponseCode": "0",
            "ResponseDescription": "The service request has been accepted successsfully",
            "MerchantRequestID": record.details["MerchantRequestID"],
            "CheckoutRequestID": checkout,
            "ResultCode": str(code),
            "ResultDesc": description,
        },
    )


def b2c(engine: Engine, request: Request) -> Response:
    """POST /mpesa/b2c/v3/paymentrequest: pay a customer from the business account."""
    if denied := common.unauthorized(engine, request):
        return denied
    body = request.json_object()
    if body is None:
        return bad_request("JSON")
    if problem := _invalid_b2c(engine, body):
        return problem
    originator, phone = str(body["OriginatorConversationID"]), str(body["PartyB"])
    plan = engine.plan(OPERATOR, PAYOUT, originator, phone)
    if answer := common.faulted(engine, plan):
        return answer
    with engine.ledger.lock:  # a retry racing the first request must find it
        if done := engine.ledger.find(OPERATOR, "OriginatorConversationID", originator):
            return common.ack(done.details)
        record = Record(
            id=uuid.uuid4().hex,
            operator=OPERATOR,
            kind=PAYOUT,
            reference=originator,
            amount=parse_whole(body["Amount"], engine.config.mpesa_currency) or 0,
            currency=engine.config.mpesa_currency,
            phone=phone,
            transaction_id=common.receipt(),
            requested_at=engine.config.now().isoformat(timespec="seconds"),
            preset_reason=None
            if common.initiator_ok(engine, body, "InitiatorName")
            else INITIATOR_INVALID,
            details={
                "OriginatorConversationID": originator,
                "ConversationID": common.conversation_id(engine),
                "callback_url": body["ResultURL"],
                "queue_timeout_url": body.get("QueueTimeOutURL", ""),
                "shortcode": str(body.get("PartyA", "")),
            },
        )
        engine.accept(record, plan)
    return common.ack(record.details)


def stk_callback(engine: Engine, record: Record) -> Callback:
    code, description = common.result_code(record)
    callback: dict[str, Any] = {
        "MerchantRequestID": record.details["MerchantRequestID"],
        "CheckoutRequestID": record.details["CheckoutRequestID"],
        "ResultCode": code,
        "ResultDesc": description,
    }
    if code == 0:
        amount = record.reported_amount or record.amount
        callback["CallbackMetadata"] = {
            "Item": [
                {"Name": "Amount", "Value": whole_units(amount, record.currency)},
                {"Name": "MpesaReceiptNumber", "Value": record.transaction_id},
                {"Name": "TransactionDate", "Value": common.stamp(engine, record.completed_at)},
                {"Name": "PhoneNumber", "Value": int(record.phone)},
            ]
        }
    return Callback("POST", record.details["callback_url"], {"Body": {"stkCallback": callback}})


def b2c_result(engine: Engine, record: Record) -> Callback:
    code, description = common.result_code(record)
    result: dict[str, Any] = {
        "ResultType": 0,
        "ResultCode": code,
        "ResultDesc": description,
        "OriginatorConversationID": record.details["OriginatorConversationID"],
        "ConversationID": record.details["ConversationID"],
        "TransactionID": record.transaction_id,
    }
    if code == 0:
        amount = record.reported_amount or record.amount
        business = engine.ledger.books[OPERATOR].business
        completed = common.stamp(engine, record.completed_at)
        parameters = [
            ("TransactionAmount", whole_units(amount, record.currency)),
            ("TransactionReceipt", record.transaction_id),
            ("B2CRecipientIsRegisteredCustomer", "Y"),
            ("B2CChargesPaidAccountAvailableFunds", 0),
            ("ReceiverPartyPublicName", common.party(engine, record, customer=True)),
            ("TransactionCompletedDateTime", _dotted(completed)),
            ("B2CUtilityAccountAvailableFunds", wire_number(business, record.currency)),
            ("B2CWorkingAccountAvailableFunds", 0),
        ]
        result["ResultParameters"] = {
            "ResultParameter": [{"Key": key, "Value": value} for key, value in parameters]
        }
    queue_url = record.details.get("queue_timeout_url", "")
    result["ReferenceData"] = {"ReferenceItem": {"Key": "QueueTimeoutURL", "Value": queue_url}}
    return Callback("POST", record.details["callback_url"], {"Result": result})


def _invalid_stk(engine: Engine, body: dict[str, Any]) -> Response | None:
    amount = parse_whole(body.get("Amount"), engine.config.mpesa_currency)
    if not re.fullmatch(r"\d{14}", str(body.get("Timestamp", ""))):
        return bad_request("Timestamp")
    if not common.password_ok(engine, body):
        return error(500, "500.001.1001", "Wrong credentials")
    if body.get("TransactionType") not in STK_TYPES:
        return bad_request("TransactionType")
    if amount is None or whole_units(amount, engine.config.mpesa_currency) > common.MAX_AMOUNT:
        return bad_request("Amount")
    if not common.PHONE.match(str(body.get("PhoneNumber", ""))):
        return bad_request("PhoneNumber")
    if not common.url(body, "CallBackURL"):
        return bad_request("CallBackURL")
    return None


def _invalid_b2c(engine: Engine, body: dict[str, Any]) -> Response | None:
    amount = parse_whole(body.get("Amount"), engine.config.mpesa_currency)
    if not body.get("OriginatorConversationID"):
        return bad_request("OriginatorConversationID")
    if body.get("CommandID") not in B2C_COMMANDS:
        return bad_request("CommandID")
    if amount is None or whole_units(amount, engine.config.mpesa_currency) > common.MAX_AMOUNT:
        return bad_request("Amount")
    if not common.PHONE.match(str(body.get("PartyB", ""))):
        return bad_request("PartyB")
    if not common.url(body, "ResultURL"):
        return bad_request("ResultURL")
    return None


def _dotted(stamp: int) -> str:
    """B2C's TransactionCompletedDateTime: "24.11.2026 09:30:00" from 20261124093000."""
    text = str(stamp)
    return f"{text[6:8]}.{text[4:6]}.{text[0:4]} {text[8:10]}:{text[10:12]}:{text[12:14]}"
