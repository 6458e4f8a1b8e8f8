"""Top-ups and withdrawals through the REST API, as a partner's server sees them, against the
operator simulator over real HTTP (its callbacks arrive at the live server).

Amina (+254722555123) comes from tests/operators/conftest.py; `amina_pin` gives her the PIN
2468. `api` is a client holding a token. Every error answer is
`{"error": {"code": ..., "message": ...}}`, and a refusal moves nothing.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from operators.models import OperatorRequest, RequestState
from tests.conftest import balance, make_customer
from wallets import services as wallet_services
from wallets.models import Account, Customer, Hold, HoldState, Transaction, TransactionKind

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

KES = 100
AMINA = "+254722555123"
PIN = "2468"
WRONG_PIN = "9753"
UUID_OR_TIME = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\d{4}-\d\d-\d\d[T ][\d:.+-]+Z?"
)


def client_for(username: str) -> APIClient:
    user = User.objects.create_user(username=username)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture
def api(db) -> APIClient:
    return client_for("partner-app")


@pytest.fixture
def amina_pin(amina) -> Account:
    wallet_services.set_pin(amina.customer, PIN)
    return amina


def top_up(client: APIClient, key: str | None = "top-up-1", **body: Any) -> Any:
    payload = {"phone": "0722555123", "operator": "mpesa", "amount": 500 * KES}
    headers: dict[str, Any] = {} if key is None else {"HTTP_IDEMPOTENCY_KEY": key}
    return client.post("/api/v1/top-ups", {**payload, **body}, format="json", **headers)


def withdraw(client: APIClient, key: str | None = "withdrawal-1", **body: Any) -> Any:
    payload = {"phone": AMINA, "operator": "mpesa", "amount": 500 * KES, "pin": PIN}
    headers: dict[str, Any] = {} if key is None else {"HTTP_IDEMPOTENCY_KEY": key}
    return client.post("/api/v1/withdrawals", {**payload, **body}, format="json", **headers)


def error_code(response: Any) -> str:
    return response.json()["error"]["code"]


def stored(response: Any) -> OperatorRequest:
    return OperatorRequest.objects.get(reference=response.json()["reference"])


def operator_calls(simulator: Any, kind: str) -> int:
    return sum(1 for t in simulator.state()["transactions"] if t.get("kind") == kind)


def failed_attempts(wallet: Account) -> int:
    return Customer.objects.get(accounts=wallet).failed_pin_attempts


def untouched(wallet: Account, balance_before: int = 0) -> None:
    """Nothing was asked of an operator, held or posted for the wallet."""
    wallet.refresh_from_db()
    assert (wallet.balance, wallet.held) == (balance_before, 0)
    assert not OperatorRequest.objects.exists()
    assert not Hold.objects.filter(account=wallet).exists()


# --- Top-ups -----------------------------------------------------------------------------------


@pytest.mark.parametrize("operator_name", ["mpesa", "momo"])
def test_a_top_up_is_accepted_then_credits_the_wallet_once(
    request, operator_name, api, amina, settled
):
    operator = request.getfixturevalue(operator_name)
    response = top_up(api, operator=operator.code)
    assert response.status_code == 202
    body = response.json()
    assert body.keys() == {
        "reference", "operator", "kind", "phone", "amount", "fee", "currency", "state",
        "reason", "created_at", "finished_at", "transaction",
    }  # fmt: skip
    assert (body["operator"], body["kind"], body["phone"]) == (operator.code, "collection", AMINA)
    assert (body["amount"], body["fee"], body["currency"]) == (500 * KES, 0, "KES")
    assert "Idempotent-Replayed" not in response.headers
    assert response.headers["Location"].endswith(f"/api/v1/operator-requests/{body['reference']}")
    done = settled(stored(response), until_final=True)
    assert done.state == RequestState.SUCCEEDED, (done.reason, done.detail)
    assert balance(amina) == 500 * KES
    (posted,) = Transaction.objects.filter(kind=TransactionKind.OPERATOR_TOP_UP)
    state = api.get(response.headers["Location"])
    assert state.status_code == 200
    assert state.json() == body | {
        "state": "succeeded",
        "finished_at": state.json()["finished_at"],
        "transaction": posted.reference,
    }
    assert state.json()["finished_at"] is not None


def test_a_retried_top_up_returns_the_same_request_and_asks_the_operator_once(
    api, mpesa, operator_simulator, amina, settled
):
    first = top_up(api, key="retry-me")
    settled(stored(first), until_final=True)
    again = top_up(api, key="retry-me", phone=AMINA)  # the same body, written another way
    assert (first.status_code, again.status_code) == (202, 202)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["reference"] == first.json()["reference"]
    assert again.json()["state"] == "succeeded"
    assert again.headers["Location"] == first.headers["Location"]
    operator_simulator.wait_until_idle()
    assert operator_calls(operator_simulator, "collection") == 1
    assert OperatorRequest.objects.count() == 1
    assert balance(amina) == 500 * KES


def test_a_top_up_the_customer_cancels_on_their_phone_fails_and_moves_nothing(api, mpesa, settled):
    wallet = make_customer("+254722550001", "Baraka Cancels").wallet()  # the simulator's script
    response = top_up(api, phone="0722550001")
    assert response.status_code == 202
    done = settled(stored(response), until_final=True)
    state = api.get(response.headers["Location"]).json()
    assert (done.state, state["state"], state["reason"]) == ("failed", "failed", "cancelled")
    assert state["transaction"] is None
    assert balance(wallet) == 0


def test_a_top_up_over_the_tier_limit_is_422_and_asks_the_operator_nothing(
    api, mpesa, operator_simulator, amina
):
    response = top_up(api, amount=250_001 * KES)  # tier 1: KES 250,000 at once
    assert response.status_code == 422
    assert error_code(response) == "limit_per_transaction"
    untouched(amina)
    assert operator_calls(operator_simulator, "collection") == 0


def test_m_pesa_moves_whole_shillings_only(api, mpesa, amina):
    response = top_up(api, amount=500 * KES + 50)
    assert response.status_code == 400
    assert error_code(response) == "invalid_amount"
    assert response.json()["error"]["message"] == "M-Pesa moves whole shillings only."
    untouched(amina)


# --- Withdrawals -------------------------------------------------------------------------------


@pytest.mark.parametrize("operator_name", ["mpesa", "momo"])
def test_a_withdrawal_with_the_right_pin_is_paid_and_its_hold_committed(
    request, operator_name, api, amina_pin, fund, settled
):
    operator = request.getfixturevalue(operator_name)
    fund(amina_pin, 1_000 * KES)
    response = withdraw(api, operator=operator.code)
    assert response.status_code == 202
    body = response.json()
    assert (body["kind"], body["amount"], body["fee"]) == ("payout", 500 * KES, 7 * KES)
    assert "pin" not in body
    payout = settled(stored(response), until_final=True)
    assert payout.state == RequestState.SUCCEEDED, (payout.reason, payout.detail)
    assert payout.hold is not None
    payout.hold.refresh_from_db()
    assert payout.hold.state == HoldState.COMMITTED
    amina_pin.refresh_from_db()
    assert (amina_pin.balance, amina_pin.held) == (1_000 * KES - 507 * KES, 0)
    assert failed_attempts(amina_pin) == 0
    state = api.get(response.headers["Location"]).json()
    assert (state["state"], state["transaction"]) == ("succeeded", payout.transaction.reference)


def test_a_wrong_pin_is_403_counted_and_holds_nothing(
    api, mpesa, operator_simulator, amina_pin, fund
):
    fund(amina_pin, 1_000 * KES)
    response = withdraw(api, pin=WRONG_PIN)
    assert response.status_code == 403
    assert error_code(response) == "wrong_pin"
    assert response.json()["error"]["attempts_left"] == 2
    assert failed_attempts(amina_pin) == 1
    untouched(amina_pin, 1_000 * KES)
    assert operator_calls(operator_simulator, "payout") == 0


def test_a_locked_pin_is_refused_even_when_right(api, mpesa, amina_pin, fund, settings):
    settings.PIN_MAX_ATTEMPTS = 3
    fund(amina_pin, 1_000 * KES)
    answers = [withdraw(api, key=f"guess-{n}", pin=WRONG_PIN) for n in range(3)]
    assert [a.json()["error"]["attempts_left"] for a in answers] == [2, 1, 0]
    response = withdraw(api, key="right")
    assert response.status_code == 403
    assert error_code(response) == "pin_locked"
    untouched(amina_pin, 1_000 * KES)


def test_a_retried_withdrawal_is_answered_before_the_pin_and_pays_once(
    api, mpesa, operator_simulator, amina_pin, fund, settled
):
    fund(amina_pin, 1_000 * KES)
    first = withdraw(api, key="paid")
    settled(stored(first), until_final=True)
    again = withdraw(api, key="paid", pin=WRONG_PIN)  # the PIN is not asked again
    assert (first.status_code, again.status_code) == (202, 202)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["reference"] == first.json()["reference"]
    assert failed_attempts(amina_pin) == 0
    operator_simulator.wait_until_idle()
    assert operator_calls(operator_simulator, "payout") == 1
    assert Hold.objects.filter(account=amina_pin).count() == 1
    assert balance(amina_pin) == 1_000 * KES - 507 * KES


def test_a_withdrawal_over_the_tier_limit_is_422_with_nothing_held(api, mpesa, amina_pin, fund):
    fund(amina_pin, 260_000 * KES)
    response = withdraw(api, amount=250_001 * KES)
    assert response.status_code == 422
    assert error_code(response) == "limit_per_transaction"
    untouched(amina_pin, 260_000 * KES)


def test_a_withdrawal_the_balance_cannot_cover_with_its_fee_is_422(api, mpesa, amina_pin, fund):
    fund(amina_pin, 500 * KES)  # the fee of KES 7 does not fit
    response = withdraw(api)
    assert response.status_code == 422
    assert error_code(response) == "insufficient_funds"
    amina_pin.refresh_from_db()
    assert (amina_pin.balance, amina_pin.held) == (500 * KES, 0)
    assert not OperatorRequest.objects.exists()


# --- Idempotency -------------------------------------------------------------------------------


def test_the_same_key_with_a_different_body_is_409_and_starts_nothing(
    api, mpesa, momo, operator_simulator, amina_pin, fund, settled
):
    fund(amina_pin, 1_000 * KES)
    settled(stored(top_up(api, key="once", amount=100 * KES)), until_final=True)
    answers = [
        top_up(api, key="once", amount=200 * KES),  # another amount
        top_up(api, key="once", amount=100 * KES, operator="momo"),  # another operator
        withdraw(api, key="once", amount=100 * KES),  # another kind
        withdraw(api, key="once", amount=100 * KES, pin=WRONG_PIN),
    ]
    assert [a.status_code for a in answers] == [409, 409, 409, 409]
    assert {error_code(a) for a in answers} == {"idempotency_conflict"}
    assert failed_attempts(amina_pin) == 0  # a conflict costs no PIN try
    assert OperatorRequest.objects.count() == 1
    operator_simulator.wait_until_idle()
    assert operator_calls(operator_simulator, "collection") == 1
    assert operator_calls(operator_simulator, "payout") == 0
    amina_pin.refresh_from_db()
    assert (amina_pin.balance, amina_pin.held) == (1_100 * KES, 0)


def test_a_key_that_sent_a_transfer_cannot_start_a_top_up(api, mpesa, alice, bob, fund):
    fund(alice, 100_000)
    sent = api.post(
        "/api/v1/transfers",
        {"sender": alice.customer.phone, "recipient": bob.customer.phone, "amount": 20_000,
         "pin": "2468"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="shared",
    )  # fmt: skip
    assert sent.status_code == 201
    response = top_up(api, key="shared", phone=alice.customer.phone)
    assert response.status_code == 409
    assert not OperatorRequest.objects.exists()


def test_two_clients_may_use_the_same_key_for_their_own_requests(api, mpesa, amina, settled):
    first, second = top_up(api, key="shared"), top_up(client_for("another-app"), key="shared")
    assert (first.status_code, second.status_code) == (202, 202)
    assert first.json()["reference"] != second.json()["reference"]
    for response in (first, second):
        settled(stored(response), until_final=True)
    assert balance(amina) == 1_000 * KES


@pytest.mark.parametrize("send", [top_up, withdraw])
def test_a_missing_idempotency_key_is_400_before_the_pin_is_tried(
    send, api, mpesa, amina_pin, fund
):
    fund(amina_pin, 1_000 * KES)
    response = send(api, key=None, pin=WRONG_PIN)
    assert response.status_code == 400
    assert error_code(response) == "invalid_idempotency_key"
    assert failed_attempts(amina_pin) == 0
    untouched(amina_pin, 1_000 * KES)


# --- Refusals ----------------------------------------------------------------------------------


@pytest.mark.parametrize("send", [top_up, withdraw])
def test_an_unknown_phone_is_404(send, api, mpesa, amina_pin):
    response = send(api, phone="0799000111")
    assert response.status_code == 404
    assert error_code(response) == "unknown_customer"
    assert not OperatorRequest.objects.exists()


@pytest.mark.parametrize("send", [top_up, withdraw])
def test_an_unknown_operator_is_422_and_costs_no_pin_try(send, api, mpesa, amina_pin, fund):
    fund(amina_pin, 1_000 * KES)
    response = send(api, operator="airtel")
    assert response.status_code == 422
    assert error_code(response) == "unknown_operator"
    assert failed_attempts(amina_pin) == 0
    untouched(amina_pin, 1_000 * KES)


@pytest.mark.parametrize("send", [top_up, withdraw])
def test_an_operator_switched_off_is_422_and_costs_no_pin_try(send, api, mpesa, amina_pin, fund):
    fund(amina_pin, 1_000 * KES)
    mpesa.active = False
    mpesa.save(update_fields=["active"])
    response = send(api, pin=WRONG_PIN)
    assert response.status_code == 422
    assert error_code(response) == "operator_not_available"
    assert response.json()["error"]["message"] == "M-Pesa is not available now. Please try later."
    assert failed_attempts(amina_pin) == 0
    untouched(amina_pin, 1_000 * KES)


@pytest.mark.parametrize(
    "change",
    [
        {"amount": 0},
        {"amount": -500},
        {"amount": "ten"},
        {"currency": "kes"},
        {"phone": "12345"},
        {"operator": "m pesa"},
        {"pin": "24a8"},
        {"pin": " 2468"},
    ],
)
def test_a_malformed_withdrawal_is_400_without_a_pin_try(change, api, mpesa, amina_pin, fund):
    fund(amina_pin, 1_000 * KES)
    response = withdraw(api, **change)
    assert response.status_code == 400
    assert error_code(response) == "invalid_request"
    assert list(response.json()["error"]["field_errors"]) == list(change)
    assert failed_attempts(amina_pin) == 0
    untouched(amina_pin, 1_000 * KES)


def test_a_request_without_a_token_is_401(amina):
    for response in (top_up(APIClient()), withdraw(APIClient())):
        assert response.status_code == 401
        assert error_code(response) == "not_authenticated"
    assert APIClient().get("/api/v1/operator-requests/x").status_code == 401
    assert not OperatorRequest.objects.exists()


# --- Status ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "reference", ["not-a-reference", "00000000-0000-0000-0000-000000000000", "ABCDEFGHJK"]
)
def test_an_unknown_or_malformed_reference_is_404(reference, api):
    response = api.get(f"/api/v1/operator-requests/{reference}")
    assert response.status_code == 404
    assert response.json()["error"] == {
        "code": "unknown_operator_request",
        "message": "No top-up or withdrawal has that reference.",
    }


def test_a_pending_request_shows_as_pending(api, mpesa, operator_simulator, amina):
    operator_simulator.inject("lose_callback", operator="mpesa")
    response = top_up(api)
    operator_simulator.wait_until_idle()
    state = api.get(f"/api/v1/operator-requests/{response.json()['reference'].upper()}")
    assert state.status_code == 200
    assert (state.json()["state"], state.json()["finished_at"]) == ("pending", None)
    assert balance(amina) == 0


# --- PIN secrecy and documents -----------------------------------------------------------------


def test_the_pin_never_reaches_the_logs_nor_the_stored_request(
    api, mpesa, amina_pin, fund, settled, caplog
):
    fund(amina_pin, 1_000 * KES)
    caplog.set_level(logging.DEBUG)
    responses = [
        withdraw(api, key="wrong", pin=WRONG_PIN),
        withdraw(api, key="malformed", pin=WRONG_PIN, amount=-1),
        withdraw(api, key="right"),
    ]
    assert [r.status_code for r in responses] == [403, 400, 202]
    settled(stored(responses[-1]), until_final=True)
    assert caplog.records, "the API logs its answers; this test must see them"
    formatter = logging.Formatter("%(name)s %(message)s")
    for record in caplog.records:
        text = UUID_OR_TIME.sub("", formatter.format(record) + repr(record.args))
        assert PIN not in text
        assert WRONG_PIN not in text
    for response in responses:
        body = UUID_OR_TIME.sub("", response.content.decode())
        assert PIN not in body
        assert WRONG_PIN not in body
        assert '"pin"' not in body
    row = OperatorRequest.objects.values().get()
    hold = Hold.objects.values().get(account=amina_pin)
    texts = [str(v) for v in [*row.values(), *hold.values()] if isinstance(v, (str, dict))]
    assert texts, "the stored request has text fields; this test must see them"
    for text in texts:
        assert PIN not in text
        assert WRONG_PIN not in text


def test_the_openapi_document_describes_the_operator_endpoints_without_a_warning(db, tmp_path):
    schema = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(schema))
    text = schema.read_text()
    for path in ("/api/v1/top-ups:", "/api/v1/withdrawals:", "/api/v1/operator-requests/"):
        assert path in text
