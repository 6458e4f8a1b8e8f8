"""Suspending and reactivating a level of the agent network: an aggregator, an agent, a store
or an assistant.

A status is read again by every money service before it posts (`network.serving_store`,
`acting_assistant`), so a suspension takes effect on the next operation, even one a channel
started before it. The change is one durable transaction on the row, locked while it is
read and written. Who may make it is the caller's concern: staff go through `approvals`.
"""

from __future__ import annotations

from django.db import transaction

from agents.models import Agent, Aggregator, Assistant, NetworkStatus, Store
from wallets.errors import LedgerError

NetworkMember = Aggregator | Agent | Store | Assistant


@transaction.atomic(durable=True)
def set_status(member: NetworkMember, status: str) -> NetworkMember:
    """Set `member`'s status (pending, active, suspended, closed); return the row as saved.

    A closed member stays closed: closing is the end of the relationship, and a new one is
    onboarded afresh.
    """
    if status not in NetworkStatus.values:
        raise LedgerError(f"{status} is not a network status.")
    locked = type(member).objects.select_for_update().get(pk=member.pk)
    if locked.status == status:
        return locked
    if locked.status == NetworkStatus.CLOSED:
        raise LedgerError(f"{locked} is closed; it cannot become {status}.")
    locked.status = status
    locked.save(update_fields=["status"])
    return locked
