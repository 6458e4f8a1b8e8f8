"""Send airtime from `AirtimeRequest` rows: one task per request, and a sweep for lost tasks.

Tasks carry a request id only: the row is the truth, and a repeated task (acks_late) does
nothing because `send_request` only sends a request still in state `requested`.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task

from ussd.airtime import services


@shared_task(
    bind=True,
    name="ussd.airtime.tasks.send_airtime",
    ignore_result=True,
    max_retries=services.MAX_ATTEMPTS,
)
def send_airtime(self: Any, request_id: int) -> str:
    """Send one request; a transient failure is retried with backoff, then refunded."""
    outcome = services.send_request(request_id)
    if outcome.retry_in is not None:
        raise self.retry(countdown=outcome.retry_in)
    return outcome.state


@shared_task(name="ussd.airtime.tasks.sweep_airtime", ignore_result=True)
def sweep_airtime(older_than: float = 300) -> int:
    """Beat: send what a lost task left behind, and refund what a crash left unrefunded."""
    unsent, failed = services.claim_stale_requests(older_than)
    for request_id in unsent:
        send_airtime.delay(request_id)
    for request_id in failed:
        services.refund_request(request_id)
    return len(unsent) + len(failed)
