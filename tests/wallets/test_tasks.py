"""Celery tasks run by a real worker against the configured broker (filesystem, Redis, AMQP).

The worker is a thread of this process consuming real broker messages; the tests watch the
database for the effect, as production would.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable, Iterator

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from config.celery import app
from tests.conftest import new_key
from wallets import services
from wallets.models import Hold, HoldState, OutboxMessage
from wallets.tasks import expire_overdue_holds

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def worker(transactional_db: None) -> Iterator[None]:
    """A worker thread consuming the configured broker's default queue, emptied first: the
    tests watch for their own tasks' effects, not for messages left by an earlier run."""
    app.control.purge()
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield


def wait_for(condition: Callable[[], bool], seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_a_worker_releases_overdue_holds_and_leaves_the_rest(alice, fund, worker):
    fund(alice, 10_000)
    past = timezone.now() - datetime.timedelta(minutes=1)
    future = timezone.now() + datetime.timedelta(hours=1)
    overdue = services.place_hold(
        account=alice, amount=3_000, reason="payout", idempotency_key=new_key(), deadline=past
    )
    current = services.place_hold(
        account=alice, amount=2_000, reason="payout", idempotency_key=new_key(), deadline=future
    )

    expire_overdue_holds.delay()

    assert wait_for(lambda: Hold.objects.get(pk=overdue.pk).state == HoldState.RELEASED)
    assert Hold.objects.get(pk=current.pk).state == HoldState.OPEN
    alice.refresh_from_db()
    assert alice.held == 2_000


def test_a_posting_queues_the_delivery_of_its_outbox_row(alice, bob, fund, worker, settings):
    settings.OUTBOX_KICK_AFTER_POSTING = True
    fund(alice, 50_000)
    sent = services.send_money(sender=alice, recipient=bob, amount=1_000, idempotency_key="k")

    row = OutboxMessage.objects.get(transaction=sent)
    assert wait_for(lambda: OutboxMessage.objects.get(pk=row.pk).delivered_at is not None)
    assert not OutboxMessage.objects.filter(delivered_at__isnull=True).exists()
