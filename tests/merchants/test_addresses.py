"""Webhooks and partner callbacks never reach our own network outside development (SSRF)."""

from __future__ import annotations

import pytest
import responses

from merchants import webhooks
from merchants.addresses import is_public_url

pytestmark = pytest.mark.usefixtures("refuse_private")


@pytest.fixture
def refuse_private(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://192.168.0.10/hook",
    ],
)
def test_a_private_or_loopback_address_is_not_public(url):
    assert not is_public_url(url)


def test_a_public_address_is_public():
    assert is_public_url("https://8.8.8.8/hook")


def test_development_may_call_its_own_machine(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    assert is_public_url("http://127.0.0.1:8000/hook")


@responses.activate
def test_a_delivery_to_a_private_address_is_refused_without_a_request(duka):
    delivery = webhooks.enqueue(
        merchant=duka,
        event="payment.received",
        event_id="txn:PRIVATE:payment.received",
        payload={"amount": 100},
        url="http://10.0.0.5/hook",
    )
    assert delivery is not None
    attempt = webhooks.send(delivery)
    assert attempt.status is None
    assert "not a public address" in attempt.error
    assert len(responses.calls) == 0
