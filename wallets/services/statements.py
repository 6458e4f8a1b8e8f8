"""Statements: the last postings of an account with the running balance after each."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import connection

from wallets.models import Account

# One statement, one snapshot: the current balance and the postings are read together, and
# the balance after each posting is the current balance minus everything posted later.
# (Postings on a customer account are inserted under its row lock, so id order is posting order.)
STATEMENT_SQL = """
WITH lines AS (
    SELECT p.id, t.reference, t.kind, t.created_at, p.amount,
           CASE WHEN p.credit_account_id = %(account)s THEN p.amount ELSE -p.amount END AS delta,
           CASE WHEN p.credit_account_id = %(account)s THEN p.debit_account_id
                ELSE p.credit_account_id END AS counterparty
      FROM wallets_posting p JOIN wallets_transaction t ON t.id = p.transaction_id
     WHERE p.debit_account_id = %(account)s OR p.credit_account_id = %(account)s
     ORDER BY p.id DESC
     LIMIT %(limit)s
)
SELECT l.reference, l.kind, l.created_at, l.delta,
       a.balance - coalesce(sum(l.delta) OVER (ORDER BY l.id DESC
                   ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)::bigint AS balance_after,
       coalesce(c.phone, ca.code, '') AS counterparty
  FROM lines l
  JOIN wallets_account a ON a.id = %(account)s
  JOIN wallets_account ca ON ca.id = l.counterparty
  LEFT JOIN wallets_customer c ON c.id = ca.customer_id
 ORDER BY l.id DESC
"""


@dataclass(frozen=True)
class StatementLine:
    reference: str
    kind: str
    created_at: datetime.datetime
    amount: int  # positive in, negative out
    balance_after: int
    counterparty: str


def statement(account: Account, limit: int = 10) -> list[StatementLine]:
    """The last `limit` postings of a customer or agent account, newest first."""
    if account.is_house:
        raise ValueError("Statements with running balances are for customer and agent accounts.")
    with connection.cursor() as cursor:
        cursor.execute(STATEMENT_SQL, {"account": account.pk, "limit": max(1, min(limit, 200))})
        return [StatementLine(*row) for row in cursor.fetchall()]
