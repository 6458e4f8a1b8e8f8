"""The rows of each export, read in chunks through a server-side cursor.

Each source is a generator that opens a read transaction when the first row is asked for
(while the response streams, not while the view runs) and keeps it to the last row: inside a
transaction PostgreSQL streams a cursor as it is fetched, where an autocommit cursor would
have to be materialised first, and every row comes from one snapshot. `CHUNK_ROWS` rows are
fetched at a time.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from agents.models import CommissionStatement
from backoffice.dashboard.ledger import day_bounds
from wallets.models import Account, Transaction
from wallets.money import exponent

CHUNK_ROWS = 2_000
Row = Sequence[object]


@dataclass(frozen=True)
class DateRange:
    first: datetime.date
    last: datetime.date  # inclusive

    @property
    def bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        """Local midnight of the first day and of the day after the last."""
        return day_bounds(self.first)[0], day_bounds(self.last)[1]

    @property
    def slug(self) -> str:
        return f"{self.first:%Y-%m-%d}_{self.last:%Y-%m-%d}"


def decimal_text(amount: int, currency: str) -> str:
    """15050 -> '150.50', -700 -> '-7.00', 500 UGX -> '500': a plain number for spreadsheets
    (no currency code, no thousands separator), computed in integers."""
    places = exponent(currency)
    sign = "-" if amount < 0 else ""
    whole, fraction = divmod(abs(amount), 10**places)
    return f"{sign}{whole}.{fraction:0{places}d}" if places else f"{sign}{whole}"


def local_time(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).isoformat(timespec="seconds")


TRANSACTION_HEADER = [
    "reference",
    "created_at",
    "kind",
    "amount_minor",
    "amount",
    "fee_minor",
    "fee",
    "currency",
    "channel",
    "initiator",
    "status",
]


def transaction_rows(period: DateRange) -> Iterator[Row]:
    """Every transaction created in the period, in posting order."""
    start, end = period.bounds
    rows = (
        Transaction.objects.filter(created_at__gte=start, created_at__lt=end)
        .order_by("id")
        .values_list(
            "reference",
            "created_at",
            "kind",
            "amount",
            "fee",
            "currency",
            "channel",
            "initiator",
            "status",
        )
    )
    with transaction.atomic():
        for (
            reference,
            created_at,
            kind,
            amount,
            fee,
            currency,
            channel,
            initiator,
            status,
        ) in rows.iterator(chunk_size=CHUNK_ROWS):
            yield [
                reference,
                local_time(created_at),
                kind,
                amount,
                decimal_text(amount, currency),
                fee,
                decimal_text(fee, currency),
                currency,
                channel,
                initiator,
                status,
            ]


STATEMENT_HEADER = [
    "reference",
    "created_at",
    "kind",
    "counterparty",
    "amount_minor",
    "amount",
    "balance_after_minor",
    "balance_after",
    "currency",
]

# One line per posting on the account, as `wallets.services.statement`: the balance after a
# posting is the sum of every posting on the account up to it (postings on a customer account
# are written under its row lock, so id order is posting order). The window runs over the
# whole history before the period is filtered, so the first line's balance is exact.
STATEMENT_SQL = """
WITH account_postings AS (
    SELECT p.id, p.transaction_id,
           CASE WHEN p.credit_account_id = %(account)s THEN p.amount ELSE -p.amount END AS delta,
           CASE WHEN p.credit_account_id = %(account)s THEN p.debit_account_id
                ELSE p.credit_account_id END AS counterparty
      FROM wallets_posting p
     WHERE p.debit_account_id = %(account)s OR p.credit_account_id = %(account)s
), running AS (
    SELECT *, (sum(delta) OVER (ORDER BY id))::bigint AS balance_after FROM account_postings
)
SELECT t.reference, t.created_at, t.kind, coalesce(c.phone, ca.code, ''), r.delta,
       r.balance_after
  FROM running r
  JOIN wallets_transaction t ON t.id = r.transaction_id
  JOIN wallets_account ca ON ca.id = r.counterparty
  LEFT JOIN wallets_customer c ON c.id = ca.customer_id
 WHERE t.created_at >= %(start)s AND t.created_at < %(end)s
 ORDER BY r.id
"""


def statement_rows(wallet: Account, period: DateRange) -> Iterator[Row]:
    """A customer or agent account's postings in the period, with the balance after each."""
    if wallet.is_house:
        raise ValueError("Statements with running balances are for customer and agent accounts.")
    start, end = period.bounds
    currency = wallet.currency
    with transaction.atomic(), connection.chunked_cursor() as cursor:
        cursor.execute(STATEMENT_SQL, {"account": wallet.pk, "start": start, "end": end})
        while chunk := cursor.fetchmany(CHUNK_ROWS):
            for reference, created_at, kind, counterparty, delta, balance_after in chunk:
                yield [
                    reference,
                    local_time(created_at),
                    kind,
                    counterparty,
                    delta,
                    decimal_text(delta, currency),
                    balance_after,
                    decimal_text(balance_after, currency),
                    currency,
                ]


COMMISSION_HEADER = [
    "month",
    "agent_number",
    "business_name",
    "currency",
    "cash_in_count",
    "cash_in_commission_minor",
    "cash_in_commission",
    "cash_out_count",
    "cash_out_commission_minor",
    "cash_out_commission",
    "total_commission_minor",
    "total_commission",
    "withheld_minor",
    "withheld",
]


def commission_statement_rows(period: DateRange) -> Iterator[Row]:
    """Agents' monthly commission statements for the months the period touches."""
    rows = (
        CommissionStatement.objects.filter(
            month__gte=period.first.replace(day=1), month__lte=period.last
        )
        .order_by("month", "agent__agent_number")
        .values_list(
            "month",
            "agent__agent_number",
            "agent__business_name",
            "currency",
            "cash_in_count",
            "cash_in_commission",
            "cash_out_count",
            "cash_out_commission",
            "withheld",
        )
    )
    with transaction.atomic():
        for month, number, name, currency, ins, in_paid, outs, out_paid, withheld in rows.iterator(
            chunk_size=CHUNK_ROWS
        ):
            total = in_paid + out_paid
            yield [
                f"{month:%Y-%m}",
                number,
                name,
                currency,
                ins,
                in_paid,
                decimal_text(in_paid, currency),
                outs,
                out_paid,
                decimal_text(out_paid, currency),
                total,
                decimal_text(total, currency),
                withheld,
                decimal_text(withheld, currency),
            ]
