"""Reading Daraja's results: the STK callback, the `Result` bodies, and ResultCodes.

Every function takes the parsed JSON and raises ValueError (or KeyError / TypeError, which
the adapter turns into InvalidCallback) on a body that is not the shape Safaricom sends:

    STK:  {"Body": {"stkCallback": {"MerchantRequestID", "CheckoutRequestID", "ResultCode",
           "ResultDesc", "CallbackMetadata": {"Item": [{"Name": "Amount", "Value": 1.00},
           {"Name": "MpesaReceiptNumber", ...}, {"Name": "PhoneNumber", "Value": 2547...}]}}}}
    B2C, transaction status, balance, reversal (ResultURL):
          {"Result": {"ResultType", "ResultCode", "ResultDesc", "OriginatorConversationID",
           "ConversationID", "TransactionID", "ResultParameters": {"ResultParameter":
           [{"Key": ..., "Value": ...}]}, "ReferenceData": {...}}}

A transaction-status Result reports on the QUERY: ResultCode 0 means the query worked and
the transaction's own state is in its `TransactionStatus` parameter; any other ResultCode
says nothing about the transaction, so it reads as UNKNOWN, never as failed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from operators.adapters.base import Kind, Outcome, Reason, Status, check_reference
from operators.adapters.formats import JsonNumber, e164, minor_units, read_json, text

# ResultCode -> (status, reason); anything else non-zero is FAILED / operator_error.
RESULT_CODES: dict[str, tuple[Status, Reason]] = {
    "0": (Status.SUCCEEDED, Reason.NONE),
    "1": (Status.FAILED, Reason.INSUFFICIENT_FUNDS),  # no balance and no Fuliza
    "1032": (Status.FAILED, Reason.CANCELLED),  # cancelled by the customer
    "1037": (Status.FAILED, Reason.TIMEOUT),  # phone unreachable / no answer, about 60 s
    "1019": (Status.FAILED, Reason.TIMEOUT),  # the transaction expired
    "2001": (Status.FAILED, Reason.REJECTED),  # wrong initiator information (or PIN)
    "2040": (Status.FAILED, Reason.PAYER_NOT_FOUND),  # B2C: the recipient has no M-Pesa account
    "4999": (Status.PENDING, Reason.NONE),  # STK query: still under processing
}
# A transaction-status query's `TransactionStatus` parameter.
TRANSACTION_STATUSES: dict[str, tuple[Status, Reason]] = {
    "completed": (Status.SUCCEEDED, Reason.NONE),
    "cancelled": (Status.FAILED, Reason.CANCELLED),
    "expired": (Status.FAILED, Reason.TIMEOUT),
    "failed": (Status.FAILED, Reason.OPERATOR_ERROR),
    "declined": (Status.FAILED, Reason.REJECTED),
    "pending": (Status.PENDING, Reason.NONE),
    "authorized": (Status.PENDING, Reason.NONE),
}
CODE = re.compile(r"[A-Za-z0-9_]{1,20}")
PARTY = re.compile(r"\s*\+?([0-9]{9,15})\s*(?:-|$)")  # "254708374149 - John Doe"
BALANCE_ACCOUNTS = ("Utility Account", "Working Account")  # collections and B2C use Utility


def read_callback(kind: str, body: bytes, currency: str, reference: str) -> tuple[str, Outcome]:
    """(our reference, the outcome) of a callback body POSTed to our `kind` URL.

    The reference comes from the callback URL (`reference`); a B2C Result also echoes the
    OriginatorConversationID we sent, and the two must agree."""
    readers: dict[str, Callable[[Any], Outcome]] = {
        Kind.COLLECTION: lambda data: stk_callback(data, currency),
        Kind.PAYOUT: lambda data: payout_result(result_of(data), currency),
        Kind.STATUS: lambda data: status_result(result_of(data), currency),
        Kind.BALANCE: lambda data: balance_result(result_of(data), currency),
        Kind.REVERSAL: lambda data: reversal_result(result_of(data), currency),
    }
    if kind not in readers:
        raise ValueError(f"unknown callback kind {kind!r}")
    data = read_json(body)
    outcome = readers[kind](data)
    given = check_reference(reference) if reference else ""
    echoed = ""
    if kind == Kind.PAYOUT:
        sent = text(result_of(data).get("OriginatorConversationID"))
        try:
            echoed = check_reference(sent) if sent else ""
        except ValueError:
            echoed = ""  # an OriginatorConversationID Daraja made up itself
    if given and echoed and given != echoed:
        raise ValueError("the Result is about another request than the callback URL says")
    if not (given or echoed):
        raise ValueError("no reference: the callback URL must carry ?ref=<our reference>")
    return given or echoed, outcome


def code_of(value: object) -> str:
    """A ResultCode (0, "0", "1032", "R000001") as text; ValueError for any other type."""
    if isinstance(value, bool | JsonNumber) or not isinstance(value, int | str):
        raise ValueError(f"ResultCode {value!r} is not a code")  # 0.0 is not a code
    code = str(value).strip()
    if not CODE.fullmatch(code):
        raise ValueError(f"ResultCode {value!r} is not a code")
    return code


def map_code(code: str) -> tuple[Status, Reason]:
    return RESULT_CODES.get(code, (Status.FAILED, Reason.OPERATOR_ERROR))


def detail_of(code: object, description: object) -> str:
    return f"{text(code)} {text(description)}".strip()[:300]


def stk_callback(body: Any, currency: str) -> Outcome:
    callback = _dict(
        _dict(_dict(body, "body").get("Body"), "Body").get("stkCallback"), "stkCallback"
    )
    checkout = _string(callback.get("CheckoutRequestID"), "CheckoutRequestID")
    code = code_of(callback.get("ResultCode"))
    detail = detail_of(code, callback.get("ResultDesc"))
    status, reason = map_code(code)
    if status != Status.SUCCEEDED:
        return Outcome(status, operator_reference=checkout, reason=reason, detail=detail)
    items = _dict(callback.get("CallbackMetadata"), "CallbackMetadata").get("Item")
    if not isinstance(items, list):
        raise ValueError("CallbackMetadata.Item is not a list")
    values = _pairs(items, "Name")
    return Outcome(
        Status.SUCCEEDED,
        operator_reference=_string(values.get("MpesaReceiptNumber"), "MpesaReceiptNumber"),
        amount=minor_units(values.get("Amount"), currency),
        phone=e164(values.get("PhoneNumber")),
        detail=detail,
    )


def result_of(body: Any) -> dict[str, Any]:
    return _dict(_dict(body, "body").get("Result"), "Result")


def result_parameters(result: dict[str, Any]) -> dict[str, Any]:
    """ResultParameters.ResultParameter as {Key: Value}; absent on most failures."""
    parameters = result.get("ResultParameters")
    if parameters is None or parameters == "":
        return {}
    listed = _dict(parameters, "ResultParameters").get("ResultParameter", [])
    if isinstance(listed, dict):  # a single parameter comes as an object
        listed = [listed]
    if not isinstance(listed, list):
        raise ValueError("ResultParameter is not a list")
    return _pairs(listed, "Key")


def payout_result(result: dict[str, Any], currency: str) -> Outcome:
    code = code_of(result.get("ResultCode"))
    detail = detail_of(code, result.get("ResultDesc"))
    status, reason = map_code(code)
    if status != Status.SUCCEEDED:
        handle = text(result.get("ConversationID"))
        return Outcome(status, operator_reference=handle, reason=reason, detail=detail)
    parameters = result_parameters(result)
    receipt = parameters.get("TransactionReceipt") or result.get("TransactionID")
    # B2C reports TransactionAmount; a B2B pay-bill Result reports Amount.
    amount = parameters.get("TransactionAmount", parameters.get("Amount"))
    return Outcome(
        Status.SUCCEEDED,
        operator_reference=_string(receipt, "TransactionReceipt"),
        amount=None if amount is None else minor_units(amount, currency),
        phone=party_phone(parameters.get("ReceiverPartyPublicName")),
        detail=detail,
    )


def status_result(result: dict[str, Any], currency: str) -> Outcome:
    code = code_of(result.get("ResultCode"))
    detail = detail_of(code, result.get("ResultDesc"))
    if code != "0":  # the query failed; the transaction may be in any state
        return Outcome(Status.UNKNOWN, reason=Reason.UNKNOWN, detail=detail)
    parameters = result_parameters(result)
    state = _string(parameters.get("TransactionStatus"), "TransactionStatus")
    status, reason = TRANSACTION_STATUSES.get(state.lower(), (Status.UNKNOWN, Reason.UNKNOWN))
    amount = parameters.get("Amount")
    return Outcome(
        status,
        operator_reference=text(parameters.get("ReceiptNo") or result.get("TransactionID")),
        amount=None if amount in (None, "") else minor_units(amount, currency),
        phone=party_phone(parameters.get("CreditPartyName"))
        or party_phone(parameters.get("DebitPartyName")),
        reason=reason,
        detail=f"{detail}; TransactionStatus {state}"[:300],
    )


def reversal_result(result: dict[str, Any], currency: str) -> Outcome:
    code = code_of(result.get("ResultCode"))
    detail = detail_of(code, result.get("ResultDesc"))
    status, reason = map_code(code)
    if code == "R000001":  # "The transaction has already been reversed"
        status, reason = Status.FAILED, Reason.DUPLICATE
    amount = result_parameters(result).get("Amount") if status == Status.SUCCEEDED else None
    return Outcome(
        status,
        operator_reference=text(result.get("TransactionID") or result.get("ConversationID")),
        amount=None if amount in (None, "") else minor_units(amount, currency),
        reason=reason,
        detail=detail,
    )


def balance_result(result: dict[str, Any], currency: str) -> Outcome:
    """The AccountBalance parameter, "Working Account|KES|46713.00|46713.00|0.00|0.00&Utility
    Account|KES|...": the Utility Account's available balance (collections land there and B2C
    pays from it), else the Working Account's, else the first account in our currency."""
    code = code_of(result.get("ResultCode"))
    detail = detail_of(code, result.get("ResultDesc"))
    status, reason = map_code(code)
    if status != Status.SUCCEEDED:
        return Outcome(status, reason=reason, detail=detail)
    value = _string(result_parameters(result).get("AccountBalance"), "AccountBalance")
    accounts: dict[str, int] = {}
    for entry in value.split("&"):
        fields = entry.split("|")
        if len(fields) < 3:
            raise ValueError(f"AccountBalance entry {entry!r} is not Name|Currency|Amount|...")
        if fields[1].strip() == currency:
            available = fields[3] if len(fields) > 3 else fields[2]
            accounts.setdefault(fields[0].strip(), minor_units(available, currency))
    if not accounts:
        raise ValueError(f"AccountBalance has no {currency} account")
    name = next((name for name in BALANCE_ACCOUNTS if name in accounts), next(iter(accounts)))
    return Outcome(Status.SUCCEEDED, amount=accounts[name], detail=f"{detail}; {name}")


def party_phone(value: object) -> str:
    """The phone in "254708374149 - John Doe" as E.164; '' if it carries none (or is masked)."""
    if not isinstance(value, str | int) or isinstance(value, bool):
        return ""
    match = PARTY.match(str(value))
    return e164(match.group(1)) if match else ""


def _dict(value: Any, name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"{name} is not an object")
    return value


def _string(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} is missing or not a string")
    return value.strip()


def _pairs(items: list[Any], key: str) -> dict[str, Any]:
    pairs: dict[str, Any] = {}
    for item in items:
        name = _dict(item, f"a {key}/Value item").get(key)
        if not isinstance(name, str):
            raise ValueError(f"an item has no {key}")
        pairs[name] = item.get("Value")
    return pairs
