"""An agent's owner buys float from the agent's own M-Pesa or MoMo: by the service, the agent
menu (4 -> 6) and the agent API, against the operator simulator over real HTTP both ways.

The network is tests/agents/conftest.py's, built with phones ending 05xx so that the simulator
lets WANJIKU SHOP's registered phone (+254720300501) pay; the default network's agent phone
ends 0001, which the simulator always cancels (the failure cases use that).
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation
from rest_framework.test import APIClient

from agents import errors as agent_errors
from agents import services as agents
from agents.models import NetworkStatus
from operators import services as operators
from operators.models import Operator, OperatorRequest, RequestState
from operators.notices import FLOAT_FAILED
from tests.agents.conftest import (
    KES,
    OWNER_PIN,
    Network,
    balance_of,
    build_network,
    on,
    sms_texts,
)
from tests.operators.conftest import eager_tasks, momo, mpesa, settled
from tests.operators.simulator_fixture import operator_simulator
from tests.ussd.conftest import Phone
from ussd.sms.models import SmsMessage
from ussd.sms.receipts import receipts_for
from wallets import errors, outbox
from wallets.models import Transaction, TransactionKind

# The simulator's fixtures, used by name below.
__all__ = ["eager_tasks", "momo", "mpesa", "operator_simulator", "settled"]

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BASE = "/api/v1/agent"
AGENT_PHONE = "+254720300501"


@pytest.fixture
def network(db) -> Network:
    """WANJIKU SHOP (agent 100201) with KES 10,000 of float; its phone can pay the simulator."""
    return build_network(phone_offset=5)


@pytest.fixture
def cancelling_network(db) -> Network:
    """The same shop registered with a phone that declines every PIN prompt (it ends 0001)."""
    return build_network()


def settlement(operator: Operator) -> int:
    return operators.settlement_account(operator).current_balance()


def buy(
    network: Network, operator: Operator, amount: int, key: str = "float-1", assistant=None
) -> OperatorRequest:
    return agents.buy_float_from_operator(
        assistant=assistant or network.owner,
        operator=operator,
        amount=amount,
        idempotency_key=key,
        channel="ussd",
    )


@pytest.mark.parametrize("operator_name", ["mpesa", "momo"])
def test_the_owner_buys_float_from_the_agents_own_account_credited_once_with_an_sms(
    request, operator_name, network, settled
):
    operator = request.getfixturevalue(operator_name)
    started = buy(network, operator, 500 * KES)
    assert (started.phone, started.amount, started.wallet_id) == (
        AGENT_PHONE,
        500 * KES,
        network.agent.float_account_id,
    )
    done = settled(started)
    assert done.state == RequestState.SUCCEEDED, (done.reason, done.detail)
    assert balance_of(network.agent.float_account) == 10_500 * KES
    assert settlement(operator) == -500 * KES  # the money is now ours at the operator
    (posted,) = Transaction.objects.filter(kind=TransactionKind.OPERATOR_TOP_UP)
    (posting,) = posted.postings.all()
    assert (posting.debit_account_id, posting.credit_account_id) == (
        operators.settlement_account(operator).pk,
        network.agent.float_account_id,
    )
    assert posted.metadata["operation"] == "operator_float"
    assert posted.metadata["agent_id"] == network.agent.pk
    assert posted.metadata["channel"] == "ussd"

    outbox.drain()
    outbox.drain()  # a second delivery queues nothing more
    assert sms_texts(posted) == {
        AGENT_PHONE: f"{posted.reference} Confirmed. KES 500 float bought from your "
        f"{operator.name} {on(posted)}. New float KES 10,500."
    }
    # The customer receipts pass it by: the float is not a customer wallet.
    assert receipts_for(posted) == []

    again = buy(network, operator, 500 * KES)
    assert again == done
    assert balance_of(network.agent.float_account) == 10_500 * KES


def test_the_receipt_is_in_the_agents_language(network, mpesa, settled):
    network.agent.language = "sw"
    network.agent.save(update_fields=["language"])
    done = settled(buy(network, mpesa, 2_000 * KES))
    assert done.state == RequestState.SUCCEEDED
    outbox.drain()
    assert sms_texts(done.transaction)[AGENT_PHONE].startswith(
        f"{done.transaction.reference} Imethibitishwa. Umenunua float ya KES 2,000 kutoka "
        "M-Pesa yako "
    )


def test_a_declined_purchase_moves_nothing_and_tells_the_agent(cancelling_network, mpesa, settled):
    network = cancelling_network
    network.agent.language = "sw"
    network.agent.save(update_fields=["language"])
    done = settled(buy(network, mpesa, 500 * KES))
    assert (done.state, done.reason) == (RequestState.FAILED, "cancelled")
    assert balance_of(network.agent.float_account) == 10_000 * KES
    assert settlement(mpesa) == 0
    assert not Transaction.objects.filter(kind=TransactionKind.OPERATOR_TOP_UP).exists()
    with translation.override("sw"):
        expected = str(FLOAT_FAILED).format(amount="KES 500", operator="M-Pesa")
    (notice,) = SmsMessage.objects.filter(to=network.agent.phone)
    assert (notice.text, notice.language) == (expected, "sw")
    assert notice.text.startswith("Ununuzi wa float")


def test_an_assistant_who_is_not_the_owner_is_refused(network, mpesa):
    with pytest.raises(agent_errors.OwnerOnly):
        buy(network, mpesa, 500 * KES, assistant=network.assistant)
    assert not OperatorRequest.objects.exists()


@pytest.mark.parametrize("level", ["agent", "aggregator"])
def test_a_suspended_agent_or_head_office_is_refused(network, mpesa, level):
    suspended = network.agent if level == "agent" else network.aggregator
    suspended.status = NetworkStatus.SUSPENDED
    suspended.save(update_fields=["status"])
    with pytest.raises(agent_errors.AgentNotActive):
        buy(network, mpesa, 500 * KES)
    assert not OperatorRequest.objects.exists()


def test_the_same_key_for_another_purchase_is_a_conflict(network, mpesa, momo, settled):
    settled(buy(network, mpesa, 500 * KES, key="k"))
    with pytest.raises(errors.IdempotencyConflict):
        buy(network, mpesa, 600 * KES, key="k")
    with pytest.raises(errors.IdempotencyConflict):
        buy(network, momo, 500 * KES, key="k")
    assert OperatorRequest.objects.count() == 1
    assert balance_of(network.agent.float_account) == 10_500 * KES


def test_cents_from_mpesa_and_a_switched_off_operator_are_refused(network, mpesa):
    with pytest.raises(errors.InvalidAmount):
        buy(network, mpesa, 500 * KES + 50)
    Operator.objects.filter(pk=mpesa.pk).update(active=False)
    mpesa.refresh_from_db()
    with pytest.raises(errors.LedgerError, match="not available"):
        buy(network, mpesa, 500 * KES)
    assert not OperatorRequest.objects.exists()


# --- the agent menu ---


def test_the_owner_buys_float_by_mobile_money_in_the_agent_menu(
    client: Client, network, mpesa, momo, settled
):
    owner = Phone(client, network.owner.phone)
    assert owner.dial("4") == (
        "CON Float\n1. Balances\n2. Mini statement\n3. Commission to float\n4. Buy float\n"
        "5. Return float\n6. Buy by mobile money\n0. Back"
    )
    assert owner.type("6") == "CON Buy float by mobile money\n1. M-Pesa\n2. MTN MoMo\n0. Back"
    assert owner.type("3") == (
        "CON Invalid choice. Try again.\nBuy float by mobile money\n1. M-Pesa\n2. MTN MoMo\n0. Back"
    )
    assert owner.type("1") == "CON Buy float from your M-Pesa\nEnter amount\n0. Back"
    assert owner.type("1500.50") == (
        "CON Enter whole shillings, like 500.\nBuy float from your M-Pesa\nEnter amount\n0. Back"
    )
    assert owner.type("1500") == (
        "CON Buy float KES 1,500 from M-Pesa 0720300501?\nEnter agent PIN\n0. Back"
    )
    assert owner.type(OWNER_PIN) == (
        "END Check your phone: enter your M-Pesa PIN to pay KES 1,500. You will get an SMS."
    )
    (started,) = OperatorRequest.objects.all()
    assert started.metadata["channel"] == "ussd"
    assert settled(started).state == RequestState.SUCCEEDED
    assert owner.resend().startswith("END Check your phone")  # a retried hop asks nothing more
    assert OperatorRequest.objects.count() == 1
    assert balance_of(network.agent.float_account) == 11_500 * KES
    outbox.drain()
    posted = OperatorRequest.objects.get().transaction
    assert posted is not None
    assert sms_texts(posted)[AGENT_PHONE].startswith(
        f"{posted.reference} Confirmed. KES 1,500 float bought from your M-Pesa on "
    )


def test_the_menu_in_kiswahili_and_an_assistants_refusal(client: Client, network, mpesa):
    network.owner.language = "sw"
    network.owner.save(update_fields=["language"])
    owner = Phone(client, network.owner.phone)
    assert owner.dial("4", "6") == "CON Nunua float kwa pesa ya simu\n1. M-Pesa\n0. Rudi"
    assert owner.type("1") == "CON Nunua float kutoka M-Pesa yako\nWeka kiasi\n0. Rudi"
    assert owner.type("800") == (
        "CON Nunua float KES 800 kutoka M-Pesa 0720300501?\nWeka PIN ya wakala\n0. Rudi"
    )
    assistant = Phone(client, network.assistant.phone)
    assert assistant.dial("4", "6", "1", "800", "6182") == "END Only the store owner can do this."
    assert not OperatorRequest.objects.exists()


def test_with_no_operator_switched_on_the_menu_says_so(client: Client, network, mpesa):
    Operator.objects.update(active=False)
    owner = Phone(client, network.owner.phone)
    assert owner.dial("4", "6") == "END Mobile money is not available now. Please try later."


# --- the agent API ---


def device(assistant) -> APIClient:
    client = APIClient()
    token = agents.issue_device_token(assistant=assistant, name="test phone")
    client.credentials(HTTP_AUTHORIZATION=f"Device {token}")
    return client


def start(client: APIClient, body: dict, key: str | None = "top-up-1"):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(f"{BASE}/float/top-ups", body, format="json", headers=headers)


def test_the_api_starts_a_purchase_once_per_key_and_shows_its_state(network, mpesa, momo, settled):
    owner = device(network.owner)
    body = {"operator": "mpesa", "amount": 700 * KES, "pin": OWNER_PIN}
    first = start(owner, body)
    assert first.status_code == 202, first.json()
    answer = first.json()
    assert {key: answer[key] for key in ("operator", "amount", "currency", "phone")} == {
        "operator": "mpesa",
        "amount": 700 * KES,
        "currency": "KES",
        "phone": AGENT_PHONE,
    }
    assert answer["state"] in (RequestState.PENDING, RequestState.SUCCEEDED)
    assert first["Location"].endswith(f"{BASE}/float/top-ups/{answer['reference']}")
    assert "Idempotent-Replayed" not in first

    again = start(owner, body | {"pin": "0000"})  # a retry is answered before the PIN
    assert again.status_code == 202
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["reference"] == answer["reference"]
    assert start(owner, body | {"amount": 800 * KES}).status_code == 409
    assert start(owner, body | {"operator": "momo"}).status_code == 409

    done = settled(OperatorRequest.objects.get(reference=answer["reference"]))
    assert done.metadata["channel"] == "agent"
    shown = owner.get(f"{BASE}/float/top-ups/{answer['reference']}")
    assert shown.status_code == 200
    assert (shown.json()["state"], shown.json()["transaction"]) == (
        "succeeded",
        done.transaction.reference,
    )
    assert device(network.assistant).get(first["Location"]).status_code == 200  # same agent
    assert OperatorRequest.objects.count() == 1
    assert balance_of(network.agent.float_account) == 10_700 * KES


def test_another_agents_purchase_is_not_found(network, mpesa, settled):
    body = {"operator": "mpesa", "amount": 700 * KES, "pin": OWNER_PIN}
    reference = start(device(network.owner), body).json()["reference"]
    other = build_network(agent_number="100202", phone_offset=7)
    stranger = device(other.owner)
    assert stranger.get(f"{BASE}/float/top-ups/{reference}").status_code == 404
    assert stranger.get(f"{BASE}/float/top-ups/not-a-reference").status_code == 404
    settled(OperatorRequest.objects.get())  # the operator's callback lands before the teardown


def test_the_api_refuses_what_it_must_before_asking_the_operator(network, mpesa):
    owner = device(network.owner)
    body = {"operator": "mpesa", "amount": 700 * KES, "pin": OWNER_PIN}
    missing = start(owner, body, key=None)
    assert missing.status_code == 400
    assert missing.json()["error"]["code"] == "invalid_idempotency_key"
    wrong_pin = start(owner, body | {"pin": "1111"}, key="a")
    assert wrong_pin.status_code == 403
    assert wrong_pin.json()["error"]["attempts_left"] == 2
    unknown = start(owner, body | {"operator": "airtel"}, key="b")
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (422, "unknown_operator")
    cents = start(owner, body | {"amount": 700 * KES + 1}, key="c")
    assert cents.status_code == 400
    not_owner = start(device(network.assistant), body | {"pin": "6182"}, key="d")
    assert (not_owner.status_code, not_owner.json()["error"]["code"]) == (403, "owner_only")
    assert not OperatorRequest.objects.exists()
