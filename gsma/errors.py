"""Every answer of the partner API that is not a success is a GSMA error object:
`{errorCategory, errorCode, errorDescription, errorDateTime, errorParameters}`.

Domain errors (wallets.errors, merchants.errors) map to a category and a harmonised code
along their class hierarchy, most specific first, as `wallets.api.errors` maps them to
statuses; the stable `code` of our error goes in `errorParameters`. DRF's own exceptions
(authentication, scopes, throttling, parsing, 404, 405, 415) and anything unexpected (a
bug: logged, answered 500 without details) get the same shape. Statuses: validation 400,
businessRule 400 (duplicateRequest 409), authorisation 401 or 403, identification 404,
rateLimitError 429, internal 500, serviceUnavailable 503.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from rest_framework import exceptions, status
from rest_framework.response import Response

from merchants import errors as merchant_errors
from wallets import errors

logger = logging.getLogger(__name__)


class GsmaError(Exception):
    """An error raised by the partner API itself, already in GSMA terms."""

    def __init__(
        self,
        category: str,
        code: str,
        description: str,
        http_status: int,
        parameters: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(description)
        self.category, self.code, self.description = category, code, description
        self.http_status, self.parameters, self.headers = http_status, parameters, headers


def validation(description: str, code: str = "formatError", **parameters: str) -> GsmaError:
    return GsmaError("validation", code, description, 400, parameters)


def not_found(description: str) -> GsmaError:
    return GsmaError("identification", "identifierError", description, 404)


def forbidden(description: str, code: str = "clientAuthorisationError") -> GsmaError:
    return GsmaError("authorisation", code, description, 403)


def duplicate(description: str) -> GsmaError:
    return GsmaError("businessRule", "duplicateRequest", description, 409)


# (category, errorCode, HTTP status) per domain error class; looked up along the MRO.
DOMAIN: dict[type[errors.LedgerError], tuple[str, str, int]] = {
    errors.InvalidAmount: ("validation", "formatError", 400),
    errors.InvalidPhoneNumber: ("validation", "formatError", 400),
    errors.CurrencyMismatch: ("validation", "currencyNotSupported", 400),
    errors.UnknownCustomer: ("identification", "identifierError", 404),
    merchant_errors.UnknownMandate: ("identification", "identifierError", 404),
    errors.UnknownReference: ("identification", "identifierError", 404),
    errors.IdempotencyConflict: ("businessRule", "duplicateRequest", 409),
    errors.InsufficientFunds: ("businessRule", "insufficientFunds", 400),
    errors.SameAccount: ("businessRule", "samePartiesError", 400),
    errors.BelowMinimum: ("businessRule", "lessThanTransactionMinValue", 400),
    errors.PerTransactionLimit: ("businessRule", "greaterThanTransactionMaxValue", 400),
    errors.DailyLimit: ("businessRule", "dailyValueLimitExceeded", 400),
    errors.CounterDailyLimit: ("businessRule", "dailyValueLimitExceeded", 400),
    errors.MonthlyLimit: ("businessRule", "monthlyValueLimitExceeded", 400),
    errors.ReceiverBalanceLimit: ("businessRule", "maxBalanceExceeded", 400),
    merchant_errors.MandateCapExceeded: ("businessRule", "noMandateAuthority", 400),
    merchant_errors.MandateNotActive: ("businessRule", "noMandateAuthority", 400),
    errors.AccountNotActive: ("businessRule", "incorrectState", 400),
    errors.RecipientNotActive: ("businessRule", "incorrectState", 400),
    errors.RequestNotPending: ("businessRule", "incorrectState", 400),
    errors.AlreadyReversed: ("businessRule", "incorrectState", 400),
    errors.NotReversible: ("businessRule", "transactionTypeError", 400),
    errors.PinError: ("authorisation", "requestDeclined", 401),
    errors.LedgerError: ("businessRule", "genericError", 400),
}


def error_object(
    category: str, code: str, description: str, parameters: dict[str, str] | None = None
) -> dict[str, Any]:
    return {
        "errorCategory": category,
        "errorCode": code,
        "errorDescription": description[:256],
        "errorDateTime": timezone.now().isoformat(),
        "errorParameters": [
            {"key": key[:256], "value": str(value)[:256] or "-"}
            for key, value in (parameters or {}).items()
        ],
    }


def domain_error(error: errors.LedgerError) -> tuple[dict[str, Any], int]:
    """The GSMA error object and HTTP status of a domain error."""
    for cls in type(error).__mro__:
        if cls in DOMAIN:
            category, code, http_status = DOMAIN[cls]
            return error_object(category, code, error.text, {"code": error.code}), http_status
    raise AssertionError("unreachable: LedgerError is in DOMAIN")


def handle_exception(exc: Exception, context: dict[str, Any]) -> Response:
    """The partner views' exception handler: everything becomes a GSMA error object."""
    body, http_status, headers = _render(exc)
    if http_status >= 500:
        request = context.get("request")
        logger.error(
            "gsma %s %s failed",
            getattr(request, "method", "?"),
            getattr(request, "path", "?"),
            exc_info=exc,
        )
    return Response(body, http_status, headers=headers)


def _render(exc: Exception) -> tuple[dict[str, Any], int, dict[str, str] | None]:
    if isinstance(exc, GsmaError):
        body = error_object(exc.category, exc.code, exc.description, exc.parameters)
        return body, exc.http_status, exc.headers
    if isinstance(exc, errors.LedgerError):
        return (*domain_error(exc), None)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, exceptions.APIException):
        return _drf(exc)
    body = error_object("internal", "genericError", "The request could not be processed.")
    return body, status.HTTP_500_INTERNAL_SERVER_ERROR, None


def _drf(exc: exceptions.APIException) -> tuple[dict[str, Any], int, dict[str, str] | None]:
    headers: dict[str, str] = {}
    if isinstance(exc, exceptions.ValidationError):
        fields = flatten(exc.detail)
        text = "; ".join(f"{name}: {message}" for name, message in fields.items())
        code = "mandatoryValueNotSupplied" if _is_missing(exc) else "formatError"
        return error_object("validation", code, text or "Invalid request.", fields), 400, None
    if isinstance(exc, exceptions.Throttled):
        headers["Retry-After"] = str(int(getattr(exc, "wait", None) or 60))
        category, code = "businessRule", "rateLimitError"
    elif isinstance(
        exc,
        exceptions.NotAuthenticated | exceptions.AuthenticationFailed | exceptions.PermissionDenied,
    ):
        category, code = "authorisation", "clientAuthorisationError"
    elif isinstance(exc, exceptions.NotFound):
        category, code = "identification", "identifierError"
    elif isinstance(exc, exceptions.MethodNotAllowed):
        category, code = "validation", "genericError"  # DRF adds the Allow header
    else:  # ParseError, UnsupportedMediaType, NotAcceptable
        category, code = "validation", "formatError"
    body = error_object(category, code, str(exc.detail))
    return body, exc.status_code, headers


def _is_missing(exc: exceptions.ValidationError) -> bool:
    codes = exc.get_codes()
    return "required" in str(codes)


def flatten(detail: Any, prefix: str = "") -> dict[str, str]:
    """DRF's nested error detail as {"field.path": "message"} (never the submitted value)."""
    if isinstance(detail, dict):
        flat: dict[str, str] = {}
        for name, inner in detail.items():
            flat.update(flatten(inner, f"{prefix}{name}."))
        return flat
    if isinstance(detail, list) and detail and all(not isinstance(i, dict | list) for i in detail):
        return {prefix.rstrip(".") or "request": " ".join(str(item) for item in detail)}
    if isinstance(detail, list):
        flat = {}
        for index, inner in enumerate(detail):
            flat.update(flatten(inner, f"{prefix}{index}."))
        return flat
    return {prefix.rstrip(".") or "request": str(detail)}
