"""Periodic ledger jobs (Celery beat): decide lapsed reversal requests and expire overdue
holds, verify the invariants.

Tasks carry no money arguments; they call services, which are idempotent, so a redelivered
task (acks_late) does no harm.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from wallets import outbox, services
from wallets.invariants import check_ledger as run_checks

logger = logging.getLogger(__name__)


@shared_task(name="wallets.tasks.expire_overdue_holds")
def expire_overdue_holds() -> int:
    """Decide lapsed reversal requests, release the other holds past their deadline, then
    close the payment requests that ran out.

    Order matters: a reversal request the recipient did not dispute in time is reversed,
    which commits its hold. Deciding them first, with the same `now` as the release, means
    the generic expiry never releases a reversal hold the recipient did not dispute.
    """
    now = timezone.now()
    reversed_or_closed = services.expire_reversal_requests(now=now)
    released = services.expire_overdue_holds(now=now)
    if released:
        logger.info("released %d overdue hold(s)", released)
    lapsed = reversed_or_closed + services.expire_payment_requests()
    if lapsed:
        logger.info("closed %d lapsed reversal or payment request(s)", lapsed)
    return released


@shared_task(name="wallets.tasks.check_ledger")
def check_ledger() -> int:
    violations = run_checks()
    for violation in violations:
        logger.error("ledger invariant violated: %s", violation)
    return len(violations)


@shared_task(name="wallets.tasks.deliver_outbox", ignore_result=True)
def deliver_outbox() -> int:
    """Drain the outbox: run by beat every second (and after each posting if configured).
    Parallel runs share the work through SKIP LOCKED."""
    return outbox.drain(batch=2000)
