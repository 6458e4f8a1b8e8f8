"""The ledger invariants of design.md, each one SQL query that returns the rows breaking it.

Used by `manage.py check_ledger`, the hourly Celery task and the test suite (after every test
that moves money). Each query reads one snapshot; an empty result means the invariant holds.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

# The queries are built from the constants below only, never from input.
# ruff: noqa: S608

HOUSE = "('fee_income', 'settlement', 'trust', 'suspense', 'issuance')"
E_MONEY = "('customer_wallet', 'agent_float', 'agent_commission', 'merchant')"
BACKING = "('trust', 'settlement', 'issuance')"
OWN = "('fee_income', 'suspense')"
STORED_BALANCE = f"""
    CASE WHEN a.kind IN {HOUSE}
         THEN (SELECT coalesce(sum(h.balance), 0) FROM wallets_housebalance h
                WHERE h.account_id = a.id)
         ELSE a.balance END
"""

CHECKS: dict[str, str] = {
    "postings sum to zero per currency": f"""
        SELECT a.currency, sum({STORED_BALANCE}) FROM wallets_account a
         GROUP BY a.currency HAVING sum({STORED_BALANCE}) <> 0
    """,
    "each stored balance equals its postings": f"""
        WITH flows AS (
            SELECT credit_account_id AS account_id, amount FROM wallets_posting
            UNION ALL SELECT debit_account_id, -amount FROM wallets_posting
        ), sums AS (SELECT account_id, sum(amount) AS total FROM flows GROUP BY account_id)
        SELECT a.id, a.kind, {STORED_BALANCE} AS stored, coalesce(s.total, 0) AS posted
          FROM wallets_account a LEFT JOIN sums s ON s.account_id = a.id
         WHERE {STORED_BALANCE} <> coalesce(s.total, 0)
    """,
    "no customer or agent account is negative or over-held": f"""
        SELECT id, kind, balance, held FROM wallets_account
         WHERE kind NOT IN {HOUSE} AND (balance < 0 OR held < 0 OR held > balance)
    """,
    "held equals the open holds": """
        SELECT a.id, a.held, coalesce(sum(h.amount) FILTER (WHERE h.state = 'open'), 0)
          FROM wallets_account a LEFT JOIN wallets_hold h ON h.account_id = a.id
         GROUP BY a.id HAVING a.held <> coalesce(sum(h.amount) FILTER (WHERE h.state = 'open'), 0)
    """,
    "every hold is open, committed or released, once": """
        SELECT h.id, h.state FROM wallets_hold h
         WHERE h.state NOT IN ('open', 'committed', 'released')
            OR (h.state = 'committed') <> (h.transaction_id IS NOT NULL)
            OR (h.state = 'open') <> (h.ended_at IS NULL)
    """,
    "postings are positive, between two accounts of the transaction's currency": """
        SELECT p.id FROM wallets_posting p
          LEFT JOIN wallets_transaction t ON t.id = p.transaction_id
          LEFT JOIN wallets_account d ON d.id = p.debit_account_id
          LEFT JOIN wallets_account c ON c.id = p.credit_account_id
         WHERE t.id IS NULL OR d.id IS NULL OR c.id IS NULL
            OR p.amount <= 0 OR d.id = c.id OR d.currency <> t.currency OR c.currency <> t.currency
    """,
    "every transaction has postings": """
        SELECT t.reference FROM wallets_transaction t
         WHERE NOT EXISTS (SELECT 1 FROM wallets_posting p WHERE p.transaction_id = t.id)
    """,
    "the hash chain verifies": """
        SELECT t.reference FROM wallets_transaction t
          LEFT JOIN wallets_transaction prev ON prev.anchor_account_id = t.anchor_account_id
                                            AND prev.chain_sequence = t.chain_sequence - 1
          CROSS JOIN LATERAL (
              SELECT wallets_legs_text(array_agg(p.debit_account_id ORDER BY p.id),
                                       array_agg(p.credit_account_id ORDER BY p.id),
                                       array_agg(p.amount ORDER BY p.id)) AS legs
                FROM wallets_posting p WHERE p.transaction_id = t.id) l
         WHERE (t.chain_sequence > 1 AND prev.id IS NULL)
            OR t.hash IS DISTINCT FROM wallets_digest(coalesce(prev.hash, ''), t.reference, t.kind,
                   t.currency, t.idempotency_key, t.amount, t.fee, t.created_at, l.legs)
    """,
    "each chain head is its last transaction": """
        SELECT a.id FROM wallets_account a
          LEFT JOIN wallets_transaction t ON t.anchor_account_id = a.id
         GROUP BY a.id
        HAVING a.chain_length <> count(t.id)
            OR a.chain_length <> coalesce(max(t.chain_sequence), 0)
            OR a.chain_head <> coalesce((array_agg(t.hash ORDER BY t.chain_sequence DESC))[1], '')
    """,
    "a reversed transaction has exactly one mirroring reversal": """
        SELECT o.reference FROM wallets_transaction o
          LEFT JOIN wallets_transaction r ON r.reverses_id = o.id
         WHERE (o.status = 'reversed') <> (r.id IS NOT NULL)
            OR (r.id IS NOT NULL AND (
                SELECT array_agg(debit_account_id || '>' || credit_account_id || ':' || amount
                                 ORDER BY debit_account_id, credit_account_id, amount)
                  FROM wallets_posting WHERE transaction_id = o.id)
              IS DISTINCT FROM (
                SELECT array_agg(credit_account_id || '>' || debit_account_id || ':' || amount
                                 ORDER BY credit_account_id, debit_account_id, amount)
                  FROM wallets_posting WHERE transaction_id = r.id))
    """,
    # Safeguarding, stated per account class. While every account kind falls in one of the
    # three classes this follows from the zero sum above; it earns its keep once the trust and
    # settlement accounts are reconciled against bank and operator statements (operators app).
    "e-money outstanding equals its backing less our own income": f"""
        SELECT a.currency,
               sum({STORED_BALANCE}) FILTER (WHERE a.kind IN {E_MONEY}) AS e_money,
               -sum({STORED_BALANCE}) FILTER (WHERE a.kind IN {BACKING}) AS backing,
               sum({STORED_BALANCE}) FILTER (WHERE a.kind IN {OWN}) AS own
          FROM wallets_account a GROUP BY a.currency
        HAVING coalesce(sum({STORED_BALANCE}) FILTER (WHERE a.kind IN {E_MONEY}), 0)
             + coalesce(sum({STORED_BALANCE}) FILTER (WHERE a.kind IN {OWN}), 0)
            <> coalesce(-sum({STORED_BALANCE}) FILTER (WHERE a.kind IN {BACKING}), 0)
    """,
}


@dataclass(frozen=True)
class Violation:
    invariant: str
    rows: list[tuple]

    def __str__(self) -> str:
        shown = ", ".join(str(row) for row in self.rows[:5])
        more = f" and {len(self.rows) - 5} more" if len(self.rows) > 5 else ""
        return f"{self.invariant}: {shown}{more}"


def check_ledger() -> list[Violation]:
    """Run every invariant; return the broken ones (empty when the ledger is sound)."""
    violations = []
    with connection.cursor() as cursor:
        for name, sql in CHECKS.items():
            cursor.execute(sql)
            rows = cursor.fetchall()
            if rows:
                violations.append(Violation(name, rows))
    return violations


def ledger_summary() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM wallets_account), (SELECT count(*) FROM"
            " wallets_transaction), (SELECT count(*) FROM wallets_posting),"
            " (SELECT count(*) FROM wallets_hold WHERE state = 'open')"
        )
        accounts, transactions, postings, open_holds = cursor.fetchone()
    return {
        "accounts": accounts,
        "transactions": transactions,
        "postings": postings,
        "open holds": open_holds,
    }
