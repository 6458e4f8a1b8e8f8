"""Daraja B2B "Business Pay Bill": from the business's shortcode to another business's pay-bill
number, for an account there (how a merchant's settlement reaches its bank).

    POST /mpesa/b2b/v1/paymentrequest
    {"Initiator", "SecurityCredential", "CommandID": "BusinessPayBill",
     "SenderIdentifierType": "4", "RecieverIdentifierType": "4", "Amount": "239",
     "PartyA": "600000", "PartyB": "888880", "AccountReference": "353353",
     "Requester": "254700000000" (optional), "Remarks", "QueueTimeOutURL", "ResultURL"}

It is acknowledged like B2C and completed later; the Result goes to ResultURL with `Amount`,
`TransCompletedTime`, `ReceiverPartyPublicName` and the `BillReferenceNumber` (the account) in
ReferenceData, as Safaricom documents it. The money moves from the business's books to the
receiving pay-bill, which the ledger keeps as one more party (keyed by its number), so the
books stay closed. Where the simulator chooses:

- an `OriginatorConversationID` in the request (not a documented B2B field; our adapter sends
  its reference there) is kept, deduplicates a repeat, and is the statement's reference;
  without one the simulator makes one up, as Daraja does;
- a pay-bill number ending in 0003 is one that cannot receive (ResultCode 2040), like the
  B2C numbers of `ledger.SUFFIX_OUTCOMES`.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from operators.simulator.config import format_fixed, parse_whole
from operators.simulator.daraja import common
from operators.simulator.daraja.common import OPERATOR, bad_request
from operators.simulator.engine import Callback, Engine
from operators.simulator.ledger import INITIATOR_INVALID, PAYOUT, Record
from operators.simulator.web import Request, Response

COMMAND = "BusinessPayBill"
PAYBILL = re.compile(r"^[0-9]{5,7}$")
ACCOUNT = re.compile(r"^[A-Za-z0-9-]{1,13}$")


def is_b2b(record: Record) -> bool:
    return record.details.get("CommandID") == COMMAND


def pay_bill(engine: Engine, request: Request) -> Response:
    """POST /mpesa/b2b/v1/paymentrequest: pay a pay-bill from the business account."""
    if denied := common.unauthorized(engine, request):
        return denied
    body = request.json_object()
    if body is None:
        return bad_request("JSON")
    if problem := _invalid(engine, body):
        return problem
    ids = {
        "OriginatorConversationID": str(body.get("OriginatorConversationID") or uuid.uuid4()),
        "ConversationID": common.conversation_id(engine),
    }
    plan = engine.plan(OPERATOR, PAYOUT, ids["OriginatorConversationID"])
    if answer := common.faulted(engine, plan):
        return answer
    with engine.ledger.lock:  # a retry racing the first request must find it
        originator = ids["OriginatorConversationID"]
        if done := engine.ledger.find(OPERATOR, "OriginatorConversationID", originator):
            return common.ack(done.details)
        record = Record(
            id=uuid.uuid4().hex,
            operator=OPERATOR,
            kind=PAYOUT,
            reference=originator,
            amount=parse_whole(body["Amount"], engine.config.mpesa_currency) or 0,
            currency=engine.config.mpesa_currency,
            phone="",  # a business, not a customer: see `receiver`
            transaction_id=common.receipt(),
            requested_at=engine.config.now().isoformat(timespec="seconds"),
            preset_reason=None if common.initiator_ok(engine, body) else INITIATOR_INVALID,
            details={
                **ids,
                "CommandID": COMMAND,
                "receiver": str(body["PartyB"]),
                "account": str(body["AccountReference"]),
                "callback_url": body["ResultURL"],
                "queue_timeout_url": body.get("QueueTimeOutURL", ""),
                "shortcode": str(body.get("PartyA", "")),
            },
        )
        engine.accept(record, plan)
    return common.ack(record.details)


def result(engine: Engine, record: Record) -> Callback:
    code, description = common.result_code(record)
    payload: dict[str, Any] = {
        "ResultType": 0,
        "ResultCode": code,
        "ResultDesc": description,
        "OriginatorConversationID": record.details["OriginatorConversationID"],
        "ConversationID": record.details["ConversationID"],
        "TransactionID": record.transaction_id,
    }
    if code == 0:
        payload["ResultParameters"] = {
            "ResultParameter": [
                {"Key": key, "Value": value} for key, value in _parameters(engine, record)
            ]
        }
    payload["ReferenceData"] = {
        "ReferenceItem": [
            {"Key": "BillReferenceNumber", "Value": record.details["account"]},
            {"Key": "QueueTimeoutURL", "Value": record.details.get("queue_timeout_url", "")},
        ]
    }
    return Callback("POST", record.details["callback_url"], {"Result": payload})


def _parameters(engine: Engine, record: Record) -> list[tuple[str, Any]]:
    currency = record.currency
    books = engine.ledger.books[OPERATOR]
    left = format_fixed(books.business, currency)
    balance = f"{{Amount={{CurrencyCode={currency}, MinimumAmount={books.business}, "
    balance += f"BasicAmount={left}}}}}"
    return [
        ("DebitAccountBalance", balance),
        ("Amount", format_fixed(record.reported_amount or record.amount, currency)),
        ("DebitPartyAffectedAccountBalance", f"Working Account|{currency}|{left}|{left}|0.00|0.00"),
        ("TransCompletedTime", common.stamp(engine, record.completed_at)),
        ("DebitPartyCharges", ""),
        ("ReceiverPartyPublicName", common.party(engine, record, customer=True)),
        ("Currency", currency),
        ("InitiatorAccountCurrentBalance", balance),
    ]


def _invalid(engine: Engine, body: dict[str, Any]) -> Response | None:
    amount = parse_whole(body.get("Amount"), engine.config.mpesa_currency)
    if body.get("CommandID") != COMMAND:
        return bad_request("CommandID")
    for field in ("SenderIdentifierType", "RecieverIdentifierType"):  # sic: Daraja's spelling
        if str(body.get(field)) != "4":
            return bad_request(field)
    if amount is None:
        return bad_request("Amount")
    if not PAYBILL.match(str(body.get("PartyB", ""))):
        return bad_request("PartyB")
    if not ACCOUNT.match(str(body.get("AccountReference", ""))):
        return bad_request("AccountReference")
    if not common.url(body, "ResultURL"):
        return bad_request("ResultURL")
    return None
