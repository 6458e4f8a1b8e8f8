"""`make run`: migrate, load the demo network, then run the web server, a Celery worker,
Celery beat and the operator simulator (simulated M-Pesa and MoMo) together until Ctrl-C,
which stops every one of them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from config import devdb
from operators import demo as operators_demo

BANNER = """
Agent network is running.
  Admin        http://{address}/admin/        (staff login above)
  API docs     http://{address}/api/docs/
  API schema   http://{address}/api/schema/
  Health       http://{address}/api/v1/health
  Database     {database}
  Celery       broker {broker}; worker and beat started
  Operators    simulated M-Pesa and MoMo at {simulator}
Press Ctrl-C to stop everything.
"""


class Command(BaseCommand):
    help = "Run the whole system for development: web, Celery worker and beat."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--address", default=os.environ.get("RUN_ADDRESS", "127.0.0.1:8000"))

    def handle(self, *args: Any, address: str, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("seed_demo", callback_base_url=f"http://{address}")
        python = sys.executable
        commands = {
            "web": [python, "manage.py", "runserver", address, "--noreload"],
            "worker": [
                python,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "-l",
                "INFO",
                "--concurrency",
                "2",
            ],
            "beat": [python, "-m", "celery", "-A", "config", "beat", "-l", "INFO"],
            "operators": [
                python,
                "manage.py",
                "operator_simulator",
                "--port",
                str(operators_demo.SIMULATOR_PORT),
                "--state-file",
                str(devdb.DATA_DIR / "operator-simulator.json"),
                "--quiet",
            ],
        }
        # `docker stop`, systemd and a closed terminal send SIGTERM: stop as on Ctrl-C.
        signal.signal(signal.SIGTERM, _interrupt)
        processes = {name: subprocess.Popen(command) for name, command in commands.items()}  # noqa: S603
        database = settings.DATABASES["default"]
        self.stdout.write(
            BANNER.format(
                address=address,
                database=f"{database['NAME']} at {_database_host(database)}",
                simulator=operators_demo.simulator_url(),
                broker=settings.CELERY_BROKER_URL.split("@")[-1],
            )
        )
        try:
            while all(process.poll() is None for process in processes.values()):
                time.sleep(0.5)
            stopped = [name for name, process in processes.items() if process.poll() is not None]
            self.stderr.write(f"{', '.join(stopped)} stopped; shutting down the rest.")
        except KeyboardInterrupt:
            self.stdout.write("\nStopping web, worker and beat...")
        finally:
            _stop_all(list(processes.values()))


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _stop_all(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 15
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _database_host(database: Any) -> str:
    host = database.get("HOST") or database.get("OPTIONS", {}).get("host") or "localhost"
    return f"{host}:{database.get('PORT') or database.get('OPTIONS', {}).get('port') or 5432}"
