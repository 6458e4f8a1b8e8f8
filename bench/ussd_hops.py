"""Server time per USSD hop, through the real view (Django's test client, no network).

200 sessions of the send-money journey (dial, menu choice, phone, amount, PIN): 1,000 hops,
one in five moving money. Prints p50/p95/p99/max for all hops and for the money-moving ones,
then verifies the ledger. The budget (reference/performance-and-reliability.md, L1/L2): p99
at most 150 ms for a hop that moves no money, 300 ms for one that does.

    make bench          # runs bench/ledger.py, then this
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.ledger import recreate_database

SESSIONS = 200
PIN = "4817"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def report(label: str, values: list[float]) -> None:
    print(
        f"{label:<22} n={len(values):5d}  p50 {statistics.median(values):6.1f} ms"
        f"  p95 {percentile(values, 0.95):6.1f}  p99 {percentile(values, 0.99):6.1f}"
        f"  max {max(values):6.1f}"
    )


def main() -> int:
    base = os.environ.get("DATABASE_URL")
    if not base:
        sys.exit("DATABASE_URL is not set (run through `make bench`).")
    os.environ["DATABASE_URL"] = recreate_database(base, "agentnet_bench_ussd")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["OUTBOX_KICK_AFTER_POSTING"] = "false"  # time the hop, not the broker
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    from wallets import services
    from wallets.invariants import check_ledger

    call_command("migrate", verbosity=0)
    sender = services.register_customer(phone="+254712300001", name="Bench Sender")
    services.register_customer(phone="+254712300002", name="Bench Recipient")
    services.set_pin(sender, PIN)
    services.fund_from_issuance(wallet=sender.wallet(), amount=400_000_00, idempotency_key="b")

    client = Client()
    url = f"/ussd/africastalking/{settings.USSD_CALLBACK_TOKEN}/"
    plain: list[float] = []
    money: list[float] = []
    for session in range(SESSIONS):
        inputs: list[str] = []
        for token in (None, "1", "0712300002", "150", PIN):
            if token is not None:
                inputs.append(token)
            fields = {
                "sessionId": f"bench-{session}",
                "serviceCode": "*384#",
                "phoneNumber": "+254712300001",
                "networkCode": "63902",
                "text": "*".join(inputs),
            }
            started = time.perf_counter()
            response = client.post(url, fields)
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                sys.exit(f"hop failed: {response.status_code} {response.content!r}")
            (money if token == PIN else plain).append(elapsed)
            if token == PIN and b"Confirmed" not in response.content:
                sys.exit(f"the send did not go through: {response.content!r}")

    print(f"USSD hops through the view, {SESSIONS} send-money sessions:")
    report("all hops", plain + money)
    report("hops without money", plain)
    report("hops moving money", money)
    violations = check_ledger()
    print(f"invariants: {violations or 'all hold'}")
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
