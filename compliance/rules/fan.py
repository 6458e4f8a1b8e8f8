"""Fan-in and fan-out: many distinct senders paying one account, or one account paying many
distinct recipients, within a window (reference/domain-and-security.md 4, World Bank red
flags: "many senders to one beneficiary"; "multiple third parties doing separate, related,
non-reportable transactions"; 2.4: agents whose deposits go to many unrelated wallets).

Counterparties are customer and agent accounts; house accounts (fees, issuance, settlement)
are not people and never count.
"""

from __future__ import annotations

from compliance.models import Rule, RuleKind
from compliance.rules.base import HOUSE, Context, Hit, fetch, moves_sql

SQL = """
SELECT account_id, count(DISTINCT counterparty_id) AS counterparties, sum(amount)::bigint AS value,
       count(DISTINCT transaction_id) AS transactions
  FROM moves
 WHERE NOT (counterparty_kind = ANY(%(house)s))
 GROUP BY account_id
HAVING count(DISTINCT counterparty_id) >= %(count)s
   AND sum(amount) >= coalesce(%(value)s::bigint, 0)
"""


def evaluate(rule: Rule, context: Context) -> list[Hit]:
    accounts = context.accounts_for(rule.scope, rule.currency)
    if not accounts:
        return []
    window = context.window(rule.window)
    direction = "in" if rule.kind == RuleKind.FAN_IN else "out"
    rows = fetch(
        moves_sql([direction]) + SQL,
        {
            **window.params(),
            "accounts": accounts,
            "house": list(HOUSE),
            "count": rule.count_threshold,
            "value": rule.value_threshold,
        },
    )
    label = "senders" if direction == "in" else "recipients"
    return [
        Hit(
            "account",
            row["account_id"],
            {
                label: row["counterparties"],
                "transactions": row["transactions"],
                "value": row["value"],
                "currency": rule.currency,
                "window_minutes": rule.window_minutes,
            },
        )
        for row in rows
    ]
