"""An operator's adapter, configured from its admin row and secrets from the environment.

Credentials are read from `OPERATOR_<CODE>_<NAME>` variables (e.g. OPERATOR_MPESA_CONSUMER_KEY)
and never stored in the database or logged.
"""

from __future__ import annotations

import hashlib
import hmac
import os

from django.conf import settings

from operators.adapters.base import OperatorAdapter, OperatorConfig, adapter_for
from operators.models import Operator

CREDENTIAL_NAMES = {
    "daraja": (
        "consumer_key",
        "consumer_secret",
        "passkey",
        "initiator_name",
        "security_credential",
    ),
    "momo": (
        "subscription_key_collection",
        "subscription_key_disbursement",
        "api_user",
        "api_key",
        "target_environment",
    ),
}


def credentials(operator: Operator) -> dict[str, str]:
    prefix = f"OPERATOR_{operator.code.upper()}_"
    return {
        name: os.environ.get(
            prefix + name.upper(), settings.OPERATOR_DEFAULT_CREDENTIALS.get(name, "")
        )
        for name in CREDENTIAL_NAMES.get(operator.kind, ())
    }


def callback_token(code: str) -> str:
    """The secret in one operator's callback path: `OPERATOR_<CODE>_CALLBACK_TOKEN` if set,
    else derived from OPERATOR_CALLBACK_TOKEN and the code, so a token one operator knows
    opens no other operator's callbacks."""
    if token := os.environ.get(f"OPERATOR_{code.upper()}_CALLBACK_TOKEN", ""):
        return token
    secret = settings.OPERATOR_CALLBACK_TOKEN.encode()
    return hmac.new(secret, f"operator-callback:{code}".encode(), hashlib.sha256).hexdigest()[:40]


def config_of(operator: Operator) -> OperatorConfig:
    token = callback_token(operator.code)
    return OperatorConfig(
        code=operator.code,
        kind=operator.kind,
        base_url=operator.base_url.rstrip("/"),
        currency=operator.currency,
        shortcode=operator.shortcode,
        callback_base_url=f"{operator.callback_base_url.rstrip('/')}/operators/{operator.code}/{token}",
        credentials=credentials(operator),
        timeout_seconds=settings.OPERATOR_TIMEOUT_SECONDS,
    )


def adapter_of(operator: Operator) -> OperatorAdapter:
    return adapter_for(config_of(operator))
