"""Fixtures for tests that talk to the operator simulator over real HTTP.

`operator_simulator` starts a fresh simulator on a free port for one test and stops it after;
`callback_receiver` is a tiny HTTP server that records what the simulator calls back.
Import both into a conftest.py (or a test module) to use them:

    from tests.operators.simulator_fixture import callback_receiver, operator_simulator

`DarajaClient` and `MomoClient` are bare HTTP clients for driving the simulator directly
(the simulator's own tests use them; they are not our adapters).
"""

from __future__ import annotations

import base64
import csv
import datetime
import io
import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from operators.simulator import RunningSimulator, start_simulator

# Fast enough for a suite, slow enough that "still being processed" can be observed.
TEST_COMPLETE_AFTER = 0.1


@pytest.fixture
def operator_simulator() -> Iterator[RunningSimulator]:
    """A simulator of its own for this test, at `operator_simulator.url`."""
    simulator = start_simulator(complete_after=TEST_COMPLETE_AFTER)
    try:
        yield simulator
    finally:
        simulator.stop()


@dataclass
class ReceivedCallback:
    method: str
    path: str
    body: Any


class CallbackReceiver:
    """Records every request made to it and answers 200, as our callback endpoints do."""

    def __init__(self) -> None:
        self.received: list[ReceivedCallback] = []
        self._condition = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _record(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                with receiver._condition:
                    receiver.received.append(ReceivedCallback(self.command, self.path, body))
                    receiver._condition.notify_all()
                answer = b'{"ResultCode": 0, "ResultDesc": "Accepted"}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            do_POST = do_PUT = _record  # noqa: N815 (http.server's naming)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def at(self, path: str) -> list[ReceivedCallback]:
        with self._condition:
            return [callback for callback in self.received if callback.path == path]

    def wait_for(self, path: str, count: int = 1, timeout: float = 5.0) -> list[ReceivedCallback]:
        """The callbacks received at `path` once there are `count` (or when time is up)."""
        deadline = time.monotonic() + timeout
        with self._condition:
            while len(self.at(path)) < count and time.monotonic() < deadline:
                self._condition.wait(deadline - time.monotonic())
            return self.at(path)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def callback_receiver() -> Iterator[CallbackReceiver]:
    receiver = CallbackReceiver()
    try:
        yield receiver
    finally:
        receiver.stop()


def today() -> str:
    """Today in Nairobi: the simulator's statement day."""
    return datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=3))).date().isoformat()


def parse_statement(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


class DarajaClient:
    SHORTCODE = "174379"

    def __init__(self, simulator: RunningSimulator, callbacks_url: str) -> None:
        self.base = f"{simulator.url}/mpesa"
        self.callbacks_url = callbacks_url
        self.passkey = simulator.config.mpesa_passkey or ""
        response = requests.get(
            f"{self.base}/oauth/v1/generate",
            params={"grant_type": "client_credentials"},
            auth=(simulator.config.mpesa_consumer_key, simulator.config.mpesa_consumer_secret),
            timeout=5,
        )
        self.headers = {"Authorization": f"Bearer {response.json()['access_token']}"}

    def post(self, api: str, body: dict[str, Any], timeout: float = 5) -> requests.Response:
        """POST to a real Daraja path (/mpesa/...) appended to the base URL."""
        return requests.post(f"{self.base}{api}", json=body, headers=self.headers, timeout=timeout)

    def password(self, timestamp: str = "20261124093000") -> dict[str, str]:
        raw = f"{self.SHORTCODE}{self.passkey}{timestamp}".encode()
        return {
            "BusinessShortCode": self.SHORTCODE,
            "Password": base64.b64encode(raw).decode(),
            "Timestamp": timestamp,
        }

    def stk_push(self, phone: str, amount: int, reference: str = "ACC1", **extra: Any) -> Any:
        body = {
            **self.password(),
            "TransactionType": "CustomerPayBillOnline",
            "Amount": amount,
            "PartyA": phone,
            "PartyB": self.SHORTCODE,
            "PhoneNumber": phone,
            "CallBackURL": f"{self.callbacks_url}/stk",
            "AccountReference": reference,
            "TransactionDesc": "Top up",
            **extra,
        }
        return self.post("/mpesa/stkpush/v1/processrequest", body)

    def stk_query(self, checkout_request_id: str) -> requests.Response:
        body = {**self.password(), "CheckoutRequestID": checkout_request_id}
        return self.post("/mpesa/stkpushquery/v1/query", body)

    def b2c(
        self, phone: str, amount: int, originator: str | None = None, timeout: float = 5
    ) -> requests.Response:
        body = {
            "OriginatorConversationID": originator or str(uuid.uuid4()),
            "InitiatorName": "sim-initiator",
            "SecurityCredential": "sim-credential",
            "CommandID": "BusinessPayment",
            "Amount": amount,
            "PartyA": "600000",
            "PartyB": phone,
            "Remarks": "Withdrawal",
            "QueueTimeOutURL": f"{self.callbacks_url}/timeout",
            "ResultURL": f"{self.callbacks_url}/b2c",
            "Occasion": "",
        }
        return self.post("/mpesa/b2c/v3/paymentrequest", body, timeout=timeout)

    def _initiator(self, path: str) -> dict[str, str]:
        return {
            "Initiator": "sim-initiator",
            "SecurityCredential": "sim-credential",
            "PartyA": "600000",
            "IdentifierType": "4",
            "ResultURL": f"{self.callbacks_url}{path}",
            "QueueTimeOutURL": f"{self.callbacks_url}/timeout",
            "Remarks": "check",
            "Occasion": "",
        }

    def transaction_status(self, **ids: str) -> requests.Response:
        body = {**self._initiator("/status"), "CommandID": "TransactionStatusQuery", **ids}
        return self.post("/mpesa/transactionstatus/v1/query", body)

    def account_balance(self) -> requests.Response:
        body = {**self._initiator("/balance"), "CommandID": "AccountBalance"}
        return self.post("/mpesa/accountbalance/v1/query", body)

    def reversal(self, transaction_id: str, amount: int) -> requests.Response:
        body = {
            **self._initiator("/reversal"),
            "CommandID": "TransactionReversal",
            "TransactionID": transaction_id,
            "Amount": amount,
            "ReceiverParty": self.SHORTCODE,
            "RecieverIdentifierType": "11",
        }
        return self.post("/mpesa/reversal/v1/request", body)

    def statement(self, day: str | None = None) -> list[dict[str, str]]:
        response = requests.get(
            f"{self.base}/statements/{day or today()}", headers=self.headers, timeout=5
        )
        response.raise_for_status()
        return parse_statement(response.text)


_RESOURCES = {"collection": ("requesttopay", "payer"), "disbursement": ("transfer", "payee")}


class MomoClient:
    def __init__(self, simulator: RunningSimulator, callbacks_url: str) -> None:
        self.base = f"{simulator.url}/momo"
        self.callbacks_url = callbacks_url
        self.config = simulator.config
        self.tokens = {product: self.token(product) for product in ("collection", "disbursement")}

    def token(self, product: str) -> str:
        response = requests.post(
            f"{self.base}/{product}/token/",
            auth=(self.config.momo_api_user, self.config.momo_api_key),
            headers={"Ocp-Apim-Subscription-Key": self.config.momo_subscription_key},
            timeout=5,
        )
        return str(response.json()["access_token"])

    def headers(self, product: str, **extra: str) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.tokens[product]}",
            "Ocp-Apim-Subscription-Key": self.config.momo_subscription_key,
            "X-Target-Environment": self.config.momo_target_environment,
            **extra,
        }

    def request_to_pay(
        self, phone: str, amount: str, reference: str | None = None, **options: Any
    ) -> tuple[str, requests.Response]:
        return self._create("collection", phone, amount, reference, **options)

    def transfer(
        self, phone: str, amount: str, reference: str | None = None, **options: Any
    ) -> tuple[str, requests.Response]:
        return self._create("disbursement", phone, amount, reference, **options)

    def _create(
        self,
        product: str,
        phone: str,
        amount: str,
        reference: str | None,
        *,
        callback: bool = True,
        timeout: float = 5,
    ) -> tuple[str, requests.Response]:
        resource, party = _RESOURCES[product]
        reference = reference or str(uuid.uuid4())
        extra = {"X-Reference-Id": reference}
        if callback:
            extra["X-Callback-Url"] = f"{self.callbacks_url}/{resource}"
        body: dict[str, Any] = {
            "amount": amount,
            "currency": self.config.momo_currency,
            "externalId": "ext-1",
            party: {"partyIdType": "MSISDN", "partyId": phone},
            "payerMessage": "Top up",
            "payeeNote": "Agent network",
        }
        response = requests.post(
            f"{self.base}/{product}/v1_0/{resource}",
            json=body,
            headers=self.headers(product, **extra),
            timeout=timeout,
        )
        return reference, response

    def status(self, product: str, reference: str) -> requests.Response:
        resource, _ = _RESOURCES[product]
        url = f"{self.base}/{product}/v1_0/{resource}/{reference}"
        return requests.get(url, headers=self.headers(product), timeout=5)

    def balance(self, product: str) -> requests.Response:
        url = f"{self.base}/{product}/v1_0/account/balance"
        return requests.get(url, headers=self.headers(product), timeout=5)

    def statement(self, day: str | None = None) -> list[dict[str, str]]:
        response = requests.get(
            f"{self.base}/statements/{day or today()}",
            headers=self.headers("collection"),
            timeout=5,
        )
        response.raise_for_status()
        return parse_statement(response.text)
