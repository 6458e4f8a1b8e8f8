"""Cash-out throughput with one hot agent, on one PostgreSQL server.

N processes call `agents.services.cash_out` for S seconds: 70% of the withdrawals go to one
hot agent (whose float row, limit counter and commission row every one of them locks) and
30% spread over 50 others, all under one aggregator (whose commission row every posting
credits). Customers are drawn at random from a few thousand funded wallets; some are short of
money and some ask for less than the minimum, so refusals show up as they would.

It prints the rate overall and at the hot agent, p50/p99 latency of a withdrawal as the
caller sees it (the service call: checks, commission, the posting), the refusals by reason,
and verifies every ledger invariant on the result. Durability stays on.

    DATABASE_URL=... python bench/agent_cashout.py [--seconds 15 --processes 8 --agents 50]

It creates (and drops first) its own database next to the one in DATABASE_URL.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.ledger import database_url, recreate_database, server_settings

DATABASE = "agentnet_agents_bench"
KES = 100
HOT_SHARE = 0.7


def prepare(url: str, *, agents: int, customers: int) -> tuple[int, list[int], list[int]]:
    """Migrate a fresh database; create the network and funded wallets through the services.

    Returns the hot store's id, the other stores' ids and the wallet ids.
    """
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from agents import services
    from wallets import services as wallet_services
    from wallets.models import Account, AccountKind, Customer

    call_command("migrate", verbosity=0)
    print(f"network: one aggregator, {agents + 1} agents...", flush=True)
    aggregator = services.create_aggregator(name="Bench Super Agents", phone="+254720500000")
    stores = []
    for number in range(agents + 1):
        agent = services.create_agent(
            aggregator=aggregator,
            business_name=f"Bench Shop {number}",
            phone=f"+2547205{number + 1:05d}",
            agent_number=f"{300_000 + number}",
        )
        stores.append(services.add_store(agent=agent, name="Main", opening_cash=10**9).pk)
    print(f"wallets: opening and funding {customers:,}...", flush=True)
    with transaction.atomic():
        people = Customer.objects.bulk_create(
            Customer(
                phone=f"+2547{20_000_000 + i:08d}",
                name=f"Bench Customer {i}",
                kyc_tier="tier1",
                id_type="national_id",
                id_number=f"{50_000_000 + i}",
            )
            for i in range(customers)
        )
        wallets = Account.objects.bulk_create(
            Account(customer=c, kind=AccountKind.CUSTOMER_WALLET, currency="KES") for c in people
        )
    rng = random.Random(1)
    for wallet in wallets:
        # One customer in ten holds little, so "insufficient funds" happens as it would.
        funding = 500 * KES if rng.random() < 0.1 else 50_000 * KES
        wallet_services.fund_from_issuance(
            wallet=wallet, amount=funding, idempotency_key=f"bench:fund:{wallet.pk}"
        )
    wallet_services.house_account(AccountKind.FEE_INCOME, "KES")
    connection.close()
    return stores[0], stores[1:], [wallet.pk for wallet in wallets]


def amount_asked(rng: random.Random) -> int:
    """Mostly everyday withdrawals; a few below the KES 50 minimum."""
    if rng.random() < 0.02:
        return rng.randrange(10, 50) * KES
    return int(min(rng.lognormvariate(7.0, 0.8), 20_000)) * KES + 50 * KES


def worker(
    url: str,
    hot: int,
    cold: list[int],
    wallet_ids: list[int],
    seconds: float,
    start_at: float,
    seed: int,
    results: multiprocessing.Queue,
) -> None:
    os.environ["DATABASE_URL"] = url
    import django

    django.setup()
    from agents import services
    from agents.models import Store
    from wallets import errors
    from wallets.models import Account, AccountKind

    stores = {store.pk: store for store in Store.objects.all()}
    wallets = [
        Account(pk=pk, kind=AccountKind.CUSTOMER_WALLET, currency="KES") for pk in wallet_ids
    ]
    rng = random.Random(seed)
    latencies: list[float] = []
    done = done_hot = 0
    refusals: Counter[str] = Counter()
    time.sleep(max(0.0, start_at - time.time()))
    deadline = time.monotonic() + seconds
    n = 0
    while time.monotonic() < deadline:
        store_id = hot if rng.random() < HOT_SHARE else rng.choice(cold)
        n += 1
        started = time.perf_counter()
        try:
            services.cash_out(
                wallet=rng.choice(wallets),
                store=stores[store_id],
                amount=amount_asked(rng),
                idempotency_key=f"bench:{seed}:{n}",
                channel="api",
            )
        except errors.LedgerError as error:
            refusals[error.code] += 1
            continue
        latencies.append(time.perf_counter() - started)
        done += 1
        done_hot += store_id == hot
    results.put((done, done_hot, latencies, dict(refusals)))


def run(url: str, hot: int, cold: list[int], wallet_ids: list[int], args: argparse.Namespace):
    context = multiprocessing.get_context("spawn")
    results: multiprocessing.Queue = context.Queue()
    start_at = time.time() + 3.0  # every process connected and warm before the clock starts
    processes = [
        context.Process(
            target=worker,
            args=(url, hot, cold, wallet_ids, args.seconds, start_at, seed, results),
        )
        for seed in range(args.processes)
    ]
    print(f"cash-out: {args.processes} processes, {args.seconds} s...", flush=True)
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=args.seconds + 120) for _ in processes]
    for process in processes:
        process.join()
    return outcomes


def verify(hot_store: int) -> tuple[int, int, list[str]]:
    """(cash-outs posted, of them at the hot agent, ledger invariant violations)."""
    from agents.models import Store
    from wallets.invariants import check_ledger
    from wallets.models import Transaction, TransactionKind

    hot = Store.objects.select_related("agent__float_account").get(pk=hot_store)
    posted = Transaction.objects.filter(kind=TransactionKind.CASH_OUT)
    at_hot = posted.filter(metadata__agent_id=hot.agent_id)
    total_at_hot = sum(at_hot.values_list("amount", flat=True))
    violations = [str(v) for v in check_ledger()]
    if hot.agent.float_account.balance != total_at_hot:
        violations.append("the hot agent's float is not the sum of its cash-outs")
    return posted.count(), at_hot.count(), violations


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--processes", type=int, default=8)
    parser.add_argument("--agents", type=int, default=50, help="besides the hot one")
    parser.add_argument("--customers", type=int, default=5_000)
    args = parser.parse_args()
    base = os.environ.get("DATABASE_URL")
    if not base:
        sys.exit("DATABASE_URL is not set.")
    print(f"server: {server_settings(database_url(base, 'postgres'))}; cores: {os.cpu_count()}")

    url = recreate_database(base, DATABASE)
    hot, cold, wallet_ids = prepare(url, agents=args.agents, customers=args.customers)
    outcomes = run(url, hot, cold, wallet_ids, args)
    done = sum(o[0] for o in outcomes)
    done_hot = sum(o[1] for o in outcomes)
    latencies = sorted(latency for o in outcomes for latency in o[2])
    refusals: Counter[str] = Counter()
    for outcome in outcomes:
        refusals.update(outcome[3])
    posted, posted_hot, violations = verify(hot)

    percentiles = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    print()
    print(f"cash-outs posted         {done:10,}   ({posted:,} in the ledger)")
    print(f"rate, overall            {done / args.seconds:10,.0f} tx/s")
    print(
        f"rate, hot agent          {done_hot / args.seconds:10,.0f} tx/s   ({posted_hot:,} posted)"
    )
    print(
        f"latency p50 / p99        {percentiles[49] * 1000:7.1f} / {percentiles[98] * 1000:.1f} ms"
    )
    print(f"refused                  {sum(refusals.values()):10,}")
    for reason, count in refusals.most_common():
        print(f"  {reason:<28} {count:8,}")
    print(f"invariants: {violations or 'all hold'}")
    return 1 if violations or posted != done else 0


if __name__ == "__main__":
    sys.exit(main())
