"""Outbound webhooks: signed HTTP calls to a merchant's URL, retried with backoff, replayable.

A webhook is a `WebhookDelivery` row first, written in the caller's transaction once per
`event_id`, so the row is its own outbox. `deliver_due` sends due rows in three short steps,
and no row lock is held while a remote server takes its time:

1. claim: in one transaction, `SELECT ... FOR UPDATE SKIP LOCKED` a few due rows and push
   their `next_attempt_at` forward by LEASE_SECONDS. Another deliverer (a second worker, the
   beat run overlapping an on-commit kick) skips the rows being claimed and finds the claimed
   ones not due, so no row is sent twice at the same time.
2. send: POST (or PUT) the JSON body, signed (`merchants.signing`), with short timeouts.
3. record: a 2xx marks it delivered; anything else schedules the next attempt after an
   exponential backoff with jitter, and after MAX_ATTEMPTS the row is failed (staff replay
   it from the admin). The record is a conditional UPDATE on the attempt count claimed, so a
   late answer never overwrites a newer attempt's.

A deliverer that dies after claiming leaves the lease to run out and the row due again:
delivery is at-least-once, and receivers dedupe on `X-Event-Id`.
"""

from __future__ import annotations

import datetime
import json
import logging
import random
import secrets
import time
from dataclasses import dataclass
from typing import Any

import requests
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.http import http_date

from merchants.addresses import is_public_url
from merchants.models import Merchant, WebhookDelivery, WebhookState
from merchants.signing import sign, verify_signature

logger = logging.getLogger(__name__)

__all__ = ["deliver_due", "enqueue", "replay", "rotate_signing_secret", "verify_signature"]

TIMEOUT_SECONDS = 5  # to connect, and between bytes of the answer
LEASE_SECONDS = 120  # a claimed batch is sent well within this
CLAIM_BATCH = 10
MAX_ATTEMPTS = 10
FIRST_RETRY_SECONDS = 30  # then 60, 120, ... capped at an hour: about 3 hours in all
MAX_RETRY_SECONDS = 3600
METHODS = ("POST", "PUT")
USER_AGENT = "agentnet-webhooks/1"
_check_url = URLValidator(schemes=["http", "https"])


@dataclass(frozen=True)
class Attempt:
    status: int | None  # the HTTP status, None when no answer came
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def enqueue(
    *,
    merchant: Merchant,
    event: str,
    event_id: str,
    payload: dict[str, Any],
    url: str | None = None,
    method: str = "POST",
    headers: dict[str, str] | None = None,
) -> WebhookDelivery | None:
    """Add a webhook to the caller's transaction, once per `event_id` (a second call returns
    the first row); None when there is nowhere to send it. `url` defaults to the merchant's
    webhook URL (a partner's X-Callback-URL is passed here)."""
    target = merchant.webhook_url if url is None else url.strip()
    if not target:
        return None
    if method not in METHODS:
        raise ValueError(f"A webhook is sent with {' or '.join(METHODS)}, not {method}.")
    try:
        _check_url(target)
    except ValidationError:
        raise ValueError("A webhook URL is an http or https address.") from None
    with transaction.atomic():
        delivery, created = WebhookDelivery.objects.get_or_create(
            event_id=event_id,
            defaults={
                "merchant": merchant,
                "event": event,
                "url": target,
                "method": method,
                "payload": payload,
                "headers": headers or {},
            },
        )
        if created:
            transaction.on_commit(kick)
    return delivery


def deliver_due(*, budget_seconds: float = 40.0, claim: int = CLAIM_BATCH) -> int:
    """Send due webhooks for up to `budget_seconds`; return how many were delivered."""
    delivered = 0
    deadline = time.monotonic() + budget_seconds
    while time.monotonic() < deadline:
        batch = claim_due(claim)
        if not batch:
            break
        for delivery in batch:
            attempt = send(delivery)
            record(delivery, attempt)
            delivered += attempt.ok
    return delivered


@transaction.atomic(durable=True)
def claim_due(limit: int) -> list[WebhookDelivery]:
    """Take up to `limit` due rows and lease them (see the module docstring)."""
    now = timezone.now()
    due = list(
        WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("merchant")
        .filter(state=WebhookState.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")[:limit]
    )
    if due:
        lease = now + datetime.timedelta(seconds=LEASE_SECONDS)
        WebhookDelivery.objects.filter(pk__in=[row.pk for row in due]).update(next_attempt_at=lease)
    return due


def send(delivery: WebhookDelivery) -> Attempt:
    """One HTTP attempt; the answer's body is not read."""
    body = json.dumps(
        delivery.payload, cls=DjangoJSONEncoder, separators=(",", ":"), sort_keys=True
    ).encode()
    headers = {
        **delivery.headers,  # the caller's extras first: they cannot replace the signature
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Event-Id": delivery.event_id,
        "X-Event": delivery.event,
        "X-Date": http_date(),
        "X-Signature": sign(delivery.merchant.webhook_secret, body),
    }
    if not is_public_url(delivery.url):
        return Attempt(None, "refused: the URL's host is not a public address")
    try:
        with requests.request(
            delivery.method,
            delivery.url,
            data=body,
            headers=headers,
            timeout=TIMEOUT_SECONDS,
            allow_redirects=False,
            stream=True,
        ) as response:
            status = response.status_code
    except requests.RequestException as error:
        return Attempt(None, f"{type(error).__name__}: {error}"[:300])
    return Attempt(status, "" if 200 <= status < 300 else f"HTTP {status}")


def record(delivery: WebhookDelivery, attempt: Attempt) -> str:
    """Store the attempt's outcome on the claimed row; return the row's state after it."""
    now = timezone.now()
    attempts = delivery.attempts + 1
    changes: dict[str, Any] = {
        "attempts": attempts,
        "last_status": attempt.status,
        "last_error": attempt.error,
    }
    if attempt.ok:
        changes |= {"state": WebhookState.DELIVERED, "delivered_at": now}
    elif attempts >= MAX_ATTEMPTS:
        changes |= {"state": WebhookState.FAILED}
        logger.warning("webhook %s gave up after %d attempts", delivery.pk, attempts)
    else:
        changes |= {"next_attempt_at": now + datetime.timedelta(seconds=backoff(attempts))}
    claimed = WebhookDelivery.objects.filter(
        pk=delivery.pk, state=WebhookState.PENDING, attempts=delivery.attempts
    )
    claimed.update(**changes)
    return str(changes.get("state", WebhookState.PENDING))


def backoff(attempts: int) -> float:
    """Seconds before the next attempt after `attempts` failures: doubling, capped, with
    ±20 % jitter so that a receiver coming back is not hit by every retry at once."""
    base = min(FIRST_RETRY_SECONDS * 2 ** (attempts - 1), MAX_RETRY_SECONDS)
    return base * random.uniform(0.8, 1.2)  # noqa: S311 - jitter, not a secret


@transaction.atomic
def replay(delivery: WebhookDelivery) -> bool:
    """Send a delivered or failed webhook again, now, with a fresh retry schedule; False if
    it is still pending (it will be sent anyway)."""
    replayed = WebhookDelivery.objects.filter(
        pk=delivery.pk, state__in=[WebhookState.DELIVERED, WebhookState.FAILED]
    ).update(
        state=WebhookState.PENDING,
        attempts=0,
        next_attempt_at=timezone.now(),
        delivered_at=None,
    )
    if replayed:
        transaction.on_commit(kick)
    return bool(replayed)


def rotate_signing_secret(merchant: Merchant) -> str:
    """A new webhook signing secret for `merchant`, returned to be shown once. Webhooks not
    yet sent are signed with it (a signature is made when it is sent)."""
    secret = new_signing_secret()
    Merchant.objects.filter(pk=merchant.pk).update(webhook_secret=secret)
    merchant.webhook_secret = secret
    return secret


def new_signing_secret() -> str:
    return secrets.token_hex(32)


def kick() -> None:
    """Ask a worker to deliver now. If the broker is down the rows wait for the beat run."""
    from merchants.tasks import deliver_webhooks

    try:
        deliver_webhooks.delay()
    except Exception:
        logger.warning("could not queue a webhook delivery; the beat run will", exc_info=True)
