"""Raising and reviewing fraud flags. Flags inform compliance; they never block.

Each flag has a dedup key, so the outbox handler that raises them may run twice, and a burst
raises one velocity flag per rule, agent (and customer) and day rather than one per
operation:

- `split:<reference>`: the posting withheld commission as a split part;
- `velocity:<rule>:<agent>[:<customer>]:<day>`: a velocity rule was broken that day;
- `direct-deposit:<agent>:<customer>:<day>`: a deposit was refused for a wrong depositor ID.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from agents.detectors import Operation, velocity_breaches
from agents.models import Agent, CashDrawerEntry, EntryKind, Flag, FlagKind
from wallets.models import Customer, Transaction


def raise_flag(*, dedup_key: str, **fields: Any) -> Flag:
    """The flag under `dedup_key`, created with `fields` the first time."""
    try:
        with transaction.atomic():
            flag, _ = Flag.objects.get_or_create(dedup_key=dedup_key, defaults=fields)
    except IntegrityError:  # raised concurrently
        flag = Flag.objects.get(dedup_key=dedup_key)
    return flag


def record_split(posted: Transaction, *, agent: Agent, customer: Customer) -> Flag | None:
    """Flag a posting that withheld commission as part of a split transaction."""
    withheld = int(posted.metadata.get("withheld", 0))
    if withheld <= 0:
        return None
    return raise_flag(
        dedup_key=f"split:{posted.reference}",
        agent=agent,
        customer=customer,
        kind=FlagKind.SPLIT_TRANSACTION,
        transaction=posted,
        withheld=withheld,
        details={
            "operation": posted.kind,
            "amount": posted.amount,
            "combined_amount": posted.metadata.get("combined_amount"),
            "earlier_parts": posted.metadata.get("split_of", []),
            "full_commission": posted.metadata.get("full_commission"),
            "paid_commission": posted.metadata.get("commission"),
        },
    )


def record_velocity(entry: CashDrawerEntry) -> list[Flag]:
    """Flag the velocity rules broken by the operation `entry` records at its agent."""
    window = datetime.timedelta(minutes=settings.AGENT_VELOCITY_WINDOW_MINUTES)
    latest = operation(entry)
    start_of_day = timezone.make_aware(datetime.datetime.combine(latest.day, datetime.time()))
    since = min(latest.at - window, start_of_day)
    recent = CashDrawerEntry.objects.filter(
        agent_id=entry.agent_id,
        kind__in=[EntryKind.CASH_IN, EntryKind.CASH_OUT],
        created_at__gte=since,
        created_at__lte=latest.at,
    )
    breaches = velocity_breaches(
        [operation(other) for other in recent],
        latest=latest,
        window=window,
        max_cash_in_customers=settings.AGENT_VELOCITY_MAX_CUSTOMERS,
        max_customer_operations=settings.AGENT_VELOCITY_MAX_CUSTOMER_OPERATIONS,
    )
    flags = []
    for breach in breaches:
        who = f"{entry.agent_id}:{breach.customer_id}" if breach.customer_id else entry.agent_id
        flags.append(
            raise_flag(
                dedup_key=f"velocity:{breach.rule}:{who}:{latest.day.isoformat()}",
                agent_id=entry.agent_id,
                customer_id=breach.customer_id,
                kind=FlagKind.VELOCITY,
                transaction_id=entry.transaction_id,
                details={
                    "rule": breach.rule,
                    "count": breach.count,
                    "limit": breach.limit,
                    "window_minutes": int(window.total_seconds() // 60),
                },
            )
        )
    return flags


def operation(entry: CashDrawerEntry) -> Operation:
    return Operation(
        at=entry.created_at,
        day=timezone.localdate(entry.created_at),
        customer_id=entry.customer_id,
        kind=entry.kind,
    )


def record_direct_deposit_attempt(*, agent: Agent, customer: Customer) -> Flag:
    """A deposit refused because the depositor's ID was not the holder's: once a day per pair,
    so an agent trying deposits for absent senders shows up in the review queue."""
    day = timezone.localdate()
    return raise_flag(
        dedup_key=f"direct-deposit:{agent.pk}:{customer.pk}:{day.isoformat()}",
        agent=agent,
        customer=customer,
        kind=FlagKind.DIRECT_DEPOSIT_PATTERN,
        details={"rule": "depositor_id_mismatch"},
    )


def mark_reviewed(flags: QuerySet[Flag], *, reviewer: Any) -> int:
    """Mark open flags reviewed by `reviewer` (a staff user); return how many changed."""
    return flags.filter(reviewed_at__isnull=True).update(
        reviewed_by=reviewer, reviewed_at=timezone.now()
    )
