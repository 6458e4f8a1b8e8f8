"""Queues and health figures for the dashboard: one aggregate query each.

Reconciliation breaks waiting for people, compliance alerts not yet decided, active agents
whose float is below their own alert threshold, today's SMS by delivery state, and the latest
stored safeguarding check.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, F, Q, Window
from django.utils import timezone

from agents.models import Agent, NetworkStatus
from backoffice.dashboard.ledger import day_bounds
from compliance.models import Alert
from operators.models import Break, BreakState, SafeguardingCheck, TrustBankBalance
from ussd.sms.models import SmsMessage, SmsState

LOW_FLOAT_SHOWN = 10


@dataclass(frozen=True)
class BreakCounts:
    open: int  # nobody has proposed a resolution yet
    proposed: int  # waiting for a second person to approve

    @property
    def total(self) -> int:
        return self.open + self.proposed


def open_breaks() -> BreakCounts:
    counts = dict(
        Break.objects.exclude(state=BreakState.RESOLVED)
        .values("state")
        .annotate(count=Count("id"))
        .values_list("state", "count")
    )
    return BreakCounts(counts.get(BreakState.OPEN, 0), counts.get(BreakState.PROPOSED, 0))


@dataclass(frozen=True)
class AlertCounts:
    open: int  # open or assigned: not yet decided
    overdue: int  # of those, past their deadline


def open_compliance_alerts() -> AlertCounts:
    """Compliance alerts still in the queue (counts only: the alerts themselves are for the
    compliance team, never for anyone who talks to the customer)."""
    totals = Alert.objects.still_open().aggregate(
        open=Count("id"), overdue=Count("id", filter=Q(deadline__lt=timezone.now()))
    )
    return AlertCounts(totals["open"], totals["overdue"])


@dataclass(frozen=True)
class LowFloatAgent:
    pk: int
    agent_number: str
    business_name: str
    float_balance: int
    threshold: int

    @property
    def shortfall(self) -> int:
        return self.threshold - self.float_balance


@dataclass(frozen=True)
class LowFloat:
    total: int  # all of them; `shown` holds the worst few
    shown: list[LowFloatAgent]


def low_float_agents(currency: str, limit: int = LOW_FLOAT_SHOWN) -> LowFloat:
    """Active agents whose float is below their low-float threshold (the one their SMS alert
    uses), the largest shortfall first; the window count gives the total in the same query."""
    rows = list(
        Agent.objects.filter(
            status=NetworkStatus.ACTIVE,
            low_float_threshold__gt=0,
            float_account__currency=currency,
            float_account__balance__lt=F("low_float_threshold"),
        )
        .annotate(
            float_balance=F("float_account__balance"),
            shortfall=F("low_float_threshold") - F("float_account__balance"),
            total=Window(Count("id")),
        )
        .order_by("-shortfall", "agent_number")
        .values(
            "pk", "agent_number", "business_name", "float_balance", "low_float_threshold", "total"
        )[:limit]
    )
    shown = [
        LowFloatAgent(
            row["pk"],
            row["agent_number"],
            row["business_name"],
            row["float_balance"],
            row["low_float_threshold"],
        )
        for row in rows
    ]
    return LowFloat(rows[0]["total"] if rows else 0, shown)


@dataclass(frozen=True)
class SmsFigures:
    by_state: dict[str, int]

    def count(self, state: str) -> int:
        return self.by_state.get(state, 0)

    @property
    def total(self) -> int:
        return sum(self.by_state.values())

    @property
    def settled(self) -> int:
        """Messages whose fate is known: delivered, undeliverable or failed to send."""
        final = (SmsState.DELIVERED, SmsState.UNDELIVERABLE, SmsState.FAILED)
        return sum(self.count(state) for state in final)

    @property
    def delivery_rate(self) -> int | None:
        """Delivered per hundred messages whose fate is known (None before any is known)."""
        if not self.settled:
            return None
        return (100 * self.count(SmsState.DELIVERED) + self.settled // 2) // self.settled


def sms_by_state(day: datetime.date) -> SmsFigures:
    start, end = day_bounds(day)
    counts = (
        SmsMessage.objects.filter(created_at__gte=start, created_at__lt=end)
        .values("state")
        .annotate(count=Count("id"))
        .values_list("state", "count")
    )
    return SmsFigures(dict(counts))


def latest_safeguarding_check(currency: str) -> SafeguardingCheck | None:
    return SafeguardingCheck.objects.filter(currency=currency).order_by("-ran_at").first()


@dataclass(frozen=True)
class TrustDeclared:
    """The trust banks' latest statement balances, as finance entered them."""

    total: int
    oldest: datetime.date  # the oldest of those statements: how stale the figure may be


def trust_declared(currency: str) -> TrustDeclared | None:
    """Each trust bank's latest statement balance, summed (None before any is entered)."""
    latest = list(
        TrustBankBalance.objects.filter(currency=currency)
        .order_by("bank", "-as_of")
        .distinct("bank")
        .values_list("balance", "as_of")
    )
    if not latest:
        return None
    return TrustDeclared(sum(balance for balance, _ in latest), min(day for _, day in latest))
