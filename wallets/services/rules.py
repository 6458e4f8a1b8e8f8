"""Fees and limits: those in force, read for display (the posting applies the same rules in
SQL), and new effective-dated versions of them (added after maker-checker approval)."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from wallets.errors import LedgerError, NoTariff
from wallets.models import Account, KycTier, Tariff, TariffBand, TierLimit


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


@transaction.atomic(durable=True)
def add_tier_limit(
    *,
    tier: str,
    currency: str,
    effective_from: datetime.datetime,
    limits: Mapping[str, Any],
    source: str,
) -> TierLimit:
    """A new version of a tier's limits from `effective_from`, never an edit of the one in
    force. The same version asked for again is returned; different limits already starting
    at that moment are refused."""
    key = {"tier": tier, "currency": currency, "effective_from": effective_from}
    existing = TierLimit.objects.select_for_update().filter(**key).first()
    if existing is not None:
        if any(getattr(existing, name) != value for name, value in limits.items()):
            raise LedgerError("Other limits already start at that moment for this tier.")
        return existing
    return TierLimit.objects.create(**key, **limits, source=source)


@transaction.atomic(durable=True)
def add_tariff(
    *,
    kind: str,
    currency: str,
    effective_from: datetime.datetime,
    bands: Sequence[Mapping[str, int]],
    description: str,
) -> Tariff:
    """A new version of a fee tariff with its bands (min_amount, max_amount, fee), in one
    transaction. The same bands asked for again return the existing version; other bands
    already starting at that moment are refused."""
    key = {"kind": kind, "currency": currency, "effective_from": effective_from}
    existing = Tariff.objects.select_for_update().filter(**key).first()
    if existing is not None:
        have = list(existing.bands.order_by("min_amount").values(*BAND_FIELDS))
        if have != [dict(band) for band in bands]:
            raise LedgerError("Another tariff already starts at that moment.")
        return existing
    tariff = Tariff.objects.create(**key, description=description)
    TariffBand.objects.bulk_create(TariffBand(tariff=tariff, **band) for band in bands)
    return tariff


BAND_FIELDS = ("min_amount", "max_amount", "fee")
