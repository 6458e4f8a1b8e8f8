"""Where an SMS goes: one small interface, chosen by the `SMS_BACKEND` setting.

    backend.send(to, text) -> SendResult(provider_id, status_code, ok, error, retry, status)

A backend never raises for a refused or failed send: it says whether trying again may help
(`retry`, e.g. a timeout or AT's 500) or not (an invalid number, a blacklisted user).

- `console` (the default): logs one line and succeeds; the message row itself is what the
  phone simulator shows. It reaches no phone, so a sealed secret (`sealed.py`) stays masked.
- `africastalking`: the official SDK's SMS service (`SMSService(username, api_key).send`),
  sandbox when the username is `sandbox`. Every recipient's `statusCode` is checked, never
  only the HTTP status: AT answers 201 even for an invalid sender ID.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any, Protocol

import africastalking
import requests
from africastalking.Service import AfricasTalkingException
from django.utils.module_loading import import_string

from ussd.sms import conf

logger = logging.getLogger(__name__)

# Africa's Talking per-recipient statusCode (reference/ecosystem.md 2.1).
AT_ACCEPTED = {100: "Processed", 101: "Sent", 102: "Queued"}
AT_TRANSIENT = {500: "InternalServerError", 501: "GatewayError", 503: "ServiceUnavailable"}
AT_REFUSED = {
    401: "RiskHold",
    402: "InvalidSenderId",
    403: "InvalidPhoneNumber",
    404: "UnsupportedNumberType",
    405: "InsufficientBalance",
    406: "UserInBlacklist",
    407: "CouldNotRoute",
    409: "DoNotDisturbRejection",
    502: "RejectedByGateway",
}


@dataclass(frozen=True)
class SendResult:
    provider_id: str = ""
    status_code: int | None = None
    ok: bool = False
    error: str = ""
    retry: bool = False  # a failure that may pass if tried again later
    status: str = ""


class SmsBackend(Protocol):
    name: str

    def send(self, to: str, text: str) -> SendResult: ...


class ConsoleBackend:
    name = "console"
    # It only logs: a sealed secret (a start PIN, see sealed.py) reaches it masked.
    reaches_phones = False

    def send(self, to: str, text: str) -> SendResult:
        # Receipts and the other texts carry no PIN, and a start PIN arrives masked, so the
        # text may be logged.
        logger.info("SMS to %s: %s", to, text.replace("\n", " / "))
        return SendResult(provider_id=f"console-{uuid.uuid4().hex}", ok=True, status="Logged")


class AfricasTalkingBackend:
    name = "africastalking"
    reaches_phones = True

    def send(self, to: str, text: str) -> SendResult:
        # What `africastalking.initialize()` would build for `africastalking.SMS`, without
        # the other services (which warn about the sandbox on every call) or module globals.
        # Built per send: no I/O, and the credentials are read when used, never at import.
        sms: Any = africastalking.SMSService(conf.at_username(), conf.at_api_key())
        try:
            response = sms.send(text, [to], sender_id=conf.at_sender_id())
        except ValueError as error:  # the SDK refuses a number that is not +E.164
            return SendResult(error=str(error), status="InvalidPhoneNumber")
        except (requests.RequestException, AfricasTalkingException) as error:
            # A timeout, a refused connection or a non-2xx answer (the body is the message).
            return SendResult(error=f"{type(error).__name__}: {error}"[:500], retry=True)
        return parse_at_response(response, to)


def parse_at_response(response: object, to: str) -> SendResult:
    """Read `SMSMessageData.Recipients[*]` for our one recipient."""
    data = _as_dict(response)
    if data is None:
        # A 2xx we cannot read: AT may or may not have taken the message. Trying again
        # risks a duplicate receipt, which is better than none.
        return SendResult(error=f"Unreadable response: {str(response)[:200]}", retry=True)
    message_data = data.get("SMSMessageData") or {}
    recipients = message_data.get("Recipients") or []
    recipient = next((r for r in recipients if r.get("number") == to), None)
    if recipient is None and len(recipients) == 1:
        recipient = recipients[0]
    if recipient is None:  # e.g. {"Message": "InvalidSenderId", "Recipients": []}
        return SendResult(error=str(message_data.get("Message") or "No recipient in response"))
    try:
        code: int | None = int(recipient.get("statusCode"))
    except (TypeError, ValueError):
        code = None
    status = str(recipient.get("status") or "")
    provider_id = str(recipient.get("messageId") or "")
    if code in AT_ACCEPTED:
        return SendResult(provider_id=provider_id, status_code=code, ok=True, status=status)
    name = AT_TRANSIENT.get(code or 0) or AT_REFUSED.get(code or 0) or "unknown status code"
    return SendResult(
        provider_id="" if provider_id == "None" else provider_id,
        status_code=code,
        error=f"Africa's Talking {code} {status or name}",
        retry=code in AT_TRANSIENT,
        status=status,
    )


def _as_dict(response: object) -> dict[str, Any] | None:
    # The SDK returns parsed JSON only for a content-type of exactly "application/json";
    # with a charset it hands back the text.
    if isinstance(response, str):
        try:
            response = json.loads(response)
        except ValueError:
            return None
    return response if isinstance(response, dict) else None


BACKENDS: dict[str, type[SmsBackend]] = {
    "console": ConsoleBackend,
    "africastalking": AfricasTalkingBackend,
}


def get_backend(name: str | None = None) -> SmsBackend:
    """The configured backend: 'console', 'africastalking' or a dotted path to a class."""
    name = name or conf.backend_name()
    backend_class = BACKENDS.get(name) or import_string(name)
    return backend_class()
