"""Reconciling a day of 1,000,000 statement lines, with breaks seeded among them.

The day holds N of our requests and a statement of N lines that agree with them (the matched
lines are failed collections, which need no posting to set up), plus seeded differences of
each kind: lines for nothing of ours, our successes missing from the statement (posted for
real through the services), amounts that differ and a success we recorded as a failure.
`operators.reconciliation.reconcile` must find exactly the seeded breaks and nothing else;
the figure is the time it takes (reconcile alone, given the statement as the adapter returns
it: a list of StatementLine), against the goal of a million lines in under 60 s.

The matched requests are inserted by one INSERT ... SELECT (bulk_create of a million model
objects would take minutes); the seeded ones go through the ORM and the services.

    DATABASE_URL=... python bench/reconciliation.py [--lines 1000000]

It creates (and drops first) its own database next to the one in DATABASE_URL.
"""

from __future__ import annotations

import argparse
import datetime
import resource
import sys
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DATABASE = "agentnet_reconciliation_bench"
SEEDED = 10  # of each kind of break
GOAL_SECONDS = 60.0  # for 1,000,000 lines (issue 8, goal 4a)

# The day's matched requests: failed collections (no posting needed), made by the database.
INSERT_FAILED_COLLECTIONS = """
INSERT INTO operators_operatorrequest (
    reference, operator_id, kind, wallet_id, phone, amount, fee, currency, idempotency_key,
    state, reason, detail, operator_reference, metadata, sent_at, attempts, created_at
)
SELECT gen_random_uuid(), %(operator)s, 'collection', %(wallet)s, %(phone)s, %(amount)s, 0,
       'KES', 'bench:' || gen_random_uuid(), 'failed', '', '', '', '{}'::jsonb, %(now)s, 0,
       %(now)s
FROM generate_series(1, %(lines)s)
RETURNING reference::text, amount
"""


def build_day(lines: int, seeded: int = SEEDED) -> tuple[Any, datetime.date, list[Any], set[Any]]:
    """Our requests and the operator's statement for one day; returns the operator, the day,
    the statement lines and the breaks that must be found, as (kind, reference)."""
    from django.db import connection
    from django.utils import timezone

    from operators import services
    from operators.adapters.base import Outcome, StatementLine, Status
    from operators.models import BreakKind, Operator, OperatorRequest, RequestState
    from wallets import services as wallet_services

    operator = Operator.objects.create(
        code="mpesa-bench",
        name="M-Pesa",
        kind="momo",  # full references on every line (Daraja collections carry 12 digits)
        base_url="http://127.0.0.1:9/",
        callback_base_url="http://127.0.0.1:9/",
    )
    customer = wallet_services.register_customer(phone="+254722999000", name="Bench Customer")
    wallet = customer.wallet()
    day = timezone.localdate()
    now = timezone.now()

    def request(state: str, amount: int = 10_000) -> Any:
        return OperatorRequest(
            operator=operator,
            kind="collection",
            wallet=wallet,
            phone=customer.phone,
            amount=amount,
            currency="KES",
            idempotency_key=f"bench:{uuid.uuid4()}",
            state=state,
            sent_at=now,
        )

    def line(ours: Any, status: Any, amount: int | None = None) -> Any:
        return StatementLine(
            operator_reference=f"OP{uuid.uuid4().hex[:10]}",
            reference=str(ours.reference),
            kind="collection",
            amount=ours.amount if amount is None else amount,
            currency="KES",
            phone=customer.phone,
            status=status,
            completed_at=now,
        )

    with connection.cursor() as cursor:
        cursor.execute(
            INSERT_FAILED_COLLECTIONS,
            {
                "operator": operator.pk,
                "wallet": wallet.pk,
                "phone": customer.phone,
                "amount": 10_000,
                "now": now,
                "lines": lines,
            },
        )
        statement = [
            StatementLine(
                operator_reference=f"OP{number:010d}",
                reference=reference,
                kind="collection",
                amount=amount,
                currency="KES",
                phone=customer.phone,
                status=Status.FAILED,
                completed_at=now,
            )
            for number, (reference, amount) in enumerate(cursor.fetchall())
        ]
        cursor.execute("ANALYZE operators_operatorrequest")  # as autovacuum soon would
    expected: set[tuple[str, str]] = set()
    for _ in range(seeded):
        phantom = request(RequestState.FAILED)  # never saved: nothing of ours
        statement.append(line(phantom, Status.SUCCEEDED))
        expected.add((BreakKind.MISSING_ON_OURS, str(phantom.reference)))
    mismatched = OperatorRequest.objects.bulk_create(
        request(RequestState.FAILED) for _ in range(seeded)
    )
    for ours in mismatched:
        statement.append(line(ours, Status.SUCCEEDED, amount=ours.amount + 100))
        expected.add((BreakKind.AMOUNT_MISMATCH, str(ours.reference)))
    wrong_status = OperatorRequest.objects.bulk_create(
        request(RequestState.FAILED) for _ in range(seeded)
    )
    for ours in wrong_status:
        statement.append(line(ours, Status.SUCCEEDED))
        expected.add((BreakKind.STATUS_MISMATCH, str(ours.reference)))
    for _ in range(seeded):  # real successes (posted by the service), left off the statement
        ours = request(RequestState.PENDING)
        ours.save()
        services.apply_outcome(ours, Outcome(Status.SUCCEEDED, amount=10_000))
        expected.add((BreakKind.MISSING_ON_THEIRS, str(ours.reference)))
    return operator, day, statement, expected


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    args = parser.parse_args()

    import os

    from bench.ledger import recreate_database, server_settings

    base = os.environ.get("DATABASE_URL")
    if not base:
        sys.exit("DATABASE_URL is not set (run it through `make bench`).")
    url = recreate_database(base, DATABASE)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from operators.reconciliation import reconcile

    call_command("migrate", verbosity=0)
    print(f"server: {server_settings(url)}")
    print(f"building a day of {args.lines:,} matching lines and {4 * SEEDED} breaks...")
    started = time.monotonic()
    operator, day, statement, expected = build_day(args.lines)
    print(f"setup                        {time.monotonic() - started:>10.2f} s", flush=True)
    peak_before = _peak_mib()
    started = time.monotonic()
    run = reconcile(operator, day, statement)
    seconds = time.monotonic() - started
    found = {(b.kind, b.reference) for b in run.found.all()}
    print(f"statement lines              {run.lines:>10,}")
    print(f"matched                      {run.matched:>10,}")
    print(f"breaks found / seeded        {len(found):>10,} / {len(expected):,}")
    print(f"every seeded break found     {'yes' if found == expected else 'NO'}")
    print(f"time                         {seconds:>10.2f} s  ({run.lines / seconds:,.0f} lines/s)")
    at_a_million = seconds * 1_000_000 / run.lines
    verdict = "met" if at_a_million < GOAL_SECONDS else "NOT met"
    print(
        f"goal < {GOAL_SECONDS:.0f} s for 1,000,000 lines: {verdict}"
        f" ({at_a_million:.1f} s at this rate, {at_a_million / GOAL_SECONDS:.2f} of the goal)"
    )
    print(
        f"peak memory of this process  {_peak_mib():>10,.0f} MiB"
        f" ({peak_before:,.0f} MiB before reconcile, the statement list included)"
    )
    if found != expected:
        raise SystemExit(1)


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    main()
