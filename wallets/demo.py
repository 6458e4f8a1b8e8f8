"""The demo network that `manage.py seed_demo` creates, in one place so the README can list it.

Data only; the command does the seeding. The password and token are public on purpose, which
is why the command refuses to run with DEBUG off unless told to.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from wallets.models import KycTier

CURRENCY = "KES"
KES = 100  # minor units per shilling


@dataclass(frozen=True)
class DemoCustomer:
    phone: str
    name: str
    pin: str
    kyc_tier: str
    id_number: str
    date_of_birth: datetime.date | None
    funding: int  # minor units issued into the wallet; 0 for none


@dataclass(frozen=True)
class DemoTransfer:
    sender: str
    recipient: str
    amount: int


CUSTOMERS = [
    DemoCustomer(
        "+254700100101",
        "Wanjiku Kamau",
        "4821",
        KycTier.TIER_1,
        "28451937",
        datetime.date(1990, 4, 12),
        25_000 * KES,
    ),
    DemoCustomer(
        "+254711100102",
        "Otieno Ochieng",
        "7395",
        KycTier.TIER_1,
        "23718460",
        datetime.date(1985, 11, 3),
        10_000 * KES,
    ),
    DemoCustomer(
        "+254722100103",
        "Achieng Odhiambo",
        "5062",
        KycTier.TIER_1,
        "33604128",
        datetime.date(1996, 7, 21),
        5_000 * KES,
    ),
    DemoCustomer(
        "+254733100104",
        "Mwangi Njoroge",
        "9147",
        KycTier.TIER_1,
        "12935074",
        datetime.date(1978, 2, 28),
        1_500 * KES,
    ),
    # Phone only: can receive, cannot send until registered with an ID (tier 0 has no limits).
    DemoCustomer("+254110100105", "Chebet Kiprono", "3816", KycTier.TIER_0, "", None, 0),
]
# One send, so the demo shows a fee, a statement line and fee income.
TRANSFERS = [DemoTransfer("+254700100101", "+254711100102", 1_200 * KES)]


@dataclass(frozen=True)
class DemoPaymentRequest:
    requester: str
    payer: str
    amount: int
    note: str


# Waiting in Wanjiku's My account → Pending requests.
PAYMENT_REQUESTS = [
    DemoPaymentRequest("+254711100102", "+254700100101", 350 * KES, "Shared taxi to town")
]
# Kenya's seeded rules open no tier by phone (M-Pesa registers at agents); the demo opens
# tier 1, so a new number can try self-registration in the simulator.
SELF_REGISTRATION_TIER = KycTier.TIER_1

STAFF_USERNAME = "admin"
STAFF_PASSWORD = "admin-demo-2468"  # noqa: S105 - a documented demo login
STAFF_EMAIL = "admin@example.com"
PARTNER_USERNAME = "demo-partner"
PARTNER_TOKEN = "5eedcafe5eedcafe5eedcafe5eedcafe5eedcafe"  # noqa: S105 - a documented demo token


def fund_key(phone: str) -> str:
    return f"demo:fund:{phone}"


def transfer_key(transfer: DemoTransfer) -> str:
    return f"demo:send:{transfer.sender}:{transfer.recipient}:{transfer.amount}"


def payment_request_key(request: DemoPaymentRequest) -> str:
    return f"demo:request:{request.requester}:{request.payer}:{request.amount}"
