"""Compliance jobs (Celery beat): the rule scan every minute, dormancy once a day.

Tasks take no arguments and call services that are safe to repeat, so a redelivered task
(acks_late) or two overlapping runs do no harm.
"""

from __future__ import annotations

import logging

from celery import shared_task

from compliance import dormancy, engine, upgrades

logger = logging.getLogger(__name__)

MAX_BATCHES_PER_RUN = 20


@shared_task(name="compliance.tasks.scan_postings", ignore_result=True)
def scan_postings() -> int:
    """Evaluate the rules over the postings since the last scan, a batch at a time until
    caught up (or the next beat tick takes over), then follow maker-checker decisions on
    tier upgrades."""
    opened = 0
    for _ in range(MAX_BATCHES_PER_RUN):
        result = engine.scan()
        opened += result.opened
        if result.busy or result.caught_up:
            break
    if opened:
        logger.info("compliance scan opened %d alert(s)", opened)
    upgrades.settle_decided()
    return opened


@shared_task(name="compliance.tasks.review_dormancy", ignore_result=True)
def review_dormancy() -> int:
    run = dormancy.review_dormancy()
    if run.warned or run.marked:
        logger.info("dormancy: %d warned, %d marked dormant", run.warned, run.marked)
    return run.marked
