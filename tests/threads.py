"""Real concurrency for tests: threads, each with its own PostgreSQL connection."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

from django.db import connection

JOIN_SECONDS = 60


def run_together(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run `work(0..count-1)` in `count` threads released by one barrier.

    Returns, per thread, what `work` returned or the exception it raised. Each thread closes
    its own database connection when it is done.
    """
    barrier = threading.Barrier(count)
    outcomes: list[Any] = [None] * count

    def runner(index: int) -> None:
        try:
            barrier.wait(timeout=JOIN_SECONDS)
            outcomes[index] = work(index)
        except Exception as error:  # the outcome is what the test asserts on
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=JOIN_SECONDS)
    assert not any(thread.is_alive() for thread in threads), "a worker thread hung"
    return outcomes


def kinds(outcomes: list[Any]) -> Counter[str]:
    return Counter(type(outcome).__name__ for outcome in outcomes)
