"""Several wallets per ID number: customers registered with the same ID document
(reference/domain-and-security.md 7B: "an ID-number uniqueness policy"; KYC_DUPLICATE_ID may
let a duplicate open and flag it). One alert per ID number: its subject is the earliest
holder, and the detail lists every holder."""

from __future__ import annotations

from compliance.models import Rule
from compliance.rules.base import Context, Hit, fetch

SQL = """
WITH subjects AS (
    SELECT DISTINCT id_type, id_number FROM wallets_customer
     WHERE id = ANY(%(customers)s) AND id_number <> ''
)
SELECT s.id_type, s.id_number, array_agg(c.id ORDER BY c.id) AS holders,
       array_agg(c.phone ORDER BY c.id) AS phones, array_agg(c.status ORDER BY c.id) AS statuses
  FROM subjects s
  JOIN wallets_customer c ON c.id_type = s.id_type AND c.id_number = s.id_number
 GROUP BY s.id_type, s.id_number
HAVING count(*) >= %(count)s
"""


def evaluate(rule: Rule, context: Context) -> list[Hit]:
    if not context.customers:
        return []
    rows = fetch(SQL, {"customers": sorted(context.customers), "count": rule.count_threshold})
    return [
        Hit(
            "customer",
            row["holders"][0],
            {
                "id_type": row["id_type"],
                "id_number": row["id_number"],
                "wallets": len(row["holders"]),
                "phones": list(row["phones"]),
                "statuses": list(row["statuses"]),
            },
        )
        for row in rows
    ]
