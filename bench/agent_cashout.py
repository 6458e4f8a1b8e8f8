"""Cash-out throughput with one hot agent against the same traffic spread evenly.

N processes call `agents.services.cash_out` on one database in two mixes, for the same
seconds each, alternating over a few rounds so that a change in the machine's load falls on
both alike:

- uncontended: every withdrawal at an agent drawn evenly from all of them;
- hot: 70% of the withdrawals at one agent (whose float row, daily counter and commission
  row each of them locks), 30% spread over the others.

Agents hang under one aggregator, whose commission row every cash-out with a commission
credits, so even the uncontended mix queues on that row; `--aggregators 51` gives each agent
its own and leaves the hot agent's rows as the only shared ones. Customers are drawn at random
from a few thousand funded wallets; some are short of money and some ask for less than the
minimum, so refusals show up as they would.

Per mix it prints the rate overall and at the hot agent, p50/p99 latency of a withdrawal as
the caller sees it (the service call: checks, commission, the posting), refusals by reason,
and where the database's backends spent the time, sampled from pg_stat_activity: between
queries (in Python), running SQL, flushing the commit, or waiting for a row lock, with the
row from pg_locks where it is named there (a waiter that follows an update chain, or checks
the counter's key in its INSERT ... ON CONFLICT, waits on a transaction with no row named).
Then pgbench drives `wallets_post` alone with each mix (no Python: the database's own
ceiling). It prints the ratio hot/uncontended against the goal (>= 0.5) for both, and
verifies every ledger invariant on the result, plus: each agent's float is the sum of its
cash-outs, and the hot agent's daily counter counted exactly those. Durability stays on.

    DATABASE_URL=... python bench/agent_cashout.py [--seconds 10 --rounds 2 --processes 8]

It creates (and drops first) its own database next to the one in DATABASE_URL.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from multiprocessing.synchronize import Barrier
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.ledger import database_url, recreate_database, server_settings

DATABASE = "agentnet_agents_bench"
KES = 100
HOT_SHARE = 0.7
MIXES = ("uncontended", "hot")
GOAL = 0.5
SAMPLE_EVERY = 0.05  # seconds between two looks at pg_stat_activity and pg_locks


@dataclass(frozen=True)
class Network:
    hot_store: int
    hot_agent: int
    agents: list[int]
    stores: list[int]  # every store, the hot one first
    wallet_ids: list[int]
    row_names: dict[str, str]  # account id or counter key -> what the row is, for the report


@dataclass
class Outcome:
    """What one mix did, added up over processes and rounds."""

    done: int = 0
    done_hot: int = 0
    latencies: list[float] = field(default_factory=list)
    refusals: Counter[str] = field(default_factory=Counter)
    backends: Counter[str] = field(default_factory=Counter)  # summed over samples
    rows_waited: Counter[str] = field(default_factory=Counter)  # summed over samples
    samples: int = 0


def prepare(url: str, *, agents: int, aggregators: int, customers: int) -> Network:
    """Migrate a fresh database; create the network and funded wallets through the services."""
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
    print(f"network: {aggregators} aggregator(s), {agents + 1} agents...", flush=True)
    heads = [
        services.create_aggregator(name=f"Bench Super Agents {n}", phone=f"+2547206{n:05d}")
        for n in range(aggregators)
    ]
    stores = []
    for number in range(agents + 1):
        agent = services.create_agent(
            aggregator=heads[number % aggregators],
            business_name=f"Bench Shop {number}",
            phone=f"+2547205{number + 1:05d}",
            agent_number=f"{300_000 + number}",
        )
        stores.append(services.add_store(agent=agent, name="Main", opening_cash=10**9))
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
    # The machine's PostgreSQL may run without autovacuum (CI's does); production's does not.
    # Without statistics the planner scans whole tables for the per-customer reads.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    connection.close()
    hot = stores[0].agent
    return Network(
        hot_store=stores[0].pk,
        hot_agent=hot.pk,
        agents=[store.agent_id for store in stores],
        stores=[store.pk for store in stores],
        wallet_ids=[wallet.pk for wallet in wallets],
        row_names={
            str(hot.float_account_id): "hot agent: float",
            str(hot.commission_account_id): "hot agent: commission",
            str(hot.aggregator.commission_account_id): "hot agent's aggregator: commission",
            f"agent:{hot.pk}:cash_out": "hot agent: daily counter",
        },
    )


def amount_asked(rng: random.Random) -> int:
    """Mostly everyday withdrawals; a few below the KES 50 minimum."""
    if rng.random() < 0.02:
        return rng.randrange(10, 50) * KES
    return int(min(rng.lognormvariate(7.0, 0.8), 20_000)) * KES + 50 * KES


def store_for(mix: str, network: Network, rng: random.Random) -> int:
    if mix == "uncontended":
        return rng.choice(network.stores)
    if rng.random() < HOT_SHARE:
        return network.hot_store
    return rng.choice(network.stores[1:])


def worker(
    url: str,
    network: Network,
    plan: list[str],
    seconds: float,
    seed: int,
    barrier: Barrier,
    results: multiprocessing.Queue,
) -> None:
    """Run each mix of `plan` for `seconds`, all processes starting each one together."""
    os.environ["DATABASE_URL"] = url
    import django

    django.setup()
    from agents import services
    from agents.models import Store
    from wallets import errors
    from wallets.models import Account, AccountKind

    stores = {store.pk: store for store in Store.objects.all()}
    wallets = [
        Account(pk=pk, kind=AccountKind.CUSTOMER_WALLET, currency="KES")
        for pk in network.wallet_ids
    ]
    rng = random.Random(seed)
    outcomes = {mix: Outcome() for mix in MIXES}
    for step, mix in enumerate(plan):
        outcome = outcomes[mix]
        barrier.wait()
        deadline = time.monotonic() + seconds
        n = 0
        while time.monotonic() < deadline:
            store_id = store_for(mix, network, rng)
            n += 1
            started = time.perf_counter()
            try:
                services.cash_out(
                    wallet=rng.choice(wallets),
                    store=stores[store_id],
                    amount=amount_asked(rng),
                    idempotency_key=f"bench:{mix}:{step}:{seed}:{n}",
                    channel="api",
                )
            except errors.LedgerError as error:
                outcome.refusals[error.code] += 1
                continue
            outcome.latencies.append(time.perf_counter() - started)
            outcome.done += 1
            outcome.done_hot += store_id == network.hot_store
    results.put(outcomes)


def sample(network: Network, outcome: Outcome, seconds: float) -> None:
    """Look at the bench's backends every SAMPLE_EVERY s: what each is doing, which rows the
    ones waiting for a row lock wait on (a waiter holds or queues for the row's tuple lock;
    the old row version it names is still visible until the holder commits)."""
    from django.db import connection

    deadline = time.monotonic() + seconds
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(BACKENDS_SQL)
            outcome.backends.update(dict(cursor.fetchall()))
            cursor.execute(ROWS_WAITED_SQL)
            for *row, count in cursor.fetchall():
                outcome.rows_waited[row_name(network, *row)] += count
            outcome.samples += 1
            time.sleep(SAMPLE_EVERY)


ROW_LOCK = "waiting for a row lock"
STATES = ("between queries (Python)", "running SQL", "flushing the commit (WAL)", ROW_LOCK)
BACKENDS_SQL = """
SELECT CASE
         WHEN state = 'idle' OR wait_event = 'ClientRead' THEN 'between queries (Python)'
         WHEN wait_event IS NULL THEN 'running SQL'
         WHEN wait_event_type = 'Lock' AND wait_event IN ('transactionid', 'tuple')
           THEN 'waiting for a row lock'
         WHEN wait_event IN ('WALSync', 'WALWrite') THEN 'flushing the commit (WAL)'
         ELSE wait_event_type || ':' || wait_event
       END, count(*)
  FROM pg_stat_activity
 WHERE datname = current_database() AND backend_type = 'client backend'
   AND pid <> pg_backend_pid()
 GROUP BY 1
"""
# Per backend waiting for a row lock: the row named by the tuple lock it holds or queues for,
# if it has one (a waiter that follows an update chain or checks a unique key has none).
ROWS_WAITED_SQL = """
SELECT account.id, account.kind, counter.key, l.relation::regclass::text, count(*)
  FROM pg_stat_activity a
  LEFT JOIN pg_locks l ON l.pid = a.pid AND l.locktype = 'tuple'
  LEFT JOIN wallets_account account
         ON l.relation = 'wallets_account'::regclass
        AND account.ctid = format('(%s,%s)', l.page, l.tuple)::tid
  LEFT JOIN wallets_limitcounter counter
         ON l.relation = 'wallets_limitcounter'::regclass
        AND counter.ctid = format('(%s,%s)', l.page, l.tuple)::tid
 WHERE a.datname = current_database() AND a.wait_event_type = 'Lock'
   AND a.wait_event IN ('transactionid', 'tuple')
 GROUP BY 1, 2, 3, 4
"""


def row_name(network: Network, account: int | None, kind: str, key: str, table: str) -> str:
    if account is not None:
        return network.row_names.get(str(account), f"another {kind} account")
    if key:
        return network.row_names.get(key, "another agent's daily counter")
    if table:
        return f"a row of {table} (version just replaced)"
    return "a transaction (row not named)"


def run(url: str, network: Network, args: argparse.Namespace) -> dict[str, Outcome]:
    plan = [mix for _ in range(args.rounds) for mix in MIXES]
    context = multiprocessing.get_context("spawn")
    results: multiprocessing.Queue = context.Queue()
    barrier = context.Barrier(args.processes + 1)  # the processes and this sampler
    processes = [
        context.Process(
            target=worker, args=(url, network, plan, args.seconds, seed, barrier, results)
        )
        for seed in range(args.processes)
    ]
    print(
        f"cash-out: {args.processes} processes, {' / '.join(plan)}, {args.seconds} s each...",
        flush=True,
    )
    for process in processes:
        process.start()
    totals = {mix: Outcome() for mix in MIXES}
    for mix in plan:
        barrier.wait(timeout=120)
        sample(network, totals[mix], args.seconds)
    for _ in processes:
        for mix, outcome in results.get(timeout=120).items():
            total = totals[mix]
            total.done += outcome.done
            total.done_hot += outcome.done_hot
            total.latencies += outcome.latencies
            total.refusals.update(outcome.refusals)
    for process in processes:
        process.join()
    return totals


def verify(network: Network, totals: dict[str, Outcome]) -> list[str]:
    """Ledger invariants, plus what the bench itself knows the ledger must say."""
    from django.db.models import Sum
    from django.utils import timezone

    from agents.models import Agent
    from wallets.invariants import check_ledger
    from wallets.models import LimitCounter, Transaction, TransactionKind

    violations = [str(v) for v in check_ledger()]
    posted = Transaction.objects.filter(kind=TransactionKind.CASH_OUT)
    cashed_out: Counter[int] = Counter()
    for mix, outcome in totals.items():
        rows = posted.filter(idempotency_key__startswith=f"bench:{mix}:")
        at_hot = rows.filter(metadata__agent_id=network.hot_agent).count()
        if rows.count() != outcome.done or at_hot != outcome.done_hot:
            violations.append(f"{mix}: the ledger holds other cash-outs than the processes made")
    for agent_id, amount in posted.values_list("metadata__agent_id", "amount"):
        cashed_out[agent_id] += amount
    for agent in Agent.objects.select_related("float_account"):
        if agent.float_account.current_balance() != cashed_out[agent.pk]:
            violations.append(f"agent {agent.pk}'s float is not the sum of its cash-outs")
    counted = LimitCounter.objects.filter(
        key=f"agent:{network.hot_agent}:cash_out", day_on=timezone.localdate()
    ).aggregate(total=Sum("day_total"))["total"]
    if (counted or 0) != cashed_out[network.hot_agent]:  # a run across midnight fails here
        violations.append("the hot agent's daily counter is not the sum of its cash-outs")
    return violations


def report(
    totals: dict[str, Outcome], alone: dict[str, float | None], args: argparse.Namespace
) -> float:
    """Print the two mixes side by side; return the ratio hot/uncontended."""
    seconds = args.seconds * args.rounds
    columns = "".join(f"{mix:>14}" for mix in MIXES)
    print(f"\n{'':44}{columns}")

    def line(label: str, values: list[str]) -> None:
        print(f"{label:44}" + "".join(f"{value:>14}" for value in values))

    outcomes = [totals[mix] for mix in MIXES]
    line("cash-outs posted", [f"{o.done:,}" for o in outcomes])
    line("rate, overall (tx/s)", [f"{o.done / seconds:,.1f}" for o in outcomes])
    line("rate, hot agent (tx/s)", [f"{o.done_hot / seconds:,.1f}" for o in outcomes])
    for label, index in (("latency p50 (ms)", 49), ("latency p99 (ms)", 98)):
        line(label, [f"{percentile(o.latencies, index) * 1000:.1f}" for o in outcomes])
    line("refused", [f"{sum(o.refusals.values()):,}" for o in outcomes])
    for reason in sorted({r for o in outcomes for r in o.refusals}):
        line(f"  {reason}", [f"{o.refusals[reason]:,}" for o in outcomes])
    print(f"backends of {args.processes}, on average:")
    states = sorted({s for o in outcomes for s in o.backends}, key=lambda s: (s not in STATES, s))
    for state in states:
        line(f"  {state}", [f"{o.backends[state] / max(o.samples, 1):.2f}" for o in outcomes])
        if state == ROW_LOCK:
            waited = Counter[str]()
            for outcome in outcomes:
                waited.update(outcome.rows_waited)
            for row, _ in waited.most_common(8):
                values = [f"{o.rows_waited[row] / max(o.samples, 1):.2f}" for o in outcomes]
                line(f"    {row}"[:44], values)
    line("posting function alone (tx/s)", [f"{alone[mix] or 0:,.1f}" for mix in MIXES])
    print("  (pgbench driving wallets_post with the same mix: the database's own ceiling)")
    ratio = totals["hot"].done / max(totals["uncontended"].done, 1)
    verdict = "met" if ratio >= GOAL else "NOT met"
    print(f"\nratio hot/uncontended      {ratio:.2f}   (goal >= {GOAL}: {verdict})")
    if alone["hot"] and alone["uncontended"]:
        print(f"  posting function alone    {alone['hot'] / alone['uncontended']:.2f}")
    return ratio


def percentile(values: list[float], index: int) -> float:
    return statistics.quantiles(values, n=100)[index] if len(values) > 1 else 0.0


# The posting a cash-out makes (wallet to float, fee income to both commission accounts, the
# fee, the tier limits, the agent's counter), driven by pgbench instead of Python: the rate the
# database alone allows in each mix, its locks and commits, apart from the Python client's cost.
POSTING_SCRIPT = """\\set w random(1, {rich})
\\set amount random(5000, 100000)
{pick_agent}
WITH k AS (
  SELECT w.id AS wallet, a.float_account_id AS float, a.commission_account_id AS commission,
         g.commission_account_id AS head, f.id AS fee
    FROM bench_rich w, agents_agent a
    JOIN agents_aggregator g ON g.id = a.aggregator_id
    JOIN wallets_account f ON f.code = 'fee_income:KES'
   WHERE w.n = :w AND a.id = :a)
SELECT p.reference FROM k, wallets_post('cash_out',
  'sql:{mix}:' || :client_id || ':' || md5(random()::text), md5(random()::text),
  translate(upper(substr(md5(random()::text), 1, 10)), '01', 'GH'), 'KES', 'pgbench', '',
  jsonb_build_object('agent_id', :a), :amount, ARRAY[k.wallet, k.fee, k.fee],
  ARRAY[k.float, k.commission, k.head], ARRAY[:amount, 800, 200], 'cash_out', k.wallet, NULL,
  k.wallet, true, NULL, NULL, current_date, date_trunc('month', current_date)::date,
  'agent:' || :a || ':cash_out', NULL, NULL) p;
"""
PICK_AGENT = {
    "uncontended": "\\set a random({first}, {last})",
    "hot": "\\set pick random(1, 100)\n\\if :pick <= 70\n\\set a {first}\n\\else\n"
    "\\set a random({first} + 1, {last})\n\\endif",
}


def posting_function_rates(url: str, network: Network, args: argparse.Namespace) -> dict:
    """Per mix: postings per second with pgbench driving `wallets_post` (None without pgbench)."""
    from django.db import connection

    pgbench = shutil.which("pgbench")
    agents = sorted(network.agents)
    if pgbench is None or agents != list(range(agents[0], agents[-1] + 1)):
        return dict.fromkeys(MIXES)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE bench_rich AS SELECT row_number() OVER (ORDER BY id) AS n, id"
            " FROM wallets_account WHERE kind = 'customer_wallet' AND balance >= %s",
            [20_000 * KES],
        )
        cursor.execute("ALTER TABLE bench_rich ADD PRIMARY KEY (n)")
        cursor.execute("SELECT count(*) FROM bench_rich")
        (rich,) = cursor.fetchone() or (0,)
    connection.close()
    rates: dict[str, float | None] = {}
    for mix in MIXES:
        pick = PICK_AGENT[mix].format(first=network.hot_agent, last=agents[-1])
        script = POSTING_SCRIPT.format(rich=rich, pick_agent=pick, mix=mix)
        with tempfile.NamedTemporaryFile("w", suffix=".sql") as file:
            file.write(script)
            file.flush()
            print(f"posting function alone, {mix}: pgbench, {args.seconds} s...", flush=True)
            clients = ["-c", str(args.processes), "-j", "2", "-T", str(args.seconds)]
            result = subprocess.run(
                [pgbench, "-n", "-f", file.name, *clients, url],
                capture_output=True,
                text=True,
                check=False,
            )
        processed = re.search(r"actually processed: (\d+)", result.stdout)
        rates[mix] = int(processed.group(1)) / args.seconds if processed else None
        if result.returncode != 0:
            print(f"  pgbench: {result.stderr.strip().splitlines()[-1:]}")
    return rates


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10, help="per mix and round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--processes", type=int, default=8)
    parser.add_argument("--agents", type=int, default=50, help="besides the hot one")
    parser.add_argument("--aggregators", type=int, default=1)
    parser.add_argument("--customers", type=int, default=5_000)
    args = parser.parse_args()
    base = os.environ.get("DATABASE_URL")
    if not base:
        sys.exit("DATABASE_URL is not set.")
    print(f"server: {server_settings(database_url(base, 'postgres'))}; cores: {os.cpu_count()}")

    url = recreate_database(base, DATABASE)
    network = prepare(
        url, agents=args.agents, aggregators=args.aggregators, customers=args.customers
    )
    totals = run(url, network, args)
    alone = posting_function_rates(url, network, args)
    report(totals, alone, args)
    violations = verify(network, totals)
    print(f"invariants: {violations or 'all hold'}")
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
