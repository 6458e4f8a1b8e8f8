"""Merchant fixtures: an active till merchant and an active pay-bill merchant."""

from __future__ import annotations

import pytest

from merchants import services
from merchants.models import BusinessStatus, Merchant, PaymentPoint, PointKind
from wallets.models.rules import TariffKind


@pytest.fixture
def duka(db) -> Merchant:
    """Mama Duka's shop: a till on the micropayment schedule."""
    merchant = services.create_merchant(
        name="Mama Duka General Stores Ltd",
        display_name="Mama Duka Shop",
        phone="+254722300001",
        fee_kind=TariffKind.MERCHANT_MICRO,
        status=BusinessStatus.ACTIVE,
    )
    services.add_payment_point(merchant=merchant, kind=PointKind.TILL, number="512345")
    return merchant


@pytest.fixture
def duka_till(duka: Merchant) -> PaymentPoint:
    return duka.points.get()


@pytest.fixture
def water(db) -> Merchant:
    """The water company: a pay-bill whose account numbers are 'W' and six digits."""
    merchant = services.create_merchant(
        name="Nairobi Water Ltd",
        display_name="Nairobi Water",
        phone="+254722300002",
        status=BusinessStatus.ACTIVE,
    )
    services.add_payment_point(
        merchant=merchant, kind=PointKind.PAYBILL, number="888880", account_pattern=r"W[0-9]{6}"
    )
    return merchant
