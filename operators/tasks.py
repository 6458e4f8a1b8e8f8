"""Operator jobs. Tasks take ids and call services, which are idempotent: a redelivered or
concurrent run does no harm (acks_late, reject on worker loss, prefetch 1: config/celery)."""

from __future__ import annotations

import datetime
import logging

from celery import shared_task
from django.utils import timezone

from operators import callbacks, reconciliation, safeguarding, services
from operators.adapters.base import OperatorError
from operators.models import Operator, OperatorCallback, OperatorRequest

logger = logging.getLogger(__name__)
CHECK_BATCH = 200


@shared_task(name="operators.tasks.send_request", ignore_result=True)
def send_request(request_id: int) -> None:
    services.send(OperatorRequest.objects.get(pk=request_id))


@shared_task(name="operators.tasks.process_callback", ignore_result=True)
def process_callback(callback_id: int) -> None:
    callbacks.process(OperatorCallback.objects.get(pk=callback_id))


@shared_task(name="operators.tasks.check_requests")
def check_requests() -> int:
    """Beat: send what was never sent, query what is overdue (backoff, capped), once each."""
    services.keep_payouts_held()
    checked = 0
    for request in services.due_for_check()[:CHECK_BATCH]:
        try:
            services.check(request)
        except Exception:  # one bad request must not stop the others; it is checked again
            logger.exception("checking operator request %s failed", request.reference)
        checked += 1
    return checked


@shared_task(name="operators.tasks.reconcile_yesterday")
def reconcile_yesterday() -> int:
    """Beat, early each morning: yesterday's statement of every active operator."""
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    breaks = 0
    for operator in Operator.objects.filter(active=True):
        # Every day since the last one reconciled (at most a week back), so a day whose
        # statement came late is done on the next run; one operator's trouble stops no other.
        last = operator.days.order_by("-day").values_list("day", flat=True).first()
        first = (
            max(last + datetime.timedelta(days=1), yesterday - datetime.timedelta(days=6))
            if last
            else yesterday
        )
        day = first
        while day <= yesterday:
            try:
                breaks += reconciliation.reconcile_day(operator, day).breaks
            except OperatorError:  # the statement is not there yet: the next run retries it
                logger.warning("no %s statement for %s yet", operator.code, day, exc_info=True)
                break
            except Exception:
                logger.exception("reconciling %s for %s failed", operator.code, day)
                break
            day += datetime.timedelta(days=1)
    return breaks


@shared_task(name="operators.tasks.check_safeguarding")
def check_safeguarding() -> int:
    """Beat, every minute: is all e-money covered, in every currency? Returns the shortfall
    (0 when covered) summed over currencies; a shortfall has already alerted."""
    return sum(safeguarding.check(currency).shortfall for currency in safeguarding.currencies())
