"""The HTTP layer under every adapter: one request, its errors, OAuth tokens and redaction.

- `Http.request` sends one request with the configured timeout and turns every transport
  failure into `OperatorUnavailable`; the adapter reads the `Reply` (status and JSON).
- `TokenCache` keeps an OAuth token per operator account until shortly before it expires,
  shared by every adapter instance in the process (adapters are built per call).
  `HttpAdapter.authorized` refreshes it once when the operator rejects it (an expired or
  revoked token), then gives up with `OperatorError`: a rejected token means nothing happened.
- `Redactor` removes credential values, tokens and derived passwords from any text we raise,
  return or log. Log lines carry the method, path, HTTP status, time and our reference only,
  never a body or a header (bodies carry SecurityCredential and Password).
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import requests

from operators.adapters.base import (
    InvalidStatement,
    OperatorConfig,
    OperatorError,
    OperatorUnavailable,
    Outcome,
    StatementLine,
)
from operators.adapters.formats import read_json
from operators.adapters.statement import parse_statement

logger = logging.getLogger("operators.adapters")

# Credential names whose values are not secret and too common to redact ("sandbox").
PUBLIC_CREDENTIALS = {"target_environment"}
REDACTED = "[redacted]"
TOKEN_MARGIN_SECONDS = 60  # refresh this long before the operator's expiry
DEFAULT_TOKEN_SECONDS = 300  # when the operator does not say how long a token lives


class Redactor:
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: set[str] = set()
        self.add(*secrets)

    def add(self, *secrets: str) -> None:
        # Very short values would blank out ordinary words; real credentials are long.
        self._secrets.update(secret for secret in secrets if secret and len(secret) >= 6)

    def __call__(self, text: str) -> str:
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, REDACTED)
        return text


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any  # the parsed JSON, or None when the body is empty or not JSON
    content: bytes

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class Http:
    def __init__(
        self, config: OperatorConfig, redact: Redactor, session: requests.Session | None = None
    ) -> None:
        self.config = config
        self.redact = redact
        self.session = session or requests.Session()

    def request(
        self,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str],
        json: Any = None,
        auth: tuple[str, str] | None = None,
        reference: str = "",
    ) -> Reply:
        """Send one request; OperatorUnavailable if no HTTP answer came back."""
        url = self.config.base_url.rstrip("/") + path
        where = f"{self.config.code} {method} {path.split('?')[0]}"
        started = time.monotonic()
        try:
            response = self.session.request(
                method,
                url,
                headers=dict(headers),
                json=json,
                auth=auth,
                timeout=self.config.timeout_seconds,
            )
        except requests.ConnectTimeout:
            # The connection was never opened: the request cannot have reached them.
            raise self._unavailable(where, "could not connect (timeout)", sent=False) from None
        except requests.Timeout:
            raise self._unavailable(
                where, f"no answer within {self.config.timeout_seconds:g}s"
            ) from None
        except requests.RequestException as error:
            # A refused or reset connection may still have carried the request.
            raise self._unavailable(where, f"connection failed ({type(error).__name__})") from None
        logger.info(
            "%s -> %s in %.2fs%s",
            where,
            response.status_code,
            time.monotonic() - started,
            f" ref={reference}" if reference else "",
        )
        try:
            body = read_json(response.content) if response.content.strip() else None
        except ValueError:
            body = None
        return Reply(status=response.status_code, body=body, content=response.content)

    def _unavailable(self, where: str, problem: str, *, sent: bool = True) -> OperatorUnavailable:
        logger.warning("%s: %s", where, problem)
        return OperatorUnavailable(self.redact(f"{where}: {problem}."), sent=sent)


class TokenCache:
    """OAuth tokens by account key, shared by the process; thread-safe, one fetch at a time."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._tokens: dict[str, tuple[str, float]] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def get(self, key: str, fetch: Callable[[], tuple[str, float]]) -> str:
        """The cached token, or a new one from `fetch() -> (token, lifetime in seconds)`."""
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            cached = self._tokens.get(key)
            if cached and cached[1] > self.clock():
                return cached[0]
            token, lifetime = fetch()
            usable = max(lifetime - TOKEN_MARGIN_SECONDS, lifetime / 2)
            self._tokens[key] = (token, self.clock() + usable)
            return token

    def forget(self, key: str, token: str) -> None:
        """Drop `token` (the operator rejected it), unless another thread already replaced it."""
        with self._guard:
            if self._tokens.get(key, ("",))[0] == token:
                del self._tokens[key]

    def clear(self) -> None:
        with self._guard:
            self._tokens.clear()


tokens = TokenCache()


def account_key(*parts: str) -> str:
    """A cache key for an operator account; a hash, so no credential is kept in clear."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def token_lifetime(value: object) -> float:
    """`expires_in` as seconds: Daraja sends "3599" (a string), MoMo 3600 (a number)."""
    try:
        seconds = float(str(value))
    except ValueError:
        return DEFAULT_TOKEN_SECONDS
    return seconds if seconds > 0 else DEFAULT_TOKEN_SECONDS


class HttpAdapter:
    """What both adapters share: the config, the redactor, HTTP and the token dance."""

    def __init__(self, config: OperatorConfig, *, session: requests.Session | None = None):
        self.config = config
        self.redact = Redactor(
            value for name, value in config.credentials.items() if name not in PUBLIC_CREDENTIALS
        )
        self.http = Http(config, self.redact, session)

    def credential(self, name: str) -> str:
        value = self.config.credentials.get(name, "")
        if not value:
            raise OperatorError(f"{self.config.code}: the credential {name!r} is not configured.")
        return value

    def error(self, message: str) -> OperatorError:
        return OperatorError(self.redact(message))

    def clean(self, outcome: Outcome) -> Outcome:
        """The outcome with any credential the operator echoed removed from its detail."""
        detail = self.redact(outcome.detail)
        return outcome if detail == outcome.detail else replace(outcome, detail=detail)

    def unavailable(self, message: str, *, sent: bool = True) -> OperatorUnavailable:
        logger.warning("%s", self.redact(message))
        return OperatorUnavailable(self.redact(message), sent=sent)

    def authorized(self, product: str, send: Callable[[str], Reply]) -> Reply:
        """`send(token)`, with the token refreshed and the request sent again once if the
        operator rejects the token (it was refused at the gateway: nothing happened)."""
        key = self.token_key(product)
        token = self.token(key, product)
        reply = send(token)
        if not self.token_rejected(reply):
            return reply
        logger.info(
            "%s: token rejected (HTTP %s); fetching another", self.config.code, reply.status
        )
        tokens.forget(key, token)
        token = self.token(key, product)
        reply = send(token)
        if self.token_rejected(reply):
            raise self.error(
                f"{self.config.code}: the operator rejected a fresh access token "
                f"(HTTP {reply.status}); check the credentials."
            )
        return reply

    def token(self, key: str, product: str) -> str:
        try:
            token = tokens.get(key, lambda: self.fetch_token(product))
        except OperatorUnavailable as error:
            # No token, so the request itself was never sent: a retry is safe.
            raise OperatorUnavailable(str(error), sent=False) from None
        self.redact.add(token)  # a token cached by another instance is just as secret
        return token

    def fetch_token(self, product: str) -> tuple[str, float]:
        """Ask the operator for a token; subclasses send the request, this reads the reply."""
        reply = self.token_request(product)
        if reply.status >= 500 or reply.status == 429:
            raise self.unavailable(
                f"{self.config.code}: token request failed (HTTP {reply.status}).", sent=False
            )
        body = reply.body if isinstance(reply.body, dict) else {}
        token = body.get("access_token")
        if not reply.ok or not isinstance(token, str) or not token:
            raise self.error(
                f"{self.config.code}: the operator refused our credentials for a token "
                f"(HTTP {reply.status})."
            )
        self.redact.add(token)
        return token, token_lifetime(body.get("expires_in"))

    def fetch_statement(
        self, day: datetime.date, product: str, headers: Callable[[str], Mapping[str, str]]
    ) -> list[StatementLine]:
        """GET {base_url}/statements/YYYY-MM-DD with the operator's usual authentication."""
        path = f"/statements/{day.isoformat()}"
        reply = self.authorized(
            product, lambda token: self.http.request("GET", path, headers=headers(token))
        )
        if reply.status == 404:
            raise self.unavailable(f"{self.config.code}: no statement for {day} yet.", sent=False)
        if reply.status >= 500 or reply.status == 429:
            raise self.unavailable(
                f"{self.config.code}: statement failed (HTTP {reply.status}).",
                sent=reply.status != 429,
            )
        if not reply.ok:
            raise self.error(f"{self.config.code}: statement refused (HTTP {reply.status}).")
        try:
            text = reply.content.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidStatement(f"{self.config.code}: the statement is not UTF-8.") from None
        return parse_statement(text)

    # Implemented by each adapter.
    def token_key(self, product: str) -> str:
        raise NotImplementedError

    def token_request(self, product: str) -> Reply:
        raise NotImplementedError

    def token_rejected(self, reply: Reply) -> bool:
        raise NotImplementedError
