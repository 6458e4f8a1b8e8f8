"""Rapid in-out (pass-through): money received and most of it sent or withdrawn again within
minutes, the wallet used as a relay (reference/domain-and-security.md 7F: "rapid in-out
(pass-through)").

Within the window, what came in (from anyone but the house) is compared with what left after
the first of those credits (fees excluded). It trips when at least `value_threshold` came in
and at least `share_percent` of it left again.
"""

from __future__ import annotations

from compliance.models import Rule
from compliance.rules.base import HOUSE, Context, Hit, fetch, moves_sql, when

SQL = """
, firsts AS (
    SELECT account_id, min(id) AS first_in, min(created_at) AS first_in_at,
           sum(amount)::bigint AS received
      FROM moves
     WHERE direction = 'in' AND NOT (counterparty_kind = ANY(%(house)s))
     GROUP BY account_id
)
SELECT f.account_id, f.received, f.first_in_at,
       coalesce(sum(m.amount), 0)::bigint AS sent_on, max(m.created_at) AS last_out_at
  FROM firsts f
  JOIN moves m ON m.account_id = f.account_id AND m.direction = 'out' AND m.id > f.first_in
              AND m.counterparty_kind <> 'fee_income'
 GROUP BY f.account_id, f.received, f.first_in_at
HAVING f.received >= %(value)s
   AND coalesce(sum(m.amount), 0) * 100 >= f.received * %(share)s
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
            "house": list(HOUSE),
            "value": rule.value_threshold,
            "share": rule.share_percent,
        },
    )
    return [
        Hit(
            "account",
            row["account_id"],
            {
                "received": row["received"],
                "sent_on": row["sent_on"],
                "first_in_at": when(row["first_in_at"]),
                "last_out_at": when(row["last_out_at"]),
                "share_percent": rule.share_percent,
                "currency": rule.currency,
                "window_minutes": rule.window_minutes,
            },
        )
        for row in rows
    ]
