"""Keep PINs out of logs and error reports.

A USSD `text` carries the whole input history, PIN included, and API bodies carry `pin`.
Both are scrubbed from log records and from Django's error reports.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from django.views.debug import SafeExceptionReporterFilter

SECRET_FIELDS = re.compile(r"pin|text|password|secret|token|api_key|code", re.IGNORECASE)
PIN_IN_TEXT = re.compile(
    r"""(["']?(?:pin|old_pin|new_pin|text|code)["']?\s*[:=]\s*)(["']?)[^"'&\s,}]*""", re.I
)


# Callback URLs carry a secret token in their path (Django logs the path of a 4xx answer).
TOKEN_IN_PATH = re.compile(r"(/(?:ussd|sms)/africastalking/|/operators/[\w-]+/)[^/\s?]+")


def redact(message: str) -> str:
    return TOKEN_IN_PATH.sub(r"\1********", PIN_IN_TEXT.sub(r"\1\2********", message))


class RedactPins(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            return True
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


class PinSafeExceptionReporterFilter(SafeExceptionReporterFilter):
    hidden_settings = SECRET_FIELDS

    def get_post_parameters(self, request: Any) -> Any:
        parameters = super().get_post_parameters(request)
        if request is None:
            return parameters
        cleaned = parameters.copy()
        for name in list(cleaned):
            if SECRET_FIELDS.search(name):
                cleaned[name] = self.cleansed_substitute
        return cleaned
