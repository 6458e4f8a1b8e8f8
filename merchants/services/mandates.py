"""Debit mandates: set up by the customer from the menu (with the PIN, active at once) or
asked for by a partner (pending until the customer approves it from the menu); the partner
then debits within the caps without a PIN each time; the customer lists and cancels them.

The caps are enforced by a named counter inside the posting (`mandate:<reference>`), so
concurrent debits cannot pass them together. A debit checks that the mandate is active and
in date first; a cancellation that commits while a debit is being posted lets that one debit
finish, as with any standing order.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from merchants import errors
from merchants.models import Mandate, MandateState, Merchant
from merchants.services.payments import limits_named
from wallets import errors as ledger_errors
from wallets import outbox, services
from wallets.models import Customer, CustomerStatus, Transaction
from wallets.references import new_reference

OPEN_STATES = (MandateState.PENDING, MandateState.ACTIVE)
REQUESTED = "mandate.requested"  # outbox topic: the SMS asking the customer to approve


def create_mandate(
    *,
    customer: Customer,
    merchant: Merchant,
    max_per_payment: int,
    max_daily: int,
    ends_on: datetime.date,
    idempotency_key: str,
    channel: str,
    description: str = "",
    approved: bool,
) -> Mandate:
    """A mandate, once per key: `approved` when the customer set it up with the PIN, pending
    when a partner asked for it."""
    if not merchant.is_active:
        raise errors.MerchantNotActive()
    if max_per_payment <= 0 or max_daily < max_per_payment:
        raise errors.MandateCapsInvalid()
    if ends_on < timezone.localdate():
        raise errors.MandateEndPassed()
    now = timezone.now()
    with transaction.atomic(durable=True):
        mandate, created = Mandate.objects.get_or_create(
            idempotency_key=idempotency_key,
            defaults={
                "reference": new_reference(),
                "customer": customer,
                "merchant": merchant,
                "currency": merchant.currency,
                "max_per_payment": max_per_payment,
                "max_daily": max_daily,
                "ends_on": ends_on,
                "description": description.strip()[:60],
                "channel": channel,
                "state": MandateState.ACTIVE if approved else MandateState.PENDING,
                "approved_at": now if approved else None,
            },
        )
        if created and not approved:  # the customer is asked by SMS to approve it
            outbox.enqueue(REQUESTED, {"mandate": mandate.pk})
    return mandate


def customer_mandates(customer: Customer) -> list[Mandate]:
    """The customer's pending and active mandates, newest first."""
    return list(
        Mandate.objects.select_related("merchant")
        .filter(customer=customer, state__in=OPEN_STATES, ends_on__gte=timezone.localdate())
        .order_by("-id")
    )


def approve_mandate(*, mandate: Mandate, customer: Customer) -> Mandate:
    """The customer approves a partner's pending mandate (the caller checked the PIN)."""
    return _move(mandate, customer, MandateState.PENDING, MandateState.ACTIVE, "customer")


def decline_mandate(*, mandate: Mandate, customer: Customer) -> Mandate:
    return _move(mandate, customer, MandateState.PENDING, MandateState.DECLINED, "customer")


def cancel_mandate(*, mandate: Mandate, by: str, customer: Customer | None = None) -> Mandate:
    """End an active or pending mandate: by the customer (their own), the merchant or staff."""
    return _move(mandate, customer, OPEN_STATES, MandateState.CANCELLED, by)


def debit(
    *,
    merchant: Merchant,
    mandate_reference: str,
    amount: int,
    idempotency_key: str,
    channel: str,
    initiator: str = "",
) -> Transaction:
    """Debit the customer under the mandate, without a PIN, once per key."""
    mandate = (
        Mandate.objects.select_related("customer")
        .filter(reference=mandate_reference.strip().upper(), merchant=merchant)
        .first()
    )
    if mandate is None:
        raise errors.UnknownMandate()
    if not mandate.is_usable():
        raise errors.MandateNotActive()
    if not merchant.is_active:
        raise errors.MerchantNotActive()
    if mandate.customer.status != CustomerStatus.ACTIVE:
        raise ledger_errors.AccountNotActive()
    try:
        with limits_named(merchant):
            return services.debit_under_mandate(
                payer=mandate.customer.wallet(mandate.currency),
                merchant=merchant.account,
                amount=amount,
                fee_kind=merchant.fee_kind,
                mandate_reference=mandate.reference,
                max_per_payment=mandate.max_per_payment,
                max_daily=mandate.max_daily,
                idempotency_key=idempotency_key,
                channel=channel,
                initiator=initiator,
                metadata={"merchant": merchant.pk},
            )
    except errors.MerchantLimit:
        raise errors.MandateCapExceeded() from None


def expire_mandates(today: datetime.date | None = None) -> int:
    """Mark mandates past their end date ended (they already stopped being usable)."""
    return Mandate.objects.filter(
        state__in=OPEN_STATES, ends_on__lt=today or timezone.localdate()
    ).update(state=MandateState.EXPIRED, ended_at=timezone.now(), ended_by="end date")


@transaction.atomic(durable=True)
def _move(
    mandate: Mandate,
    customer: Customer | None,
    from_states: str | tuple[str, ...],
    to_state: str,
    by: str,
) -> Mandate:
    rows = Mandate.objects.filter(pk=mandate.pk)
    if customer is not None:
        rows = rows.filter(customer=customer)
    fresh = rows.select_for_update().first()
    if fresh is None:
        raise errors.UnknownMandate()
    allowed = (from_states,) if isinstance(from_states, str) else from_states
    if fresh.state not in allowed:
        raise errors.MandateNotActive()
    now = timezone.now()
    fresh.state = to_state
    if to_state == MandateState.ACTIVE:
        fresh.approved_at = now
    else:
        fresh.ended_at, fresh.ended_by = now, by
    fresh.save(update_fields=["state", "approved_at", "ended_at", "ended_by"])
    return fresh
