"""A real Celery worker, in a process of its own, killed with SIGKILL in the middle of a
payout (while the operator sits on the payout call; while the worker posts the outcome): once
a new worker runs, the customer has been paid exactly once, at the operator and in our
ledger, and the ledger invariants hold.

Recovery is the production path. The dead worker's message comes back only where the broker
redelivers it: RabbitMQ at once (the dead worker's connection drops), Redis after its
visibility timeout (an hour), the filesystem broker never (it forgets a message when it hands
it out). So what settles the payout is the poller, `check_requests` (beat's job, sent here by
the test): it queries the operator about the request the dead worker left behind. A message
that does come back does no harm: the request was claimed (`sent_at`) before the call.

The worker runs on the configured broker (`pytest -m celery`): the filesystem one locally,
Redis and RabbitMQ in CI. Its messages go through a queue of this test's own.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
import pytest
from django.conf import settings as django_settings
from django.db import connection

from config.celery import app
from operators import services
from operators.models import FINAL_STATES, Operator, OperatorRequest, RequestState
from operators.simulator import RunningSimulator
from operators.tasks import check_requests
from wallets.invariants import check_ledger
from wallets.models import Account, HoldState, Transaction, TransactionKind

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

KES = 100
AMOUNT, FEE = 500 * KES, 7 * KES
ROOT = Path(__file__).resolve().parents[2]
POLL = 0.05


def wait_for(condition: Callable[[], Any], what: str, seconds: float, *workers: Worker) -> Any:
    """Poll `condition` until it is truthy; fail with the workers' logs when time is up."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(POLL)
    logs = "\n".join(worker.output() for worker in workers)
    pytest.fail(f"timed out after {seconds:.0f} s waiting for {what}\n{logs}")


class Worker:
    """`celery worker` in a process group of its own, on the test database."""

    def __init__(self, name: str, queue: str, env: dict[str, str], log: Path) -> None:
        self.name, self.log = name, log
        command = [
            *(sys.executable, "-m", "celery", "-A", "config", "worker"),
            *("--pool=solo", "--concurrency=1", "-Q", queue, "-n", f"{name}@%h"),
            *("--without-mingle", "--without-gossip", "--without-heartbeat", "-l", "INFO"),
        ]
        with log.open("ab") as out:
            self.process = subprocess.Popen(  # noqa: S603 - our own command line
                command,
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, killed as a whole
            )

    def kill(self) -> None:
        """SIGKILL, as the OOM killer or a lost machine does it: no shutdown, no ack."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):  # it died meanwhile
                os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def output(self) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return f"--- {self.name} (exit {self.process.poll()}) ---\n{text[-3000:]}"


def worker_database_url() -> str:
    """DATABASE_URL with the test database's name: the worker process must see our rows."""
    url = urlsplit(django_settings.DATABASE_URL)
    return url._replace(path=f"/{connection.settings_dict['NAME']}").geturl()


@contextlib.contextmanager
def queue_of_our_own() -> Iterator[str]:
    """A queue for this test's workers alone, named after the test database (so runs on other
    databases, on a shared broker, never take its messages), purged first (a shared broker
    may hold messages of an earlier run) and deleted after. Meanwhile every task this process
    queues goes there."""
    database = re.sub(r"[^A-Za-z0-9_-]", "-", connection.settings_dict["NAME"])
    name = f"killed-worker-{database}"  # no dots: the filesystem broker's file names
    queue = app.amqp.queues[name]  # declared as Celery declares a queue it routes to
    saved = app.conf.task_default_queue
    app.conf.task_default_queue = name
    try:
        with app.connection_for_write() as broker:
            ours = queue(broker.default_channel)
            ours.declare()
            ours.purge()
        yield name
    finally:
        app.conf.task_default_queue = saved
        app.amqp.queues.pop(name, None)  # later tests' workers and purges never see it
        with app.connection_for_write() as broker:
            ours = queue(broker.default_channel)
            ours.declare()  # Redis and the filesystem broker delete only what this channel bound
            ours.delete()


@pytest.fixture
def start_worker(transactional_db: None, tmp_path: Path) -> Iterator[Callable[[], Worker]]:
    """Start workers, each a new OS process, on the test database and a queue of their own;
    the payout's send, the callbacks and our `check_requests` are queued there."""
    env = {
        **os.environ,
        "DATABASE_URL": worker_database_url(),
        "CELERY_BROKER_URL": django_settings.CELERY_BROKER_URL,
        "DATABASE_CONN_MAX_AGE": "0",
        "OPERATOR_FIRST_CHECK_SECONDS": "1",  # the poller's backoff: 1 s, 2 s, 4 s...
        "PYTHONUNBUFFERED": "1",
    }
    started: list[Worker] = []
    with queue_of_our_own() as queue:

        def start() -> Worker:
            number = len(started) + 1
            log = tmp_path / f"worker{number}.log"
            worker = Worker(f"{queue}-{number}", queue, env, log)
            started.append(worker)
            return worker

        try:
            yield start
        finally:
            for worker in started:  # killed too: a warm shutdown takes seconds
                worker.kill()


@pytest.fixture(params=["mpesa", "momo"])
def operator(request, operator_simulator: RunningSimulator, live_server) -> Operator:
    """An operator at the simulator whose callbacks reach a live server; unlike the `mpesa`
    and `momo` fixtures, tasks are not eager: they go to the broker, for the worker."""
    daraja = request.param == "mpesa"
    return Operator.objects.create(
        code=request.param,
        name="M-Pesa" if daraja else "MTN MoMo",
        kind="daraja" if daraja else "momo",
        base_url=f"{operator_simulator.url}/{request.param}",
        shortcode="174379" if daraja else "",
        currency="KES",
        callback_base_url=live_server.url,
    )


@pytest.fixture
def customer(amina: Account, fund, operator_simulator: RunningSimulator) -> Account:
    """Amina with KES 1,000 in her wallet and nothing in her account at either operator."""
    fund(amina, 1_000 * KES)
    for code in ("mpesa", "momo"):
        operator_simulator.set_balance(code, phone(amina), balance=0)
    return amina


def phone(wallet: Account) -> str:
    assert wallet.customer is not None
    return wallet.customer.phone.lstrip("+")


def payouts_at_operator(simulator: RunningSimulator, payout: OperatorRequest) -> list[dict]:
    return [
        record
        for record in simulator.state()["transactions"]
        if record["kind"] == "payout" and record["reference"] == str(payout.reference)
    ]


def with_beat(condition: Callable[[], Any]) -> Callable[[], Any]:
    """`condition`, sending `check_requests` every 2 s until it holds, as beat does (every
    15 s in production): the poller acts on a request only once its next check is due."""
    next_beat = 0.0

    def beating() -> Any:
        nonlocal next_beat
        if result := condition():
            return result
        if time.monotonic() >= next_beat:
            check_requests.delay()
            next_beat = time.monotonic() + 2
        return None

    return beating


def is_final(payout: OperatorRequest) -> bool:
    payout.refresh_from_db()
    return payout.state in FINAL_STATES


def assert_paid_exactly_once(
    simulator: RunningSimulator, operator: Operator, customer: Account, payout: OperatorRequest
) -> None:
    payout.refresh_from_db()
    assert payout.state == RequestState.SUCCEEDED, (payout.reason, payout.detail)
    # At the operator: one payout under our reference, and the phone got the amount once.
    (paid,) = payouts_at_operator(simulator, payout)
    assert paid["status"] == "SUCCESSFUL"
    books = simulator.state()["operators"][operator.code]
    assert books["customers"][phone(customer)]["balance"] == AMOUNT
    assert books["total"] == books["issued"]
    # Ours: one posting, the hold committed into it, amount plus fee gone from the wallet once.
    (posted,) = Transaction.objects.filter(kind=TransactionKind.OPERATOR_PAYOUT)
    assert payout.transaction_id == posted.pk
    assert payout.hold is not None
    payout.hold.refresh_from_db()
    assert payout.hold.state == HoldState.COMMITTED
    customer.refresh_from_db()
    assert (customer.balance, customer.held) == (1_000 * KES - AMOUNT - FEE, 0)
    assert services.settlement_account(operator).current_balance() == AMOUNT
    assert check_ledger() == []


def test_a_worker_killed_during_the_payout_call_pays_out_exactly_once(
    operator, customer, operator_simulator, start_worker, settings
):
    settings.OPERATOR_FIRST_CHECK_SECONDS = 1  # the first status query of the new request
    # The operator sits on the payout call for 3 s (and then pays, with no callback): the
    # worker is killed while it waits for the answer.
    operator_simulator.inject(
        "timeout",
        operator=operator.code,
        action="payout",
        phone=phone(customer),
        count=1,
        delay=3.0,
    )
    first = start_worker()
    payout = services.start_withdrawal(
        operator=operator, wallet=customer, amount=AMOUNT, idempotency_key="killed-1"
    )

    # The fault rule is used up when the payout call reaches the simulator.
    wait_for(lambda: not operator_simulator.state()["faults"], "the payout call", 60, first)
    first.kill()

    payout.refresh_from_db()
    assert payout.sent_at is not None  # claimed before the call: never sent a second time
    assert payout.state == RequestState.PENDING
    customer.refresh_from_db()
    assert customer.held == AMOUNT + FEE
    # The operator pays the phone although nobody is listening any more.
    wait_for(
        lambda: [p for p in payouts_at_operator(operator_simulator, payout) if p["completed_at"]],
        "the operator to complete the payout",
        15,
        first,
    )
    assert not Transaction.objects.filter(kind=TransactionKind.OPERATOR_PAYOUT).exists()

    second = start_worker()
    wait_for(with_beat(lambda: is_final(payout)), "the poller to settle it", 60, first, second)
    operator_simulator.wait_until_idle()
    assert_paid_exactly_once(operator_simulator, operator, customer, payout)


def waiting_on_a_lock(database: str) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'"
            " AND state = 'active' AND pid <> pg_backend_pid()",
            [database],
        )
        return [row[0] for row in cursor.fetchall()]


def backend_alive(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone() is not None


def test_a_worker_killed_while_posting_the_payout_posts_it_exactly_once(
    operator, customer, operator_simulator, start_worker, settings
):
    settings.OPERATOR_FIRST_CHECK_SECONDS = 1
    # The operator pays but its callback is lost: the outcome comes from a status query.
    operator_simulator.inject(
        "lose_callback", operator=operator.code, action="payout", phone=phone(customer), count=1
    )
    first = start_worker()
    payout = services.start_withdrawal(
        operator=operator, wallet=customer, amount=AMOUNT, idempotency_key="killed-2"
    )
    wait_for(
        lambda: [p for p in payouts_at_operator(operator_simulator, payout) if p["completed_at"]],
        "the operator to complete the payout",
        60,
        first,
    )
    database = connection.settings_dict["NAME"]
    # Another session holds the wallet's row: the worker's posting stops on it, mid-way.
    with psycopg.connect(worker_database_url()) as blocker:
        blocker.execute(
            f"SELECT 1 FROM {Account._meta.db_table} WHERE id = %s FOR UPDATE",
            [customer.pk],
        )
        # The poller's status query says succeeded and the worker posts it: in check_requests
        # itself for MoMo, in process_callback for M-Pesa (its answer comes by callback).
        (stuck,) = wait_for(
            with_beat(lambda: waiting_on_a_lock(database)),
            "the posting to wait on the wallet",
            60,
            first,
        )
        first.kill()
        payout.refresh_from_db()
        assert payout.state != RequestState.SUCCEEDED
        blocker.rollback()
    # The dead worker's statement goes on by itself: PostgreSQL notices a dead client only when
    # it answers it, and the posting is one statement, committed on its own. So the money may
    # have moved while the request is still open (today it has): the new worker's status
    # query must find that posting by its idempotency key, not post a second one.
    wait_for(lambda: not backend_alive(stuck), "the dead worker's session to end", 15, first)
    payout.refresh_from_db()
    assert payout.state in services.OPEN_STATES  # M-Pesa's status query: "unknown" until answered
    assert Transaction.objects.filter(kind=TransactionKind.OPERATOR_PAYOUT).count() <= 1

    second = start_worker()
    wait_for(with_beat(lambda: is_final(payout)), "the poller to settle it", 60, first, second)
    operator_simulator.wait_until_idle()
    assert_paid_exactly_once(operator_simulator, operator, customer, payout)
