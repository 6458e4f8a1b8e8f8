"""Request signatures shared by our webhooks and partners' signed requests.

The header is `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, as Stripe signs
its webhooks: the timestamp is inside the signed text, so a captured request cannot be
replayed after `tolerance` seconds, and the body is signed as the exact bytes sent, so the
receiver verifies before it parses. Several `v1=` values may appear (a receiver accepts any
one), which leaves room to sign with two secrets while one is being rotated.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SCHEME = "v1"
DEFAULT_TOLERANCE = 300  # seconds either side of the receiver's clock


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of "<timestamp>.<body>" under `secret`."""
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The `X-Signature` header value for `body`, signed now (or at `timestamp`)."""
    moment = int(time.time()) if timestamp is None else timestamp
    return f"t={moment},{SCHEME}={signature(secret, moment, body)}"


def verify_signature(
    secret: str,
    header: str,
    body: bytes | str,
    tolerance: int = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> bool:
    """Whether `header` signs `body` with `secret` within `tolerance` seconds of now.

    Compares in constant time; a malformed header, a stale or future timestamp or a wrong
    signature is False, never an exception.
    """
    raw = body.encode() if isinstance(body, str) else body
    timestamp, candidates = _parse(header or "")
    if timestamp is None or not candidates:
        return False
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, raw)
    return any(hmac.compare_digest(expected, candidate) for candidate in candidates)


def _parse(header: str) -> tuple[int | None, list[str]]:
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isdigit():
            timestamp = int(value)
        elif name == SCHEME and value:
            candidates.append(value)
    return timestamp, candidates
