"""The demo operators: simulated M-Pesa (Daraja) and MTN MoMo, served by `make run`'s
operator simulator on 127.0.0.1:SIMULATOR_PORT, calling back our web server."""

from __future__ import annotations

import os

from django.utils import timezone

from operators import safeguarding
from operators.models import Operator, TrustBankBalance

SIMULATOR_PORT = int(os.environ.get("OPERATOR_SIMULATOR_PORT", "8090"))
DARAJA_SHORTCODE = "174379"


def simulator_url() -> str:
    return f"http://127.0.0.1:{SIMULATOR_PORT}"


def seed(callback_base_url: str) -> list[str]:
    """Create (or point again at the simulator) the two demo operators; lines to print."""
    rows = [
        ("mpesa", "M-Pesa", "daraja", f"{simulator_url()}/mpesa", DARAJA_SHORTCODE),
        ("momo", "MTN MoMo", "momo", f"{simulator_url()}/momo", ""),
    ]
    for code, name, kind, base_url, shortcode in rows:
        Operator.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "base_url": base_url,
                "shortcode": shortcode,
                "currency": "KES",
                "callback_base_url": callback_base_url,
            },
        )
    seed_trust_bank()
    return [f"Operators: M-Pesa and MTN MoMo, simulated at {simulator_url()}"]


def seed_trust_bank() -> None:
    """Today's statement of the demo trust bank: exactly what the demo issued into it, so
    the safeguarding check (every minute under `make run`) shows the e-money covered."""
    report = safeguarding.check("KES")
    TrustBankBalance.objects.get_or_create(
        bank="Demo trust bank",
        currency="KES",
        as_of=timezone.localdate(),
        defaults={"balance": report.detail["trust_mirror"]},
    )
