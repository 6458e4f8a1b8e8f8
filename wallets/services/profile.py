"""Changes to a customer's profile that decide what the wallet may do: the KYC tier (which
sets the limits) and the status (only an active wallet sends; a frozen or closed one receives
nothing from customers).

Each change is one durable transaction on the customer's row, locked while it is read and
written, so two changes at once are applied one after the other. Who may make them is decided
by the caller: in this project staff go through `approvals` (maker-checker).
"""

from __future__ import annotations

from collections.abc import Collection

from django.db import transaction

from wallets.errors import LedgerError
from wallets.models import Customer, CustomerStatus, KycTier


class StatusChangeRefused(LedgerError):  # noqa: N818 - errors are nouns (style.md)
    code = "status_change_refused"
    message = "The wallet's status has changed since this was asked."


@transaction.atomic(durable=True)
def set_kyc_tier(customer: Customer, tier: str) -> Customer:
    """Put the customer on KYC `tier`; the limits of that tier apply from the next posting."""
    if tier not in KycTier.values:
        raise LedgerError(f"{tier} is not a KYC tier.")
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    if locked.kyc_tier != tier:
        locked.kyc_tier = tier
        locked.save(update_fields=["kyc_tier"])
    return locked


@transaction.atomic(durable=True)
def set_customer_status(
    customer: Customer, status: str, *, only_from: Collection[str] | None = None
) -> Customer:
    """Set the wallet's status (active, frozen, dormant, closed).

    With `only_from`, refuse (StatusChangeRefused) unless the status now is one of those, or
    already `status`: unfreezing must not reopen a wallet that was closed meanwhile.
    """
    if status not in CustomerStatus.values:
        raise LedgerError(f"{status} is not a wallet status.")
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    if locked.status == status:
        return locked
    if only_from is not None and locked.status not in only_from:
        raise StatusChangeRefused(
            f"The wallet is {locked.get_status_display().lower()}; it cannot become {status}."
        )
    locked.status = status
    locked.save(update_fields=["status"])
    return locked
