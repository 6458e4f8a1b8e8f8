"""System checks: an SMS configuration that cannot send or cannot be called back.

(The development callback token is refused in production by config/settings.py, as the
PIN pepper is: the test runner turns DEBUG off, so a check here would fail every command.)
"""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Error

from ussd.sms import conf
from ussd.sms.backends import BACKENDS


def check_sms_settings(**_: Any) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    name = conf.backend_name()
    if name not in BACKENDS and "." not in name:
        errors.append(
            Error(f"SMS_BACKEND {name!r} is not one of {sorted(BACKENDS)}.", id="sms.E001")
        )
    if name == "africastalking" and not conf.at_api_key():
        errors.append(
            Error("SMS_BACKEND is africastalking but AT_API_KEY is empty.", id="sms.E002")
        )
    if not conf.callback_tokens():
        errors.append(Error("SMS_CALLBACK_TOKEN is empty.", id="sms.E003"))
    return errors
