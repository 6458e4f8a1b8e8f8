"""A bulk disbursement of 10,000 lines through the partner API, on one PostgreSQL server.

Creates a fresh database with 10,000 customers and a funded partner, submits one batch of
10,000 disbursement lines through the real HTTP view (Django's test client, signed as a
partner signs), then runs the batch task as a worker would, and prints the lines, the
seconds (submission and processing) and the lines per second, then checks every ledger
invariant on the result.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python \
        bench/batch_disbursement.py [--lines 10000]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.ledger import recreate_database
from bench.production import use_production_settings

BASE = "/gsma/v1.2/mm"


def prepare(url: str, lines: int) -> tuple[object, str]:
    """Migrate a fresh database; `lines` customers and a partner funded for all lines."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # The benchmark runs the batch itself: nothing may reach the development broker, whose
    # worker (`make run`) would look for the batch in its own database.
    os.environ["CELERY_BROKER_URL"] = "memory://"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from merchants import credentials, services
    from merchants.models import BusinessStatus, Scope
    from wallets import services as ledger
    from wallets.models import Account, AccountKind, Customer, TransactionKind
    from wallets.services.posting import Leg, post_transaction, request_hash

    call_command("migrate", verbosity=0)
    print(f"batch: opening {lines:,} wallets and a funded partner...", flush=True)
    with transaction.atomic():
        customers = Customer.objects.bulk_create(
            Customer(phone=f"+2547{20_000_000 + i:08d}", name=f"Bench {i}", kyc_tier="tier1")
            for i in range(lines)
        )
        Account.objects.bulk_create(
            Account(customer=c, kind=AccountKind.CUSTOMER_WALLET, currency="KES") for c in customers
        )
    partner = services.create_merchant(
        name="Bench Payroll Ltd",
        display_name="Bench Payroll",
        phone="+254722399999",
        status=BusinessStatus.ACTIVE,
    )
    issuance = ledger.house_account(AccountKind.ISSUANCE, "KES")
    amount = lines * 20_000
    post_transaction(
        kind=TransactionKind.FUND,
        idempotency_key="bench:fund:partner",
        currency="KES",
        amount=amount,
        legs=[Leg(issuance, partner.account, amount)],
        fingerprint=request_hash("bench-fund", partner.pk, amount),
        channel="system",
    )
    ledger.house_account(AccountKind.FEE_INCOME, "KES")
    credential, secret = credentials.issue(merchant=partner, scopes=[Scope.BATCH])
    from django.db import connection

    with connection.cursor() as cursor:  # statistics, as a running database has them
        cursor.execute("ANALYZE")
    connection.close()  # the task runs on a worker's connection of its own
    return credential, secret


def submit(credential: object, secret: str, lines: int) -> tuple[str, float]:
    from django.test import Client
    from django.utils import timezone

    from gsma import auth

    items = [
        {
            "type": "disbursement",
            "amount": "100.00",
            "currency": "KES",
            "creditParty": [{"key": "msisdn", "value": f"+2547{20_000_000 + i:08d}"}],
            "requestingOrganisationTransactionReference": f"salary-{i}",
        }
        for i in range(lines)
    ]
    body = json.dumps({"batchTitle": "Bench payroll", "transactions": items}).encode()
    path, date, correlation = (
        BASE + "/batchtransactions",
        timezone.now().isoformat(),
        str(uuid.uuid4()),
    )
    digest = auth.content_hash(body)
    headers = {
        "X-Client-Id": credential.client_id,  # type: ignore[attr-defined]
        "X-Date": date,
        "X-Content-Hash": digest,
        "X-CorrelationID": correlation,
        "X-Signature": auth.sign(secret, auth.canonical("POST", path, date, digest, correlation)),
    }
    started = time.perf_counter()
    response = Client().post(path, body, content_type="application/json", headers=headers)
    elapsed = time.perf_counter() - started
    if response.status_code != 202:
        sys.exit(f"batch refused: {response.status_code} {response.content[:300]!r}")
    return response.json()["objectReference"], elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=10_000)
    args = parser.parse_args()
    base = os.environ.get("DATABASE_URL")
    if not base:
        sys.exit("DATABASE_URL is not set.")
    use_production_settings()
    url = recreate_database(base, "agentnet_bench_batch")
    credential, secret = prepare(url, args.lines)

    from gsma import batches
    from wallets.invariants import check_ledger

    batch_id, submitted = submit(credential, secret, args.lines)
    started = time.perf_counter()
    batch = batches.process(batch_id)  # what the Celery task runs
    if batch is None:
        sys.exit("the batch was not stored")
    processed = time.perf_counter() - started
    total = submitted + processed
    violations = check_ledger()
    print()
    print(f"lines                 {batch.lines_total:10,}")
    print(f"completed / rejected  {batch.completed_count:,} / {batch.rejected_count:,}")
    print(f"submit (HTTP view)    {submitted:10.2f} s")
    print(f"process (task)        {processed:10.2f} s")
    print(f"total                 {total:10.2f} s   {batch.lines_total / total:,.0f} lines/s")
    print(f"invariants: {violations or 'all hold'}")
    return 1 if violations or batch.completed_count != args.lines else 0


if __name__ == "__main__":
    sys.exit(main())
