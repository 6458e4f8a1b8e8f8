"""The REST API v1, through HTTP as a partner's server sees it.

Alice (PIN 2468) and Bob (PIN 1357) come from tests/conftest.py; `api` is a client holding a
token. Every error answer is `{"error": {"code": ..., "message": ...}}`.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.db import OperationalError, connection
from django.views.debug import ExceptionReporter
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.conftest import balance
from wallets.models import Account, Customer, CustomerStatus, Transaction, TransactionKind

ALICE = "+254712000001"
BOB = "+254712000002"
ALICE_PIN = "2468"
WRONG_PIN = "9753"


def client_for(username: str, *, reads_wallets: bool = True) -> APIClient:
    """A client with a token; the operator's own apps may also read wallets."""
    user = User.objects.create_user(username=username)
    if reads_wallets:
        user.user_permissions.add(Permission.objects.get(codename="read_wallets_by_api"))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture
def api(db) -> APIClient:
    return client_for("partner-app")


def transfer(client: APIClient, key: str | None = "key-1", **body: Any) -> Any:
    payload = {"sender": "0712000001", "recipient": BOB, "amount": 20_000, "pin": ALICE_PIN}
    headers: dict[str, Any] = {} if key is None else {"HTTP_IDEMPOTENCY_KEY": key}
    return client.post("/api/v1/transfers", {**payload, **body}, format="json", **headers)


def sends() -> int:
    return Transaction.objects.filter(kind=TransactionKind.SEND_MONEY).count()


def failed_attempts(wallet: Account) -> int:
    return Customer.objects.get(accounts=wallet).failed_pin_attempts


def error_code(response: Any) -> str:
    return response.json()["error"]["code"]


# --- Transfers ---------------------------------------------------------------------------------


def test_a_transfer_moves_the_money_and_answers_201_with_the_receipt(api, alice, bob, fund):
    fund(alice, 100_000)
    response = transfer(api, recipient="254712000002")
    assert response.status_code == 201
    body = response.json()
    assert body.keys() == {
        "reference", "kind", "status", "amount", "fee", "currency", "sender", "recipient",
        "created_at",
    }  # fmt: skip
    assert (body["kind"], body["status"], body["currency"]) == ("send_money", "posted", "KES")
    assert (body["amount"], body["fee"]) == (20_000, 700)
    assert (body["sender"], body["recipient"]) == (ALICE, BOB)
    assert "Idempotent-Replayed" not in response.headers
    assert balance(alice) == 100_000 - 20_000 - 700
    assert balance(bob) == 20_000
    posted = Transaction.objects.get(reference=body["reference"])
    assert (posted.channel, posted.initiator) == ("api", "api:partner-app")


def test_a_wrong_pin_is_403_with_attempts_left_and_posts_nothing(api, alice, bob, fund):
    fund(alice, 100_000)
    response = transfer(api, pin=WRONG_PIN)
    assert response.status_code == 403
    assert error_code(response) == "wrong_pin"
    assert response.json()["error"]["attempts_left"] == 2
    assert sends() == 0
    assert (balance(alice), balance(bob)) == (100_000, 0)
    assert failed_attempts(alice) == 1


def test_three_wrong_pins_lock_the_pin_even_against_the_right_one(api, alice, bob, fund, settings):
    settings.PIN_MAX_ATTEMPTS = 3
    fund(alice, 100_000)
    answers = [transfer(api, key=f"try-{n}", pin=WRONG_PIN) for n in range(3)]
    assert [a.json()["error"]["attempts_left"] for a in answers] == [2, 1, 0]
    response = transfer(api, key="try-right", pin=ALICE_PIN)
    assert response.status_code == 403
    assert error_code(response) == "pin_locked"
    assert sends() == 0
    assert balance(alice) == 100_000


def test_a_sender_without_a_pin_is_403(api, carol, bob, fund):
    fund(carol, 100_000)
    response = transfer(api, sender=carol.customer.phone)
    assert response.status_code == 403
    assert error_code(response) == "pin_not_set"


def test_an_unknown_recipient_is_422_and_costs_no_pin_try(api, alice, fund):
    fund(alice, 100_000)
    response = transfer(api, recipient="0799000111")
    assert response.status_code == 422
    assert error_code(response) == "unknown_recipient"
    assert failed_attempts(alice) == 0
    assert balance(alice) == 100_000


def test_an_unknown_sender_is_404(api, bob):
    response = transfer(api, sender="0799000111")
    assert response.status_code == 404
    assert error_code(response) == "unknown_sender"


def test_an_invalid_phone_number_is_400_naming_the_field(api, alice, bob, fund):
    fund(alice, 100_000)
    response = transfer(api, recipient="12345")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_request"
    assert error["message"].startswith("recipient: Enter a valid phone number")
    assert list(error["field_errors"]) == ["recipient"]
    assert sends() == 0
    assert failed_attempts(alice) == 0


@pytest.mark.parametrize(
    "change",
    [{"amount": 0}, {"amount": -500}, {"amount": "ten"}, {"amount": 10.5}, {"currency": "kes"}],
)
def test_a_malformed_amount_or_currency_is_400(api, alice, bob, change):
    response = transfer(api, **change)
    assert response.status_code == 400
    assert error_code(response) == "invalid_request"
    assert sends() == 0


@pytest.mark.parametrize("pin", ["24a8", "246", "24689", " 2468"])
def test_a_malformed_pin_is_400_without_a_try_and_never_echoed(api, alice, bob, pin):
    response = transfer(api, pin=pin)
    assert response.status_code == 400
    assert response.json()["error"]["field_errors"] == {"pin": ["A PIN is exactly 4 digits."]}
    assert pin.strip() not in response.content.decode()
    assert failed_attempts(alice) == 0


def test_an_amount_over_the_per_transaction_limit_is_422(api, alice, bob, fund):
    fund(alice, 26_000_000)  # KES 260,000: under the KES 500,000 balance cap
    response = transfer(api, amount=25_000_001)  # KES 250,000.01
    assert response.status_code == 422
    assert error_code(response) == "limit_per_transaction"
    assert (balance(alice), balance(bob)) == (26_000_000, 0)


def test_insufficient_funds_is_422_and_posts_nothing(api, alice, bob, fund):
    fund(alice, 20_000)  # the fee of 700 does not fit
    response = transfer(api, amount=20_000)
    assert response.status_code == 422
    assert error_code(response) == "insufficient_funds"
    assert sends() == 0
    assert (balance(alice), balance(bob)) == (20_000, 0)


def test_sending_to_yourself_is_422(api, alice, fund):
    fund(alice, 100_000)
    response = transfer(api, recipient=ALICE)
    assert response.status_code == 422
    assert error_code(response) == "same_account"


def test_a_frozen_sender_is_422(api, alice, bob, fund):
    fund(alice, 100_000)
    Customer.objects.filter(pk=alice.customer_id).update(status=CustomerStatus.FROZEN)
    response = transfer(api)
    assert response.status_code == 422
    assert error_code(response) == "account_not_active"
    assert balance(alice) == 100_000


# --- Idempotency -------------------------------------------------------------------------------


def test_a_retried_request_returns_the_identical_first_result(api, alice, bob, fund):
    fund(alice, 100_000)
    first = transfer(api, key="retry-me")
    again = transfer(api, key="retry-me")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert sends() == 1
    assert balance(bob) == 20_000


def test_a_retry_gets_its_receipt_even_after_the_pin_was_locked(api, alice, bob, fund):
    fund(alice, 100_000)
    first = transfer(api, key="paid")
    for n in range(3):
        transfer(api, key=f"guess-{n}", pin=WRONG_PIN)
    again = transfer(api, key="paid")
    assert again.status_code == 201
    assert again.json() == first.json()
    assert sends() == 1


def test_the_same_key_with_a_different_body_is_409_and_posts_nothing(api, alice, bob, fund):
    fund(alice, 100_000)
    assert transfer(api, key="once", amount=20_000).status_code == 201
    response = transfer(api, key="once", amount=30_000)
    assert response.status_code == 409
    assert error_code(response) == "idempotency_conflict"
    assert sends() == 1
    assert balance(bob) == 20_000


def test_two_clients_may_use_the_same_key_for_their_own_transfers(api, alice, bob, fund):
    fund(alice, 100_000)
    other = client_for("another-app")
    first, second = transfer(api, key="shared"), transfer(other, key="shared")
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["reference"] != second.json()["reference"]
    assert balance(bob) == 40_000


def test_a_missing_idempotency_key_is_400_before_the_pin_is_tried(api, alice, bob, fund):
    fund(alice, 100_000)
    response = transfer(api, key=None, pin=WRONG_PIN)
    assert response.status_code == 400
    assert error_code(response) == "invalid_idempotency_key"
    assert failed_attempts(alice) == 0
    assert sends() == 0


def test_an_idempotency_key_over_200_characters_is_400(api, alice, bob):
    response = transfer(api, key="k" * 201)
    assert response.status_code == 400
    assert error_code(response) == "invalid_idempotency_key"


def test_a_200_character_key_is_accepted_and_replays(api, alice, bob, fund):
    fund(alice, 100_000)
    first = transfer(api, key="k" * 200)
    again = transfer(api, key="k" * 200)
    assert first.status_code == 201
    assert again.json() == first.json()
    assert sends() == 1


# --- Authentication and the error envelope -----------------------------------------------------


def test_a_request_without_a_token_is_401_json(alice, bob):
    response = transfer(APIClient())
    assert response.status_code == 401
    assert error_code(response) == "not_authenticated"
    assert response.headers["WWW-Authenticate"] == "Token"


def test_a_request_with_a_bad_token_is_401(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    response = client.get(f"/api/v1/wallets/{ALICE}/balance")
    assert response.status_code == 401
    assert error_code(response) == "authentication_failed"


def test_a_body_that_is_not_json_is_400_without_echoing_it(api, alice, bob):
    body = '{"sender": "0712000001", "pin": "9753",'
    response = api.post(
        "/api/v1/transfers", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k"
    )
    assert response.status_code == 400
    assert error_code(response) == "parse_error"
    assert WRONG_PIN not in response.content.decode()


def test_a_wrong_method_gets_the_same_envelope(api):
    response = api.get("/api/v1/transfers")
    assert response.status_code == 405
    assert error_code(response) == "method_not_allowed"


# --- Lookups -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/api/v1/wallets/0712000001/balance", "/api/v1/wallets/0712000001/statement"],
)
def test_a_token_without_the_read_permission_cannot_read_a_wallet(alice, fund, path):
    fund(alice, 100_000)
    response = client_for("payments-only", reads_wallets=False).get(path)
    assert response.status_code == 403
    assert error_code(response) == "permission_denied"
    assert "100" not in response.content.decode()


def test_a_token_without_the_read_permission_cannot_read_a_transaction(alice, fund):
    posted = fund(alice, 100_000)
    response = client_for("payments-only", reads_wallets=False).get(
        f"/api/v1/transactions/{posted.reference}"
    )
    assert response.status_code == 403
    assert posted.reference not in response.content.decode()


def test_a_token_without_the_read_permission_can_still_send_with_the_pin(alice, bob, fund):
    fund(alice, 100_000)
    response = transfer(client_for("payments-only", reads_wallets=False))
    assert response.status_code == 201


def test_a_balance_is_read_by_phone_in_any_format(api, alice, fund):
    fund(alice, 100_000)
    response = api.get("/api/v1/wallets/0712000001/balance")
    assert response.status_code == 200
    assert response.json() == {
        "phone": ALICE,
        "name": "Alice Wanjiru",
        "currency": "KES",
        "balance": 100_000,
        "held": 0,
        "available": 100_000,
    }


def test_the_balance_of_an_unknown_phone_is_404(api, db):
    response = api.get("/api/v1/wallets/0799000111/balance")
    assert response.status_code == 404
    assert error_code(response) == "unknown_customer"


def test_the_balance_of_an_invalid_phone_is_400(api, db):
    response = api.get("/api/v1/wallets/12345/balance")
    assert response.status_code == 400
    assert error_code(response) == "invalid_phone_number"


def test_a_statement_lists_the_last_postings_with_running_balances(api, alice, bob, fund):
    fund(alice, 100_000)
    sent = transfer(api).json()
    response = api.get(f"/api/v1/wallets/{ALICE}/statement")
    assert response.status_code == 200
    lines = response.json()
    assert [(line["reference"], line["amount"]) for line in lines[:2]] == [
        (sent["reference"], -700),
        (sent["reference"], -20_000),
    ]
    assert [line["balance_after"] for line in lines] == [79_300, 80_000, 100_000]
    assert lines[0]["counterparty"] == "fee_income:KES"
    assert lines[1]["counterparty"] == BOB
    assert lines[2]["kind"] == "fund"


def test_a_statement_honours_its_limit_of_1_to_100(api, alice, fund):
    for _ in range(3):
        fund(alice, 1_000)
    assert len(api.get(f"/api/v1/wallets/{ALICE}/statement?limit=2").json()) == 2
    response = api.get(f"/api/v1/wallets/{ALICE}/statement?limit=101")
    assert response.status_code == 400
    assert "limit" in response.json()["error"]["field_errors"]


def test_the_statement_of_an_unknown_phone_is_404(api, db):
    response = api.get("/api/v1/wallets/0799000111/statement")
    assert response.status_code == 404


def test_a_transaction_is_shown_with_its_postings(api, alice, bob, fund):
    fund(alice, 100_000)
    reference = transfer(api).json()["reference"]
    response = api.get(f"/api/v1/transactions/{reference.lower()}")
    assert response.status_code == 200
    body = response.json()
    assert (body["reference"], body["amount"], body["fee"]) == (reference, 20_000, 700)
    assert sorted(body["postings"], key=lambda p: p["amount"]) == [
        {"debit": ALICE, "credit": "fee_income:KES", "amount": 700},
        {"debit": ALICE, "credit": BOB, "amount": 20_000},
    ]


def test_an_unknown_transaction_is_404(api, db):
    response = api.get("/api/v1/transactions/ABCDEFGHJK")
    assert response.status_code == 404
    assert error_code(response) == "unknown_transaction"


# --- Health and documents ----------------------------------------------------------------------


def test_health_answers_ok_without_authentication(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")  # ignored: no authentication
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_health_is_503_when_the_database_does_not_answer(db, monkeypatch):
    def refuse() -> None:
        raise OperationalError("connection refused")

    with monkeypatch.context() as patch:
        patch.setattr(connection, "cursor", refuse)
        response = APIClient().get("/api/v1/health")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unavailable"}


def test_the_openapi_schema_describes_the_transfer_endpoint(db):
    response = APIClient().get("/api/schema/")
    assert response.status_code == 200
    schema = response.content.decode()
    assert "/api/v1/transfers" in schema
    assert "Idempotency-Key" in schema


def test_the_docs_page_is_served_offline_from_the_sidecar(db):
    response = APIClient().get("/api/docs/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in response.content.decode()


# --- PIN secrecy -------------------------------------------------------------------------------


def _without_timestamps(content: bytes) -> str:
    """The body as text minus `created_at` (microseconds could spell 4 digits by chance)."""
    body = json.loads(content)
    if isinstance(body, dict):
        body.pop("created_at", None)
    return json.dumps(body)


def test_no_pin_reaches_the_logs_or_a_response(api, alice, bob, fund, caplog):
    fund(alice, 100_000)
    caplog.set_level(logging.DEBUG)
    responses = [
        transfer(api, key="wrong", pin=WRONG_PIN),
        transfer(api, key="malformed", pin=WRONG_PIN, amount=-1),
        transfer(api, key="right", pin=ALICE_PIN),
    ]
    assert [r.status_code for r in responses] == [403, 400, 201]
    assert caplog.records, "the API logs its answers; this test must see them"
    formatter = logging.Formatter("%(name)s %(message)s")
    for record in caplog.records:
        text = formatter.format(record) + repr(record.args)
        assert ALICE_PIN not in text
        assert WRONG_PIN not in text
    for response in responses:
        body = _without_timestamps(response.content)
        assert ALICE_PIN not in body
        assert WRONG_PIN not in body
        assert '"pin"' not in body


def test_the_report_of_an_unexpected_error_hides_the_pin(
    api, alice, bob, fund, caplog, monkeypatch
):
    fund(alice, 100_000)

    def crash(**kwargs: Any) -> None:
        raise RuntimeError("the ledger is on fire")

    monkeypatch.setattr("wallets.api.views.send_money", crash)
    api.raise_request_exception = False
    assert transfer(api).status_code == 500
    [record] = [r for r in caplog.records if r.name == "django.request" and r.exc_info]
    report = ExceptionReporter(record.request, *record.exc_info).get_traceback_text()
    assert "the ledger is on fire" in report
    assert "send_with_pin" in report  # the frame that held the PIN is in the report...
    assert ALICE_PIN not in report  # ...with its value hidden
    assert sends() == 0
