"""What an operation earns: the table in force, the split-transaction rule, the aggregator's
share, and the ledger legs that pay it out of fee income.

The commission is decided before the posting and paid inside it (legs from the house
fee-income account to the agent's and the aggregator's commission accounts), so the money
and its record are one transaction. The posting's metadata keeps the figures, which the
receipts, the flags and the monthly statement read back.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from agents import errors
from agents.detectors import Band, Part, Schedule, Shares, SplitDecision, divide, split_commission
from agents.models import Agent, CommissionKind
from agents.services.network import account_ref
from wallets.errors import PerTransactionLimit
from wallets.models import Account
from wallets.services import Leg


def split_window() -> datetime.timedelta:
    minutes = settings.AGENT_SPLIT_WINDOW_MINUTES
    return datetime.timedelta(minutes=minutes)


# The two reads a commission needs, as SQL with named parameters: a cash-out runs them as
# subqueries of its one read (`cash_reads`), quotes and deposits on their own; one text each,
# so each rule is written once.
#
# The bands of the table of %(kind)s and %(currency)s in force at %(at)s.
BANDS_IN_FORCE_SQL = """
SELECT b.min_amount, b.max_amount, b.commission
  FROM agents_commissionband b
 WHERE b.table_id = (SELECT t.id FROM agents_commissiontable t
                      WHERE t.kind = %(kind)s AND t.currency = %(currency)s
                        AND t.effective_from <= %(at)s
                      ORDER BY t.effective_from DESC LIMIT 1)"""

# The customer's operations of %(kind)s at the agent {agent} since %(since)s, other than the
# one under %(key)s: what the split rule adds up. Read through the wallet's (%(wallet)s)
# postings, indexed by account, so the query stays small however large the transaction table
# grows. Two parts posted at the very same moment do not see each other; the rule is a
# deterrent for a person at a counter, not a lock.
EARLIER_PARTS_SQL = """
SELECT e.id, e.amount, coalesce((e.metadata ->> 'commission')::bigint, 0) AS commission,
       e.reference
  FROM wallets_transaction e
 WHERE e.id IN (SELECT p.transaction_id FROM wallets_posting p WHERE p.{side} = %(wallet)s)
   AND e.kind = %(kind)s AND e.created_at >= %(since)s AND e.idempotency_key <> %(key)s
   AND e.metadata -> 'agent_id' = to_jsonb({agent})"""


def earlier_parts_sql(kind: str, *, agent: str) -> str:
    """EARLIER_PARTS_SQL for `kind` (a withdrawal debits the wallet, a deposit credits it),
    with the agent's id given by the SQL expression `agent`."""
    side = "debit_account_id" if kind == CommissionKind.CASH_OUT else "credit_account_id"
    return EARLIER_PARTS_SQL.format(side=side, agent=agent)


def schedule_for(kind: str, currency: str, at: datetime.datetime | None = None) -> Schedule:
    """The commission schedule of `kind` in force at `at` (now)."""
    params: dict[str, Any] = {"kind": kind, "currency": currency, "at": at or timezone.now()}
    with connection.cursor() as cursor:
        cursor.execute(BANDS_IN_FORCE_SQL + " ORDER BY b.min_amount", params)
        return schedule_of(Band(*row) for row in cursor.fetchall())


def schedule_of(bands: Iterable[Band]) -> Schedule:
    schedule = Schedule(tuple(bands))
    if not schedule.bands:
        raise errors.NoCommission()
    return schedule


def check_in_schedule(kind: str, schedule: Schedule, amount: int) -> None:
    """Refuse an amount no band covers: below the first band is the minimum operation (KES 50
    in the seeded tables), above the last one is more than one operation may move."""
    if amount < schedule.minimum:
        if kind == CommissionKind.CASH_OUT:
            raise errors.BelowMinimumWithdrawal()
        raise errors.BelowMinimumDeposit()
    if schedule.commission(amount) is None:
        raise PerTransactionLimit()


@dataclass(frozen=True)
class Commission:
    decision: SplitDecision
    shares: Shares

    def legs(self, *, fee_income: Account, agent: Agent) -> list[Leg]:
        """Fee income pays the agent's part and the head office's share (zero legs left out)."""
        paid = [
            (agent.commission_account_id, self.shares.agent),
            (agent.aggregator.commission_account_id, self.shares.aggregator),
        ]
        return [Leg(fee_income, account_ref(pk), amount) for pk, amount in paid if amount]

    def metadata(self) -> dict[str, object]:
        return {
            "commission": self.shares.total,
            "agent_commission": self.shares.agent,
            "aggregator_commission": self.shares.aggregator,
            "full_commission": self.decision.full,
            "withheld": self.decision.withheld,
            "split_of": list(self.decision.parts),
            "combined_amount": self.decision.combined,
        }


def commission_for(
    *, kind: str, wallet: Account, agent: Agent, amount: int, idempotency_key: str = ""
) -> Commission:
    """The commission on `amount` for this customer at this agent now, split rule applied."""
    schedule = schedule_for(kind, wallet.currency)
    earlier = earlier_parts(kind=kind, wallet=wallet, agent=agent, idempotency_key=idempotency_key)
    return decide_commission(
        kind=kind, schedule=schedule, earlier=earlier, agent=agent, amount=amount
    )


def decide_commission(
    *, kind: str, schedule: Schedule, earlier: list[Part], agent: Agent, amount: int
) -> Commission:
    """The commission from what was read: the schedule in force and the earlier parts."""
    check_in_schedule(kind, schedule, amount)
    decision = split_commission(amount=amount, earlier=earlier, schedule=schedule)
    return Commission(decision, divide(decision.paid, agent.aggregator.commission_share))


def earlier_parts(*, kind: str, wallet: Account, agent: Agent, idempotency_key: str) -> list[Part]:
    """This customer's operations of `kind` at `agent` inside the split window, oldest first."""
    params: dict[str, Any] = {
        "kind": kind,
        "wallet": wallet.pk,
        "agent": agent.pk,
        "since": timezone.now() - split_window(),
        "key": idempotency_key,
    }
    with connection.cursor() as cursor:
        cursor.execute(
            earlier_parts_sql(kind, agent="%(agent)s::bigint") + " ORDER BY e.id", params
        )
        return [
            Part(amount=amount, commission=commission, reference=reference)
            for _, amount, commission, reference in cursor.fetchall()
        ]
