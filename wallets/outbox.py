"""Deliver outbox rows: handlers by topic, at-least-once, each row in its own transaction.

Apps register their handlers explicitly in `AppConfig.ready()` (no signals):

    outbox.register("transaction.posted", send_receipts)

A handler receives the row and must be idempotent: a row whose delivery crashed is handed
over again. Rows are claimed with `SELECT ... FOR UPDATE SKIP LOCKED`, so several workers
drain in parallel without delivering one row twice at the same time.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from wallets.models import OutboxMessage

logger = logging.getLogger(__name__)

Handler = Callable[[OutboxMessage], None]
_handlers: dict[str, list[Handler]] = defaultdict(list)
MAX_ATTEMPTS = 10


def register(topic: str, handler: Handler) -> None:
    if handler not in _handlers[topic]:
        _handlers[topic].append(handler)


def enqueue(topic: str, payload: dict[str, Any]) -> OutboxMessage:
    """Add a side effect to the caller's database transaction."""
    return OutboxMessage.objects.create(topic=topic, payload=payload)


def drain(batch: int = 200) -> int:
    """Deliver up to `batch` pending rows; return how many were delivered."""
    delivered = 0
    for _ in range(batch):
        outcome = _deliver_next()
        if outcome is None:
            break
        delivered += outcome
    return delivered


def _deliver_next() -> int | None:
    """Deliver the oldest pending row; 1 if delivered, 0 if it failed, None if none is left."""
    with transaction.atomic(durable=True):
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(delivered_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
            .order_by("id")
            .first()
        )
        if message is None:
            return None
        try:
            with transaction.atomic():
                for handler in _handlers.get(message.topic, []):
                    handler(message)
        except Exception as error:
            logger.exception("outbox %s (%s) failed", message.pk, message.topic)
            message.attempts += 1
            message.last_error = f"{type(error).__name__}: {error}"[:2000]
            message.save(update_fields=["attempts", "last_error"])
            return 0
        message.attempts += 1
        message.delivered_at = timezone.now()
        message.save(update_fields=["attempts", "delivered_at"])
        return 1
