"""The partner views' common behaviour.

- Authentication by signature, scopes, the per-partner rate limit (`gsma.auth`).
- Every error rendered as a GSMA error object (`gsma.errors.handle_exception`).
- `X-Date` on every response.
- X-CorrelationID on every POST and PATCH: the first request with an id claims it
  (`Exchange`, unique per partner) and its response is stored; a retry with the same method,
  path and body gets the stored response again (`X-Replayed: true`), with nothing posted; the
  same id with anything else, or while the first is still running, is a 409 duplicateRequest.
  A 5xx is not stored, so the partner may retry it. Money postings use the ledger key
  `gsma:<merchant>:<correlation id>` as well, so even a lost response never posts twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.utils import timezone
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from gsma import auth, errors
from gsma.models import Exchange
from gsma.parsers import StrictJSONParser
from merchants.addresses import is_public_url
from merchants.models import Merchant, PartnerCredential

CORRELATED_METHODS = {"POST", "PATCH"}


class Replay(Exception):  # noqa: N818 (not an error: the stored answer of a retry)
    def __init__(self, response: Response) -> None:
        self.response = response


class PartnerView(APIView):
    authentication_classes = [auth.SignatureAuthentication]
    permission_classes = [IsAuthenticated, auth.HasScope]
    parser_classes = [StrictJSONParser]
    renderer_classes = [JSONRenderer]
    required_scope: str | dict[str, str] | None = None
    exchange: Exchange | None = None
    link = ""
    checked_callback_url = ""

    def get_exception_handler(self) -> Callable[[Exception, dict[str, Any]], Response]:
        return errors.handle_exception

    def check_throttles(self, request: Request) -> None:
        if isinstance(request.auth, PartnerCredential):
            auth.check_rate(request.auth)

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        # Only a method the view answers claims the id: any other is a 405, with nothing to store.
        if request.method in CORRELATED_METHODS and hasattr(self, request.method.lower()):
            # Checked before anything is done: a bad X-Callback-URL must change nothing.
            self.checked_callback_url = valid_callback_url(request)
            self.exchange = claim(request, self.partner)

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, Replay):
            return exc.response
        return super().handle_exception(exc)

    def finalize_response(
        self, request: Request, response: Any, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        response["X-Date"] = timezone.now().isoformat()
        if self.exchange is not None and not response.has_header("X-Replayed"):
            store(self.exchange, response, self.link)
        return response

    @property
    def partner(self) -> Merchant:
        return self.request.user.merchant  # type: ignore[union-attr]

    def ledger_key(self) -> str:
        if self.exchange is None:
            raise RuntimeError("Only POST and PATCH carry an X-CorrelationID.")
        return f"gsma:{self.partner.pk}:{self.exchange.correlation_id}"

    def initiator(self) -> str:
        return f"partner:{self.request.auth.client_id}"[:100]  # type: ignore[union-attr]

    def callback_url(self) -> str:
        return self.checked_callback_url


def valid_callback_url(request: Request) -> str:
    url = request.headers.get("X-Callback-URL", "").strip()
    if not url:
        return ""
    try:
        URLValidator(schemes=["http", "https"])(url)
    except DjangoValidationError:
        raise errors.validation("X-Callback-URL is not an http(s) URL.") from None
    if len(url) > 500:
        raise errors.validation("X-Callback-URL is longer than 500 characters.", "lengthError")
    if not is_public_url(url):
        raise errors.validation("X-Callback-URL must be a public address.")
    return url


def correlation_id(request: Request) -> uuid.UUID:
    text = request.headers.get("X-CorrelationID", "").strip()
    if not text:
        raise errors.validation("Send an X-CorrelationID (a UUID).", "mandatoryValueNotSupplied")
    try:
        return uuid.UUID(text)
    except ValueError:
        raise errors.validation("X-CorrelationID must be a UUID.") from None


def claim(request: Request, merchant: Merchant) -> Exchange:
    """Claim the request's correlation id, or raise Replay / a duplicateRequest error."""
    identifier = correlation_id(request)
    body_hash = auth.content_hash(request._request.body)
    path = request._request.get_full_path()[:300]
    exchange, created = Exchange.objects.get_or_create(
        merchant=merchant,
        correlation_id=identifier,
        defaults={"method": request.method or "", "path": path, "body_hash": body_hash},
    )
    if created:
        return exchange
    same = (exchange.method, exchange.path, exchange.body_hash) == (
        request.method,
        path,
        body_hash,
    )
    if not same:
        raise errors.duplicate("This X-CorrelationID was already used for a different request.")
    if exchange.status_code is None:
        raise errors.duplicate("The request with this X-CorrelationID is still being processed.")
    raise Replay(Response(exchange.response, exchange.status_code, headers={"X-Replayed": "true"}))


def store(exchange: Exchange, response: Response, link: str) -> None:
    if response.status_code >= 500:
        Exchange.objects.filter(pk=exchange.pk, status_code__isnull=True).delete()
        return
    Exchange.objects.filter(pk=exchange.pk).update(
        status_code=response.status_code, response=getattr(response, "data", None), link=link
    )
