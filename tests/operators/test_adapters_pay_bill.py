"""Paying a pay-bill (merchant settlement to a bank): Daraja B2B BusinessPayBill, and the
refusal of an operator that has no pay-bills."""

from __future__ import annotations

import json

import pytest

from operators.adapters.base import OperatorConfig, OperatorError, Status
from operators.adapters.daraja_results import read_callback
from operators.adapters.momo import MomoAdapter
from tests.operators.test_adapters_daraja import (
    B2C_ACK,
    CALLBACKS,
    CREDENTIALS,
    REF,
    adapter,
    api,
    sent,
    stub_token,
)

__all__ = ["api"]

B2B_RESULT = {
    "Result": {
        "ResultType": 0,
        "ResultCode": 0,
        "ResultDesc": "The service request is processed successfully",
        "OriginatorConversationID": REF,
        "ConversationID": "AG_20221110_0000401b0a2d5e2d5c2b",
        "TransactionID": "QKA81LK5CY",
        "ResultParameters": {
            "ResultParameter": [
                {"Key": "Amount", "Value": "190.00"},
                {"Key": "TransCompletedTime", "Value": "20221110110717"},
                {"Key": "ReceiverPartyPublicName", "Value": "522522 - KCB Bank"},
                {"Key": "Currency", "Value": "KES"},
            ]
        },
        "ReferenceData": {"ReferenceItem": [{"Key": "BillReferenceNumber", "Value": "19008"}]},
    }
}


def test_pay_bill_sends_a_b2b_business_pay_bill_and_returns_pending(api):
    stub_token(api)
    b2b = api.post("https://daraja.test/mpesa/b2b/v1/paymentrequest", json=B2C_ACK)

    outcome = adapter().pay_bill(
        reference=REF, paybill="522522", account="1100223344", amount=19_000, description="Sweep"
    )

    assert outcome.status == Status.PENDING
    assert sent(b2b.calls[0]) == {
        "Initiator": CREDENTIALS["initiator_name"],
        "SecurityCredential": CREDENTIALS["security_credential"],
        "CommandID": "BusinessPayBill",
        "SenderIdentifierType": "4",
        "RecieverIdentifierType": "4",
        "Amount": 190,
        "PartyA": "174379",
        "PartyB": "522522",
        "AccountReference": "1100223344",
        "Remarks": "Sweep",
        "QueueTimeOutURL": f"{CALLBACKS}/payout/?ref={REF}",
        "ResultURL": f"{CALLBACKS}/payout/?ref={REF}",
        "OriginatorConversationID": REF,
    }


@pytest.mark.parametrize(
    ("paybill", "account", "amount"),
    [("52", "1", 100), ("522522", "", 100), ("522522", "x" * 14, 100), ("522522", "1", 150)],
)
def test_a_bad_pay_bill_request_is_refused_before_any_call(api, paybill, account, amount):
    with pytest.raises(ValueError):  # noqa: PT011 (the messages differ by field)
        adapter().pay_bill(
            reference=REF, paybill=paybill, account=account, amount=amount, description=""
        )
    assert not api.calls


def test_the_b2b_result_reads_like_a_payout_with_its_amount_and_no_phone():
    reference, outcome = read_callback("payout", json.dumps(B2B_RESULT).encode(), "KES", REF)
    assert reference == REF
    assert (outcome.status, outcome.amount, outcome.phone) == (Status.SUCCEEDED, 19_000, "")
    assert outcome.operator_reference == "QKA81LK5CY"


def test_momo_has_no_pay_bills():
    config = OperatorConfig(code="momo", kind="momo", base_url="https://momo.test", currency="KES")
    with pytest.raises(OperatorError, match="pay-bill"):
        MomoAdapter(config).pay_bill(
            reference=REF, paybill="522522", account="1", amount=100, description=""
        )
