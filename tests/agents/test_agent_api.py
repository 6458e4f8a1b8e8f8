"""The agent API: a device token per assistant, the assistant's PIN per operation."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from agents import services
from agents.models import AgentDevice, CashCount
from tests.agents.conftest import ASSISTANT_PIN, KES, OWNER_PIN, Network, balance_of
from wallets.models import Customer, Transaction, TransactionKind

BASE = "/api/v1/agent"


def device_client(assistant) -> APIClient:
    token = services.issue_device_token(assistant=assistant, name="test phone")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Device {token}")
    return client


@pytest.fixture
def counter(network: Network) -> APIClient:
    """The assistant at store 2."""
    return device_client(network.assistant)


@pytest.fixture
def owner(network: Network) -> APIClient:
    return device_client(network.owner)


def post(client: APIClient, path: str, body: dict, key: str | None = "k-1"):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(f"{BASE}/{path}", body, format="json", headers=headers)


def test_without_a_device_token_every_endpoint_is_401(network):
    anonymous = APIClient()
    assert anonymous.get(f"{BASE}/me").status_code == 401
    stranger = APIClient()
    stranger.credentials(HTTP_AUTHORIZATION="Device not-a-token")
    response = stranger.post(f"{BASE}/cash-ins", {}, format="json")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_a_revoked_device_is_refused(network, counter):
    AgentDevice.objects.update(revoked_at="2026-01-01T00:00:00Z")
    assert counter.get(f"{BASE}/me").status_code == 401


def test_the_profile_shows_the_store_and_the_float(counter):
    body = counter.get(f"{BASE}/me").json()
    assert (body["agent_number"], body["store_number"]) == ("100201", "2")
    assert body["float"] == {"balance": 10_000 * KES, "available": 10_000 * KES, "currency": "KES"}


def test_a_quote_names_the_customer_and_the_commission_before_the_pin(counter, wanjiku):
    response = post(
        counter, "quotes", {"operation": "cash_out", "phone": "0700100101", "amount": 1_000 * KES}
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["customer_name"], body["fee"]) == ("Wanjiku Kamau", 29 * KES)
    assert not Transaction.objects.filter(kind=TransactionKind.CASH_OUT).exists()


def test_a_cash_in_posts_once_and_a_retry_replays_without_the_pin(network, counter, wanjiku):
    body = {"phone": "+254700100101", "amount": 500 * KES, "id_number": "28451937"}
    first = post(counter, "cash-ins", body | {"pin": ASSISTANT_PIN})
    assert first.status_code == 201, first.json()
    assert first.json()["float_balance"] == 9_500 * KES
    again = post(counter, "cash-ins", body | {"pin": "0000"})
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["reference"] == first.json()["reference"]
    assert balance_of(wanjiku) == 6_500 * KES
    conflict = post(counter, "cash-ins", body | {"amount": 600 * KES, "pin": ASSISTANT_PIN})
    assert conflict.status_code == 409


def test_a_wrong_pin_is_403_and_a_direct_deposit_422_and_nothing_moves(counter, wanjiku):
    body = {"phone": "0700100101", "amount": 500 * KES, "id_number": "28451937"}
    wrong = post(counter, "cash-ins", body | {"pin": "1111"})
    assert wrong.status_code == 403
    assert wrong.json()["error"]["attempts_left"] == 2
    other = post(counter, "cash-ins", body | {"id_number": "99999999", "pin": ASSISTANT_PIN}, "k2")
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "depositor_mismatch"
    assert balance_of(wanjiku) == 6_000 * KES


def test_a_missing_idempotency_key_is_400(counter, wanjiku):
    body = {"phone": "0700100101", "amount": 500 * KES, "id_number": "28451937"}
    response = post(counter, "cash-ins", body | {"pin": ASSISTANT_PIN}, key=None)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_idempotency_key"


def test_a_code_cash_out_pays_once(counter, wanjiku):
    code, _row = services.create_withdrawal_code(customer=wanjiku.customer, amount=1_000 * KES)
    body = {"phone": "0700100101", "amount": 1_000 * KES, "code": code, "pin": ASSISTANT_PIN}
    response = post(counter, "code-cash-outs", body)
    assert response.status_code == 201, response.json()
    assert balance_of(wanjiku) == 4_971 * KES
    reused = post(counter, "code-cash-outs", body, key="k-2")
    assert reused.status_code == 422
    assert balance_of(wanjiku) == 4_971 * KES


def test_registration_at_an_agent_and_its_retry(counter):
    body = {
        "phone": "0722555111",
        "name": "Amina Hassan",
        "id_number": "30111222",
        "date_of_birth": "1995-06-15",
        "pin": ASSISTANT_PIN,
    }
    first = post(counter, "customers", body)
    assert first.status_code == 201, first.json()
    assert first.json()["phone"] == "+254722555111"
    again = post(counter, "customers", body)
    assert again.status_code == 200
    assert Customer.objects.filter(phone="+254722555111").count() == 1


def test_only_the_owner_buys_float(network, owner, counter):
    refused = post(counter, "float/buy", {"amount": 1_000 * KES, "pin": ASSISTANT_PIN})
    assert refused.status_code == 403
    bought = post(owner, "float/buy", {"amount": 1_000 * KES, "pin": OWNER_PIN})
    assert bought.status_code == 201, bought.json()
    assert bought.json()["float_balance"] == 11_000 * KES
    assert balance_of(network.agent.float_account) == 11_000 * KES


def test_the_statement_and_a_cash_count(owner):
    lines = owner.get(f"{BASE}/statement?limit=5").json()
    assert lines[0]["amount"] == 10_000 * KES  # the float bought when the network was built
    count = post(owner, "cash-counts", {"counted": 4_900 * KES, "pin": OWNER_PIN}, key="c1")
    assert count.status_code == 201
    assert count.json()["variance"] == -100 * KES
    again = post(owner, "cash-counts", {"counted": 4_900 * KES, "pin": "0000"}, key="c1")
    assert again.json() == count.json()  # a retry records nothing new and costs no PIN try
    assert CashCount.objects.count() == 1


def test_the_pin_never_comes_back_in_an_answer(counter, wanjiku):
    body = {"phone": "0700100101", "amount": 500 * KES, "id_number": "28451937"}
    response = post(counter, "cash-ins", body | {"pin": "9753"})
    assert "9753" not in response.content.decode()


def test_the_openapi_document_describes_every_endpoint_without_a_warning(db, tmp_path):
    schema = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(schema))
    text = schema.read_text()
    assert "/api/v1/agent/cash-ins:" in text
    assert "deviceToken" in text


def test_an_agents_quote_does_not_reveal_the_customers_balance(counter, wanjiku):
    # Wanjiku holds KES 6,000: a cash-out quote for more still answers, naming only the fee.
    response = post(
        counter, "quotes", {"operation": "cash_out", "phone": "0700100101", "amount": 9_000 * KES}
    )
    assert response.status_code == 200
    assert response.json()["fee"] == 115 * KES


def test_a_suspended_assistant_reads_nothing(network, counter):
    type(network.assistant).objects.filter(pk=network.assistant.pk).update(status="suspended")
    for path in ("me", "statement"):
        response = counter.get(f"{BASE}/{path}")
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "assistant_not_active"
