"""A partner cannot point our callbacks at our own network (see merchants/addresses.py)."""

from __future__ import annotations

from tests.gsma.conftest import assert_error
from tests.gsma.test_transactions import pay_body


def test_a_partner_cannot_name_a_private_callback(settings, api, partner, alice, fund):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    fund(alice, 100_000)
    response = api.post(
        "/transactions/type/merchantpay",
        pay_body(debitParty=[{"key": "msisdn", "value": "0712000001"}]),
        headers={"X-Callback-URL": "http://169.254.169.254/latest/meta-data/"},
    )
    assert_error(response, 400, "validation")
    assert not alice.customer.payment_requests.exists()
