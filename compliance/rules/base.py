"""What every rule function shares: its inputs (`Context`), its output (`Hit`), and the
window of postings it aggregates over.

A rule looks only at the subjects the scan found moving (the accounts touched by new postings,
the customers touched or newly registered) and aggregates their postings over its window in
SQL. Postings are read through the ledger's `(debit_account, id)` and `(credit_account, id)`
indexes from `Window.first_posting_id` on, so an account's old history is never read: that
lower bound is found by a binary search over posting ids (about 30 index probes), and the
exact `created_at` filter is applied on the few rows past it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from wallets.models import HOUSE_KINDS, AccountKind

# Postings are inserted a few milliseconds after their transaction starts (its `created_at`),
# and concurrent postings may take ids out of that order. Searching this much earlier than
# the window's start keeps every posting of the window past the bound.
ID_ORDER_SLACK = datetime.timedelta(minutes=5)
HOUSE = tuple(sorted(str(kind) for kind in HOUSE_KINDS))
SCOPE_ACCOUNT_KIND = {"wallet": AccountKind.CUSTOMER_WALLET, "agent": AccountKind.AGENT_FLOAT}


@dataclass(frozen=True)
class Hit:
    """A rule tripped for one subject; `detail` holds the figures, ready for JSON."""

    subject: str  # "account" or "customer"
    subject_id: int
    detail: dict[str, Any]


@dataclass(frozen=True)
class Window:
    start: datetime.datetime
    end: datetime.datetime
    first_posting_id: int

    def params(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "first_posting": self.first_posting_id}


@dataclass
class Context:
    """One scan's subjects: the accounts that moved (id -> (kind, currency)) and customers."""

    now: datetime.datetime
    accounts: dict[int, tuple[str, str]]
    customers: set[int]
    _bounds: dict[datetime.datetime, int] = field(default_factory=dict)

    def accounts_for(self, scope: str, currency: str) -> list[int]:
        kind = SCOPE_ACCOUNT_KIND.get(scope)
        return sorted(pk for pk, (k, cur) in self.accounts.items() if k == kind and cur == currency)

    def window(self, length: datetime.timedelta) -> Window:
        start = self.now - length
        if start not in self._bounds:
            self._bounds[start] = first_posting_since(start - ID_ORDER_SLACK)
        return Window(start=start, end=self.now, first_posting_id=self._bounds[start])


def first_posting_since(moment: datetime.datetime) -> int:
    """The smallest posting id whose transaction was created at or after `moment` (ids and
    times rise together, up to ID_ORDER_SLACK); one past the last posting if none is."""
    probe = (
        "SELECT t.created_at FROM wallets_posting p"
        " JOIN wallets_transaction t ON t.id = p.transaction_id"
        " WHERE p.id >= %s ORDER BY p.id LIMIT 1"
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(min(id), 1), coalesce(max(id), 0) FROM wallets_posting")
        low, high = cursor.fetchone()
        high += 1  # "none is": the answer may be one past the last posting
        while low < high:
            middle = (low + high) // 2
            cursor.execute(probe, [middle])
            row = cursor.fetchone()
            if row is not None and row[0] >= moment:
                high = middle
            else:
                low = middle + 1
    return low


def fetch(sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column.name for column in cursor.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def moves_sql(directions: Iterable[str]) -> str:
    """A `moves` CTE: one row per posting of the subject accounts in the window, from the
    subject's side: direction, counterparty and its kind, amount, when, which transaction."""
    sides = {
        "out": ("debit_account_id", "credit_account_id"),
        "in": ("credit_account_id", "debit_account_id"),
    }
    parts = [
        f"""SELECT p.id, p.transaction_id, p.{own} AS account_id, '{direction}' AS direction,
                   p.{other} AS counterparty_id, c.kind AS counterparty_kind, p.amount,
                   t.created_at
              FROM wallets_posting p
              JOIN wallets_transaction t ON t.id = p.transaction_id
              JOIN wallets_account c ON c.id = p.{other}
             WHERE p.{own} = ANY(%(accounts)s) AND p.id >= %(first_posting)s
               AND t.created_at >= %(start)s AND t.created_at <= %(end)s"""  # noqa: S608 - names are constants
        for direction in directions
        for own, other in [sides[direction]]
    ]
    return "WITH moves AS (" + "\nUNION ALL\n".join(parts) + ")\n"


def when(moment: datetime.datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None
