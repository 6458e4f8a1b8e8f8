"""Money figures for the dashboard, each one aggregate query over the ledger.

"Today" is the local calendar day (settings.TIME_ZONE), as in receipts and limits. Volume and
value count every transaction of the day by kind, reversals included as their own kind; fees
and commissions are read from the postings that moved them, so a reversed fee shows as
refunded and a commission as what the agents' accounts actually received.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from wallets.invariants import STORED_BALANCE
from wallets.models import AccountKind, Posting, Transaction, TransactionKind
from wallets.models.ledger import BACKING_KINDS, E_MONEY_KINDS

TREND_DAYS = 14

# One statement, one snapshot of every balance (house accounts summed over their shards).
# Built from constants only, never from input.
BALANCES_BY_CURRENCY_AND_KIND = f"""
    SELECT a.currency, a.kind, coalesce(sum({STORED_BALANCE}), 0)::bigint
      FROM wallets_account a GROUP BY a.currency, a.kind
"""  # noqa: S608


def day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """Local midnight at the start of `day` and of the next day."""
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time()))
    following = day + datetime.timedelta(days=1)
    return start, timezone.make_aware(datetime.datetime.combine(following, datetime.time()))


@dataclass(frozen=True)
class KindFigures:
    kind: str
    count: int
    value: int
    fees: int

    @property
    def label(self) -> str:
        if self.kind in TransactionKind.values:
            return str(TransactionKind(self.kind).label)
        return self.kind


def volume_by_kind(currency: str, day: datetime.date) -> list[KindFigures]:
    """Count, principal and fees of `day`'s transactions per kind, largest value first."""
    start, end = day_bounds(day)
    rows = (
        Transaction.objects.filter(currency=currency, created_at__gte=start, created_at__lt=end)
        .values("kind")
        .annotate(count=Count("id"), value=Sum("amount"), fees=Sum("fee"))
        .order_by("-value", "kind")
    )
    return [KindFigures(row["kind"], row["count"], row["value"], row["fees"]) for row in rows]


@dataclass(frozen=True)
class Earnings:
    """What fee income received and paid out on one day, from its postings."""

    fees_charged: int  # fee legs into fee income
    fees_refunded: int  # fee legs given back by reversals
    commissions: int  # paid from fee income to agents' and head offices' commission accounts
    net_fee_income: int  # everything into fee income less everything out of it

    @property
    def fees_earned(self) -> int:
        return self.fees_charged - self.fees_refunded


def earnings(currency: str, day: datetime.date) -> Earnings:
    start, end = day_bounds(day)
    into_fees = Q(credit_account__kind=AccountKind.FEE_INCOME)
    out_of_fees = Q(debit_account__kind=AccountKind.FEE_INCOME)
    totals = Posting.objects.filter(
        transaction__currency=currency,
        transaction__created_at__gte=start,
        transaction__created_at__lt=end,
    ).aggregate(
        into=Sum("amount", filter=into_fees, default=0),
        out=Sum("amount", filter=out_of_fees, default=0),
        refunded=Sum(
            "amount",
            filter=out_of_fees & Q(transaction__kind=TransactionKind.REVERSAL),
            default=0,
        ),
        commissions=Sum(
            "amount",
            filter=out_of_fees & Q(credit_account__kind=AccountKind.AGENT_COMMISSION),
            default=0,
        ),
    )
    return Earnings(
        fees_charged=totals["into"],
        fees_refunded=totals["refunded"],
        commissions=totals["commissions"],
        net_fee_income=totals["into"] - totals["out"],
    )


@dataclass(frozen=True)
class DayFigures:
    day: datetime.date
    count: int
    value: int


def daily_trend(currency: str, today: datetime.date, days: int = TREND_DAYS) -> list[DayFigures]:
    """Transactions and their value per local day for the last `days` days up to `today`,
    oldest first; a quiet day is a zero, not a gap."""
    first = today - datetime.timedelta(days=days - 1)
    start, _ = day_bounds(first)
    _, end = day_bounds(today)
    rows = (
        Transaction.objects.filter(currency=currency, created_at__gte=start, created_at__lt=end)
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(count=Count("id"), value=Sum("amount"))
        .order_by("day")
    )
    found = {row["day"]: row for row in rows}
    trend = []
    for offset in range(days):
        day = first + datetime.timedelta(days=offset)
        row = found.get(day, {"count": 0, "value": 0})
        trend.append(DayFigures(day, row["count"], row["value"]))
    return trend


@dataclass(frozen=True)
class Outstanding:
    """E-money we owe the public and what the ledger says backs it, right now."""

    currency: str
    e_money: int  # customer wallets, agent floats and commissions
    ledger_backing: int  # trust, issuance and settlement accounts
    at_operators: int  # our settlement mirrors: money held at each operator


def outstanding_by_currency() -> dict[str, Outstanding]:
    """Live figures for every currency that has accounts (one scan of the accounts table,
    the same one the safeguarding check makes every minute)."""
    with connection.cursor() as cursor:
        cursor.execute(BALANCES_BY_CURRENCY_AND_KIND)
        rows = cursor.fetchall()
    by_currency: dict[str, dict[str, int]] = {}
    for currency, kind, total in rows:
        by_currency.setdefault(currency, {})[kind] = int(total)
    return {
        currency: Outstanding(
            currency=currency,
            e_money=sum(kinds.get(kind, 0) for kind in E_MONEY_KINDS),
            ledger_backing=-sum(kinds.get(kind, 0) for kind in BACKING_KINDS),
            at_operators=-kinds.get(AccountKind.SETTLEMENT, 0),
        )
        for currency, kinds in sorted(by_currency.items())
    }
