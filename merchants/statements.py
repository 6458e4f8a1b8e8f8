"""A settlement's statement: the postings on the merchant's account in the settlement's period
[period_start, period_end), one line per transaction, with the balance after each, the
period's totals and the payout.

A line splits what the transaction did to the account: `paid_in` (payments received, a fee
given back), `paid_out` (refunds, disbursements, an earlier settlement's payout) and `fee`
(what went to fee income; negative when a refund gave a fee back). The balance after a line
is the opening balance plus every line so far, so the last one is the closing balance; the
totals are computed by the database from the same postings, and a test holds the two equal
(and equal to the ledger).

Lines are read with a server-side cursor in posting order (postings on one account are
written under its row lock, so id order is posting order) and grouped by transaction, so a
busy till's day streams without being held in memory.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet, Sum

from backoffice.exports.sources import decimal_text, local_time
from merchants.models import Settlement
from wallets.models import Account, AccountKind, Posting, TransactionKind

CHUNK = 2_000
PARTY = ("kind", "code", "customer__phone", "merchant__display_name")
FIELDS = (
    "transaction_id",
    "transaction__reference",
    "transaction__kind",
    "transaction__created_at",
    "amount",
    "credit_account_id",
    *(f"{side}_account__{field}" for side in ("debit", "credit") for field in PARTY),
)


@dataclass(frozen=True)
class Line:
    at: datetime.datetime
    reference: str
    kind: str
    counterparty: str
    paid_in: int
    paid_out: int
    fee: int
    balance: int


@dataclass(frozen=True)
class Totals:
    opening: int
    paid_in: int
    paid_out: int
    fees: int

    @property
    def closing(self) -> int:
        return self.opening + self.paid_in - self.paid_out - self.fees


def totals(settlement: Settlement) -> Totals:
    """The period's opening balance and sums, from the ledger."""
    account = settlement.merchant.account
    fee_income = Q(debit_account__kind=AccountKind.FEE_INCOME) | Q(
        credit_account__kind=AccountKind.FEE_INCOME
    )
    period = _postings(settlement, account)
    credits = period.filter(credit_account=account)
    debits = period.filter(debit_account=account)
    return Totals(
        opening=_opening(settlement, account),
        paid_in=_sum(credits.exclude(fee_income)),
        paid_out=_sum(debits.exclude(fee_income)),
        fees=_sum(debits.filter(fee_income)) - _sum(credits.filter(fee_income)),
    )


KIND_LABELS = dict(TransactionKind.choices)
CSV_HEADER = ["time", "reference", "kind", "counterparty", "in", "out", "fee", "balance"]


def csv_rows(settlement: Settlement) -> Iterator[list[object]]:
    """The statement as CSV rows: the opening balance, the lines, the totals (with the
    closing balance), then the payout this settlement made (or tried to)."""
    currency = settlement.currency

    def money(amount: int) -> str:
        return decimal_text(amount, currency) if amount else ""

    sums = totals(settlement)
    start = local_time(settlement.period_start) if settlement.period_start else ""
    yield [start, "", "opening balance", "", "", "", "", decimal_text(sums.opening, currency)]
    for line in lines(settlement, sums.opening):
        yield [
            local_time(line.at),
            line.reference,
            KIND_LABELS.get(line.kind, line.kind),
            line.counterparty,
            money(line.paid_in),
            money(line.paid_out),
            decimal_text(line.fee, currency) if line.fee else "",
            decimal_text(line.balance, currency),
        ]
    closing = decimal_text(sums.closing, currency)
    yield [
        local_time(settlement.period_end),
        "",
        "totals and closing balance",
        "",
        decimal_text(sums.paid_in, currency),
        decimal_text(sums.paid_out, currency),
        decimal_text(sums.fees, currency),
        closing,
    ]
    yield payout_row(settlement)


def payout_row(settlement: Settlement) -> list[object]:
    """The payout: posted (its transaction) when settled, else the request and its state."""
    request = settlement.operator_request
    posted = request.transaction
    return [
        local_time(posted.created_at if posted else settlement.created_at),
        posted.reference if posted else str(request.reference),
        f"settlement payout: {settlement.get_state_display().lower()}",
        settlement.destination,
        "",
        decimal_text(settlement.amount, settlement.currency),
        "",
        "",
    ]


def lines(settlement: Settlement, opening: int) -> Iterator[Line]:
    """The period's lines in posting order, the balance running from `opening`."""
    account = settlement.merchant.account
    rows = _postings(settlement, account).order_by("id").values(*FIELDS).iterator(CHUNK)
    balance = opening
    group: list[dict[str, Any]] = []
    for row in rows:
        if group and row["transaction_id"] != group[0]["transaction_id"]:
            line = _line(group, account, balance)
            balance = line.balance
            yield line
            group = []
        group.append(row)
    if group:
        yield _line(group, account, balance)


def _line(group: list[dict[str, Any]], account: Account, before: int) -> Line:
    paid_in = paid_out = fee = 0
    others = []
    for row in group:
        incoming = row["credit_account_id"] == account.pk
        other = "debit" if incoming else "credit"
        if row[f"{other}_account__kind"] == AccountKind.FEE_INCOME:
            fee += -row["amount"] if incoming else row["amount"]
            continue
        others.append(_party(row, other))
        if incoming:
            paid_in += row["amount"]
        else:
            paid_out += row["amount"]
    first = group[0]
    return Line(
        at=first["transaction__created_at"],
        reference=first["transaction__reference"],
        kind=first["transaction__kind"],
        counterparty=", ".join(dict.fromkeys(others)),
        paid_in=paid_in,
        paid_out=paid_out,
        fee=fee,
        balance=before + paid_in - paid_out - fee,
    )


def _party(row: dict[str, Any], side: str) -> str:
    """How a counterparty is shown: a customer's phone, a merchant's name, or a house
    account's code (the operator's settlement account: "settlement:mpesa:KES")."""
    kind, code, phone, merchant = (row[f"{side}_account__{field}"] for field in PARTY)
    return str(phone or merchant or code or AccountKind(kind).label)


def _postings(settlement: Settlement, account: Account) -> QuerySet[Posting]:
    period = Q(transaction__created_at__lt=settlement.period_end)
    if settlement.period_start is not None:
        period &= Q(transaction__created_at__gte=settlement.period_start)
    return Posting.objects.filter(Q(debit_account=account) | Q(credit_account=account), period)


def _opening(settlement: Settlement, account: Account) -> int:
    if settlement.period_start is None:
        return 0
    before = Q(transaction__created_at__lt=settlement.period_start)
    return _sum(Posting.objects.filter(before, credit_account=account)) - _sum(
        Posting.objects.filter(before, debit_account=account)
    )


def _sum(postings: QuerySet[Posting]) -> int:
    return int(postings.aggregate(total=Sum("amount"))["total"] or 0)
