"""A real Celery worker on the configured broker: a posting ends as two sent receipts."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from celery.contrib.testing.worker import start_worker

from config.celery import app
from ussd.sms.models import SmsMessage
from wallets import services

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def worker(transactional_db: None) -> Iterator[None]:
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


def test_a_posting_ends_with_a_sent_receipt_for_each_party(alice, bob, fund, worker, settings):
    fund(alice, 100_000)
    settings.OUTBOX_KICK_AFTER_POSTING = True
    sent = services.send_money(sender=alice, recipient=bob, amount=10_000, idempotency_key="k")

    receipts = SmsMessage.objects.filter(reference=sent.reference)
    assert wait_for(lambda: list(receipts.values_list("state", flat=True)) == ["sent", "sent"])
    assert set(receipts.values_list("to", flat=True)) == {alice.customer.phone, bob.customer.phone}
