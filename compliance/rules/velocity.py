"""Velocity: too many transactions, or too much value, through one wallet or agent float in a
window (reference/domain-and-security.md 4: "sudden volume increase"; comply54's "> 3
transfers in 1 hour"). Value is the principal moved: fees paid to the house do not count."""

from __future__ import annotations

from compliance.models import Direction, Rule
from compliance.rules.base import Context, Hit, fetch, moves_sql

SQL = """
SELECT account_id,
       count(DISTINCT transaction_id) AS transactions,
       coalesce(sum(amount) FILTER (WHERE counterparty_kind <> 'fee_income'), 0)::bigint AS value
  FROM moves
 GROUP BY account_id
HAVING count(DISTINCT transaction_id) >= coalesce(%(count)s::bigint, 9223372036854775807)
    OR coalesce(sum(amount) FILTER (WHERE counterparty_kind <> 'fee_income'), 0)
       >= coalesce(%(value)s::bigint, 9223372036854775807)
"""


def evaluate(rule: Rule, context: Context) -> list[Hit]:
    accounts = context.accounts_for(rule.scope, rule.currency)
    if not accounts:
        return []
    window = context.window(rule.window)
    directions = ("in", "out") if rule.direction == Direction.ANY else (rule.direction,)
    rows = fetch(
        moves_sql(directions) + SQL,
        {
            **window.params(),
            "accounts": accounts,
            "count": rule.count_threshold,
            "value": rule.value_threshold,
        },
    )
    return [
        Hit(
            "account",
            row["account_id"],
            {
                "transactions": row["transactions"],
                "value": row["value"],
                "currency": rule.currency,
                "direction": rule.direction,
                "window_minutes": rule.window_minutes,
                "count_threshold": rule.count_threshold,
                "value_threshold": rule.value_threshold,
            },
        )
        for row in rows
    ]
