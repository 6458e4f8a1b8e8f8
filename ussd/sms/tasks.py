"""Send SMS from the outbox table: one task per message, and a sweep for lost tasks.

Tasks carry a message id, never a phone number or a text: the row is the truth, and the
task can be repeated (acks_late) because `send_message` only sends a queued message.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task

from ussd.sms import services


@shared_task(
    bind=True,
    name="ussd.sms.tasks.send_sms",
    ignore_result=True,
    max_retries=services.MAX_ATTEMPTS,
)
def send_sms(self: Any, message_id: int) -> str:
    """Send one message; a transient failure is retried with backoff, then marked failed."""
    outcome = services.send_message(message_id)
    if outcome.retry_in is not None:
        raise self.retry(countdown=outcome.retry_in)
    return outcome.state


@shared_task(name="ussd.sms.tasks.send_queued_sms", ignore_result=True)
def send_queued_sms(older_than: float | None = None) -> int:
    """Beat: queue a send for every message overdue by `older_than` seconds
    (settings.SMS_SWEEP_AFTER_SECONDS by default)."""
    message_ids = services.claim_overdue_messages(older_than=older_than)
    for message_id in message_ids:
        send_sms.delay(message_id)
    return len(message_ids)
