"""The MTN MoMo adapter against `responses` stubs of the Open API's real shapes."""

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
from operators.adapters.momo import MomoAdapter

BASE = "https://momo.test"
CALLBACKS = "https://api.example.com/operators/momo/cb-token"
CREDENTIALS = {
    "subscription_key_collection": "col-SECRET-subscription-0001",
    "subscription_key_disbursement": "dis-SECRET-subscription-0002",
    "api_user": "8f0c2b9e-5b8a-4c1d-9e7f-0a1b2c3d4e5f",
    "api_key": "apikey-SECRET-f1d2d2f924e986ac86fdf7b36c94bcdf",
    "target_environment": "sandbox",
}
CONFIG = OperatorConfig(
    code="momo",
    kind="momo",
    base_url=BASE,
    currency="KES",
    callback_base_url=CALLBACKS,
    credentials=CREDENTIALS,
    timeout_seconds=2,
)
REF = "9e2b7c4a-1f3d-4a5b-9c8d-7e6f5a4b3c2d"
PHONE = "+256772123456"
BASIC = (
    "Basic "
    + base64.b64encode(f"{CREDENTIALS['api_user']}:{CREDENTIALS['api_key']}".encode()).decode()
)
RTP_PATH = f"{BASE}/collection/v1_0/requesttopay"
TRANSFER_PATH = f"{BASE}/disbursement/v1_0/transfer"
# A request-to-pay as GET /requesttopay/{referenceId} answers it and the callback sends it.
PAID = {
    "financialTransactionId": "1718390463",
    "externalId": REF,
    "amount": "1500.5",
    "currency": "KES",
    "payer": {"partyIdType": "MSISDN", "partyId": "256772123456"},
    "payerMessage": "Top up",
    "payeeNote": "Top up",
    "status": "SUCCESSFUL",
}
TRANSFERRED = {
    "financialTransactionId": "363440463",
    "externalId": REF,
    "amount": "500",
    "currency": "KES",
    "payee": {"partyIdType": "MSISDN", "partyId": "256772123456"},
    "payerMessage": "Withdraw",
    "payeeNote": "Withdraw",
    "status": "SUCCESSFUL",
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


def adapter(**changes: Any) -> MomoAdapter:
    return MomoAdapter(OperatorConfig(**{**CONFIG.__dict__, **changes}))


def stub_token(api: responses.RequestsMock, product: str = "collection", token: str = "") -> Any:
    return api.post(
        f"{BASE}/{product}/token/",
        match=[
            matchers.header_matcher(
                {
                    "Authorization": BASIC,
                    "Ocp-Apim-Subscription-Key": CREDENTIALS[f"subscription_key_{product}"],
                }
            )
        ],
        json={
            "access_token": token or f"{product}-token-eyJ0eXAiOiJKV1Qi",
            "token_type": "access_token",
            "expires_in": 3600,
        },
    )


def api_headers(product: str = "collection") -> dict[str, str]:
    return {
        "Authorization": f"Bearer {product}-token-eyJ0eXAiOiJKV1Qi",
        "X-Target-Environment": "sandbox",
        "Ocp-Apim-Subscription-Key": CREDENTIALS[f"subscription_key_{product}"],
    }


def collect(**changes: Any) -> Any:
    arguments = {"reference": REF, "phone": PHONE, "amount": 150_050, "description": "Top up"}
    return adapter().collect(**{**arguments, **changes})


# --- collect and pay_out ---


def test_collect_requests_to_pay_with_our_reference_and_is_pending(api):
    stub_token(api)
    request = api.post(
        RTP_PATH,
        status=202,
        match=[
            matchers.header_matcher(
                {
                    **api_headers(),
                    "X-Reference-Id": REF,
                    "X-Callback-Url": f"{CALLBACKS}/collection/?ref={REF}",
                }
            )
        ],
    )
    outcome = collect()
    assert outcome.status == Status.PENDING
    assert json.loads(request.calls[0].request.body) == {
        "amount": "1500.50",
        "currency": "KES",
        "externalId": REF,
        "payer": {"partyIdType": "MSISDN", "partyId": "256772123456"},
        "payerMessage": "Top up",
        "payeeNote": "Top up",
    }


def test_pay_out_transfers_with_the_disbursement_token_and_key(api):
    stub_token(api, "disbursement")
    transfer = api.post(
        TRANSFER_PATH,
        status=202,
        match=[
            matchers.header_matcher(
                {
                    **api_headers("disbursement"),
                    "X-Reference-Id": REF,
                    "X-Callback-Url": f"{CALLBACKS}/payout/?ref={REF}",
                }
            )
        ],
    )
    outcome = adapter().pay_out(reference=REF, phone=PHONE, amount=50_000, description="Withdraw")
    assert outcome.status == Status.PENDING
    body = json.loads(transfer.calls[0].request.body)
    assert body["payee"] == {"partyIdType": "MSISDN", "partyId": "256772123456"}
    assert body["amount"] == "500"


def test_without_a_callback_url_momo_is_polled(api):
    stub_token(api)
    request = api.post(RTP_PATH, status=202)
    adapter(callback_base_url="").collect(reference=REF, phone=PHONE, amount=100, description="")
    assert "X-Callback-Url" not in request.calls[0].request.headers


def test_amounts_are_decimal_strings_in_the_currencys_units(api):
    stub_token(api)
    request = api.post(RTP_PATH, status=202)
    adapter(currency="UGX").collect(reference=REF, phone=PHONE, amount=15_000, description="")
    assert json.loads(request.calls[0].request.body)["amount"] == "15000"


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"amount": -5}, "positive"),
        ({"phone": "256772123456"}, "E.164"),
        ({"reference": "1"}, "UUID"),
        ({"reference": str(uuid.uuid1())}, "UUID4"),
    ],
)
def test_bad_arguments_are_refused_before_any_request(api, changes, problem):
    with pytest.raises(ValueError, match=problem):
        collect(**changes)
    assert len(api.calls) == 0


def test_tokens_are_cached_per_product(api):
    collection = stub_token(api)
    disbursement = stub_token(api, "disbursement")
    api.post(RTP_PATH, status=202)
    api.post(TRANSFER_PATH, status=202)
    collect()
    collect()
    adapter().pay_out(reference=REF, phone=PHONE, amount=100, description="")
    adapter().pay_out(reference=REF, phone=PHONE, amount=100, description="")
    assert (collection.call_count, disbursement.call_count) == (1, 1)


def test_a_401_refreshes_the_token_once_and_sends_again(api):
    old = stub_token(api, token="old-token-123456")
    new = stub_token(api, token="new-token-654321")
    rejected = api.post(
        RTP_PATH, status=401, json={"message": "Access denied due to invalid token"}
    )
    accepted = api.post(RTP_PATH, status=202)
    assert collect().status == Status.PENDING
    assert (old.call_count, new.call_count) == (1, 1)
    assert rejected.calls[0].request.headers["Authorization"] == "Bearer old-token-123456"
    assert accepted.calls[0].request.headers["Authorization"] == "Bearer new-token-654321"


def test_a_token_rejected_twice_is_an_operator_error(api):
    stub_token(api)
    api.post(RTP_PATH, status=401, json={"message": "Access denied"})
    with pytest.raises(OperatorError) as caught:
        collect()
    assert not isinstance(caught.value, OperatorUnavailable)


def test_a_reused_reference_is_answered_by_the_status_query(api):
    stub_token(api)
    api.post(
        RTP_PATH,
        status=409,
        json={"code": "RESOURCE_ALREADY_EXIST", "message": "Duplicated reference id."},
    )
    api.get(f"{RTP_PATH}/{REF}", json={**PAID, "status": "PENDING", "financialTransactionId": None})
    outcome = collect()
    assert outcome.status == Status.PENDING


def test_a_reused_reference_for_another_request_is_an_error(api):
    stub_token(api)
    api.post(RTP_PATH, status=409, json={"code": "RESOURCE_ALREADY_EXIST", "message": "Dup"})
    api.get(f"{RTP_PATH}/{REF}", json={**PAID, "amount": "9999"})
    with pytest.raises(OperatorError, match="already used"):
        collect()


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("PAYER_NOT_FOUND", "payer_not_found"),
        ("NOT_ALLOWED", "rejected"),
        ("INVALID_CALLBACK_URL_HOST", "rejected"),
        ("INVALID_CURRENCY", "rejected"),
        ("SOMETHING_NEW", "rejected"),
    ],
)
def test_a_refused_request_is_failed_with_the_reason(api, code, reason):
    stub_token(api)
    api.post(RTP_PATH, status=400, json={"code": code, "message": "Refused"})
    outcome = collect()
    assert (outcome.status, outcome.reason, outcome.detail) == (
        Status.FAILED,
        reason,
        f"{code} Refused",
    )


@pytest.mark.parametrize(
    "failure",
    [
        requests.ReadTimeout(),
        requests.ConnectionError(),
        {"status": 500, "json": {"code": "INTERNAL_PROCESSING_ERROR", "message": "x"}},
        {"status": 503},
    ],
)
def test_timeouts_and_server_errors_are_unavailable_never_failed(api, failure):
    stub_token(api)
    if isinstance(failure, dict):
        api.post(RTP_PATH, **failure)
    else:
        api.post(RTP_PATH, body=failure)
    with pytest.raises(OperatorUnavailable) as caught:
        collect()
    assert caught.value.sent is True


# --- status ---


def test_status_of_a_paid_request(api):
    stub_token(api)
    api.get(f"{RTP_PATH}/{REF}", match=[matchers.header_matcher(api_headers())], json=PAID)
    outcome = adapter().status(reference=REF, kind="collection")
    assert outcome.status == Status.SUCCEEDED
    assert (outcome.operator_reference, outcome.amount, outcome.phone) == (
        "1718390463",
        150_050,
        PHONE,
    )


def test_status_of_a_transfer_uses_the_disbursement_product(api):
    stub_token(api, "disbursement")
    api.get(
        f"{TRANSFER_PATH}/{REF}",
        match=[matchers.header_matcher(api_headers("disbursement"))],
        json=TRANSFERRED,
    )
    outcome = adapter().status(reference=REF, kind="payout", operator_reference="")
    assert (outcome.status, outcome.amount, outcome.phone) == (Status.SUCCEEDED, 50_000, PHONE)


@pytest.mark.parametrize(
    ("reason", "normalised"),
    [
        ("PAYER_NOT_FOUND", "payer_not_found"),
        ("PAYEE_NOT_FOUND", "payer_not_found"),
        ("NOT_ENOUGH_FUNDS", "insufficient_funds"),
        ("PAYER_LIMIT_REACHED", "limit"),
        ("APPROVAL_REJECTED", "cancelled"),
        ("EXPIRED", "timeout"),
        ("COULD_NOT_PERFORM_TRANSACTION", "timeout"),
        ("PAYEE_NOT_ALLOWED_TO_RECEIVE", "rejected"),
        ("INTERNAL_PROCESSING_ERROR", "operator_error"),
        ("A_NEW_REASON", "operator_error"),
        ({"code": "NOT_ENOUGH_FUNDS", "message": "Not enough funds"}, "insufficient_funds"),
        (None, "unknown"),
    ],
)
def test_failure_reasons_are_normalised(api, reason, normalised):
    stub_token(api)
    body = {**PAID, "status": "FAILED", "financialTransactionId": None, "reason": reason}
    api.get(f"{RTP_PATH}/{REF}", json=body)
    outcome = adapter().status(reference=REF, kind="collection")
    assert (outcome.status, outcome.reason) == (Status.FAILED, normalised)


def test_a_pending_request_is_pending(api):
    stub_token(api)
    api.get(f"{RTP_PATH}/{REF}", json={**PAID, "status": "PENDING", "financialTransactionId": None})
    assert adapter().status(reference=REF, kind="collection").status == Status.PENDING


@pytest.mark.parametrize(
    "answer",
    [
        {"status": 404, "json": {"code": "RESOURCE_NOT_FOUND", "message": "Not found."}},
        {"json": {**PAID, "status": "SOMETHING_ELSE"}},
        {"json": {**PAID, "amount": "lots"}},
        {"body": "<html></html>"},
    ],
)
def test_an_unknown_or_unreadable_status_is_unknown_not_failed(api, answer):
    stub_token(api)
    api.get(f"{RTP_PATH}/{REF}", **answer)
    outcome = adapter().status(reference=REF, kind="collection")
    assert (outcome.status, outcome.reason) == (Status.UNKNOWN, "unknown")


def test_a_status_query_that_times_out_is_unavailable(api):
    stub_token(api)
    api.get(f"{RTP_PATH}/{REF}", body=requests.ConnectTimeout())
    with pytest.raises(OperatorUnavailable) as caught:
        adapter().status(reference=REF, kind="collection")
    assert caught.value.sent is False


# --- balance, reversal, statement ---


def test_balance_is_the_collection_accounts_available_balance(api):
    stub_token(api)
    api.get(
        f"{BASE}/collection/v1_0/account/balance",
        match=[matchers.header_matcher(api_headers())],
        json={"availableBalance": "1000000.25", "currency": "KES"},
    )
    assert adapter().balance() == 100_000_025


def test_a_balance_in_another_currency_is_an_error(api):
    stub_token(api)
    api.get(
        f"{BASE}/collection/v1_0/account/balance",
        json={"availableBalance": "1000", "currency": "EUR"},
    )
    with pytest.raises(OperatorError, match="EUR"):
        adapter().balance()


def test_momo_has_no_reversal(api):
    with pytest.raises(OperatorError, match="not supported"):
        adapter().reverse(reference=REF, operator_reference="1718390463", amount=100)
    with pytest.raises(OperatorError, match="not supported"):
        adapter().status(reference=REF, kind="reversal")
    assert len(api.calls) == 0


def test_statement_is_fetched_with_the_collection_token(api):
    stub_token(api)
    api.get(
        f"{BASE}/statements/2025-01-31",
        match=[matchers.header_matcher(api_headers())],
        body="transaction_id,reference,kind,amount,currency,phone,status,completed_at\n"
        f"1718390463,{REF},collection,150050,KES,{PHONE},FAILED,2025-01-31T07:21:15+00:00\n",
    )
    [line] = adapter().statement(datetime.date(2025, 1, 31))
    assert (line.kind, line.amount, line.status) == ("collection", 150_050, Status.FAILED)
    assert line.completed_at == datetime.datetime(2025, 1, 31, 7, 21, 15, tzinfo=datetime.UTC)


# --- callbacks ---


def parse(kind: str, body: Any, reference: str = REF) -> Any:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return adapter().parse_callback(kind=kind, body=raw, headers={}, reference=reference)


def test_a_successful_request_to_pay_callback():
    result = parse("collection", PAID)
    assert (result.reference, result.kind) == (REF, "collection")
    assert result.outcome.status == Status.SUCCEEDED
    assert (result.outcome.operator_reference, result.outcome.amount, result.outcome.phone) == (
        "1718390463",
        150_050,
        PHONE,
    )


def test_a_failed_transfer_callback():
    body = {**TRANSFERRED, "status": "FAILED", "reason": "PAYEE_NOT_FOUND"}
    outcome = parse("payout", body).outcome
    assert (outcome.status, outcome.reason) == (Status.FAILED, "payer_not_found")
    assert outcome.detail == "FAILED PAYEE_NOT_FOUND"


def test_a_numeric_amount_is_read_exactly_without_a_float():
    assert parse("collection", {**PAID, "amount": 1500.1}).outcome.amount == 150_010


def test_the_reference_can_come_from_the_external_id():
    assert parse("collection", PAID, reference="").reference == REF


def test_an_external_id_of_another_request_is_invalid():
    with pytest.raises(InvalidCallback, match="another"):
        parse("collection", PAID, reference=str(uuid.uuid4()))


@pytest.mark.parametrize(
    "body",
    [
        b"{",
        b"[]",
        {**PAID, "status": 1},
        {key: value for key, value in PAID.items() if key != "status"},
        {**PAID, "amount": True},
        {**PAID, "amount": ["1500.5"]},
        {**PAID, "amount": "15,00"},
        {**PAID, "currency": "EUR"},
        {**PAID, "payer": "256772123456"},
        {**PAID, "payer": {"partyIdType": "MSISDN", "partyId": "abc"}},
        {**PAID, "reason": ["NOT_ENOUGH_FUNDS"]},
        {**PAID, "externalId": "not-a-uuid"},
    ],
)
def test_malformed_callbacks_are_invalid(body):
    with pytest.raises(InvalidCallback):
        parse("collection", body)


def test_a_callback_with_no_reference_at_all_is_invalid():
    body = copy.deepcopy(PAID)
    del body["externalId"]
    with pytest.raises(InvalidCallback, match="no reference"):
        parse("collection", body, reference="")


@pytest.mark.parametrize("kind", ["balance", "status", "reversal", "unknown"])
def test_momo_sends_only_collection_and_payout_callbacks(kind):
    with pytest.raises(InvalidCallback):
        parse(kind, PAID)
