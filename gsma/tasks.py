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
    batch = batches.process(batch_id)
    return batch.completed_count if batch is not None else 0


@shared_task
def settle_request_states() -> int:
    """Settle pending request states whose subject finished (every minute, from beat), queue
    again batches whose task was lost, and drop rate-limit windows older than an hour."""
    auth.forget_old_windows(timezone.now() - datetime.timedelta(hours=1))
    batches.requeue_stalled()
    return requeststates.sweep()
