"""Every write through the wallet and agent APIs is recorded, with the PIN masked."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from audit.models import AuditRecord
from audit.snapshots import MASK
from tests.agents.conftest import ASSISTANT_PIN, KES
from tests.agents.test_agent_api import device_client
from tests.audit.conftest import as_text, records
from tests.conftest import balance
from tests.wallets.test_api import ALICE_PIN, transfer

pytestmark = pytest.mark.django_db


def test_a_transfer_is_recorded_with_its_client_status_and_key_and_without_the_pin(
    api, alice, bob, fund
):
    fund(alice, 100_000)
    response = transfer(api, key="order-7781")
    assert response.status_code == 201

    entry = records(channel="api").get()
    assert entry.actor == User.objects.get(username="partner-app")
    assert entry.actor_label == "partner-app"
    assert (entry.method, entry.path, entry.status_code) == ("POST", "/api/v1/transfers", 201)
    assert entry.action == "api-transfers"
    assert entry.idempotency_key == "order-7781"
    assert entry.details["reference"] == response.json()["reference"]
    assert entry.details["body"] == {
        "sender": "0712000001",
        "recipient": "+254712000002",
        "amount": 20_000,
        "pin": MASK,
    }
    assert ALICE_PIN not in as_text(entry)


def test_a_refused_transfer_is_recorded_with_its_error(api, alice, bob, fund):
    fund(alice, 100_000)
    response = transfer(api, key="order-7782", pin="9753")
    assert response.status_code == 403
    entry = records(channel="api").get()
    assert (entry.status_code, entry.details["error"]) == (403, "wrong_pin")
    assert "9753" not in as_text(entry)


def test_a_request_without_a_token_is_recorded_without_an_actor(db):
    response = APIClient().post("/api/v1/transfers", {"pin": "2468"}, format="json")
    assert response.status_code == 401
    entry = records(channel="api").get()
    assert (entry.actor, entry.actor_label, entry.status_code) == (None, "", 401)
    assert entry.details["body"] == {"pin": MASK}


def test_reads_are_not_recorded(api, alice):
    assert api.get("/api/v1/wallets/+254712000001/balance", {"currency": "KES"}).status_code == 200
    assert not records(channel="api").exists()


def test_an_agent_app_write_names_the_device_and_masks_pin_and_code(network, wanjiku):
    counter = device_client(network.assistant)
    body = {"phone": "+254700100101", "amount": 500 * KES, "id_number": "28451937"}
    response = counter.post(
        "/api/v1/agent/cash-ins",
        body | {"pin": ASSISTANT_PIN},
        format="json",
        headers={"Idempotency-Key": "till-3-0042", "X-Request-ID": "req-7f3a"},
    )
    assert response.status_code == 201

    entry = records(channel="agent_api").get()
    assert entry.actor is None
    assert entry.actor_label.startswith("agentdevice:")
    assert "test phone" in entry.actor_label
    assert "Kevin Mutua" in entry.actor_label
    assert (entry.action, entry.status_code) == ("agent-api-cash-ins", 201)
    assert (entry.idempotency_key, entry.request_id) == ("till-3-0042", "req-7f3a")
    assert entry.details["body"] == body | {"pin": MASK}
    assert ASSISTANT_PIN not in as_text(entry)


def test_a_failing_audit_write_never_breaks_a_transfer(api, alice, bob, fund, monkeypatch, caplog):
    def refuse(*args, **kwargs):
        raise RuntimeError("the audit table is unavailable")

    fund(alice, 100_000)
    monkeypatch.setattr(AuditRecord.objects, "bulk_create", refuse)
    response = transfer(api, key="order-7783")
    assert response.status_code == 201
    assert balance(bob) == 20_000
    assert "audit: 1 record(s) not written (api-transfers)" in caplog.text
