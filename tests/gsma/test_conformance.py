"""Replays the GSMA specification's example requests (tests/gsma/spec_examples.json) and
checks our responses' shape: required fields, enums, amount strings, the error object."""

from __future__ import annotations

import datetime
import json
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from merchants import services
from tests.gsma.conftest import fund_business

SPEC = json.loads((Path(__file__).parent / "spec_examples.json").read_text())
AMOUNT = re.compile(SPEC["amountPattern"])


def substitute(value: Any, names: dict[str, str]) -> Any:
    text = json.dumps(value)
    for name, replacement in names.items():
        text = text.replace("{" + name + "}", replacement)
    return json.loads(text)


def check_shape(body: dict[str, Any], schema: str) -> None:
    missing = set(SPEC["required"][schema]) - set(body)
    assert not missing, f"{schema} lacks {missing}: {body}"
    for key, allowed in SPEC["enums"].items():
        owner, _, field = key.rpartition(".")
        if owner in ("", schema) and field in body:
            assert body[field] in allowed, (field, body[field])
    for field in ("amount", "requestAmount", "amountLimit", "feeAmount"):
        if field in body:
            assert AMOUNT.fullmatch(body[field]), (field, body[field])


@pytest.mark.parametrize("example", SPEC["examples"], ids=lambda example: example["name"])
def test_the_specifications_example_gets_a_conforming_answer(example, api, partner, alice, fund):
    fund(alice, 100_000)
    fund_business(partner, 100_000)
    mandate = services.create_mandate(
        customer=alice.customer,
        merchant=partner,
        max_per_payment=10_000,
        max_daily=10_000,
        ends_on=timezone.localdate() + datetime.timedelta(days=1),
        idempotency_key=str(uuid.uuid4()),
        channel="ussd",
        approved=True,
    )
    today = timezone.localdate()
    names = {
        "msisdn": "+254712000001",
        "currency": "KES",
        "mandateReference": mandate.reference,
        "today": today.isoformat(),
        "nextYear": (today.replace(year=today.year + 1)).isoformat(),
    }
    path = substitute(example["path"], names)
    if example["method"] == "GET":
        response = api.get(path)
    else:
        response = api.send(example["method"], path, substitute(example["body"], names))
    assert response.status_code == example["status"], response.content
    check_shape(response.json(), example["schema"])
    if example["schema"] == "responseQuotation":
        check_shape(response.json()["quotes"][0], "quotes")
