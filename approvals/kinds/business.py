"""A merchant's suspension, reactivation or closure: asked for by one staff member (from the
merchant's page or the request form) and applied by another's approval through
`merchants.services.set_status`, the same service and the same allowed moves as everywhere.

Activating a pending merchant is not a change of this kind: that is the KYB check itself
("Verify KYB and activate", `merchants.services.verify_kyb`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError

from approvals.kinds.base import Kind, Payload, choice, whole_number
from merchants import services as merchant_services
from merchants.models import BusinessStatus, Merchant, PaymentPoint
from merchants.services.onboarding import STATUS_MOVES
from wallets.models import Transaction

if TYPE_CHECKING:
    from approvals.models import ChangeRequest

MERCHANT_STATUSES = {
    BusinessStatus.SUSPENDED.value: "Suspend",
    BusinessStatus.ACTIVE.value: "Reactivate",
    BusinessStatus.CLOSED.value: "Close",
}


class MerchantStatus(Kind):
    """Suspend, reactivate or close a merchant.

    Payload: the merchant as `merchant` (its id) or `ref` (one of its till or pay-bill numbers,
    or its exact registered name), and `status` "suspended", "active" or "closed". Stored as
    {"merchant", "status"}.
    """

    name = "merchant_status"

    def clean(self, payload: Mapping[str, Any]) -> Payload:
        status = choice(payload, "status", MERCHANT_STATUSES)
        merchant = find_merchant(payload)
        if merchant.status == status:
            raise ValidationError(f"{merchant} is already {merchant.status}.")
        if merchant.status == BusinessStatus.CLOSED:
            raise ValidationError(f"{merchant} is closed.")
        if merchant.status == BusinessStatus.PENDING and status != BusinessStatus.CLOSED:
            raise ValidationError(
                f"{merchant} is pending (KYB not verified): it can only be closed;"
                " verifying its KYB activates it."
            )
        if status not in STATUS_MOVES.get(BusinessStatus(merchant.status), set()):
            raise ValidationError(f"{merchant} is {merchant.status}: it cannot be made {status}.")
        return {"merchant": merchant.pk, "status": status}

    def describe(self, payload: Payload) -> str:
        merchant = self.target(payload)
        numbers = ", ".join(point.number for point in merchant.points.all())
        named = f"{merchant} ({numbers})" if numbers else str(merchant)
        return f"{MERCHANT_STATUSES[payload['status']]} merchant {named}"

    def target(self, payload: Payload) -> Merchant:
        return Merchant.objects.get(pk=payload["merchant"])

    def apply(self, change: ChangeRequest) -> Transaction | None:
        merchant_services.set_status(
            merchant=self.target(change.payload), status=change.payload["status"]
        )
        return None


def find_merchant(payload: Mapping[str, Any]) -> Merchant:
    """The merchant named by `merchant` (an id) or `ref` (a number or the exact name)."""
    merchant_id = whole_number(payload, "merchant", required=False)
    if merchant_id is not None:
        found = Merchant.objects.filter(pk=merchant_id).first()
        if found is None:
            raise ValidationError({"ref": "There is no such merchant."})
        return found
    ref = str(payload.get("ref") or "").strip()
    if not ref:
        raise ValidationError({"ref": "Enter a till or pay-bill number, or the business's name."})
    point = PaymentPoint.objects.select_related("merchant").filter(number=ref).first()
    if point is not None:
        return point.merchant
    named = list(Merchant.objects.filter(name__iexact=ref)[:2])
    if len(named) > 1:
        raise ValidationError({"ref": "Several merchants have that name: use a till number."})
    if not named:
        raise ValidationError({"ref": "No merchant has that till, pay-bill number or name."})
    return named[0]
