"""The cash drawer: enter each cash movement once, and count the till at the end of the day.

Every write locks the drawer row first, so the outbox handler entering a movement and an
assistant counting the till are serialised; an entry is UNIQUE on its transaction, so a
movement delivered twice, or entered by a count's catch-up and then by the handler, counts
once.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import F

from agents.models import Assistant, CashCount, CashDrawer, CashDrawerEntry, EntryKind, Store
from agents.services.network import acting_assistant
from wallets.errors import IdempotencyConflict, InvalidAmount
from wallets.models import Transaction, TransactionKind

CASH_KINDS: dict[str, str] = {
    TransactionKind.CASH_IN: EntryKind.CASH_IN,
    TransactionKind.CASH_OUT: EntryKind.CASH_OUT,
}
# A count first enters the movements committed since the last count whose outbox rows are
# still waiting; this margin covers postings that started before that count and committed
# after it.
CATCH_UP_MARGIN = datetime.timedelta(minutes=10)


def locked_drawer(store_id: int) -> CashDrawer:
    """The store's drawer row, locked for this transaction (opened empty if missing)."""
    CashDrawer.objects.get_or_create(store_id=store_id)
    return CashDrawer.objects.select_for_update().get(store_id=store_id)


def enter_movement(posted: Transaction) -> tuple[CashDrawerEntry, bool] | None:
    """Enter the cash of a cash-in (adds) or cash-out (subtracts) in its store's drawer, once.

    Returns the entry and whether this call created it; None for other transactions. Runs in
    the caller's transaction (the outbox delivery's).
    """
    kind = CASH_KINDS.get(posted.kind)
    store_id = posted.metadata.get("store_id")
    if kind is None or not store_id:
        return None
    with transaction.atomic():
        drawer = locked_drawer(store_id)
        entry, created = CashDrawerEntry.objects.get_or_create(
            transaction=posted,
            defaults={
                "drawer": drawer,
                "agent_id": posted.metadata["agent_id"],
                "customer_id": posted.metadata.get("customer_id"),
                "kind": kind,
                "amount": posted.amount if kind == EntryKind.CASH_IN else -posted.amount,
                "created_at": posted.created_at,
            },
        )
        if created:
            CashDrawer.objects.filter(pk=drawer.pk).update(expected=F("expected") + entry.amount)
    return entry, created


def expected_cash(store: Store) -> int:
    drawer = CashDrawer.objects.filter(store=store).first()
    return drawer.expected if drawer else 0


def record_cash_count(
    *, assistant: Assistant, counted: int, idempotency_key: str | None = None
) -> CashCount:
    """Record the cash counted in the assistant's store against what the drawer expects; the
    count becomes the opening of the next period. With a key, a retry returns the first."""
    if not isinstance(counted, int) or counted < 0:
        raise InvalidAmount()
    if idempotency_key and (done := CashCount.objects.filter(idempotency_key=idempotency_key)):
        first = done.get()
        if (first.store_id, first.counted) != (assistant.store_id, counted):
            raise IdempotencyConflict()
        return first
    assistant = acting_assistant(assistant)
    store = assistant.store
    catch_up(store)
    with transaction.atomic():
        drawer = locked_drawer(store.pk)
        variance = counted - drawer.expected
        count = CashCount.objects.create(
            store=store,
            counted=counted,
            expected=drawer.expected,
            variance=variance,
            counted_by=assistant,
            idempotency_key=idempotency_key or None,
        )
        if variance:
            CashDrawerEntry.objects.create(
                drawer=drawer,
                agent=store.agent,
                kind=EntryKind.COUNT,
                amount=variance,
                created_at=count.counted_at,
            )
        CashDrawer.objects.filter(pk=drawer.pk).update(
            expected=counted, opening_count=counted, opened_at=count.counted_at
        )
    return count


def catch_up(store: Store) -> int:
    """Enter this store's committed cash movements that the outbox has not delivered yet, so
    a count right after a transaction compares against the right figure."""
    drawer = CashDrawer.objects.filter(store=store).first()
    since = (drawer.opened_at if drawer else store.created_at) - CATCH_UP_MARGIN
    waiting = Transaction.objects.filter(
        kind__in=list(CASH_KINDS),
        created_at__gte=since,
        metadata__store_id=store.pk,
        drawer_entry__isnull=True,
    ).order_by("id")
    return sum(1 for posted in waiting if (entered := enter_movement(posted)) and entered[1])
