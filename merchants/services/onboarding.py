"""Opening a merchant (with its ledger account) and its payment points, and KYB approval."""

from __future__ import annotations

import re
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from merchants.models import BusinessStatus, Merchant, PaymentPoint, PointKind
from wallets.errors import LedgerError
from wallets.models import Account, AccountKind
from wallets.models.rules import TariffKind
from wallets.phones import normalize_phone


@transaction.atomic
def create_merchant(
    *,
    name: str,
    display_name: str,
    phone: str,
    currency: str | None = None,
    fee_kind: str = TariffKind.MERCHANT_STANDARD,
    status: str = BusinessStatus.PENDING,
    **details: object,
) -> Merchant:
    """A merchant with a new, empty merchant account; `details` are KYB, limit, notification
    and settlement fields of `Merchant`. Payments wait for KYB approval unless `status` says
    otherwise (the demo)."""
    account = Account.objects.create(
        kind=AccountKind.MERCHANT, currency=currency or settings.DEFAULT_CURRENCY
    )
    merchant = Merchant(
        name=name.strip(),
        display_name=display_name.strip()[:40],
        phone=normalize_phone(phone),
        account=account,
        fee_kind=fee_kind,
        status=status,
        webhook_secret=secrets.token_hex(32),
        **details,
    )
    merchant.full_clean()
    merchant.save()
    return merchant


@transaction.atomic
def add_payment_point(
    *, merchant: Merchant, kind: str, number: str, label: str = "", account_pattern: str = ""
) -> PaymentPoint:
    if account_pattern:
        re.compile(account_pattern)  # refuse a pattern that could never be matched
    point = PaymentPoint(
        merchant=merchant,
        kind=kind,
        number=number.strip(),
        label=label.strip(),
        account_pattern=account_pattern if kind == PointKind.PAYBILL else "",
    )
    point.full_clean()
    point.save()
    return point


@transaction.atomic
def verify_kyb(*, merchant: Merchant, by: AbstractBaseUser) -> Merchant:
    """Record the KYB check and let a pending merchant take payments."""
    fresh = Merchant.objects.select_for_update().get(pk=merchant.pk)
    fresh.kyb_verified_at = timezone.now()
    fresh.kyb_verified_by = by  # type: ignore[assignment]
    if fresh.status == BusinessStatus.PENDING:
        fresh.status = BusinessStatus.ACTIVE
    fresh.save(update_fields=["kyb_verified_at", "kyb_verified_by", "status"])
    return fresh


# Status moves made by staff; a pending merchant becomes active only through `verify_kyb`.
STATUS_MOVES = {
    BusinessStatus.ACTIVE: {BusinessStatus.SUSPENDED, BusinessStatus.CLOSED},
    BusinessStatus.SUSPENDED: {BusinessStatus.ACTIVE, BusinessStatus.CLOSED},
    BusinessStatus.PENDING: {BusinessStatus.CLOSED},
}


@transaction.atomic
def set_status(*, merchant: Merchant, status: str) -> Merchant:
    """Suspend, reactivate or close a merchant; LedgerError for a move that is not allowed."""
    fresh = Merchant.objects.select_for_update().get(pk=merchant.pk)
    if fresh.status == status:
        return fresh
    if status not in STATUS_MOVES.get(BusinessStatus(fresh.status), set()):
        raise LedgerError(f"A {fresh.status} merchant cannot be made {status}.")
    fresh.status = status
    fresh.save(update_fields=["status"])
    return fresh
