"""Daraja's asynchronous queries: transaction status, account balance, and reversal.

Each answers at once with an acknowledgement and later POSTs a Result to ResultURL, so a
lost Result is as possible here as on a payment (the faults apply with action "status",
"balance" or "reversal"). A reversal undoes a completed collection or payout once: the
second attempt fails with R000001, as M-Pesa's does.

Where Daraja documents no single answer, the simulator's choices are:
- an unknown TransactionID or OriginatorConversationID: ResultCode 2032;
- TransactionStatus is "Completed", "Failed", "Pending" or "Reversed"; for "Failed",
  TransactionReason carries the failure's ResultDesc;
- the business has one account, reported as the Utility Account.
"""

from __future__ import annotations

import uuid
from typing import Any

from operators.simulator.config import format_fixed, parse_whole, whole_units
from operators.simulator.daraja import common
from operators.simulator.daraja.common import OPERATOR, bad_request
from operators.simulator.engine import Callback, Engine
from operators.simulator.ledger import (
    COLLECTION,
    FAILED,
    INITIATOR_INVALID,
    NOT_REVERSIBLE,
    PAYOUT,
    PENDING,
    REVERSAL,
    Record,
)
from operators.simulator.web import Request, Response

REASON_TYPES = {
    COLLECTION: "Pay Bill Online",
    PAYOUT: "Business Payment to Customer via API",
    REVERSAL: "Reversal",
    "BusinessPayBill": "Business Pay Bill",
}


def transaction_status(engine: Engine, request: Request) -> Response:
    if denied := common.unauthorized(engine, request):
        return denied
    body = request.json_object()
    if body is None or not common.url(body, "ResultURL"):
        return bad_request("ResultURL")
    wanted = str(
        body.get("TransactionID")
        or body.get("OriginatorConversationID")
        or body.get("OriginalConversationID")
        or ""
    )
    plan = engine.plan(OPERATOR, "status", wanted)
    if answer := common.faulted(engine, plan):
        return answer
    ids = _query_ids(engine)
    trusted = common.initiator_ok(engine, body)

    def result() -> Callback:
        record = _find(engine, wanted)
        outcome = _status_result(engine, record) if trusted else _failure(INITIATOR_INVALID)
        occasion = {"ReferenceItem": {"Key": "Occasion", "Value": body.get("Occasion", "")}}
        return Callback(
            "POST", body["ResultURL"], {"Result": {**ids, **outcome, "ReferenceData": occasion}}
        )

    engine.answer_later(result, plan)
    return common.ack(ids)


def account_balance(engine: Engine, request: Request) -> Response:
    if denied := common.unauthorized(engine, request):
        return denied
    body = request.json_object()
    if body is None or not common.url(body, "ResultURL"):
        return bad_request("ResultURL")
    plan = engine.plan(OPERATOR, "balance")
    if answer := common.faulted(engine, plan):
        return answer
    ids = _query_ids(engine)
    trusted = common.initiator_ok(engine, body)

    def result() -> Callback:
        outcome = _failure(INITIATOR_INVALID)
        if trusted:
            books = engine.ledger.books[OPERATOR]
            balance = format_fixed(books.business, books.currency)
            zero = format_fixed(0, books.currency)
            accounts = [
                f"Working Account|{books.currency}|{zero}|{zero}|{zero}|{zero}",
                f"Utility Account|{books.currency}|{balance}|{balance}|{zero}|{zero}",
                f"Charges Paid Account|{books.currency}|{zero}|{zero}|{zero}|{zero}",
            ]
            outcome = _success(
                [
                    ("AccountBalance", "&".join(accounts)),
                    ("BOCompletedTime", common.stamp(engine, None)),
                ]
            )
        return Callback("POST", body["ResultURL"], {"Result": {**ids, **outcome}})

    engine.answer_later(result, plan)
    return common.ack(ids)


def reversal(engine: Engine, request: Request) -> Response:
    """POST /mpesa/reversal/v1/request: undo a completed transaction, in full, once."""
    if denied := common.unauthorized(engine, request):
        return denied
    body = request.json_object()
    if body is None or not common.url(body, "ResultURL"):
        return bad_request("ResultURL")
    transaction_id = str(body.get("TransactionID", ""))
    amount = parse_whole(body.get("Amount"), engine.config.mpesa_currency)
    original = engine.ledger.find(OPERATOR, "TransactionID", transaction_id)
    if not transaction_id:
        return bad_request("TransactionID")
    if amount is None or (original is not None and amount != original.amount):
        return bad_request("Amount")
    reference = str(body.get("OriginatorConversationID") or transaction_id)
    plan = engine.plan(OPERATOR, REVERSAL, reference, original.phone if original else None)
    if answer := common.faulted(engine, plan):
        return answer
    with engine.ledger.lock:
        if body.get("OriginatorConversationID") and (
            done := engine.ledger.find(OPERATOR, "OriginatorConversationID", reference)
        ):
            return common.ack(done.details)
        preset = None if original else NOT_REVERSIBLE
        record = Record(
            id=uuid.uuid4().hex,
            operator=OPERATOR,
            kind=REVERSAL,
            reference=reference,
            amount=original.amount if original else amount,
            currency=engine.config.mpesa_currency,
            phone=original.phone if original else "",
            transaction_id=common.receipt(),
            requested_at=engine.config.now().isoformat(timespec="seconds"),
            preset_reason=preset if common.initiator_ok(engine, body) else INITIATOR_INVALID,
            original=transaction_id,
            details={
                **_query_ids(engine, body.get("OriginatorConversationID")),
                "callback_url": body["ResultURL"],
                "shortcode": original.details.get("shortcode", "") if original else "",
                "receiver": original.details.get("receiver", "") if original else "",
            },
        )
        engine.accept(record, plan)
    return common.ack(record.details)


def reversal_result(engine: Engine, record: Record) -> Callback:
    ids = {key: record.details[key] for key in ("OriginatorConversationID", "ConversationID")}
    outcome = _failure(record.reason) if record.status == FAILED else {}
    if record.status != FAILED:
        original = engine.ledger.find(OPERATOR, "TransactionID", record.original or "")
        to_customer = original is not None and original.kind == COLLECTION
        books = engine.ledger.books[OPERATOR]
        balance = format_fixed(books.business, books.currency)
        outcome = _success(
            [
                (
                    "DebitAccountBalance",
                    f"Utility Account|{books.currency}|{balance}|{balance}|0.00|0.00",
                ),
                ("Amount", whole_units(record.reported_amount or record.amount, record.currency)),
                ("TransCompletedTime", common.stamp(engine, record.completed_at)),
                ("OriginalTransactionID", record.original),
                ("Charge", 0),
                ("CreditPartyPublicName", common.party(engine, record, customer=to_customer)),
                ("DebitPartyPublicName", common.party(engine, record, customer=not to_customer)),
            ]
        )
    result = {**ids, **outcome, "TransactionID": record.transaction_id}
    return Callback("POST", record.details["callback_url"], {"Result": result})


def _status_result(engine: Engine, record: Record | None) -> dict[str, Any]:
    if record is None:
        code, description = common.NOT_FOUND
        return {"ResultType": 0, "ResultCode": code, "ResultDesc": description}
    _, failure = common.result_code(record)
    status = {PENDING: "Pending", FAILED: "Failed"}.get(record.status, "Completed")
    if record.reversed_by:
        status = "Reversed"
    customer_pays = record.kind == COLLECTION
    completed = common.stamp(engine, record.completed_at) if record.completed_at else ""
    outcome = _success(
        [
            ("DebitPartyName", common.party(engine, record, customer=customer_pays)),
            ("CreditPartyName", common.party(engine, record, customer=not customer_pays)),
            ("OriginatorConversationID", record.details.get("OriginatorConversationID", "")),
            ("InitiatedTime", common.stamp(engine, record.requested_at)),
            ("DebitAccountType", "Utility Account"),
            ("DebitPartyCharges", ""),
            ("TransactionReason", failure if record.status == FAILED else ""),
            ("ReasonType", REASON_TYPES[record.details.get("CommandID") or record.kind]),
            ("TransactionStatus", status),
            ("FinalisedTime", completed),
            ("Amount", whole_units(record.amount, record.currency)),
            ("ConversationID", record.details.get("ConversationID", "")),
            ("ReceiptNo", record.transaction_id),
        ]
    )
    return {**outcome, "TransactionID": record.transaction_id}


def _success(parameters: list[tuple[str, Any]]) -> dict[str, Any]:
    return {
        "ResultType": 0,
        "ResultCode": 0,
        "ResultDesc": common.SUCCESS_DESCRIPTION,
        "ResultParameters": {
            "ResultParameter": [{"Key": key, "Value": value} for key, value in parameters]
        },
    }


def _failure(reason: str | None) -> dict[str, Any]:
    code, description = common.RESULT_CODES[reason or NOT_REVERSIBLE]
    return {"ResultType": 0, "ResultCode": code, "ResultDesc": description}


def _find(engine: Engine, wanted: str) -> Record | None:
    for key in ("TransactionID", "OriginatorConversationID", "ConversationID", "CheckoutRequestID"):
        if record := engine.ledger.find(OPERATOR, key, wanted):
            return record
    return None


def _query_ids(engine: Engine, originator: object = None) -> dict[str, str]:
    """Daraja makes up the OriginatorConversationID of a v1 request that sends none."""
    return {
        "OriginatorConversationID": str(originator or uuid.uuid4()),
        "ConversationID": common.conversation_id(engine),
    }
