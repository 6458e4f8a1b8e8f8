"""Mandate caps hold under concurrent debits through the API (real threads, PostgreSQL)."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.utils import timezone

from merchants import services
from tests.conftest import balance
from tests.threads import run_together


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_debits_cannot_pass_the_daily_cap(api, partner, alice, fund):
    fund(alice, 1_000_000)
    mandate = services.create_mandate(
        customer=alice.customer,
        merchant=partner,
        max_per_payment=10_000,
        max_daily=30_000,
        ends_on=timezone.localdate() + datetime.timedelta(days=1),
        idempotency_key=str(uuid.uuid4()),
        channel="ussd",
        approved=True,
    )
    body = {
        "amount": "100.00",
        "currency": "KES",
        "debitParty": [{"key": "mandatereference", "value": mandate.reference}],
    }

    def debit(_: int) -> int:
        return api.post("/transactions/type/merchantpay", body).status_code

    statuses = run_together(8, debit)
    assert statuses.count(201) == 3, statuses
    assert set(statuses) == {201, 400}
    assert balance(alice) == 1_000_000 - 30_000
