"""Dormant then active: a wallet silent for `dormant_days` that suddenly moves at least
`value_threshold` within the window (reference/domain-and-security.md 4: "sudden volume
increase"; 7F: "dormant-then-active"; 1.5 for how long silence makes a wallet dormant).

The silence is measured before the wallet's first posting in the window: back to its previous
posting (one index probe per side), or to the day the wallet was opened if it never moved.
"""

from __future__ import annotations

from compliance.models import Rule
from compliance.rules.base import Context, Hit, fetch, moves_sql, when

SQL = """
, recent AS (
    SELECT account_id, min(id) AS first_id, min(created_at) AS first_at,
           coalesce(sum(amount) FILTER (WHERE counterparty_kind <> 'fee_income'), 0)::bigint
               AS moved
      FROM moves
     GROUP BY account_id
), gaps AS (
    SELECT r.account_id, r.first_at, r.moved, a.created_at AS opened_at,
           (SELECT max(t.created_at) FROM wallets_transaction t WHERE t.id IN (
               (SELECT p.transaction_id FROM wallets_posting p
                 WHERE p.debit_account_id = r.account_id AND p.id < r.first_id
                 ORDER BY p.id DESC LIMIT 1),
               (SELECT p.transaction_id FROM wallets_posting p
                 WHERE p.credit_account_id = r.account_id AND p.id < r.first_id
                 ORDER BY p.id DESC LIMIT 1))) AS previous_at
      FROM recent r
      JOIN wallets_account a ON a.id = r.account_id
     WHERE r.moved >= %(value)s
)
SELECT account_id, first_at, moved, previous_at, opened_at
  FROM gaps
 WHERE coalesce(previous_at, opened_at) <= first_at - make_interval(days => %(days)s)
"""


def evaluate(rule: Rule, context: Context) -> list[Hit]:
    accounts = context.accounts_for(rule.scope, rule.currency)
    if not accounts:
        return []
    window = context.window(rule.window)
    rows = fetch(
        moves_sql(["in", "out"]) + SQL,
        {
            **window.params(),
            "accounts": accounts,
            "value": rule.value_threshold,
            "days": rule.dormant_days,
        },
    )
    return [
        Hit(
            "account",
            row["account_id"],
            {
                "silent_since": when(row["previous_at"] or row["opened_at"]),
                "never_moved_before": row["previous_at"] is None,
                "active_again_at": when(row["first_at"]),
                "moved": row["moved"],
                "dormant_days": rule.dormant_days,
                "currency": rule.currency,
                "window_minutes": rule.window_minutes,
            },
        )
        for row in rows
    ]
