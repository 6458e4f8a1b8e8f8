"""Who is calling: partner credentials, signed requests, scopes and rate limits.

Each request carries:

- `X-Client-Id`: the credential's client id;
- `X-Date`: when it was sent (RFC 3339, or an HTTP date), within five minutes of our clock;
- `X-Content-Hash`: the hex SHA-256 of the raw body (of the empty string for a GET);
- `X-Signature`: the hex HMAC-SHA256, under the credential's secret, of the canonical string

      METHOD \\n path-with-query \\n X-Date \\n X-Content-Hash \\n X-CorrelationID

  (the correlation id empty when there is none).

The body hash and the signature are compared in constant time. A replay of a captured
request dies with its X-Date; within those minutes a POST is further protected by its
X-CorrelationID (a replay answers the stored response and posts nothing). Scopes are
checked per view (`required_scope`); a credential's `requests_per_minute` is counted in
PostgreSQL (`gsma_ratewindow`, one upsert per request), so every web process shares it.
"""

from __future__ import annotations

import datetime
import email.utils
import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from merchants.models import Merchant, PartnerCredential

CLOCK_SKEW = datetime.timedelta(minutes=5)


@dataclass(frozen=True)
class Partner:
    """The caller, as `request.user`: the merchant a credential belongs to."""

    credential: PartnerCredential
    merchant: Merchant
    is_authenticated: bool = True

    def get_username(self) -> str:
        return f"partner:{self.credential.client_id}"

    def __str__(self) -> str:
        return self.get_username()


def content_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def canonical(method: str, path: str, date: str, body_hash: str, correlation_id: str) -> str:
    return "\n".join([method.upper(), path, date, body_hash, correlation_id])


def sign(secret: str, text: str) -> str:
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()


def parse_date(text: str) -> datetime.datetime | None:
    try:
        moment = datetime.datetime.fromisoformat(text.strip())
    except ValueError:
        try:
            moment = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    if moment.tzinfo is None:
        return None
    return moment


class SignatureAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[Partner, PartnerCredential]:
        headers = request.headers
        client_id = headers.get("X-Client-Id", "").strip()
        if not client_id:
            raise exceptions.NotAuthenticated(
                "Send X-Client-Id, X-Date, X-Content-Hash and X-Signature."
            )
        credential = (
            PartnerCredential.objects.select_related("merchant__account")
            .filter(client_id=client_id, active=True)
            .first()
        )
        if credential is None:
            raise exceptions.AuthenticationFailed("Unknown or revoked client id.")
        date = headers.get("X-Date", "")
        moment = parse_date(date)
        if moment is None or abs(timezone.now() - moment) > CLOCK_SKEW:
            raise exceptions.AuthenticationFailed("X-Date is missing, malformed or stale.")
        body_hash = content_hash(request._request.body)
        if not hmac.compare_digest(body_hash, headers.get("X-Content-Hash", "").lower()):
            raise exceptions.AuthenticationFailed("X-Content-Hash does not match the body.")
        text = canonical(
            request.method or "",
            request._request.get_full_path(),
            date,
            body_hash,
            headers.get("X-CorrelationID", ""),
        )
        expected = sign(_secret_of(credential), text)
        if not hmac.compare_digest(expected, headers.get("X-Signature", "").lower()):
            raise exceptions.AuthenticationFailed("X-Signature does not verify.")
        _mark_used(credential)
        return Partner(credential=credential, merchant=credential.merchant), credential

    def authenticate_header(self, request: Request) -> str:
        return 'GSMA-HMAC-SHA256 realm="gsma"'  # makes DRF answer 401, not 403


def _secret_of(credential: PartnerCredential) -> str:
    from merchants.credentials import secret_of

    return secret_of(credential)


def _mark_used(credential: PartnerCredential) -> None:
    from merchants.credentials import mark_used

    mark_used(credential)


class HasScope(BasePermission):
    """The credential holds the view's `required_scope` (a scope or {method: scope})."""

    message = "This credential does not have the scope this operation needs."

    def has_permission(self, request: Request, view: Any) -> bool:
        scope = getattr(view, "required_scope", None)
        if isinstance(scope, dict):
            scope = scope.get(request.method or "")
        if scope is None:
            return True
        credential = request.auth
        return isinstance(credential, PartnerCredential) and scope in credential.scopes


RATE_SQL = """
INSERT INTO gsma_ratewindow (client_id, window_start, count) VALUES (%s, %s, 1)
ON CONFLICT (client_id, window_start) DO UPDATE SET count = gsma_ratewindow.count + 1
RETURNING count
"""


def check_rate(credential: PartnerCredential) -> None:
    """Count this request in the credential's current minute; Throttled past its limit."""
    now = timezone.now()
    window = now.replace(second=0, microsecond=0)
    with connection.cursor() as cursor:
        cursor.execute(RATE_SQL, [credential.client_id, window])
        count = cursor.fetchone()[0]
    if count > credential.requests_per_minute:
        wait = 60 - now.second
        raise exceptions.Throttled(wait=wait, detail="Too many requests; retry after the minute.")


def forget_old_windows(before: datetime.datetime) -> int:
    from gsma.models import RateWindow

    return RateWindow.objects.filter(window_start__lt=before).delete()[0]


class SignatureScheme(OpenApiAuthenticationExtension):
    target_class = "gsma.auth.SignatureAuthentication"
    name = "gsmaSignature"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "X-Signature",
            "description": (
                "Send `X-Client-Id`, `X-Date` (RFC 3339, within 5 minutes), `X-Content-Hash`"
                " (hex SHA-256 of the raw body) and `X-Signature`: the hex HMAC-SHA256 under"
                " the credential's secret of METHOD, path with query, X-Date, X-Content-Hash"
                " and X-CorrelationID (empty if none), joined by newlines."
            ),
        }
