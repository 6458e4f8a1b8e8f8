"""Celery tasks run by a real worker against the configured broker (filesystem, Redis, AMQP)."""

from __future__ import annotations

import datetime

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from config.celery import app
from tests.conftest import new_key
from wallets import services
from wallets.models import Hold, HoldState
from wallets.tasks import check_ledger, expire_overdue_holds

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def worker(tmp_path_factory: pytest.TempPathFactory):
    """A real worker thread consuming from the configured broker; results come back through
    an in-process memory backend (the worker shares this process). A filesystem broker gets
    folders of its own, so parallel test runs never consume each other's messages."""
    previous = app.conf.result_backend, app.conf.broker_transport_options
    app.conf.update(result_backend="cache+memory://")
    if app.conf.broker_url.startswith("filesystem"):
        queue = tmp_path_factory.mktemp("celery-broker")
        app.conf.update(
            broker_transport_options={
                "data_folder_in": str(queue),
                "data_folder_out": str(queue),
                "control_folder": str(queue / "control"),
            }
        )
        (queue / "control").mkdir()
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as w:
            yield w
    finally:
        app.conf.update(result_backend=previous[0], broker_transport_options=previous[1])


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

    assert expire_overdue_holds.delay().get(timeout=30) == 1

    assert Hold.objects.get(pk=overdue.pk).state == HoldState.RELEASED
    assert Hold.objects.get(pk=current.pk).state == HoldState.OPEN
    alice.refresh_from_db()
    assert alice.held == 2_000


def test_a_worker_reports_a_sound_ledger(alice, fund, worker):
    fund(alice, 10_000)
    assert check_ledger.delay().get(timeout=30) == 0
