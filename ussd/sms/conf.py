"""The SMS settings, with their development defaults in one place.

Production sets them in the environment (see config/settings.py): `SMS_BACKEND`,
`AT_USERNAME`, `AT_API_KEY`, `AT_SENDER_ID`, `SMS_CALLBACK_TOKEN`, `SMS_PIN_ENABLED`,
`SMS_SESSION_IDLE_MINUTES`.
"""

from __future__ import annotations

from django.conf import settings

# Public on purpose: the development default (config/settings.py refuses it in production).
DEV_CALLBACK_TOKEN = "dev-only-sms-callback-token"  # noqa: S105


def backend_name() -> str:
    """'console' (messages stored and logged; the default) or 'africastalking'."""
    return str(getattr(settings, "SMS_BACKEND", "console"))


def at_username() -> str:
    return str(getattr(settings, "AT_USERNAME", "sandbox"))


def at_api_key() -> str:
    return str(getattr(settings, "AT_API_KEY", ""))


def at_sender_id() -> str | None:
    """The registered alphanumeric sender ID, or None for AT's shared default."""
    return getattr(settings, "AT_SENDER_ID", "") or None


def callback_tokens() -> list[str]:
    """The valid delivery-report URL tokens: the setting, comma-separated so that a new
    token can be added before the old one is removed from the AT dashboard."""
    value = str(getattr(settings, "SMS_CALLBACK_TOKEN", DEV_CALLBACK_TOKEN))
    return [token.strip() for token in value.split(",") if token.strip()]


def sweep_after_seconds() -> float:
    """How long a queued message may sit past its due time before the sweep sends it."""
    return float(getattr(settings, "SMS_SWEEP_AFTER_SECONDS", 60))


def pin_enabled() -> bool:
    """Whether a PIN may be typed in an SMS (off: an SMS stays readable on the handset)."""
    return bool(getattr(settings, "SMS_PIN_ENABLED", False))


def session_idle_minutes() -> float:
    """How long an SMS menu conversation waits for a reply before the next one starts over."""
    return float(getattr(settings, "SMS_SESSION_IDLE_MINUTES", 5))
