"""Operators against the simulator over real HTTP, with our callback endpoint served by a live
server so the simulator's callbacks really arrive."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest

from config.celery import app
from operators.models import FINAL_STATES, Operator, OperatorRequest, RequestState
from tests.conftest import make_customer
from tests.operators.simulator_fixture import callback_receiver, operator_simulator
from wallets.models import Account

__all__ = ["callback_receiver", "operator_simulator"]


@pytest.fixture
def eager_tasks() -> Iterator[None]:
    """Tasks run where they are queued (the live server's thread, for callbacks)."""
    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


@pytest.fixture
def mpesa(operator_simulator, live_server, eager_tasks) -> Operator:
    return Operator.objects.create(
        code="mpesa",
        name="M-Pesa",
        kind="daraja",
        base_url=f"{operator_simulator.url}/mpesa",
        shortcode="174379",
        currency="KES",
        callback_base_url=live_server.url,
    )


@pytest.fixture
def momo(operator_simulator, live_server, eager_tasks) -> Operator:
    return Operator.objects.create(
        code="momo",
        name="MTN MoMo",
        kind="momo",
        base_url=f"{operator_simulator.url}/momo",
        currency="KES",
        callback_base_url=live_server.url,
    )


@pytest.fixture
def settled() -> Callable[..., OperatorRequest]:
    """Wait until a request leaves `pending` (callbacks arrive on other threads)."""

    def wait(
        request: OperatorRequest, timeout: float = 8.0, until_final: bool = False
    ) -> OperatorRequest:
        deadline = time.monotonic() + timeout
        waiting = FINAL_STATES if until_final else None
        while time.monotonic() < deadline:
            request.refresh_from_db()
            if (waiting and request.state in waiting) or (
                not waiting and request.state != RequestState.PENDING
            ):
                return request
            time.sleep(0.05)
        return request

    return wait


@pytest.fixture
def amina(db) -> Account:
    """Amina Hassan, KES 0 in her wallet; her phone is an ordinary number to the simulator
    (numbers ending 0001 or 0002 are its scripted cancellations and timeouts)."""
    return make_customer("+254722555123", "Amina Hassan").wallet()
