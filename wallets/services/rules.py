"""Fees and limits in force, read for display (the posting applies the same rules in SQL)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from wallets.errors import NoTariff
from wallets.models import Account, KycTier, TierLimit


def fee_for(kind: str, currency: str, amount: int) -> int:
    """The fee the tariff of `kind` charges on `amount`, as the posting will charge it."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT wallets_fee_for(%s::text, %s::text, %s::bigint, %s::timestamptz)",
            [kind, currency, amount, timezone.now()],
        )
        fee = cursor.fetchone()[0]
    if fee is None:
        raise NoTariff()
    return int(fee)


@dataclass(frozen=True)
class Limits:
    min_amount: int
    max_per_transaction: int
    max_daily: int
    max_monthly: int | None
    max_balance: int | None


def limits_for(wallet: Account) -> Limits | None:
    """The limits of the wallet owner's KYC tier in force now, or None if none are set."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT min_amount, max_per_transaction, max_daily, max_monthly, max_balance"
            " FROM wallets_limits_for(%s::bigint, %s::timestamptz) WHERE configured",
            [wallet.pk, timezone.now()],
        )
        row = cursor.fetchone()
    return Limits(*row) if row else None


def self_registration_tier(currency: str) -> str | None:
    """The lowest KYC tier whose limits in force let people open a wallet by phone, if any."""
    now = timezone.now()
    for tier in KycTier.values:  # declared from lowest to highest
        current = (
            TierLimit.objects.filter(tier=tier, currency=currency, effective_from__lte=now)
            .order_by("-effective_from")
            .first()
        )
        if current is not None and current.open_by_phone:
            return tier
    return None
