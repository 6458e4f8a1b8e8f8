"""The airtime settings, with their defaults in one place (minor units of DEFAULT_CURRENCY).

The Africa's Talking username and API key are the SMS app's (`ussd.sms.conf`).
"""

from __future__ import annotations

from django.conf import settings


def backend_name() -> str:
    """ "console" (recorded, not sent: development and demos) or "africastalking"."""
    return str(getattr(settings, "AIRTIME_BACKEND", "console"))


def min_amount() -> int:
    """The smallest airtime purchase: KES 5 by default."""
    return int(getattr(settings, "AIRTIME_MIN_AMOUNT", 500))


def max_amount() -> int:
    """The largest airtime purchase: KES 10,000 by default."""
    return int(getattr(settings, "AIRTIME_MAX_AMOUNT", 1_000_000))
