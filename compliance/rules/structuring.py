"""Structuring: repeated outgoing amounts just under a limit, so that none crosses it
(reference/domain-and-security.md 4: "repeated transfers just below a reporting threshold";
World Bank red flag "structuring").

An amount counts when it lies from `margin_percent` under the limit up to the limit itself.
The limit is the rule's `reference_amount` (a reporting threshold), or else the customer's
per-transaction limit for their KYC tier in force now (`wallets_limits_for`, the ledger's own
function), so the rule follows the tier table without being edited.
"""

from __future__ import annotations

from compliance.models import Rule
from compliance.rules.base import Context, Hit, fetch, moves_sql

SQL = """
, limited AS (
    SELECT m.*,
           coalesce(%(reference)s::bigint,
                    (SELECT l.max_per_transaction
                       FROM wallets_limits_for(m.account_id, %(end)s) l)) AS limit_amount
      FROM moves m
     WHERE m.counterparty_kind <> 'fee_income'
)
SELECT account_id, max(limit_amount) AS limit_amount, count(*) AS near_limit,
       array_agg(amount ORDER BY id) AS amounts
  FROM limited
 WHERE limit_amount IS NOT NULL
   AND amount <= limit_amount
   AND amount * 100 >= limit_amount * (100 - %(margin)s)
 GROUP BY account_id
HAVING count(*) >= %(count)s
"""


def evaluate(rule: Rule, context: Context) -> list[Hit]:
    accounts = context.accounts_for(rule.scope, rule.currency)
    if not accounts:
        return []
    window = context.window(rule.window)
    rows = fetch(
        moves_sql(["out"]) + SQL,
        {
            **window.params(),
            "accounts": accounts,
            "reference": rule.reference_amount,
            "margin": rule.margin_percent,
            "count": rule.count_threshold,
        },
    )
    return [
        Hit(
            "account",
            row["account_id"],
            {
                "near_limit": row["near_limit"],
                "amounts": list(row["amounts"]),
                "limit": row["limit_amount"],
                "margin_percent": rule.margin_percent,
                "currency": rule.currency,
                "window_minutes": rule.window_minutes,
            },
        )
        for row in rows
    ]
