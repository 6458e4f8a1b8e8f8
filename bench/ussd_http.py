"""USSD hops over real HTTP: gunicorn with the production settings, latency and worker memory.

Starts gunicorn (config/gunicorn.py, DJANGO_DEBUG=false, persistent database connections, the
outbox kick published to Redis) on a free loopback port against a fresh database, then drives
the send-money journey (dial, "1", recipient phone, amount, PIN) with an asyncio client that
opens one connection per hop and times it from connect to the last byte:

1. Latency: `--sessions` journeys in flight at all times, `--think` seconds between a reply and
   the next hop (people take seconds), a finished journey replaced at once, for `--seconds`.
   Goals (issue 8, goal 3): p99 under 100 ms for hops that move no money, 250 ms for the PIN hop.
2. Capacity and memory: the same journeys with no think time (closed loop) for `--hops` hops.
   Its latencies are queueing at saturation, not service time. The RSS of every gunicorn
   worker is sampled every tenth of the run; a worker is flat (goal 5) if it grew less than
   10 MB or 5% from the 20% sample to the end.

Every PIN hop must answer "Confirmed"; at the end each confirmed reference must be a send-money
transaction in the ledger, no other may exist, and every ledger invariant must hold. Exits 1
otherwise, or if any hop failed.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/x .venv/bin/python bench/ussd_http.py
    ... bench/ussd_http.py --quick            # a short try of both runs
    ... bench/ussd_http.py --workers 5 --threads 1 --sessions 50 --think 1 --seconds 60
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.ledger import recreate_database
from bench.production import production_environment

ROOT = Path(__file__).resolve().parent.parent

PIN = "4817"
MB = 1024 * 1024
# What each hop of the journey must show: a wrong screen is a failed hop.
EXPECTED = ("CON Welcome", "Enter phone number", "Enter amount", "Enter PIN", "Confirmed")


@dataclass
class Tally:
    """What the client saw: latencies in ms by kind ("plain", "pin"), failures, references."""

    plain: list[float] = field(default_factory=list)
    pin: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    hops: int = 0
    on_hop: Callable[[int], None] | None = None

    def record(self, kind: str, elapsed: float) -> None:
        (self.pin if kind == "pin" else self.plain).append(elapsed)
        self.hops += 1
        if self.on_hop is not None:
            self.on_hop(self.hops)


# --- setup --------------------------------------------------------------------------------


def server_environment(database_url: str, broker_url: str, kick: bool) -> dict[str, str]:
    """Production settings (bench/production.py: DEBUG off, fresh secrets) with this bench's
    database, persistent connections, and the outbox kick published to a real broker."""
    return production_environment() | {
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url,
        "DATABASE_CONN_MAX_AGE": "600",
        "CELERY_BROKER_URL": broker_url,
        "OUTBOX_KICK_AFTER_POSTING": "true" if kick else "false",
        "LOG_LEVEL": "WARNING",
    }


def phone(index: int, block: int) -> str:
    return f"+2547{block:02d}{index:06d}"


def prepare_customers(senders: int, recipients: int, funds: int) -> None:
    """Register everyone through the services; senders get a PIN and `funds` (minor units).

    Argon2 at 19 MiB takes tens of ms, so the PIN is set through `services.set_pin` (strength
    rules, Argon2id over the peppered PIN) once and its stored hash copied to the other
    senders: every hop still verifies a real hash with the production parameters.
    """
    from wallets import services
    from wallets.models import Customer

    print(f"setup: registering {senders:,} senders and {recipients:,} recipients...", flush=True)
    for index in range(recipients):
        services.register_customer(phone=phone(index, 20), name=f"Recipient {index} Otieno")
    first = None
    for index in range(senders):
        customer = services.register_customer(phone=phone(index, 10), name=f"Sender {index}")
        if first is None:
            services.set_pin(customer, PIN)
            first = Customer.objects.get(pk=customer.pk)
        else:
            Customer.objects.filter(pk=customer.pk).update(
                pin_hash=first.pin_hash, pin_changed_at=first.pin_changed_at
            )
        services.fund_from_issuance(
            wallet=customer.wallet(), amount=funds, idempotency_key=f"bench:fund:{index}"
        )


# --- gunicorn -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Gunicorn:
    """gunicorn with config/gunicorn.py on a free loopback port; `stop` ends it (and its
    workers) whatever happened."""

    def __init__(self, environment: dict[str, str], workers: int, threads: int) -> None:
        self.port = free_port()
        self.workers = workers
        # Kept open as long as the server runs; `stop` closes (and so removes) it.
        self.log = tempfile.NamedTemporaryFile("w+", prefix="gunicorn-", suffix=".log")  # noqa: SIM115
        command = [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py"]
        command += ["--bind", f"127.0.0.1:{self.port}", "--workers", str(workers)]
        command += ["--threads", str(threads), "config.wsgi:application"]
        self.process = subprocess.Popen(
            command, cwd=ROOT, env={**os.environ, **environment}, stdout=self.log, stderr=self.log
        )

    def wait_ready(self, path: str, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.log_tail()}")
            try:
                status, _ = asyncio.run(request(self.port, "GET", path, b""))
                if status == 405 and len(self.worker_pids()) == self.workers:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not start:\n{self.log_tail()}")

    def worker_pids(self) -> list[int]:
        """The master's children, read from /proc."""
        children = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == self.process.pid:
                    children.append(int(entry.name))
        return sorted(children)

    def log_tail(self, lines: int = 30) -> str:
        self.log.seek(0)
        return "".join(self.log.readlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU time the whole machine spent busy so far (every process, ours and others')."""
    ticks = [int(value) for value in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = ticks[3] + ticks[4]  # idle and iowait
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


@dataclass
class CpuSnapshot:
    workers: dict[int, float]
    database: dict[int, float]
    client: float
    machine: float
    wall: float


def spent(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


class CpuMeter:
    """CPU spent per hop by the gunicorn workers and by our PostgreSQL backends: unlike
    latency, it barely moves when other work shares the cores. The machine's busy time is
    shown beside it, to say how much of the CPU others were using."""

    def __init__(self, server: Gunicorn, database_url: str) -> None:
        self.server, self.database_url = server, database_url
        self.start = self.read()

    def backends(self) -> list[int]:
        import psycopg

        with psycopg.connect(self.database_url) as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                " AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
            ).fetchall()
        return [pid for (pid,) in rows]

    def read(self) -> CpuSnapshot:
        return CpuSnapshot(
            workers={pid: cpu_seconds(pid) for pid in self.server.worker_pids()},
            database={pid: cpu_seconds(pid) for pid in self.backends()},
            client=time.process_time(),
            machine=machine_busy_seconds(),
            wall=time.monotonic(),
        )

    def report(self, hops: int) -> None:
        start, end = self.start, self.read()
        workers = spent(start.workers, end.workers)
        database = spent(start.database, end.database)
        client = end.client - start.client
        machine, wall = end.machine - start.machine, end.wall - start.wall
        others = max(0.0, machine - workers - database - client)
        print(
            f"  CPU per hop: gunicorn {1e3 * workers / max(hops, 1):.1f} ms, PostgreSQL"
            f" {1e3 * database / max(hops, 1):.1f} ms, load generator"
            f" {1e3 * client / max(hops, 1):.1f} ms; the machine was busy"
            f" {machine / wall:.2f} of {os.cpu_count()} cores, {others / wall:.2f} of them others'"
        )


# --- the load generator -------------------------------------------------------------------


async def request(port: int, method: str, path: str, body: bytes) -> tuple[int, str]:
    """One HTTP/1.1 request on its own connection: the status and the body."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        )
        writer.write(head.encode() + body)
        response = await reader.read()  # the server closes after the response
    finally:
        writer.close()
    status_line, _, rest = response.partition(b"\r\n")
    _, _, payload = rest.partition(b"\r\n\r\n")
    return int(status_line.split()[1]), payload.decode()


@dataclass
class Load:
    port: int
    path: str
    senders: int
    recipients: int
    run: str
    tally: Tally
    think: float = 0.0
    rng: random.Random = field(default_factory=lambda: random.Random(8))

    async def pause(self) -> None:
        """A person's pause before the next hop: `think` on average, between half and one and
        a half times it, so that sessions do not move in step."""
        if self.think:
            await asyncio.sleep(self.think * self.rng.uniform(0.5, 1.5))

    async def journey(self, number: int) -> None:
        """One send-money session; stops at the first failed hop."""
        amount = 50 + (number * 37) % 951  # KES 50 to 1,000, across several fee bands
        recipient = phone((number * 7919) % self.recipients, 20)
        tokens = ["", "1", "0" + recipient[4:], str(amount), PIN]
        fields = {
            "sessionId": f"ATUid_{self.run}_{number}",
            "serviceCode": "*384#",
            "phoneNumber": phone(number % self.senders, 10),
            "networkCode": "63902",
        }
        for step, expected in enumerate(EXPECTED):
            if step:
                await self.pause()
            fields["text"] = "*".join(tokens[1 : step + 1])
            started = time.perf_counter()
            try:
                status, reply = await asyncio.wait_for(
                    request(self.port, "POST", self.path, urlencode(fields).encode()), 30
                )
            except (OSError, TimeoutError) as error:
                self.tally.errors.append(f"{fields['sessionId']} hop {step + 1}: {error!r}")
                return
            self.tally.record(
                "pin" if step == 4 else "plain", (time.perf_counter() - started) * 1e3
            )
            if status != 200 or expected not in reply:
                self.tally.errors.append(
                    f"{fields['sessionId']} hop {step + 1}: {status} {reply!r}"
                )
                return
        self.tally.references.append(reply.split()[1])

    async def sessions(self, concurrency: int, more: Callable[[int], bool]) -> None:
        """`concurrency` sessions at all times; journey n starts while `more(n)`. With think
        time, the first sessions start spread over one journey's length, as calls would."""
        started = 0

        async def session() -> None:
            nonlocal started
            if self.think:
                await asyncio.sleep(self.rng.uniform(0, self.think * (len(EXPECTED) - 1)))
            while more(started):
                started += 1
                await self.journey(started)

        await asyncio.gather(*(session() for _ in range(concurrency)))


# --- the runs -----------------------------------------------------------------------------


def percentile(ordered: list[float], share: float) -> float:
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def report(label: str, values: list[float], goal: float | None) -> None:
    if not values:
        print(f"  {label:<19} no hops")
        return
    ordered = sorted(values)
    p99 = percentile(ordered, 0.99)
    ratio = f"  p99/{goal:.0f} ms = {p99 / goal:.2f}" if goal else ""
    print(
        f"  {label:<19} n={len(ordered):6,d}  p50 {percentile(ordered, 0.5):6.1f} ms"
        f"  p99 {p99:6.1f}  p99.9 {percentile(ordered, 0.999):6.1f}  max {ordered[-1]:6.1f}{ratio}"
    )


def latency_run(load: Load, sessions: int, seconds: float) -> float:
    deadline = time.monotonic() + seconds
    started = time.perf_counter()
    asyncio.run(load.sessions(sessions, lambda _n: time.monotonic() < deadline))
    return time.perf_counter() - started


def capacity_run(load: Load, server: Gunicorn, sessions: int, hops: int) -> tuple[float, list]:
    """Closed loop until `hops` hops; RSS of every worker at each tenth of the run."""
    journeys = math.ceil(hops / len(EXPECTED))
    every = max(1, journeys * len(EXPECTED) // 10)
    samples: list[tuple[int, dict[int, int]]] = []

    def sample(done: int) -> None:
        if done % every == 0:
            samples.append((done, {pid: rss_bytes(pid) for pid in server.worker_pids()}))

    sample(0)
    load.tally.on_hop = sample
    started = time.perf_counter()
    asyncio.run(load.sessions(sessions, lambda n: n < journeys))
    return time.perf_counter() - started, samples


def memory_report(samples: list[tuple[int, dict[int, int]]]) -> bool:
    """Print the RSS table; True if every worker stayed flat from the 20% sample on."""
    pids = sorted(samples[0][1])
    print("  hops      " + "".join(f"  pid {pid:>7}" for pid in pids))
    for done, rss in samples:
        print(f"  {done:>8,}  " + "".join(f"  {rss.get(pid, 0) / MB:8.1f} MB" for pid in pids))
    base = samples[min(2, len(samples) - 1)][1]
    end = samples[-1][1]
    flat = True
    for pid in pids:
        if pid not in end or pid not in base:
            print(f"  worker {pid}: replaced during the run (a crash or a timeout)")
            flat = False
            continue
        growth = end[pid] - base[pid]
        ok = growth < 10 * MB or growth < 0.05 * base[pid]
        flat &= ok
        print(
            f"  worker {pid}: {base[pid] / MB:.1f} -> {end[pid] / MB:.1f} MB "
            f"({growth / MB:+.1f} MB, {100 * growth / base[pid]:+.1f}%): {'flat' if ok else 'GREW'}"
        )
    return flat


def verify(references: list[str]) -> list[str]:
    """Problems with the ledger after the runs: every confirmed reference posted once, no other
    send-money posting, every invariant holds."""
    from django.db import connection

    from wallets.invariants import check_ledger
    from wallets.models import Transaction, TransactionKind

    connection.close()
    posted = set(
        Transaction.objects.filter(kind=TransactionKind.SEND_MONEY).values_list(
            "reference", flat=True
        )
    )
    problems = [str(violation) for violation in check_ledger()]
    if len(set(references)) != len(references):
        problems.append("a reference was confirmed twice")
    if posted != set(references):
        problems.append(
            f"{len(set(references) - posted)} confirmed but not posted, "
            f"{len(posted - set(references))} posted but not confirmed"
        )
    print(f"ledger: {len(posted):,} send-money postings, {len(references):,} confirmed on screen")
    return problems


def purge_broker() -> int:
    from config.celery import app

    return int(app.control.purge() or 0)


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--think", type=float, default=1.0, help="seconds between hops")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--hops", type=int, default=100_000, help="hops of the capacity run")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1, help="above 1: gthread workers")
    parser.add_argument("--senders", type=int, default=1000)
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--no-kick", action="store_true", help="no outbox kick per posting")
    parser.add_argument("--skip-capacity", action="store_true")
    parser.add_argument("--quick", action="store_true", help="10 s, 5,000 hops, 200 senders")
    if "--quick" in sys.argv:  # shorter defaults; flags given explicitly still win
        parser.set_defaults(seconds=10, hops=5_000, senders=200)
    return parser.parse_args()


def new_load(server: Gunicorn, path: str, options: argparse.Namespace, run: str) -> Load:
    think = options.think if run == "latency" else 0.0
    return Load(server.port, path, options.senders, options.senders, run, Tally(), think)


def warm_up(server: Gunicorn, path: str, options: argparse.Namespace) -> Tally:
    """A few journeys on every worker first: a cold worker's first hop loads the URLconf,
    the translation catalogs and the database connection (hundreds of ms)."""
    warm = new_load(server, path, options, "warm")
    count = options.workers * options.threads * 4
    asyncio.run(warm.sessions(count, lambda n: n < count * 2))
    slowest = max(warm.tally.plain + warm.tally.pin, default=0.0)
    print(
        f"warm-up: {warm.tally.hops} hops (not counted), slowest {slowest:.0f} ms,"
        f" {len(warm.tally.errors)} errors"
    )
    return warm.tally


def measure_latency(server: Gunicorn, path: str, options: argparse.Namespace, url: str) -> Tally:
    timed = new_load(server, path, options, "latency")
    meter = CpuMeter(server, url)
    elapsed = latency_run(timed, options.sessions, options.seconds)
    tally = timed.tally
    print(
        f"\nlatency run: {options.sessions} sessions, think {options.think} s:"
        f" {tally.hops:,} hops in {elapsed:.1f} s = {tally.hops / elapsed:.1f} hops/s,"
        f" {len(tally.errors)} errors"
    )
    report("hops without money", tally.plain, 100)
    report("PIN hops", tally.pin, 250)
    meter.report(tally.hops)
    return tally


def measure_capacity(
    server: Gunicorn, path: str, options: argparse.Namespace, url: str
) -> tuple[Tally, bool]:
    saturated = new_load(server, path, options, "capacity")
    meter = CpuMeter(server, url)
    elapsed, samples = capacity_run(saturated, server, options.sessions, options.hops)
    tally = saturated.tally
    print(
        f"\ncapacity run: {options.sessions} sessions, no think time: {tally.hops:,} hops in"
        f" {elapsed:.1f} s = {tally.hops / elapsed:.1f} hops/s, {len(tally.errors)} errors"
        " (latency here is queueing at saturation)"
    )
    report("hops without money", tally.plain, None)
    report("PIN hops", tally.pin, None)
    meter.report(tally.hops)
    print("worker RSS:")
    return tally, memory_report(samples)


def prepare_database(options: argparse.Namespace) -> dict[str, str]:
    """A fresh, migrated database with the bench's customers; the production environment."""
    base = os.environ.get("DATABASE_URL")
    if not base:
        sys.exit("DATABASE_URL is not set.")
    url = recreate_database(base, "agentnet_bench_ussd_http")
    environment = server_environment(url, options.broker, not options.no_kick)
    os.environ.update(environment)  # the same secrets here (the PIN pepper) and in gunicorn
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    prepare_customers(options.senders, options.senders, funds=100_000_00)
    connection.close()
    if not options.no_kick:
        purge_broker()  # the funding's kicks: only the hops' are counted at the end
    return environment


def main() -> int:
    options = arguments()
    environment = prepare_database(options)
    url = environment["DATABASE_URL"]
    server = Gunicorn(environment, options.workers, options.threads)
    path = f"/ussd/africastalking/{environment['USSD_CALLBACK_TOKEN']}/"
    tallies: list[Tally] = []
    flat = True
    try:
        server.wait_ready(path)
        kind = "gthread" if options.threads > 1 else "sync"
        print(
            f"gunicorn: {options.workers} {kind} workers x {options.threads} thread(s);"
            f" outbox kick {'off' if options.no_kick else 'on, to ' + options.broker}"
        )
        tallies.append(warm_up(server, path, options))
        tallies.append(measure_latency(server, path, options, url))
        if not options.skip_capacity:
            tally, flat = measure_capacity(server, path, options, url)
            tallies.append(tally)
    finally:
        server.stop()
    errors = [error for tally in tallies for error in tally.errors]
    for error in errors[:10]:
        print(f"failed hop: {error}")
    if not options.no_kick:
        print(f"broker: purged {purge_broker():,} outbox kicks from {options.broker}")
    problems = verify([reference for tally in tallies for reference in tally.references])
    print(f"invariants: {problems or 'all hold'}")
    return 1 if errors or problems or not flat else 0


if __name__ == "__main__":
    sys.exit(main())
