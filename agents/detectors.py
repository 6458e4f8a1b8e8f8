"""Commission schedules and the abuse detectors, as plain functions over plain values.

Nothing here reads the database, so each rule is tested on synthetic sequences; the services
gather the inputs (the commission table in force, the customer's recent operations at the
agent) and act on the answers.

Split transactions (reference/domain-and-security.md 2.4): one deposit or withdrawal cut into
smaller ones so the agent earns several commissions instead of one. When the same customer
and agent, for the same kind of operation, combine within the window to an amount in a
higher band than any part's, the new part earns only what the combined amount would have
earned minus what the earlier parts already earned (never less than zero), and the rest is
withheld and flagged.

Velocity: many cash-ins by one agent to distinct customers within an hour (a sign of direct
deposits for absent senders), or many operations for one customer at one agent in a day.
These only raise flags; they never block.
"""

from __future__ import annotations

import bisect
import datetime
from collections.abc import Sequence
from dataclasses import dataclass

BASIS_POINTS = 10_000


@dataclass(frozen=True)
class Band:
    min_amount: int
    max_amount: int
    commission: int


@dataclass(frozen=True)
class Schedule:
    """Contiguous bands in ascending order (as `check_bands` guarantees for saved tables)."""

    bands: tuple[Band, ...]

    @property
    def minimum(self) -> int:
        return self.bands[0].min_amount

    @property
    def maximum(self) -> int:
        return self.bands[-1].max_amount

    def band_index(self, amount: int) -> int | None:
        """The band `amount` falls in; None outside the table."""
        if not self.bands or not self.minimum <= amount <= self.maximum:
            return None
        index = bisect.bisect_right([band.min_amount for band in self.bands], amount) - 1
        return index if amount <= self.bands[index].max_amount else None

    def commission(self, amount: int) -> int | None:
        index = self.band_index(amount)
        return None if index is None else self.bands[index].commission


@dataclass(frozen=True)
class Shares:
    """A commission divided between the agent and its aggregator (head office)."""

    agent: int
    aggregator: int

    @property
    def total(self) -> int:
        return self.agent + self.aggregator


def divide(total: int, aggregator_share: int) -> Shares:
    """The aggregator's share in basis points, rounded down: the remainder stays with the agent,
    who did the work."""
    aggregator = total * aggregator_share // BASIS_POINTS
    return Shares(agent=total - aggregator, aggregator=aggregator)


@dataclass(frozen=True)
class Part:
    """An earlier operation of the same customer, agent and kind inside the window."""

    amount: int
    commission: int  # the total commission it paid (agent and aggregator)
    reference: str = ""


@dataclass(frozen=True)
class SplitDecision:
    full: int  # what the amount earns on its own
    paid: int  # what is paid for it
    combined: int  # the amount with the earlier parts (equal to it when there are none)
    parts: tuple[str, ...]  # the earlier parts' references when a split was found

    @property
    def withheld(self) -> int:
        return self.full - self.paid

    @property
    def is_split(self) -> bool:
        return self.withheld > 0


def split_commission(*, amount: int, earlier: Sequence[Part], schedule: Schedule) -> SplitDecision:
    """The commission to pay on `amount`, given the earlier parts inside the window.

    `amount` must fall in the schedule. A combined amount past the top band is treated as the
    top band: it is the most any single operation could have earned.
    """
    full = schedule.commission(amount)
    if full is None:
        raise ValueError(f"{amount} is outside the commission schedule")
    combined = amount + sum(part.amount for part in earlier)
    if not earlier:
        return SplitDecision(full=full, paid=full, combined=combined, parts=())
    top = len(schedule.bands) - 1
    combined_band = schedule.band_index(combined)
    combined_band = top if combined_band is None else combined_band
    part_bands = [schedule.band_index(value) for value in (amount, *(p.amount for p in earlier))]
    highest_part = max(top if band is None else band for band in part_bands)
    if combined_band <= highest_part:
        return SplitDecision(full=full, paid=full, combined=combined, parts=())
    already = sum(part.commission for part in earlier)
    allowed = max(schedule.bands[combined_band].commission - already, 0)
    paid = min(full, allowed)
    parts = tuple(part.reference for part in earlier) if paid < full else ()
    return SplitDecision(full=full, paid=paid, combined=combined, parts=parts)


@dataclass(frozen=True)
class Operation:
    """One cash-in or cash-out at an agent, as the velocity rules see it."""

    at: datetime.datetime
    day: datetime.date  # the local calendar day of `at`
    customer_id: int | None
    kind: str  # "cash_in" or "cash_out"


@dataclass(frozen=True)
class Breach:
    rule: str  # "cash_in_customers" or "customer_operations"
    count: int
    limit: int
    customer_id: int | None = None


CASH_IN_CUSTOMERS = "cash_in_customers"
CUSTOMER_OPERATIONS = "customer_operations"


def velocity_breaches(
    operations: Sequence[Operation],
    *,
    latest: Operation,
    window: datetime.timedelta,
    max_cash_in_customers: int,
    max_customer_operations: int,
) -> list[Breach]:
    """The velocity rules `latest` (one of `operations`, all at one agent) breaks.

    More than `max_cash_in_customers` distinct customers received cash-ins within `window`
    ending at `latest`; or more than `max_customer_operations` operations for latest's
    customer on latest's day.
    """
    breaches = []
    if latest.kind == "cash_in":
        since = latest.at - window
        customers = {
            op.customer_id
            for op in operations
            if op.kind == "cash_in" and since < op.at <= latest.at and op.customer_id is not None
        }
        if len(customers) > max_cash_in_customers:
            breaches.append(Breach(CASH_IN_CUSTOMERS, len(customers), max_cash_in_customers))
    if latest.customer_id is not None:
        same = [
            op
            for op in operations
            if op.customer_id == latest.customer_id and op.day == latest.day and op.at <= latest.at
        ]
        if len(same) > max_customer_operations:
            breaches.append(
                Breach(CUSTOMER_OPERATIONS, len(same), max_customer_operations, latest.customer_id)
            )
    return breaches
