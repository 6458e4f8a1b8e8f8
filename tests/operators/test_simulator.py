"""The operator simulator over real HTTP: every endpoint, every fault, and its own books.

No database: the simulator is the outside world. Callbacks land in a local receiver. After
each scenario the simulator's books must still balance (business + customers == issued).
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from operators.simulator import RunningSimulator, start_simulator
from tests.operators.simulator_fixture import (
    CallbackReceiver,
    DarajaClient,
    MomoClient,
    callback_receiver,
    operator_simulator,
    today,
)

__all__ = ["callback_receiver", "operator_simulator"]  # fixtures, used by name below

PHONE = "254712345678"
KES = 100  # minor units per shilling


@pytest.fixture
def simulator(operator_simulator: RunningSimulator) -> Iterator[RunningSimulator]:
    """The shared fixture, plus the check that no scenario created or destroyed money."""
    yield operator_simulator
    assert_books_balance(operator_simulator)


@pytest.fixture
def daraja(simulator: RunningSimulator, callback_receiver: CallbackReceiver) -> DarajaClient:
    return DarajaClient(simulator, callback_receiver.url)


@pytest.fixture
def momo(simulator: RunningSimulator, callback_receiver: CallbackReceiver) -> MomoClient:
    return MomoClient(simulator, callback_receiver.url)


def assert_books_balance(simulator: RunningSimulator) -> None:
    simulator.wait_until_idle()
    for operator, books in simulator.state()["operators"].items():
        assert books["total"] == books["issued"], operator


def business(simulator: RunningSimulator, operator: str) -> int:
    return int(simulator.state()["operators"][operator]["business"])


def customer(simulator: RunningSimulator, operator: str, phone: str = PHONE) -> int:
    return int(simulator.state()["operators"][operator]["customers"][phone]["balance"])


def transactions(simulator: RunningSimulator, **match: Any) -> list[dict[str, Any]]:
    return [
        record
        for record in simulator.state()["transactions"]
        if all(record[key] == value for key, value in match.items())
    ]


def items(callback: dict[str, Any]) -> dict[str, Any]:
    metadata = callback["Body"]["stkCallback"]["CallbackMetadata"]["Item"]
    return {item["Name"]: item.get("Value") for item in metadata}


def parameters(result: dict[str, Any]) -> dict[str, Any]:
    found = result["Result"]["ResultParameters"]["ResultParameter"]
    return {parameter["Key"]: parameter.get("Value") for parameter in found}


# --- Daraja: OAuth ---


def test_daraja_issues_a_token_for_the_configured_key_and_secret(simulator):
    url = f"{simulator.url}/mpesa/oauth/v1/generate?grant_type=client_credentials"
    good = requests.get(url, auth=("sim-key", "sim-secret"), timeout=5)
    assert good.status_code == 200
    assert good.json()["expires_in"] == "3599"
    bad = requests.get(url, auth=("sim-key", "wrong"), timeout=5)
    assert bad.status_code == 400
    assert bad.json()["errorMessage"] == "Invalid Authentication passed"


def test_daraja_refuses_calls_without_a_live_token(simulator, daraja):
    daraja.headers = {"Authorization": "Bearer not-a-token"}
    response = daraja.stk_push(PHONE, 100)
    assert response.status_code == 401
    assert response.json()["errorCode"] == "404.001.03"


def test_daraja_paths_work_with_and_without_the_extra_mpesa_segment(simulator, daraja):
    root = requests.get(
        f"{simulator.url}/oauth/v1/generate?grant_type=client_credentials",
        auth=("sim-key", "sim-secret"),
        timeout=5,
    )
    assert root.status_code == 200
    daraja.base = f"{simulator.url}/mpesa/mpesa"  # the brief's short form: /mpesa/stkpush
    assert daraja.post("/stkpush/v1/processrequest", {}).status_code == 400


# --- Daraja: STK push ---


def test_stk_push_collects_from_the_customer_and_posts_the_callback(
    simulator, daraja, callback_receiver
):
    before = business(simulator, "mpesa")
    response = daraja.stk_push(PHONE, 150, reference="AB3K7M9PQR")
    assert response.status_code == 200
    ack = response.json()
    assert ack["ResponseCode"] == "0"
    assert set(ack) == {
        "MerchantRequestID",
        "CheckoutRequestID",
        "ResponseCode",
        "ResponseDescription",
        "CustomerMessage",
    }
    [callback] = callback_receiver.wait_for("/stk")
    stk = callback.body["Body"]["stkCallback"]
    assert callback.method == "POST"
    assert stk["CheckoutRequestID"] == ack["CheckoutRequestID"]
    assert stk["MerchantRequestID"] == ack["MerchantRequestID"]
    assert (stk["ResultCode"], stk["ResultDesc"]) == (
        0,
        "The service request is processed successfully.",
    )
    metadata = items(callback.body)
    assert metadata["Amount"] == 150
    assert metadata["PhoneNumber"] == int(PHONE)
    assert re.fullmatch(r"[A-Z][A-Z0-9]{9}", metadata["MpesaReceiptNumber"])
    assert re.fullmatch(r"20\d{12}", str(metadata["TransactionDate"]))
    assert business(simulator, "mpesa") == before + 150 * KES
    assert customer(simulator, "mpesa") == 100_000 * KES - 150 * KES


def test_stk_query_says_being_processed_until_the_customer_answers(callback_receiver):
    with start_simulator(complete_after=1.0) as simulator:
        daraja = DarajaClient(simulator, callback_receiver.url)
        checkout = daraja.stk_push(PHONE, 10).json()["CheckoutRequestID"]
        early = daraja.stk_query(checkout)
        assert early.status_code == 500
        assert early.json() == {
            "requestId": checkout,
            "errorCode": "500.001.1001",
            "errorMessage": "The transaction is being processed",
        }
        assert simulator.wait_until_idle()
        late = daraja.stk_query(checkout).json()
        assert (late["ResponseCode"], late["ResultCode"]) == ("0", "0")
        assert late["CheckoutRequestID"] == checkout
        assert daraja.stk_query("ws_CO_unknown").status_code == 400


@pytest.mark.parametrize(
    ("phone", "balance", "code"),
    [
        ("254712340001", None, 1032),  # cancelled by the customer
        ("254712340002", None, 1037),  # no answer from the phone
        (PHONE, 50 * KES, 1),  # not enough money
    ],
)
def test_stk_push_fails_without_moving_money(
    simulator, daraja, callback_receiver, phone, balance, code
):
    if balance is not None:
        simulator.set_balance("mpesa", phone, balance=balance)
    before = business(simulator, "mpesa")
    checkout = daraja.stk_push(phone, 100).json()["CheckoutRequestID"]
    [callback] = callback_receiver.wait_for("/stk")
    stk = callback.body["Body"]["stkCallback"]
    assert stk["ResultCode"] == code
    assert "CallbackMetadata" not in stk
    assert daraja.stk_query(checkout).json()["ResultCode"] == str(code)
    assert business(simulator, "mpesa") == before
    [line] = daraja.statement()
    assert line["status"] == "FAILED"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"Amount": 0}, "Bad Request - Invalid Amount"),
        ({"Amount": 250_001}, "Bad Request - Invalid Amount"),
        ({"PhoneNumber": "0712345678"}, "Bad Request - Invalid PhoneNumber"),
        ({"CallBackURL": "not a url"}, "Bad Request - Invalid CallBackURL"),
        ({"Timestamp": "yesterday"}, "Bad Request - Invalid Timestamp"),
        ({"Password": "d3Jvbmc="}, "Wrong credentials"),
    ],
)
def test_stk_push_refuses_a_malformed_request(simulator, daraja, change, message):
    response = daraja.stk_push(PHONE, 100, **change)
    assert response.status_code in (400, 500)
    assert response.json()["errorMessage"] == message
    assert transactions(simulator) == []


# --- Daraja: B2C ---


def test_b2c_pays_the_customer_and_posts_the_result(simulator, daraja, callback_receiver):
    before = business(simulator, "mpesa")
    simulator.set_balance("mpesa", PHONE, balance=0, name="JANE WANJIKU")
    ack = daraja.b2c(PHONE, 500, originator="withdrawal-1").json()
    assert ack["OriginatorConversationID"] == "withdrawal-1"
    assert ack["ResponseCode"] == "0"
    assert ack["ConversationID"].startswith("AG_")
    [result] = callback_receiver.wait_for("/b2c")
    body = result.body["Result"]
    assert (body["ResultType"], body["ResultCode"]) == (0, 0)
    assert body["OriginatorConversationID"] == "withdrawal-1"
    assert body["ConversationID"] == ack["ConversationID"]
    found = parameters(result.body)
    assert found["TransactionAmount"] == 500
    assert found["TransactionReceipt"] == body["TransactionID"]
    assert found["ReceiverPartyPublicName"] == f"{PHONE} - JANE WANJIKU"
    assert re.fullmatch(r"\d\d\.\d\d\.20\d\d \d\d:\d\d:\d\d", found["TransactionCompletedDateTime"])
    assert found["B2CUtilityAccountAvailableFunds"] == (before - 500 * KES) // KES
    assert customer(simulator, "mpesa") == 500 * KES


def test_a_repeated_b2c_gets_the_first_answer_and_pays_once(simulator, daraja, callback_receiver):
    before = business(simulator, "mpesa")
    answers = [daraja.b2c(PHONE, 200, originator="same-id").json() for _ in range(3)]
    assert answers[0] == answers[1] == answers[2]
    simulator.wait_until_idle()
    assert len(callback_receiver.at("/b2c")) == 1
    assert business(simulator, "mpesa") == before - 200 * KES


def test_concurrent_repeats_of_one_b2c_pay_once(simulator, daraja):
    before = business(simulator, "mpesa")
    threads = [threading.Thread(target=daraja.b2c, args=(PHONE, 300, "racing")) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    simulator.wait_until_idle()
    assert len(transactions(simulator, reference="racing")) == 1
    assert business(simulator, "mpesa") == before - 300 * KES


@pytest.mark.parametrize(
    ("phone", "change", "code"),
    [
        (PHONE, {"business": 100 * KES}, 1),  # the shortcode's account is short
        ("254712340003", {}, 2040),  # no M-Pesa account at that number
        (PHONE, {"SecurityCredential": "wrong"}, 2001),  # wrong initiator credentials
    ],
)
def test_b2c_failures_come_back_as_result_codes(
    simulator, daraja, callback_receiver, phone, change, code
):
    if "business" in change:
        simulator.set_balance("mpesa", balance=change["business"])
    before = business(simulator, "mpesa")
    body = {
        "OriginatorConversationID": str(uuid.uuid4()),
        "InitiatorName": "sim-initiator",
        "SecurityCredential": change.get("SecurityCredential", "sim-credential"),
        "CommandID": "SalaryPayment",
        "Amount": 500,
        "PartyA": "600000",
        "PartyB": phone,
        "ResultURL": f"{callback_receiver.url}/b2c",
        "QueueTimeOutURL": f"{callback_receiver.url}/timeout",
    }
    assert daraja.post("/mpesa/b2c/v3/paymentrequest", body).json()["ResponseCode"] == "0"
    [result] = callback_receiver.wait_for("/b2c")
    assert result.body["Result"]["ResultCode"] == code
    assert "ResultParameters" not in result.body["Result"]
    assert business(simulator, "mpesa") == before


# --- Daraja: status, balance, reversal ---


def test_transaction_status_reports_a_transaction_found_by_any_of_its_ids(
    simulator, daraja, callback_receiver
):
    daraja.b2c(PHONE, 70, originator="status-me")
    [result] = callback_receiver.wait_for("/b2c")
    receipt = result.body["Result"]["TransactionID"]
    acks = [
        daraja.transaction_status(TransactionID=receipt).json(),
        daraja.transaction_status(OriginatorConversationID="status-me").json(),
        daraja.transaction_status(TransactionID="NOSUCHTHING").json(),
    ]
    assert {ack["ResponseCode"] for ack in acks} == {"0"}
    answers = {
        answer.body["Result"]["ConversationID"]: answer.body["Result"]
        for answer in callback_receiver.wait_for("/status", count=3)
    }
    by_receipt, by_originator, unknown = (answers[ack["ConversationID"]] for ack in acks)
    for found in (by_receipt, by_originator):
        values = parameters({"Result": found})
        assert values["TransactionStatus"] == "Completed"
        assert values["ReceiptNo"] == receipt
        assert values["Amount"] == 70
        assert values["CreditPartyName"].startswith(PHONE)
    assert unknown["ResultCode"] == 2032


def test_account_balance_posts_the_business_balance(simulator, daraja, callback_receiver):
    simulator.set_balance("mpesa", balance=123_456_78)
    assert daraja.account_balance().json()["ResponseCode"] == "0"
    [result] = callback_receiver.wait_for("/balance")
    accounts = parameters(result.body)["AccountBalance"].split("&")
    assert "Utility Account|KES|123456.78|123456.78|0.00|0.00" in accounts


def test_a_reversal_undoes_a_collection_once(simulator, daraja, callback_receiver):
    before_business = business(simulator, "mpesa")
    daraja.stk_push(PHONE, 400, reference="REVERSE-ME")
    [paid] = callback_receiver.wait_for("/stk")
    receipt = items(paid.body)["MpesaReceiptNumber"]
    assert daraja.reversal(receipt, 400).json()["ResponseCode"] == "0"
    [first] = callback_receiver.wait_for("/reversal")
    daraja.reversal(receipt, 400)
    _, second = callback_receiver.wait_for("/reversal", count=2)
    assert first.body["Result"]["ResultCode"] == 0
    assert parameters(first.body)["OriginalTransactionID"] == receipt
    assert second.body["Result"]["ResultCode"] == "R000001"
    assert business(simulator, "mpesa") == before_business
    assert customer(simulator, "mpesa") == 100_000 * KES
    kinds = sorted((line["kind"], line["status"]) for line in daraja.statement())
    assert kinds == [
        ("collection", "SUCCESSFUL"),
        ("reversal", "FAILED"),
        ("reversal", "SUCCESSFUL"),
    ]
    assert daraja.reversal(receipt, 399).status_code == 400  # the full amount only


# --- MoMo ---


def test_momo_tokens_need_the_subscription_key_and_the_api_user(simulator):
    url = f"{simulator.url}/momo/collection/token/"
    key = {"Ocp-Apim-Subscription-Key": "sim-subscription"}
    good = requests.post(url, auth=("sim-user", "sim-api-key"), headers=key, timeout=5)
    assert good.status_code == 200
    assert good.json()["token_type"] == "access_token"
    assert good.json()["expires_in"] == 3600
    assert requests.post(url, auth=("sim-user", "sim-api-key"), timeout=5).status_code == 401
    assert requests.post(url, auth=("sim-user", "x"), headers=key, timeout=5).status_code == 401


def test_momo_tokens_are_per_product_and_the_environment_is_checked(simulator, momo):
    url = f"{momo.base}/disbursement/v1_0/account/balance"
    collection_token = momo.headers("collection")
    assert requests.get(url, headers=collection_token, timeout=5).status_code == 401
    elsewhere = momo.headers("disbursement", **{"X-Target-Environment": "mtnuganda"})
    response = requests.get(url, headers=elsewhere, timeout=5)
    assert response.status_code == 403
    assert response.json()["code"] == "NOT_ALLOWED_TARGET_ENVIRONMENT"


def test_request_to_pay_collects_and_puts_the_callback_once(simulator, momo, callback_receiver):
    before = business(simulator, "momo")
    reference, response = momo.request_to_pay(PHONE, "250.50")
    assert (response.status_code, response.content) == (202, b"")
    [callback] = callback_receiver.wait_for("/requesttopay")
    assert callback.method == "PUT"
    assert callback.body["status"] == "SUCCESSFUL"
    assert callback.body["amount"] == "250.50"
    assert callback.body["payer"] == {"partyIdType": "MSISDN", "partyId": PHONE}
    assert callback.body["externalId"] == "ext-1"
    status = momo.status("collection", reference).json()
    assert status == callback.body
    assert status["financialTransactionId"].isdigit()
    assert business(simulator, "momo") == before + 25_050
    balance = momo.balance("collection").json()
    assert balance == {"availableBalance": str(before // KES + 250) + ".50", "currency": "KES"}


def test_a_reused_reference_id_is_refused_and_collects_once(simulator, momo):
    before = business(simulator, "momo")
    reference, _ = momo.request_to_pay(PHONE, "100")
    _, again = momo.request_to_pay(PHONE, "100", reference=reference)
    assert again.status_code == 409
    assert again.json()["code"] == "RESOURCE_ALREADY_EXIST"
    simulator.wait_until_idle()
    assert business(simulator, "momo") == before + 100 * KES


@pytest.mark.parametrize(
    ("product", "phone", "setup", "reason"),
    [
        ("collection", PHONE, {"customer": 0}, "NOT_ENOUGH_FUNDS"),
        ("collection", "254712340001", {}, "APPROVAL_REJECTED"),
        ("collection", "254712340002", {}, "EXPIRED"),
        ("disbursement", PHONE, {"business": 10 * KES}, "NOT_ENOUGH_FUNDS"),
        ("disbursement", "254712340003", {}, "PAYEE_NOT_FOUND"),
    ],
)
def test_momo_failures_have_a_reason_and_move_nothing(
    simulator, momo, callback_receiver, product, phone, setup, reason
):
    if "customer" in setup:
        simulator.set_balance("momo", phone, balance=setup["customer"])
    if "business" in setup:
        simulator.set_balance("momo", balance=setup["business"])
    before = business(simulator, "momo")
    create = momo.request_to_pay if product == "collection" else momo.transfer
    reference, _ = create(phone, "100")
    path = "/requesttopay" if product == "collection" else "/transfer"
    [callback] = callback_receiver.wait_for(path)
    assert callback.body["status"] == "FAILED"
    assert callback.body["reason"]["code"] == reason
    assert "financialTransactionId" not in callback.body
    assert momo.status(product, reference).json()["reason"]["code"] == reason
    assert business(simulator, "momo") == before


def test_transfer_pays_the_payee(simulator, momo, callback_receiver):
    before = business(simulator, "momo")
    reference, response = momo.transfer(PHONE, "75")
    assert response.status_code == 202
    [callback] = callback_receiver.wait_for("/transfer")
    assert callback.body["payee"]["partyId"] == PHONE
    assert callback.body["status"] == "SUCCESSFUL"
    assert momo.status("disbursement", reference).json()["status"] == "SUCCESSFUL"
    assert momo.status("collection", reference).status_code == 404  # another product's id
    assert business(simulator, "momo") == before - 75 * KES
    assert momo.balance("disbursement").json()["availableBalance"] == str(
        (before - 75 * KES) // KES
    )


def test_momo_without_a_callback_url_is_resolved_by_polling(simulator, momo, callback_receiver):
    reference, _ = momo.request_to_pay(PHONE, "10", callback=False)
    assert momo.status("collection", reference).json()["status"] == "PENDING"
    simulator.wait_until_idle()
    assert momo.status("collection", reference).json()["status"] == "SUCCESSFUL"
    assert callback_receiver.received == []


@pytest.mark.parametrize(
    ("reference", "body_change", "code"),
    [
        ("not-a-uuid", {}, "BAD_REQUEST"),
        (None, {"currency": "EUR"}, "INVALID_CURRENCY"),
        (None, {"amount": "-5"}, "BAD_REQUEST"),
        (None, {"amount": "1.005"}, "BAD_REQUEST"),
        (None, {"payer": {"partyIdType": "EMAIL", "partyId": "a@b"}}, "BAD_REQUEST"),
    ],
)
def test_momo_refuses_a_malformed_request(simulator, momo, reference, body_change, code):
    body: dict[str, Any] = {
        "amount": "100",
        "currency": "KES",
        "externalId": "x",
        "payer": {"partyIdType": "MSISDN", "partyId": PHONE},
    }
    headers = momo.headers("collection", **{"X-Reference-Id": reference or str(uuid.uuid4())})
    response = requests.post(
        f"{momo.base}/collection/v1_0/requesttopay",
        json={**body, **body_change},
        headers=headers,
        timeout=5,
    )
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert momo.status("collection", str(uuid.uuid4())).status_code == 404


# --- statements ---


def test_statements_list_the_days_finished_transactions_in_minor_units(simulator, daraja, momo):
    daraja.stk_push(PHONE, 150, reference="AB3K7M9PQR")
    daraja.b2c(PHONE, 20, originator="payout-ref")
    reference, _ = momo.request_to_pay("256772123456", "99.99")
    simulator.wait_until_idle()
    response = requests.get(
        f"{daraja.base}/statements/{today()}", headers=daraja.headers, timeout=5
    )
    assert response.headers["Content-Type"].startswith("text/csv")
    header = response.text.splitlines()[0]
    assert header == "transaction_id,reference,kind,amount,currency,phone,status,completed_at"
    collection, payout = daraja.statement()
    assert (collection["reference"], collection["kind"], collection["amount"]) == (
        "AB3K7M9PQR",
        "collection",
        "15000",
    )
    assert (payout["reference"], payout["kind"], payout["amount"]) == (
        "payout-ref",
        "payout",
        "2000",
    )
    assert collection["completed_at"].endswith("+03:00")
    [line] = momo.statement()
    assert (line["reference"], line["amount"], line["phone"]) == (reference, "9999", "256772123456")
    assert daraja.statement("2001-01-01") == []
    unauthorized = requests.get(f"{daraja.base}/statements/{today()}", timeout=5)
    assert unauthorized.status_code == 401


# --- faults ---


def add_fault(simulator: RunningSimulator, **rule: Any) -> dict[str, Any]:
    response = requests.post(f"{simulator.url}/_faults", json=rule, timeout=5)
    assert response.status_code == 201, response.text
    return dict(response.json()["added"][0])


def test_a_lost_callback_leaves_the_money_moved_and_on_the_statement(
    simulator, momo, callback_receiver
):
    add_fault(simulator, fault="lose_callback", operator="momo")
    reference, _ = momo.request_to_pay(PHONE, "100")
    second, _ = momo.request_to_pay(PHONE, "100")  # the rule was for one request
    callback_receiver.wait_for("/requesttopay")
    simulator.wait_until_idle()
    assert [c.body["status"] for c in callback_receiver.received] == ["SUCCESSFUL"]
    assert momo.status("collection", reference).json()["status"] == "SUCCESSFUL"
    assert {line["reference"] for line in momo.statement()} == {reference, second}
    [lost] = [c for c in simulator.state()["callbacks"] if c["suppressed"]]
    assert lost["suppressed"] == "lose_callback"


def test_a_duplicated_callback_arrives_twice_and_money_moves_once(
    simulator, daraja, callback_receiver
):
    before = business(simulator, "mpesa")
    simulator.inject("duplicate_callback", operator="mpesa", action="payout")
    daraja.b2c(PHONE, 100)
    first, second = callback_receiver.wait_for("/b2c", count=2)
    assert first.body == second.body
    assert business(simulator, "mpesa") == before - 100 * KES


def test_a_late_callback_comes_after_the_outcome_is_known(simulator, momo, callback_receiver):
    simulator.inject("late_callback", delay=0.8)
    reference, _ = momo.transfer(PHONE, "40")
    deadline = time.monotonic() + 0.6
    while momo.status("disbursement", reference).json()["status"] == "PENDING":
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert callback_receiver.received == []
    [callback] = callback_receiver.wait_for("/transfer", timeout=3)
    assert callback.body["status"] == "SUCCESSFUL"


def test_a_timed_out_request_is_done_silently_and_found_by_polling(
    simulator, momo, callback_receiver
):
    simulator.inject("timeout", operator="momo", delay=0.6)
    reference = str(uuid.uuid4())
    with pytest.raises(requests.exceptions.ReadTimeout):
        momo.request_to_pay(PHONE, "100", reference=reference, timeout=0.2)
    time.sleep(0.6)
    simulator.wait_until_idle()
    assert momo.status("collection", reference).json()["status"] == "SUCCESSFUL"
    _, retry = momo.request_to_pay(PHONE, "100", reference=reference)
    assert retry.status_code == 409
    assert callback_receiver.received == []
    assert len(transactions(simulator, reference=reference)) == 1


def test_a_b2c_retried_during_a_timeout_pays_once(simulator, daraja, callback_receiver):
    before = business(simulator, "mpesa")
    simulator.inject("timeout", delay=0.5, callback=True)  # the callback still comes
    with pytest.raises(requests.exceptions.ReadTimeout):
        daraja.b2c(PHONE, 100, originator="hung", timeout=0.2)
    assert daraja.b2c(PHONE, 100, originator="hung").json()["ResponseCode"] == "0"
    time.sleep(0.5)
    simulator.wait_until_idle()
    assert len(transactions(simulator, reference="hung")) == 1
    assert business(simulator, "mpesa") == before - 100 * KES
    assert len(callback_receiver.at("/b2c")) == 1


def test_an_error_answers_500_and_does_nothing(simulator, daraja, momo):
    add_fault(simulator, fault="error", operator="mpesa", count=2)
    assert daraja.stk_push(PHONE, 10).status_code == 500
    assert daraja.b2c(PHONE, 10).status_code == 500
    assert transactions(simulator) == []
    assert daraja.stk_push(PHONE, 10).status_code == 200
    simulator.inject("error", operator="momo", action="status")
    reference, _ = momo.request_to_pay(PHONE, "1")
    assert momo.status("collection", reference).status_code == 500
    assert momo.status("collection", reference).status_code == 200


def test_a_wrong_amount_is_only_in_the_callback(simulator, daraja, momo, callback_receiver):
    simulator.inject("wrong_amount", operator="mpesa")
    simulator.inject("wrong_amount", operator="momo", amount=15_000)
    daraja.stk_push(PHONE, 100, reference="WRONG1")
    reference, _ = momo.request_to_pay(PHONE, "100")
    [stk] = callback_receiver.wait_for("/stk")
    [put] = callback_receiver.wait_for("/requesttopay")
    assert items(stk.body)["Amount"] == 101
    assert put.body["amount"] == "150"
    assert momo.status("collection", reference).json()["amount"] == "100"
    assert [line["amount"] for line in daraja.statement()] == ["10000"]
    assert [line["amount"] for line in momo.statement()] == ["10000"]


def test_a_transaction_missing_from_the_statement_still_happened(
    simulator, daraja, callback_receiver
):
    add_fault(simulator, fault="missing_from_statement", reference="hidden")
    daraja.b2c(PHONE, 100, originator="hidden")
    daraja.b2c(PHONE, 100, originator="shown")
    callback_receiver.wait_for("/b2c", count=2)
    assert [line["reference"] for line in daraja.statement()] == ["shown"]
    [hidden] = transactions(simulator, reference="hidden")
    assert hidden["status"] == "SUCCESSFUL"


def test_a_phantom_line_appears_on_the_statement_only(simulator, daraja, momo):
    before = simulator.state()["operators"]
    added = add_fault(simulator, fault="phantom_in_statement", operator="mpesa", amount=25_000)
    add_fault(
        simulator,
        fault="phantom_in_statement",
        operator="momo",
        kind="payout",
        amount=500,
        reference="ghost",
        date="2026-01-02",
    )
    [line] = daraja.statement()
    assert line["reference"] == added["phantom"]["reference"]
    assert (line["kind"], line["amount"], line["status"]) == ("collection", "25000", "SUCCESSFUL")
    assert momo.statement() == []
    [ghost] = momo.statement("2026-01-02")
    assert (ghost["reference"], ghost["kind"]) == ("ghost", "payout")
    assert simulator.state()["operators"] == before
    assert transactions(simulator) == []


def test_rules_aimed_at_a_phone_apply_to_each_of_its_requests(simulator, momo, callback_receiver):
    simulator.inject("lose_callback", phone="+254799990000")
    for _ in range(2):
        momo.request_to_pay("254799990000", "5")
    momo.request_to_pay(PHONE, "5")
    simulator.wait_until_idle()
    assert [c.body["payer"]["partyId"] for c in callback_receiver.received] == [PHONE]
    assert len(simulator.state()["faults"]) == 1


def test_faults_on_queries_statements_and_daraja_results(simulator, daraja, callback_receiver):
    simulator.inject("error", action="status", operator="mpesa")
    response = daraja.stk_query("ws_CO_anything")
    assert response.json()["errorCode"] == "500.003.1001"  # not "being processed"
    simulator.inject("lose_callback", action="balance")
    daraja.account_balance()
    simulator.inject("error", action="statement")
    with pytest.raises(requests.HTTPError):
        daraja.statement()
    daraja.statement()
    simulator.wait_until_idle()
    assert callback_receiver.received == []


def test_faults_can_be_listed_cleared_and_are_validated(simulator, daraja, momo):
    url = f"{simulator.url}/_faults"
    rules: dict[str, Any] = {"rules": [{"fault": "error"}, {"fault": "lose_callback", "count": 3}]}
    assert requests.post(url, json=rules, timeout=5).status_code == 201
    as_list: list[dict[str, Any]] = [{"fault": "late_callback", "delay": 1}]
    assert requests.post(url, json=as_list, timeout=5).status_code == 201
    faults = simulator.state()["faults"]
    assert [r["fault"] for r in faults] == ["error", "lose_callback", "late_callback"]
    assert requests.delete(url, timeout=5).status_code == 204
    assert simulator.state()["faults"] == []
    assert daraja.stk_push(PHONE, 1).status_code == 200
    invalid: list[dict[str, Any]] = [
        {"fault": "explode"},
        {"fault": "wrong_amount", "action": "balance"},
        {"fault": "error", "count": 0},
        {"fault": "phantom_in_statement", "operator": "mpesa"},
    ]
    for bad in invalid:
        assert requests.post(url, json=bad, timeout=5).status_code == 400, bad


# --- admin endpoints, books and persistence ---


def test_health_state_and_customers(simulator):
    assert requests.get(f"{simulator.url}/health", timeout=5).json() == {"status": "ok"}
    response = requests.post(
        f"{simulator.url}/_customers",
        json={"operator": "momo", "phone": "+256772000001", "balance": 4_200, "name": "OKELLO"},
        timeout=5,
    )
    assert response.json() == {
        "operator": "momo",
        "phone": "256772000001",
        "balance": 4_200,
        "name": "OKELLO",
    }
    state = requests.get(f"{simulator.url}/_state", timeout=5).json()
    assert state["operators"]["momo"]["customers"]["256772000001"]["balance"] == 4_200
    airtel: dict[str, Any] = {"operator": "airtel", "phone": PHONE, "balance": 1}
    assert requests.post(f"{simulator.url}/_customers", json=airtel, timeout=5).status_code == 400


def test_many_concurrent_requests_keep_the_books_whole(tmp_path: Path, callback_receiver):
    with start_simulator(state_file=tmp_path / "books.json", complete_after=0.05) as simulator:
        _many_concurrent_requests(simulator, callback_receiver)
        assert (
            json.loads((tmp_path / "books.json").read_text())["operators"]
            == (simulator.state()["operators"])
        )


def _many_concurrent_requests(simulator: RunningSimulator, receiver: CallbackReceiver) -> None:
    daraja = DarajaClient(simulator, receiver.url)
    momo = MomoClient(simulator, receiver.url)
    answers: list[int] = []

    def work(index: int) -> None:
        phone = f"25471{index:03d}5555"  # no suffix with a fixed outcome
        answers.append(daraja.stk_push(phone, 100 + index).status_code)
        answers.append(daraja.b2c(phone, 50).status_code)
        answers.append(momo.request_to_pay(phone, "30")[1].status_code)
        answers.append(momo.transfer(phone, "20")[1].status_code)

    threads = [threading.Thread(target=work, args=(index,)) for index in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [200] * 40 + [202] * 40
    assert simulator.wait_until_idle(timeout=10)
    state = simulator.state()
    assert len(state["transactions"]) == 80
    mpesa_in = sum(100 + index for index in range(20)) * KES - 20 * 50 * KES
    assert state["operators"]["mpesa"]["business"] == 100_000_000 + mpesa_in
    assert state["operators"]["momo"]["business"] == 100_000_000 + 20 * 10 * KES
    assert_books_balance(simulator)
    assert len(receiver.wait_for("/stk", count=20)) == 20


def test_the_state_file_keeps_the_books_and_finishes_pending_requests(tmp_path: Path):
    state_file = tmp_path / "operator-simulator.json"
    with start_simulator(state_file=state_file, complete_after=30) as first:
        momo = MomoClient(first, "http://127.0.0.1:9")  # callbacks go nowhere
        reference, _ = momo.request_to_pay(PHONE, "100")
        first.set_balance("mpesa", PHONE, balance=7)
    saved = json.loads(state_file.read_text())
    assert saved["transactions"][0]["status"] == "PENDING"
    with start_simulator(state_file=state_file, complete_after=0.05) as second:
        assert second.wait_until_idle()
        assert customer(second, "mpesa") == 7
        assert customer(second, "momo") == 100_000 * KES - 100 * KES
        [record] = transactions(second, reference=reference)
        assert record["status"] == "SUCCESSFUL"
        assert_books_balance(second)


def test_the_management_command_serves_until_sigterm():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "manage.py", "operator_simulator", "--port", str(port), "--quiet"]
    process = subprocess.Popen(  # noqa: S603 (our own command)
        command,
        cwd=Path(__file__).resolve().parents[2],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                health = requests.get(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except requests.ConnectionError:
                assert process.poll() is None
                assert time.monotonic() < deadline
                time.sleep(0.2)
        assert health.json() == {"status": "ok"}
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0
    assert f"Operator simulator on http://127.0.0.1:{port}" in output
    assert "Operator simulator stopped." in output
