"""Background work of the partner API: load by id, call one function."""

from __future__ import annotations

import datetime

from celery import shared_task
from django.utils import timezone

from gsma import auth, batches, requeststates


# A 10,000-line batch takes seconds; the limits leave room above the global 60 s default.
@shared_task(acks_late=True, soft_time_limit=900, time_limit=960)
def process_batch(batch_id: str) -> int:
    """Post a batch's pending lines; return how many completed."""
    return batches.process(batch_id).completed_count


@shared_task
def settle_request_states() -> int:
    """Settle pending request states whose subject finished (every minute, from beat), and
    drop rate-limit windows older than an hour."""
    auth.forget_old_windows(timezone.now() - datetime.timedelta(hours=1))
    return requeststates.sweep()
