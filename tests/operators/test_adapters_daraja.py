"""The Daraja adapter against `responses` stubs of Safaricom's real request and result shapes."""

from __future__ import annotations

import base64
import copy
import datetime
import json
import uuid
from typing import Any

import pytest
import requests
import responses
from responses import matchers

from operators.adapters import http
from operators.adapters.base import (
    InvalidCallback,
    OperatorConfig,
    OperatorError,
    OperatorUnavailable,
    Status,
)
from operators.adapters.daraja import NAIROBI, DarajaAdapter, account_reference

BASE = "https://daraja.test"
CALLBACKS = "https://api.example.com/operators/mpesa/cb-token"
CREDENTIALS = {
    "consumer_key": "ck-SECRET-consumer-key-0001",
    "consumer_secret": "cs-SECRET-consumer-secret-0002",
    "passkey": "pk-SECRET-passkey-bfb279f9aa9bdbcf158e97dd",
    "initiator_name": "initiator-SECRET-0003",
    "security_credential": "SC-SECRET-EsJocK7bCc8k0ncTx4OGEsQ==",
}
CONFIG = OperatorConfig(
    code="mpesa",
    kind="daraja",
    base_url=BASE,
    currency="KES",
    shortcode="174379",
    callback_base_url=CALLBACKS,
    credentials=CREDENTIALS,
    timeout_seconds=2,
)
NOW = datetime.datetime(2025, 1, 31, 10, 21, 15, tzinfo=NAIROBI)
REF = "3b9a8f1e-2c4d-4e5f-8a6b-7c8d9e0f1a2b"
PHONE = "+254708374149"
TOKEN = "daraja-access-token-AAAA"
BASIC = (
    "Basic "
    + base64.b64encode(
        f"{CREDENTIALS['consumer_key']}:{CREDENTIALS['consumer_secret']}".encode()
    ).decode()
)
STK_ACK = {
    "MerchantRequestID": "29115-34620561-1",
    "CheckoutRequestID": "ws_CO_191220191020363925",
    "ResponseCode": "0",
    "ResponseDescription": "Success. Request accepted for processing",
    "CustomerMessage": "Success. Request accepted for processing",
}
B2C_ACK = {
    "ConversationID": "AG_20191219_00005797af5d7d75f652",
    "OriginatorConversationID": REF,
    "ResponseCode": "0",
    "ResponseDescription": "Accept the service request successfully.",
}
# The STK callback sample published with Daraja's docs (pastebin RSB2WjYU), amount 1.00.
STK_SUCCESS = b"""{"Body": {"stkCallback": {
  "MerchantRequestID": "18046-1248485-2",
  "CheckoutRequestID": "ws_CO_DMZ_464152318_01052019212834424",
  "ResultCode": 0,
  "ResultDesc": "The service request is processed successfully.",
  "CallbackMetadata": {"Item": [
    {"Name": "Amount", "Value": 1.00},
    {"Name": "MpesaReceiptNumber", "Value": "NE10MHGI7K"},
    {"Name": "Balance"},
    {"Name": "TransactionDate", "Value": 20190501212916},
    {"Name": "PhoneNumber", "Value": 254708374149}]}}}}"""
STK_CANCELLED = {
    "Body": {
        "stkCallback": {
            "MerchantRequestID": "8555-67195-1",
            "CheckoutRequestID": "ws_CO_27072017151044001",
            "ResultCode": 1032,
            "ResultDesc": "[STK_CB - ]Request cancelled by user",
        }
    }
}
B2C_RESULT = {
    "Result": {
        "ResultType": 0,
        "ResultCode": 0,
        "ResultDesc": "The service request is processed successfully.",
        "OriginatorConversationID": REF,
        "ConversationID": "AG_20191219_00004e48cf7e3533f581",
        "TransactionID": "NLJ41HAY6Q",
        "ResultParameters": {
            "ResultParameter": [
                {"Key": "TransactionAmount", "Value": 10},
                {"Key": "TransactionReceipt", "Value": "NLJ41HAY6Q"},
                {"Key": "B2CRecipientIsRegisteredCustomer", "Value": "Y"},
                {"Key": "B2CChargesPaidAccountAvailableFunds", "Value": -4510.00},
                {"Key": "ReceiverPartyPublicName", "Value": "254708374149 - John Doe"},
                {"Key": "TransactionCompletedDateTime", "Value": "19.12.2019 11:45:50"},
                {"Key": "B2CUtilityAccountAvailableFunds", "Value": 10116.00},
                {"Key": "B2CWorkingAccountAvailableFunds", "Value": 900000.00},
            ]
        },
        "ReferenceData": {
            "ReferenceItem": {
                "Key": "QueueTimeoutURL",
                "Value": "https://internalsandbox.safaricom.co.ke/mpesa/b2cresults/v1/submit",
            }
        },
    }
}
STATUS_RESULT = {
    "Result": {
        "ResultType": 0,
        "ResultCode": 0,
        "ResultDesc": "The service request has been accepted successfully.",
        "OriginatorConversationID": "10816-694520-2",
        "ConversationID": "AG_20170727_000059c52529a8e080bd",
        "TransactionID": "LGR0000000",
        "ResultParameters": {
            "ResultParameter": [
                {"Key": "ReceiptNo", "Value": "LGR919G2AV"},
                {"Key": "Conversation ID", "Value": "AG_20170727_00004492b1b6d0078fbe"},
                {"Key": "FinalisedTime", "Value": 20170727101415},
                {"Key": "Amount", "Value": 10},
                {"Key": "TransactionStatus", "Value": "Completed"},
                {"Key": "ReasonType", "Value": "Salary Payment via API"},
                {"Key": "TransactionReason"},
                {"Key": "DebitPartyCharges", "Value": "Fee For B2C Payment|KES|33.00"},
                {"Key": "DebitAccountType", "Value": "Utility Account"},
                {"Key": "InitiatedTime", "Value": 20170727101415},
                {"Key": "Originator Conversation ID", "Value": "19455-773836-1"},
                {"Key": "CreditPartyName", "Value": "254708374149 - John Doe"},
                {"Key": "DebitPartyName", "Value": "600134 - Safaricom157"},
            ]
        },
        "ReferenceData": {"ReferenceItem": {"Key": "Occasion", "Value": "aaaa"}},
    }
}
BALANCE_RESULT = {
    "Result": {
        "ResultType": 0,
        "ResultCode": 0,
        "ResultDesc": "The service request is processed successfully.",
        "OriginatorConversationID": "19464-802673-1",
        "ConversationID": "AG_20170728_0000589b6252f7f25488",
        "TransactionID": "LGS0000000",
        "ResultParameters": {
            "ResultParameter": [
                {
                    "Key": "AccountBalance",
                    "Value": "Working Account|KES|46713.00|46713.00|0.00|0.00"
                    "&Float Account|KES|0.00|0.00|0.00|0.00"
                    "&Utility Account|KES|49217.50|49217.50|0.00|0.00"
                    "&Charges Paid Account|KES|-220.00|-220.00|0.00|0.00"
                    "&Organization Settlement Account|KES|0.00|0.00|0.00|0.00",
                },
                {"Key": "BOCompletedTime", "Value": 20170728095642},
            ]
        },
    }
}
REVERSAL_RESULT = {
    "Result": {
        "ResultType": 0,
        "ResultCode": 0,
        "ResultDesc": "The service request is processed successfully.",
        "OriginatorConversationID": "10819-695089-1",
        "ConversationID": "AG_20170727_00004efadacd98a01d15",
        "TransactionID": "LGR019G3J2",
        "ReferenceData": {
            "ReferenceItem": {
                "Key": "QueueTimeoutURL",
                "Value": "https://internalsandbox.safaricom.co.ke/mpesa/reversalresults/v1/submit",
            }
        },
    }
}


@pytest.fixture(autouse=True)
def _fresh_tokens():
    http.tokens.clear()
    yield
    http.tokens.clear()


@pytest.fixture
def api():
    with responses.RequestsMock() as mock:
        yield mock


def adapter(**changes: Any) -> DarajaAdapter:
    config = OperatorConfig(**{**CONFIG.__dict__, **changes})
    return DarajaAdapter(config, clock=lambda: NOW)


def stub_token(api: responses.RequestsMock, token: str = TOKEN) -> Any:
    return api.get(
        f"{BASE}/oauth/v1/generate",
        match=[
            matchers.query_param_matcher({"grant_type": "client_credentials"}),
            matchers.header_matcher({"Authorization": BASIC}),
        ],
        json={"access_token": token, "expires_in": "3599"},
    )


def sent(call: Any) -> dict[str, Any]:
    return json.loads(call.request.body)


def stk_password(timestamp: str) -> str:
    raw = CONFIG.shortcode + CREDENTIALS["passkey"] + timestamp
    return base64.b64encode(raw.encode()).decode()


# --- collect (STK push) ---


def test_collect_sends_an_stk_push_with_the_password_and_returns_pending(api):
    stub_token(api)
    push = api.post(f"{BASE}/mpesa/stkpush/v1/processrequest", json=STK_ACK)

    outcome = adapter().collect(reference=REF, phone=PHONE, amount=150_000, description="Top up")

    assert outcome.status == Status.PENDING
    assert outcome.operator_reference == "ws_CO_191220191020363925"
    request = push.calls[0].request
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert sent(push.calls[0]) == {
        "BusinessShortCode": "174379",
        "Password": stk_password("20250131102115"),
        "Timestamp": "20250131102115",
        "TransactionType": "CustomerPayBillOnline",
        "Amount": 1500,
        "PartyA": "254708374149",
        "PartyB": "174379",
        "PhoneNumber": "254708374149",
        "CallBackURL": f"{CALLBACKS}/collection/?ref={REF}",
        "AccountReference": "3b9a8f1e2c4d",
        "TransactionDesc": "Top up",
    }


def test_the_stk_timestamp_is_nairobi_time_whatever_the_clock_zone(api):
    stub_token(api)
    push = api.post(f"{BASE}/mpesa/stkpush/v1/processrequest", json=STK_ACK)
    utc = datetime.datetime(2025, 1, 31, 23, 0, 5, tzinfo=datetime.UTC)

    DarajaAdapter(CONFIG, clock=lambda: utc).collect(
        reference=REF, phone=PHONE, amount=100, description="A very long description"
    )

    body = sent(push.calls[0])
    assert body["Timestamp"] == "20250201020005"
    assert body["Password"] == stk_password("20250201020005")
    assert body["TransactionDesc"] == "A very long d"  # Daraja's 13 characters


def test_account_reference_is_the_first_12_hex_digits_of_our_reference():
    assert account_reference(REF) == uuid.UUID(REF).hex[:12] == "3b9a8f1e2c4d"


@pytest.mark.parametrize("method", ["collect", "pay_out"])
@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"amount": 150_050}, "cents"),
        ({"amount": 0}, "positive"),
        ({"phone": "0708374149"}, "E.164"),
        ({"reference": str(uuid.uuid1())}, "UUID4"),
        ({"reference": "REF-1"}, "UUID"),
    ],
)
def test_bad_arguments_are_refused_before_any_request(api, method, changes, problem):
    arguments = {"reference": REF, "phone": PHONE, "amount": 150_000, "description": "x"}
    with pytest.raises(ValueError, match=problem):
        getattr(adapter(), method)(**{**arguments, **changes})
    assert len(api.calls) == 0


def test_a_reversal_with_cents_is_refused_before_any_request(api):
    with pytest.raises(ValueError, match="cents"):
        adapter().reverse(reference=REF, operator_reference="NLJ41HAY6Q", amount=1_050)
    assert len(api.calls) == 0


def test_a_refused_push_is_failed_with_the_operators_code(api):
    stub_token(api)
    api.post(
        f"{BASE}/mpesa/stkpush/v1/processrequest",
        status=400,
        json={
            "requestId": "16813-15-1",
            "errorCode": "400.002.02",
            "errorMessage": "Bad Request - Invalid PhoneNumber",
        },
    )
    outcome = adapter().collect(reference=REF, phone=PHONE, amount=100, description="x")
    assert outcome.status == Status.FAILED
    assert outcome.reason == "rejected"
    assert outcome.detail == "400.002.02 Bad Request - Invalid PhoneNumber"


def test_a_non_zero_response_code_is_a_refusal(api):
    stub_token(api)
    api.post(
        f"{BASE}/mpesa/b2c/v3/paymentrequest",
        json={**B2C_ACK, "ResponseCode": "1", "ResponseDescription": "Rejected"},
    )
    outcome = adapter().pay_out(reference=REF, phone=PHONE, amount=100, description="x")
    assert (outcome.status, outcome.reason, outcome.detail) == (
        Status.FAILED,
        "rejected",
        "1 Rejected",
    )


def test_an_unreadable_acknowledgement_may_have_been_taken(api):
    stub_token(api)
    api.post(f"{BASE}/mpesa/b2c/v3/paymentrequest", body="<html>gateway</html>")
    with pytest.raises(OperatorUnavailable) as caught:
        adapter().pay_out(reference=REF, phone=PHONE, amount=100, description="x")
    assert caught.value.sent is True


# --- tokens ---


def test_the_token_is_cached_across_calls_and_adapter_instances(api):
    token = stub_token(api)
    api.post(f"{BASE}/mpesa/stkpush/v1/processrequest", json=STK_ACK)
    for _ in range(3):
        adapter().collect(reference=REF, phone=PHONE, amount=100, description="x")
    assert token.call_count == 1


def test_the_token_is_fetched_again_when_it_expires(api, monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(http.tokens, "clock", lambda: now[0])
    token = stub_token(api)
    api.post(f"{BASE}/mpesa/stkpush/v1/processrequest", json=STK_ACK)
    adapter().collect(reference=REF, phone=PHONE, amount=100, description="x")
    now[0] += 3599 - 61  # still inside its life, less the safety margin
    adapter().collect(reference=REF, phone=PHONE, amount=100, description="x")
    assert token.call_count == 1
    now[0] += 2
    adapter().collect(reference=REF, phone=PHONE, amount=100, description="x")
    assert token.call_count == 2


@pytest.mark.parametrize("status", [401, 404])  # Daraja sends 404.001.03 with either
def test_a_rejected_token_is_refreshed_and_the_request_sent_again(api, status):
    first = stub_token(api, "expired-token-1")
    fresh = stub_token(api, "fresh-token-2")  # responses answers in the order registered
    rejected = api.post(
        f"{BASE}/mpesa/stkpush/v1/processrequest",
        status=status,
        json={"requestId": "1", "errorCode": "404.001.03", "errorMessage": "Invalid Access Token"},
    )
    accepted = api.post(f"{BASE}/mpesa/stkpush/v1/processrequest", json=STK_ACK)

    outcome = adapter().collect(reference=REF, phone=PHONE, amount=100, description="x")

    assert outcome.status == Status.PENDING
    assert (first.call_count, fresh.call_count) == (1, 1)
    assert rejected.calls[0].request.headers["Authorization"] == "Bearer expired-token-1"
    assert accepted.calls[0].request.headers["Authorization"] == "Bearer fresh-token-2"


def test_a_token_rejected_twice_is_an_operator_error_not_a_failure(api):
    stub_token(api)
    api.post(
        f"{BASE}/mpesa/b2c/v3/paymentrequest",
        status=401,
        json={"errorCode": "404.001.03", "errorMessage": "Invalid Access Token"},
    )
    with pytest.raises(OperatorError) as caught:
        adapter().pay_out(reference=REF, phone=PHONE, amount=100, description="x")
    assert not isinstance(caught.value, OperatorUnavailable)
    assert "rejected a fresh access token" in str(caught.value)


def test_refused_consumer_credentials_are_an_operator_error(api):
    api.get(f"{BASE}/oauth/v1/generate", status=400, json={"errorMessage": "Invalid credentials"})
    with pytest.raises(OperatorError, match="refused our credentials") as caught:
        adapter().collect(reference=REF, phone=PHONE, amount=100, description="x")
    assert not isinstance(caught.value, OperatorUnavailable)


@pytest.mark.parametrize(
    "failure", [requests.ReadTimeout(), requests.ConnectionError(), {"status": 503}]
)
def test_a_token_that_cannot_be_fetched_means_nothing_was_sent(api, failure):
    if isinstance(failure, dict):
        api.get(f"{BASE}/oauth/v1/generate", **failure)
    else:
        api.get(f"{BASE}/oauth/v1/generate", body=failure)
    with pytest.raises(OperatorUnavailable) as caught:
        adapter().pay_out(reference=REF, phone=PHONE, amount=100, description="x")
    assert caught.value.sent is False


# --- pay_out (B2C) ---


def test_pay_out_sends_a_b2c_request_with_our_reference_and_returns_pending(api):
    stub_token(api)
    b2c = api.post(f"{BASE}/mpesa/b2c/v3/paymentrequest", json=B2C_ACK)

    outcome = adapter().pay_out(reference=REF, phone=PHONE, amount=50_000, description="Withdraw")

    assert outcome.status == Status.PENDING
    assert outcome.operator_reference == "AG_20191219_00005797af5d7d75f652"
    assert b2c.calls[0].request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert sent(b2c.calls[0]) == {
        "OriginatorConversationID": REF,
        "InitiatorName": CREDENTIALS["initiator_name"],
        "SecurityCredential": CREDENTIALS["security_credential"],
        "CommandID": "BusinessPayment",
        "Amount": 500,
        "PartyA": "174379",
        "PartyB": "254708374149",
        "Remarks": "Withdraw",
        "QueueTimeOutURL": f"{CALLBACKS}/payout/?ref={REF}",
        "ResultURL": f"{CALLBACKS}/payout/?ref={REF}",
        "Occassion": "",
    }


def test_missing_configuration_is_an_operator_error_before_any_request(api):
    with pytest.raises(OperatorError, match="callback URL"):
        adapter(callback_base_url="").collect(
            reference=REF, phone=PHONE, amount=100, description=""
        )
    with pytest.raises(OperatorError, match="initiator_name"):
        adapter(credentials={**CREDENTIALS, "initiator_name": ""}).pay_out(
            reference=REF, phone=PHONE, amount=100, description=""
        )
    assert len(api.calls) == 0


# --- status ---


@pytest.mark.parametrize(
    ("code", "status", "reason"),
    [
        ("0", Status.SUCCEEDED, ""),
        ("1", Status.FAILED, "insufficient_funds"),
        ("1032", Status.FAILED, "cancelled"),
        ("1037", Status.FAILED, "timeout"),
        ("1019", Status.FAILED, "timeout"),
        ("2001", Status.FAILED, "rejected"),
        ("1001", Status.FAILED, "operator_error"),
        ("17", Status.FAILED, "operator_error"),
        ("1025", Status.FAILED, "operator_error"),
        ("4999", Status.PENDING, ""),
    ],
)
def test_the_stk_query_maps_result_codes(api, code, status, reason):
    stub_token(api)
    query = api.post(
        f"{BASE}/mpesa/stkpushquery/v1/query",
        json={
            "ResponseCode": "0",
            "ResponseDescription": "The service request has been accepted successsfully",
            "MerchantRequestID": "22205-34066-1",
            "CheckoutRequestID": "ws_CO_13012021093521236557",
            "ResultCode": code,
            "ResultDesc": "Described",
        },
    )
    outcome = adapter().status(
        reference=REF, kind="collection", operator_reference="ws_CO_13012021093521236557"
    )
    assert (outcome.status, outcome.reason) == (status, reason)
    assert outcome.detail == f"{code} Described"
    assert outcome.operator_reference == "ws_CO_13012021093521236557"
    assert sent(query.calls[0]) == {
        "BusinessShortCode": "174379",
        "Password": stk_password("20250131102115"),
        "Timestamp": "20250131102115",
        "CheckoutRequestID": "ws_CO_13012021093521236557",
    }


def test_the_stk_query_being_processed_error_is_pending(api):
    stub_token(api)
    api.post(
        f"{BASE}/mpesa/stkpushquery/v1/query",
        status=500,
        json={
            "requestId": "ws_CO_1",
            "errorCode": "500.001.1001",
            "errorMessage": "The transaction is being processed",
        },
    )
    outcome = adapter().status(reference=REF, kind="collection", operator_reference="ws_CO_1")
    assert outcome.status == Status.PENDING
    assert outcome.detail == "500.001.1001 The transaction is being processed"


def test_other_stk_query_errors_are_unavailable_or_unknown_never_failed(api):
    stub_token(api)
    api.post(f"{BASE}/mpesa/stkpushquery/v1/query", status=500, json={"errorCode": "500.003.02"})
    with pytest.raises(OperatorUnavailable):
        adapter().status(reference=REF, kind="collection", operator_reference="ws_CO_1")
    api.post(
        f"{BASE}/mpesa/stkpushquery/v1/query",
        status=400,
        json={"errorCode": "400.002.02", "errorMessage": "Bad Request - Invalid CheckoutRequestID"},
    )
    outcome = adapter().status(reference=REF, kind="collection", operator_reference="ws_CO_1")
    assert (outcome.status, outcome.reason) == (Status.UNKNOWN, "unknown")


def test_a_collection_never_acknowledged_cannot_be_queried(api):
    outcome = adapter().status(reference=REF, kind="collection")
    assert outcome.status == Status.UNKNOWN
    assert len(api.calls) == 0


def test_a_payout_status_query_is_answered_by_callback_so_it_is_unknown_for_now(api):
    stub_token(api)
    query = api.post(
        f"{BASE}/mpesa/transactionstatus/v1/query",
        json={**B2C_ACK, "OriginatorConversationID": "5118-111210482-1"},
    )
    outcome = adapter().status(
        reference=REF, kind="payout", operator_reference="AG_20191219_00005797af5d7d75f652"
    )
    assert (outcome.status, outcome.reason) == (Status.UNKNOWN, "unknown")
    assert sent(query.calls[0]) == {
        "Initiator": CREDENTIALS["initiator_name"],
        "SecurityCredential": CREDENTIALS["security_credential"],
        "CommandID": "TransactionStatusQuery",
        "TransactionID": "",
        "OriginatorConversationID": REF,
        "PartyA": "174379",
        "IdentifierType": "4",
        "ResultURL": f"{CALLBACKS}/status/?ref={REF}",
        "QueueTimeOutURL": f"{CALLBACKS}/status/?ref={REF}",
        "Remarks": "Status check",
        "Occasion": "",
    }


def test_a_synchronous_status_result_is_read_like_the_callback(api):
    stub_token(api)
    query = api.post(f"{BASE}/mpesa/transactionstatus/v1/query", json={**B2C_ACK, **STATUS_RESULT})
    outcome = adapter().status(reference=REF, kind="payout", operator_reference="LGR919G2AV")
    assert outcome.status == Status.SUCCEEDED
    assert (outcome.operator_reference, outcome.amount, outcome.phone) == (
        "LGR919G2AV",
        1_000,
        PHONE,
    )
    assert sent(query.calls[0])["TransactionID"] == "LGR919G2AV"


# --- balance ---


def test_balance_is_asynchronous_at_daraja_so_an_acknowledgement_alone_is_unavailable(api):
    stub_token(api)
    query = api.post(f"{BASE}/mpesa/accountbalance/v1/query", json=B2C_ACK)
    with pytest.raises(OperatorUnavailable, match="balance callback"):
        adapter().balance()
    body = sent(query.calls[0])
    reference = body["ResultURL"].split("?ref=")[1]
    assert uuid.UUID(reference).version == 4
    assert body == {
        "Initiator": CREDENTIALS["initiator_name"],
        "SecurityCredential": CREDENTIALS["security_credential"],
        "CommandID": "AccountBalance",
        "PartyA": "174379",
        "IdentifierType": "4",
        "Remarks": "Balance",
        "QueueTimeOutURL": f"{CALLBACKS}/balance/?ref={reference}",
        "ResultURL": f"{CALLBACKS}/balance/?ref={reference}",
    }


def test_a_synchronous_balance_result_gives_the_utility_account_in_minor_units(api):
    stub_token(api)
    api.post(f"{BASE}/mpesa/accountbalance/v1/query", json={**B2C_ACK, **BALANCE_RESULT})
    assert adapter().balance() == 4_921_750


# --- reverse ---


def test_reverse_sends_the_receipt_and_whole_shillings(api):
    stub_token(api)
    reversal = api.post(f"{BASE}/mpesa/reversal/v1/request", json=B2C_ACK)
    outcome = adapter().reverse(reference=REF, operator_reference="NLJ41HAY6Q", amount=1_000)
    assert outcome.status == Status.PENDING
    assert outcome.operator_reference == B2C_ACK["ConversationID"]
    assert sent(reversal.calls[0]) == {
        "Initiator": CREDENTIALS["initiator_name"],
        "SecurityCredential": CREDENTIALS["security_credential"],
        "CommandID": "TransactionReversal",
        "TransactionID": "NLJ41HAY6Q",
        "Amount": 10,
        "ReceiverParty": "174379",
        "RecieverIdentifierType": "11",
        "ResultURL": f"{CALLBACKS}/reversal/?ref={REF}",
        "QueueTimeOutURL": f"{CALLBACKS}/reversal/?ref={REF}",
        "Remarks": "Reversal",
        "Occasion": "",
        "OriginatorConversationID": REF,
    }


def test_reverse_needs_the_receipt(api):
    with pytest.raises(ValueError, match="receipt"):
        adapter().reverse(reference=REF, operator_reference="", amount=1_000)


# --- statement ---


def test_statement_is_fetched_with_the_bearer_token(api):
    stub_token(api)
    api.get(
        f"{BASE}/statements/2025-01-31",
        match=[matchers.header_matcher({"Authorization": f"Bearer {TOKEN}"})],
        body="transaction_id,reference,kind,amount,currency,phone,status,completed_at\n"
        f"NLJ41HAY6Q,{REF},payout,50000,KES,{PHONE},SUCCESSFUL,2025-01-31T10:21:15+03:00\n",
    )
    [line] = adapter().statement(datetime.date(2025, 1, 31))
    assert (line.operator_reference, line.reference, line.amount, line.status) == (
        "NLJ41HAY6Q",
        REF,
        50_000,
        Status.SUCCEEDED,
    )


# --- callbacks ---


def parse(kind: str, body: Any, reference: str = REF) -> Any:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return adapter().parse_callback(kind=kind, body=raw, headers={}, reference=reference)


def test_a_successful_stk_callback_gives_the_receipt_amount_and_phone():
    result = parse("collection", STK_SUCCESS)
    assert (result.reference, result.kind) == (REF, "collection")
    assert result.outcome.status == Status.SUCCEEDED
    assert result.outcome.operator_reference == "NE10MHGI7K"
    assert result.outcome.amount == 100  # KES 1.00
    assert result.outcome.phone == PHONE


def test_a_cancelled_stk_callback_is_failed_with_the_operators_words():
    outcome = parse("collection", STK_CANCELLED).outcome
    assert (outcome.status, outcome.reason) == (Status.FAILED, "cancelled")
    assert outcome.detail == "1032 [STK_CB - ]Request cancelled by user"
    assert outcome.operator_reference == "ws_CO_27072017151044001"


@pytest.mark.parametrize(
    ("code", "status", "reason"),
    [
        (1, Status.FAILED, "insufficient_funds"),
        (1037, Status.FAILED, "timeout"),
        (1019, Status.FAILED, "timeout"),
        (2001, Status.FAILED, "rejected"),
        (2040, Status.FAILED, "payer_not_found"),
        (1001, Status.FAILED, "operator_error"),
        (17, Status.FAILED, "operator_error"),
        (9999, Status.FAILED, "operator_error"),
        ("1032", Status.FAILED, "cancelled"),
    ],
)
def test_stk_callback_result_codes_are_normalised(code, status, reason):
    body = copy.deepcopy(STK_CANCELLED)
    body["Body"]["stkCallback"]["ResultCode"] = code
    outcome = parse("collection", body).outcome
    assert (outcome.status, outcome.reason) == (status, reason)


def _stk(change: Any) -> bytes:
    body = json.loads(STK_SUCCESS)
    change(body["Body"]["stkCallback"])
    return json.dumps(body).encode()


def _item(name: str, value: Any) -> Any:
    def change(callback: dict[str, Any]) -> None:
        for item in callback["CallbackMetadata"]["Item"]:
            if item["Name"] == name:
                item["Value"] = value

    return change


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"Body": {}}',
        b"\xff\xfe",
        _stk(lambda callback: callback.update(ResultCode=[0])),
        _stk(lambda callback: callback.update(ResultCode=True)),
        _stk(lambda callback: callback.update(ResultCode=0.0)),
        _stk(lambda callback: callback.pop("ResultCode")),
        _stk(lambda callback: callback.pop("CheckoutRequestID")),
        _stk(lambda callback: callback.pop("CallbackMetadata")),
        _stk(lambda callback: callback.update(CallbackMetadata={"Item": "Amount"})),
        _stk(_item("Amount", "abc")),
        _stk(_item("Amount", 1.005)),
        _stk(_item("Amount", None)),
        _stk(_item("MpesaReceiptNumber", 12345)),
        _stk(_item("PhoneNumber", "07-not-a-phone")),
    ],
)
def test_malformed_stk_callbacks_are_invalid(body):
    with pytest.raises(InvalidCallback):
        parse("collection", body)


@pytest.mark.parametrize("reference", ["", "not-a-uuid", str(uuid.uuid1())])
def test_an_stk_callback_needs_our_reference_from_the_url(reference):
    with pytest.raises(InvalidCallback):
        parse("collection", STK_SUCCESS, reference=reference)


def test_an_unknown_callback_kind_is_invalid():
    with pytest.raises(InvalidCallback):
        parse("c2b", STK_SUCCESS)


def test_a_b2c_result_gives_the_receipt_amount_and_phone_and_our_reference():
    result = parse("payout", B2C_RESULT, reference="")
    assert result.reference == REF  # from the OriginatorConversationID we sent
    assert result.outcome.status == Status.SUCCEEDED
    assert (result.outcome.operator_reference, result.outcome.amount, result.outcome.phone) == (
        "NLJ41HAY6Q",
        1_000,
        PHONE,
    )


def test_a_b2c_result_about_another_request_than_the_url_is_invalid():
    with pytest.raises(InvalidCallback, match="another request"):
        parse("payout", B2C_RESULT, reference=str(uuid.uuid4()))


def test_a_failed_b2c_result_keeps_the_conversation_id():
    body = {
        "Result": {
            "ResultType": 0,
            "ResultCode": 2001,
            "ResultDesc": "The initiator information is invalid.",
            "OriginatorConversationID": REF,
            "ConversationID": "AG_20191219_000041b09c8f86a5d7f0",
            "TransactionID": "NLJ0000000",
        }
    }
    outcome = parse("payout", body).outcome
    assert (outcome.status, outcome.reason) == (Status.FAILED, "rejected")
    assert outcome.operator_reference == "AG_20191219_000041b09c8f86a5d7f0"
    assert outcome.detail == "2001 The initiator information is invalid."


@pytest.mark.parametrize(
    "change",
    [
        lambda result: result.pop("ResultCode"),
        lambda result: result.update(ResultCode={"code": 0}),
        lambda result: result.update(ResultParameters={"ResultParameter": "x"}),
        lambda result: result["ResultParameters"]["ResultParameter"][0].update(Value="ten"),
        lambda result: result.update(TransactionID=None, ResultParameters={}),
    ],
)
def test_malformed_b2c_results_are_invalid(change):
    body = copy.deepcopy(B2C_RESULT)
    change(body["Result"])
    with pytest.raises(InvalidCallback):
        parse("payout", body)


@pytest.mark.parametrize(
    ("transaction_status", "status", "reason"),
    [
        ("Completed", Status.SUCCEEDED, ""),
        ("Expired", Status.FAILED, "timeout"),
        ("Cancelled", Status.FAILED, "cancelled"),
        ("Pending", Status.PENDING, ""),
        ("Something new", Status.UNKNOWN, "unknown"),
    ],
)
def test_a_status_result_reports_the_transactions_own_state(transaction_status, status, reason):
    body: Any = copy.deepcopy(STATUS_RESULT)
    for parameter in body["Result"]["ResultParameters"]["ResultParameter"]:
        if parameter["Key"] == "TransactionStatus":
            parameter["Value"] = transaction_status
    result = parse("status", body)
    assert (result.kind, result.reference) == ("status", REF)
    assert (result.outcome.status, result.outcome.reason) == (status, reason)


def test_a_failed_status_query_says_nothing_about_the_transaction():
    body = {
        "Result": {
            "ResultType": 0,
            "ResultCode": 2001,
            "ResultDesc": "The initiator information is invalid.",
            "OriginatorConversationID": "x",
            "ConversationID": "AG_1",
        }
    }
    outcome = parse("status", body).outcome
    assert (outcome.status, outcome.reason) == (Status.UNKNOWN, "unknown")


def test_a_balance_result_gives_the_utility_account():
    outcome = parse("balance", BALANCE_RESULT).outcome
    assert (outcome.status, outcome.amount) == (Status.SUCCEEDED, 4_921_750)


def test_a_reversal_result_gives_the_reversals_transaction_id():
    outcome = parse("reversal", REVERSAL_RESULT).outcome
    assert (outcome.status, outcome.operator_reference) == (Status.SUCCEEDED, "LGR019G3J2")
    body = copy.deepcopy(REVERSAL_RESULT)
    body["Result"].update(ResultCode="R000001", ResultDesc="The transaction is already reversed")
    outcome = parse("reversal", body).outcome
    assert (outcome.status, outcome.reason) == (Status.FAILED, "duplicate")
