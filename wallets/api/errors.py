"""Every API error, domain or HTTP, rendered as `{"error": {"code": ..., "message": ...}}`.

This module is the one place that maps errors to HTTP statuses. `STATUS` is read along the
error's class hierarchy, most specific first, so a new subclass of `LimitExceeded` is a 422
without touching this file. DRF's own exceptions (authentication, parsing, validation, 404)
keep their status and get the same envelope; serializer errors add `field_errors`.

Anything else is a bug, not bad input: it is left to Django, which logs it (PINs redacted,
see `wallets.logging`) and answers 500.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from wallets import errors

logger = logging.getLogger(__name__)


class UnknownSender(errors.UnknownCustomer):
    code = "unknown_sender"
    message = "No wallet is registered for the sender's phone number in that currency."


class UnknownRecipient(errors.UnknownCustomer):
    code = "unknown_recipient"
    message = "No wallet is registered for the recipient's phone number in that currency."


class UnknownTransaction(errors.LedgerError):
    code = "unknown_transaction"
    message = "No transaction has that reference."


class InvalidIdempotencyKey(errors.LedgerError):
    code = "invalid_idempotency_key"
    message = "Send an Idempotency-Key header of 1 to 200 characters, new for each transfer."


STATUS: dict[type[errors.LedgerError], int] = {
    # The request itself is malformed.
    errors.InvalidAmount: status.HTTP_400_BAD_REQUEST,
    errors.InvalidPhoneNumber: status.HTTP_400_BAD_REQUEST,
    errors.InvalidPin: status.HTTP_400_BAD_REQUEST,
    errors.WeakPin: status.HTTP_400_BAD_REQUEST,
    InvalidIdempotencyKey: status.HTTP_400_BAD_REQUEST,
    # The customer's authorisation failed: wrong PIN, locked, or no PIN set.
    errors.PinError: status.HTTP_403_FORBIDDEN,
    # A start PIN from a support reset works only to choose a new PIN (over USSD).
    errors.PinMustChange: status.HTTP_403_FORBIDDEN,
    # What the request names (the wallet in the URL, the sender) does not exist...
    errors.UnknownCustomer: status.HTTP_404_NOT_FOUND,
    UnknownTransaction: status.HTTP_404_NOT_FOUND,
    # ...but a recipient who does not exist is a refused transfer, like an inactive one.
    UnknownRecipient: status.HTTP_422_UNPROCESSABLE_ENTITY,
    errors.IdempotencyConflict: status.HTTP_409_CONFLICT,
    # Well-formed, but a business rule refuses it.
    errors.InsufficientFunds: status.HTTP_422_UNPROCESSABLE_ENTITY,
    errors.LimitExceeded: status.HTTP_422_UNPROCESSABLE_ENTITY,
    errors.LimitsNotConfigured: status.HTTP_422_UNPROCESSABLE_ENTITY,
    errors.NoTariff: status.HTTP_422_UNPROCESSABLE_ENTITY,
    errors.AccountNotActive: status.HTTP_422_UNPROCESSABLE_ENTITY,
    errors.RecipientNotActive: status.HTTP_422_UNPROCESSABLE_ENTITY,
    errors.SameAccount: status.HTTP_422_UNPROCESSABLE_ENTITY,
    errors.CurrencyMismatch: status.HTTP_422_UNPROCESSABLE_ENTITY,
    errors.LedgerError: status.HTTP_422_UNPROCESSABLE_ENTITY,
}


def register_statuses(statuses: dict[type[errors.LedgerError], int]) -> None:
    """Let another app's API map its own domain errors (it cannot be imported from here)."""
    STATUS.update(statuses)


def status_for(error: errors.LedgerError) -> int:
    """The HTTP status of a domain error: the entry of its nearest class in `STATUS`."""
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return status.HTTP_422_UNPROCESSABLE_ENTITY  # unreachable: LedgerError is in STATUS


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, **extra}}


def handle_exception(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's EXCEPTION_HANDLER: domain and DRF errors in one envelope; others propagate."""
    response = _render(exc, context)
    if response is not None:
        request = context.get("request")
        logger.info(
            "api %s %s answered %s %s",
            getattr(request, "method", "?"),
            getattr(request, "path", "?"),
            response.status_code,
            response.data["error"]["code"],
        )
    return response


def _render(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, errors.LedgerError):
        return Response(error_body(exc.code, exc.text, **_details(exc)), status_for(exc))
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None
    response = exception_handler(exc, context)  # its status and headers (WWW-Authenticate)
    if response is not None:
        response.data = _drf_error_body(exc)
    return response


def _details(error: errors.LedgerError) -> dict[str, Any]:
    if isinstance(error, errors.WrongPin):
        return {"attempts_left": error.attempts_left}
    return {}


def _drf_error_body(exc: exceptions.APIException) -> dict[str, Any]:
    if isinstance(exc, exceptions.ValidationError):
        fields = _field_messages(exc.detail)
        message = "; ".join(f"{name}: {' '.join(texts)}" for name, texts in fields.items())
        return error_body(
            "invalid_request", message or "The request is not valid.", field_errors=fields
        )
    code = exc.get_codes()
    return error_body(code if isinstance(code, str) else exc.default_code, str(exc.detail))


def _field_messages(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """Flatten DRF's nested error detail to {"field": [messages]} (never the submitted value)."""
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for name, inner in detail.items():
            flat.update(_field_messages(inner, f"{prefix}{name}."))
        return flat
    if isinstance(detail, list) and detail and not isinstance(detail[0], (dict, list)):
        return {prefix.rstrip(".") or "request": [str(item) for item in detail]}
    if isinstance(detail, list):
        flat = {}
        for index, inner in enumerate(detail):
            flat.update(_field_messages(inner, f"{prefix}{index}."))
        return flat
    return {prefix.rstrip(".") or "request": [str(detail)]}
