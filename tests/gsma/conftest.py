"""Partner API fixtures: a funded partner (a merchant with a till) and a signed client."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from gsma import auth
from merchants import credentials, services
from merchants.models import BusinessStatus, Merchant, PartnerCredential, PointKind, Scope
from tests.conftest import new_key
from wallets.models import TransactionKind
from wallets.models.rules import TariffKind

BASE = "/gsma/v1.2/mm"


def fund_business(merchant: Merchant, amount: int) -> None:
    """A business's account is funded from issuance by posting, as a wallet is."""
    from wallets.services.accounts import house_account
    from wallets.services.posting import Leg, post_transaction, request_hash

    issuance = house_account("issuance", merchant.currency)
    post_transaction(
        kind=TransactionKind.FUND,
        idempotency_key=new_key("fund-business"),
        currency=merchant.currency,
        amount=amount,
        legs=[Leg(issuance, merchant.account, amount)],
        fingerprint=request_hash("fund-business", merchant.pk, amount),
        channel="system",
    )


@dataclass
class SignedClient:
    """Signs each request as a partner does (see gsma.auth)."""

    credential: PartnerCredential
    secret: str
    client: Client = field(default_factory=Client)

    def headers(
        self, method: str, path: str, body: bytes, correlation: str = "", date: str | None = None
    ) -> dict[str, str]:
        date = date or timezone.now().isoformat()
        digest = auth.content_hash(body)
        text = auth.canonical(method, path, date, digest, correlation)
        headers = {
            "X-Client-Id": self.credential.client_id,
            "X-Date": date,
            "X-Content-Hash": digest,
            "X-Signature": auth.sign(self.secret, text),
        }
        if correlation:
            headers["X-CorrelationID"] = correlation
        return headers

    def get(self, path: str, **extra: str) -> Any:
        full = BASE + path
        return self.client.get(full, headers={**self.headers("GET", full, b""), **extra})

    def send(
        self,
        method: str,
        path: str,
        data: Any,
        correlation: str | None = None,
        headers: dict[str, str] | None = None,
        date: str | None = None,
    ) -> Any:
        full = BASE + path
        body = json.dumps(data).encode()
        correlation = correlation or str(uuid.uuid4())
        signed = self.headers(method, full, body, correlation, date)
        return self.client.generic(
            method,
            full,
            body,
            content_type="application/json",
            headers={**signed, **(headers or {})},
        )

    def post(self, path: str, data: Any, **kwargs: Any) -> Any:
        return self.send("POST", path, data, **kwargs)


@pytest.fixture
def partner(db) -> Merchant:
    """Kazi Games: a partner with a till, funded with KES 100,000."""
    merchant = services.create_merchant(
        name="Kazi Games Ltd",
        display_name="Kazi Games",
        phone="+254722300009",
        fee_kind=TariffKind.MERCHANT_STANDARD,
        status=BusinessStatus.ACTIVE,
    )
    services.add_payment_point(merchant=merchant, kind=PointKind.TILL, number="700700")
    fund_business(merchant, 10_000_000)
    return merchant


@pytest.fixture
def other_partner(db) -> Merchant:
    return services.create_merchant(
        name="Other Ltd", display_name="Other", phone="+254722300010", status=BusinessStatus.ACTIVE
    )


@pytest.fixture
def make_client(partner) -> Callable[..., SignedClient]:
    def make(scopes: list[str] | None = None, merchant: Merchant | None = None, **extra: Any):
        credential, secret = credentials.issue(
            merchant=merchant or partner, scopes=scopes or [s.value for s in Scope], **extra
        )
        return SignedClient(credential, secret)

    return make


@pytest.fixture
def api(make_client) -> SignedClient:
    return make_client()


def assert_error(response: Any, status: int, category: str, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) >= {"errorCategory", "errorCode", "errorDescription", "errorDateTime"}
    assert body["errorCategory"] == category, body
    if code:
        assert body["errorCode"] == code, body
    assert isinstance(body["errorParameters"], list)
    return body
