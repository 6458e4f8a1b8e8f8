"""What an operation earns: the table in force, the split-transaction rule, the aggregator's
share, and the ledger legs that pay it out of fee income.

The commission is decided before the posting and paid inside it (legs from the house
fee-income account to the agent's and the aggregator's commission accounts), so the money
and its record are one transaction. The posting's metadata keeps the figures, which the
receipts, the flags and the monthly statement read back.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Subquery
from django.utils import timezone

from agents import errors
from agents.detectors import Band, Part, Schedule, Shares, SplitDecision, divide, split_commission
from agents.models import Agent, CommissionBand, CommissionKind, CommissionTable
from agents.services.network import account_ref
from wallets.errors import PerTransactionLimit
from wallets.models import Account, Posting, Transaction
from wallets.services import Leg


def split_window() -> datetime.timedelta:
    minutes = settings.AGENT_SPLIT_WINDOW_MINUTES
    return datetime.timedelta(minutes=minutes)


def schedule_for(kind: str, currency: str, at: datetime.datetime | None = None) -> Schedule:
    """The commission schedule of `kind` in force at `at` (now)."""
    in_force = (
        CommissionTable.objects.filter(
            kind=kind, currency=currency, effective_from__lte=at or timezone.now()
        )
        .order_by("-effective_from")
        .values("id")[:1]
    )
    bands = (
        CommissionBand.objects.filter(table=Subquery(in_force))
        .order_by("min_amount")
        .values_list("min_amount", "max_amount", "commission")
    )
    schedule = Schedule(tuple(Band(*band) for band in bands))
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
    check_in_schedule(kind, schedule, amount)
    earlier = earlier_parts(kind=kind, wallet=wallet, agent=agent, idempotency_key=idempotency_key)
    decision = split_commission(amount=amount, earlier=earlier, schedule=schedule)
    return Commission(decision, divide(decision.paid, agent.aggregator.commission_share))


def earlier_parts(*, kind: str, wallet: Account, agent: Agent, idempotency_key: str) -> list[Part]:
    """This customer's operations of `kind` at `agent` inside the split window, oldest first.

    Read through the wallet's postings (indexed by account), so the query stays small however
    large the transaction table grows. Two parts posted at the very same moment do not see
    each other; the rule is a deterrent for a person at a counter, not a lock.
    """
    side = "debit_account" if kind == CommissionKind.CASH_OUT else "credit_account"
    touching = Posting.objects.filter(**{side: wallet}).values("transaction_id")
    rows = (
        Transaction.objects.filter(
            pk__in=touching,
            kind=kind,
            created_at__gte=timezone.now() - split_window(),
            metadata__agent_id=agent.pk,
        )
        .exclude(idempotency_key=idempotency_key)
        .order_by("id")
        .values_list("reference", "amount", "metadata")
    )
    return [
        Part(amount=amount, commission=int(metadata.get("commission", 0)), reference=reference)
        for reference, amount, metadata in rows
    ]
