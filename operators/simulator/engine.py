"""The machinery both operators share: tokens, delayed outcomes, and callbacks sent once.

A money request is acknowledged at once and completed `complete_after` seconds later (the
customer entering the PIN), as real operators do; its callback then goes out once and is
never retried (MTN documents this; Daraja behaves the same when our endpoint is down). Every
attempt, and every callback a fault suppressed, is kept in a log that `/_state` shows, so a
test can tell "lost by the operator" from "never produced".
"""

from __future__ import annotations

import heapq
import itertools
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests

from operators.simulator.config import SimulatorConfig, exponent
from operators.simulator.faults import Faults, Plan
from operators.simulator.ledger import Delivery, Ledger, Record

CALLBACK_LOG_SIZE = 10_000


@dataclass
class Callback:
    method: str
    url: str
    body: dict[str, Any]


class Scheduler:
    """Runs functions after a delay, each in a thread of its own, so that one slow callback
    receiver delays no other outcome."""

    def __init__(self) -> None:
        self._jobs: list[tuple[float, int, Callable[[], None]]] = []
        self._order = itertools.count()
        self._condition = threading.Condition()
        self._running = 0
        self._stopped = False
        self._thread = threading.Thread(target=self._loop, name="simulator-scheduler", daemon=True)
        self._thread.start()

    def after(self, seconds: float, job: Callable[[], None]) -> None:
        with self._condition:
            heapq.heappush(self._jobs, (time.monotonic() + seconds, next(self._order), job))
            self._condition.notify()

    def idle(self) -> bool:
        with self._condition:
            return not self._jobs and self._running == 0

    def stop(self) -> None:
        with self._condition:
            self._stopped = True
            self._jobs.clear()
            self._condition.notify()
        self._thread.join(timeout=2)

    def _loop(self) -> None:
        with self._condition:
            while not self._stopped:
                if not self._jobs:
                    self._condition.wait()
                    continue
                due = self._jobs[0][0] - time.monotonic()
                if due > 0:
                    self._condition.wait(due)
                    continue
                _, _, job = heapq.heappop(self._jobs)
                self._running += 1
                threading.Thread(target=self._run, args=(job,), daemon=True).start()

    def _run(self, job: Callable[[], None]) -> None:
        try:
            job()
        finally:
            with self._condition:
                self._running -= 1


class Tokens:
    """Bearer tokens by scope ("mpesa", "momo-collection", "momo-disbursement")."""

    def __init__(self, lifetime: int) -> None:
        self._lifetime = lifetime
        self._tokens: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def issue(self, scope: str) -> str:
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[token] = (scope, time.monotonic() + self._lifetime)
        return token

    def valid(self, authorization: str | None, *scopes: str) -> bool:
        if not authorization or not authorization.startswith("Bearer "):
            return False
        with self._lock:
            scope, expires = self._tokens.get(authorization[7:].strip(), ("", 0.0))
        return scope in scopes and time.monotonic() < expires


class Engine:
    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        self.ledger = Ledger(config)
        self.faults = Faults()
        self.tokens = Tokens(config.token_seconds)
        self.scheduler = Scheduler()
        self.stopped = threading.Event()
        # operator -> the callback a completed record sends (None: no callback URL given)
        self.builders: dict[str, Callable[[Record], Callback | None]] = {}
        self.callbacks: list[dict[str, Any]] = []
        self._log_lock = threading.Lock()
        if config.state_file and config.state_file.exists():
            self.ledger.load(config.state_file)

    def resume(self) -> None:
        """Finish requests a previous run left pending (their customers have answered)."""
        for record in self.ledger.pending():
            self.scheduler.after(self.config.complete_after, self._completer(record.id))

    def plan(
        self, operator: str, action: str, reference: str | None = None, phone: str | None = None
    ) -> Plan:
        return self.faults.plan(operator, action, reference, phone)

    def hang(self, seconds: float) -> bool:
        """The timeout fault: sit on the request. False if the simulator stopped meanwhile."""
        return not self.stopped.wait(seconds)

    def accept(self, record: Record, plan: Plan) -> None:
        """Record a new money request with its faults, and complete it a little later."""
        record.delivery = Delivery(
            lose=plan.lose,
            duplicate=plan.duplicate,
            late=plan.late,
            silent=plan.timeout > 0 and not plan.timeout_callback,
        )
        if plan.wrong_amount:
            one_unit = 10 ** exponent(record.currency)
            record.reported_amount = plan.reported_amount or record.amount + one_unit
        record.in_statement = not plan.missing
        self.ledger.add(record)
        self.save()
        self.scheduler.after(self.config.complete_after, self._completer(record.id))

    def answer_later(self, build: Callable[[], Callback], plan: Plan) -> None:
        """A Daraja query's Result, built and sent after the usual delay, subject to the
        faults: it tells what the operator knows then, as the real one does."""
        delivery = Delivery(lose=plan.lose, duplicate=plan.duplicate, late=plan.late)
        delivery.silent = plan.timeout > 0 and not plan.timeout_callback
        self.scheduler.after(self.config.complete_after, lambda: self.send(build(), delivery))

    def send(self, callback: Callback, delivery: Delivery, record_id: str | None = None) -> None:
        suppressed = "timeout" if delivery.silent else "lose_callback" if delivery.lose else None
        if suppressed:
            self._log(callback, record_id, suppressed=suppressed)
            return
        for _ in range(2 if delivery.duplicate else 1):
            self.scheduler.after(delivery.late, lambda: self._deliver(callback, record_id))

    def save(self) -> None:
        # Under the ledger's lock, which writers may already hold: one lock, one order.
        if self.config.state_file:
            with self.ledger.lock:
                self.ledger.save(self.config.state_file)

    def state(self) -> dict[str, Any]:
        with self._log_lock:
            callbacks = list(self.callbacks)
        return {**self.ledger.snapshot(), "callbacks": callbacks, "faults": self.faults.rules()}

    def stop(self) -> None:
        self.stopped.set()
        self.scheduler.stop()

    def _completer(self, record_id: str) -> Callable[[], None]:
        def complete() -> None:
            now = self.config.now().isoformat(timespec="seconds")
            record = self.ledger.complete(record_id, now)
            if record is None:
                return
            self.save()
            build = self.builders.get(record.operator)
            callback = build(record) if build else None
            if callback is not None:
                self.send(callback, record.delivery, record.id)

        return complete

    def _deliver(self, callback: Callback, record_id: str | None) -> None:
        if self.stopped.is_set():
            return
        try:
            response = requests.request(
                callback.method,
                callback.url,
                json=callback.body,
                timeout=self.config.callback_timeout,
            )
        except requests.RequestException as error:
            self._log(callback, record_id, error=type(error).__name__)
        else:
            self._log(callback, record_id, status=response.status_code)

    def _log(self, callback: Callback, record_id: str | None, **outcome: Any) -> None:
        entry = {
            "at": self.config.now().isoformat(timespec="seconds"),
            "transaction": record_id,
            "method": callback.method,
            "url": callback.url,
            "body": callback.body,
            "status": None,
            "error": None,
            "suppressed": None,
            **outcome,
        }
        with self._log_lock:
            self.callbacks.append(entry)
            del self.callbacks[:-CALLBACK_LOG_SIZE]
