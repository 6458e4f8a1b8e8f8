"""The rule scanner: evaluate the active rules for whatever moved since the last scan.

Each run reads the transactions after the watermark (at most `batch_size`), finds the wallets
and agent floats they touched and the customers behind them (plus customers registered since
the last run), runs every active rule over just those subjects, records the hits as alerts and
moves the watermark, all in one database transaction:

- Safe to run twice: the watermark only moves forward with the alerts it produced, and a hit
  on a subject with an open alert updates that alert.
- Safe to run concurrently: the watermark row is taken `FOR UPDATE SKIP LOCKED`; a second
  scanner finds it taken and returns at once, doing nothing.
- No transaction is skipped: transaction ids are taken when a posting starts, so a lower id
  can commit after a higher one. The scan stops before the first transaction younger than
  `SETTLE`, by which time every posting that started before it has long committed.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from compliance import alerts
from compliance.models import Rule, Watermark
from compliance.rules import EVALUATORS, Context
from compliance.rules.base import SCOPE_ACCOUNT_KIND, fetch
from wallets.models import Customer, Transaction

logger = logging.getLogger(__name__)

STREAM = "postings"
BATCH_SIZE = 5000
SETTLE = datetime.timedelta(seconds=30)

TOUCHED_ACCOUNTS = """
SELECT a.id, a.kind, a.currency, a.customer_id
  FROM wallets_account a
 WHERE a.kind = ANY(%(kinds)s)
   AND a.id IN (SELECT debit_account_id FROM wallets_posting
                 WHERE transaction_id BETWEEN %(low)s AND %(high)s
                UNION
                SELECT credit_account_id FROM wallets_posting
                 WHERE transaction_id BETWEEN %(low)s AND %(high)s)
"""


@dataclass(frozen=True)
class ScanResult:
    busy: bool = False  # another scanner holds the watermark
    transactions: int = 0
    customers: int = 0
    opened: int = 0
    updated: int = 0
    caught_up: bool = True  # nothing settled is left after this batch


@transaction.atomic(durable=True)
def scan(*, now: datetime.datetime | None = None, batch_size: int = BATCH_SIZE) -> ScanResult:
    """Evaluate the active rules once for the next batch of settled transactions and new
    customers; a concurrent or repeated call adds no duplicate alert."""
    now = now or timezone.now()
    watermark = _claim_watermark()
    if watermark is None:
        return ScanResult(busy=True, caught_up=False)
    settled = now - SETTLE
    new_transactions = _settled(
        Transaction.objects.filter(id__gt=watermark.last_transaction_id), settled, batch_size
    )
    new_customers = _settled(
        Customer.objects.filter(id__gt=watermark.last_customer_id), settled, batch_size
    )
    context = _context(now, new_transactions, new_customers)
    opened = updated = 0
    for rule in Rule.objects.active():
        if problems := rule.problems():
            logger.warning("compliance rule %r skipped: %s", rule.name, " ".join(problems))
            continue
        for hit in EVALUATORS[rule.kind](rule, context):
            _, created = alerts.record_hit(rule=rule, hit=hit, now=now)
            opened, updated = opened + created, updated + (not created)
    if new_transactions:
        watermark.last_transaction_id = new_transactions[-1]
    if new_customers:
        watermark.last_customer_id = new_customers[-1]
    watermark.updated_at = now
    watermark.save()
    return ScanResult(
        transactions=len(new_transactions),
        customers=len(new_customers),
        opened=opened,
        updated=updated,
        caught_up=len(new_transactions) < batch_size and len(new_customers) < batch_size,
    )


def _claim_watermark() -> Watermark | None:
    if not Watermark.objects.filter(name=STREAM).exists():
        try:
            with transaction.atomic():
                Watermark.objects.create(name=STREAM)
        except IntegrityError:  # created by a concurrent scanner
            pass
    return Watermark.objects.select_for_update(skip_locked=True).filter(name=STREAM).first()


def _settled(queryset, settled: datetime.datetime, batch_size: int) -> list[int]:
    """Ids in order, up to the first row created after `settled` (later ones wait)."""
    ids = []
    for pk, created_at in queryset.order_by("id").values_list("id", "created_at")[:batch_size]:
        if created_at > settled:
            break
        ids.append(pk)
    return ids


def _context(
    now: datetime.datetime, transaction_ids: list[int], customer_ids: list[int]
) -> Context:
    accounts: dict[int, tuple[str, str]] = {}
    customers = set(customer_ids)
    if transaction_ids:
        rows = fetch(
            TOUCHED_ACCOUNTS,
            {
                "kinds": [str(kind) for kind in SCOPE_ACCOUNT_KIND.values()],
                "low": transaction_ids[0],
                "high": transaction_ids[-1],
            },
        )
        for row in rows:
            accounts[row["id"]] = (row["kind"], row["currency"])
            if row["customer_id"] is not None:
                customers.add(row["customer_id"])
    return Context(now=now, accounts=accounts, customers=customers)
