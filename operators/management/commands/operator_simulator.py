"""`manage.py operator_simulator`: the simulated M-Pesa and MoMo, in the foreground.

It needs no database and runs no system checks: it is the outside world, and must come up
when our own side is broken. SIGINT (Ctrl-C) and SIGTERM stop it; with --state-file its books
survive a restart and requests left pending are finished when it starts again.
"""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from operators.simulator import start_simulator

BANNER = """Operator simulator on {url}
  M-Pesa Daraja  base URL {url}/mpesa   consumer key/secret {mpesa_key} / {mpesa_secret}
  MTN MoMo       base URL {url}/momo    api user/key {momo_user} / {momo_key}
                 subscription key {momo_sub}, X-Target-Environment {momo_environment}
  Faults         POST {url}/_faults   State  GET {url}/_state   Health  GET {url}/health
  Books          {state}
Press Ctrl-C to stop."""


class Command(BaseCommand):
    help = "Run the operator simulator (Daraja under /mpesa, MoMo under /momo) until stopped."
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8090)
        parser.add_argument("--state-file", default=None, help="keep the books in this JSON file")
        parser.add_argument(
            "--complete-after",
            type=float,
            default=0.2,
            help="seconds before a request's outcome (the customer's PIN entry)",
        )
        parser.add_argument("--quiet", action="store_true", help="do not log each request")

    def handle(self, *args: Any, **options: Any) -> None:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
        simulator = start_simulator(
            options["host"],
            options["port"],
            state_file=options["state_file"],
            verbose=not options["quiet"],
            complete_after=options["complete_after"],
        )
        config = simulator.config
        self.stdout.write(
            BANNER.format(
                url=simulator.url,
                mpesa_key=config.mpesa_consumer_key,
                mpesa_secret=config.mpesa_consumer_secret,
                momo_user=config.momo_api_user,
                momo_key=config.momo_api_key,
                momo_sub=config.momo_subscription_key,
                momo_environment=config.momo_target_environment,
                state=options["state_file"] or "in memory only",
            )
        )
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda signum, frame: stop.set())
        try:
            while not stop.wait(0.5):
                pass
        finally:
            simulator.stop()
            self.stdout.write("Operator simulator stopped.")
