"""Kinds that change market rules: a KYC tier's limits and a fee tariff.

Rules are effective-dated rows (wallets/models/rules.py): the one in force is the latest whose
`effective_from` has come. So a change never edits a row; applying it inserts the new version,
from the date the maker chose (in the future) or, with no date, from the moment the checker
approved. Postings already made keep the rules they were charged under.

Applying is idempotent: a version already inserted with the same start and the same values is
taken as this change done before (a retried apply); one with other values is refused.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils import dateparse, timezone

from approvals.kinds.base import Kind, Payload, choice, currency_of, money, whole_number
from wallets import services
from wallets.forms import check_bands
from wallets.models import KycTier, TariffKind, Transaction

if TYPE_CHECKING:
    from approvals.models import ChangeRequest

LIMIT_AMOUNTS = ("min_amount", "max_per_transaction", "max_daily", "max_monthly", "max_balance")
OPTIONAL_LIMITS = {"max_monthly", "max_balance"}


def effective_from(payload: Mapping[str, Any]) -> str:
    """The start as ISO text, in the future; "" means "from the moment it is approved"."""
    text = str(payload.get("effective_from") or "").strip()
    if not text:
        return ""
    start = dateparse.parse_datetime(text)
    if start is None:
        raise ValidationError({"effective_from": "Enter a date and time."})
    if timezone.is_naive(start):
        start = timezone.make_aware(start)
    if start <= timezone.now():
        raise ValidationError(
            {"effective_from": "The start has passed: ask again with a later one, or none."}
        )
    return start.isoformat()


def start_of(change: ChangeRequest) -> datetime.datetime:
    """When the new version starts: the chosen date, else when the checker approved."""
    chosen = change.payload.get("effective_from")
    if chosen:
        parsed = dateparse.parse_datetime(chosen)
        if parsed is not None:
            return parsed
    return change.decided_at or timezone.now()


def when(payload: Payload) -> str:
    if not payload["effective_from"]:
        return "on approval"
    start = timezone.localtime(dateparse.parse_datetime(payload["effective_from"]))
    return f"from {start:%Y-%m-%d %H:%M}"


class TierLimitChange(Kind):
    """A new version of one tier's limits. Payload: `tier`, `currency`, `effective_from`
    (optional), the amounts in minor units (`max_monthly` and `max_balance` may be empty:
    no limit), `open_by_phone` and `source`."""

    name = "tier_limit"

    def clean(self, payload: Mapping[str, Any]) -> Payload:
        cleaned: Payload = {
            "tier": choice(payload, "tier", dict(KycTier.choices)),
            "currency": currency_of(payload),
            "effective_from": effective_from(payload),
            "open_by_phone": bool(payload.get("open_by_phone")),
            "source": str(payload.get("source") or "").strip()[:200],
        }
        for field in LIMIT_AMOUNTS:
            value = whole_number(payload, field, required=field not in OPTIONAL_LIMITS)
            if value is not None and value <= 0:
                raise ValidationError({field: "A limit is greater than zero (empty: no limit)."})
            cleaned[field] = value
        _check_ordered(cleaned)
        return cleaned

    def describe(self, payload: Payload) -> str:
        currency = payload["currency"]
        return (
            f"{KycTier(payload['tier']).label}, {currency}, {when(payload)}:"
            f" {money(payload['min_amount'], currency)} to"
            f" {money(payload['max_per_transaction'], currency)} per transaction,"
            f" daily {money(payload['max_daily'], currency)},"
            f" monthly {money(payload['max_monthly'], currency)},"
            f" balance {money(payload['max_balance'], currency)}"
        )

    def apply(self, change: ChangeRequest) -> Transaction | None:
        limits = {field: change.payload[field] for field in LIMIT_AMOUNTS}
        services.add_tier_limit(
            tier=change.payload["tier"],
            currency=change.payload["currency"],
            effective_from=start_of(change),
            limits=limits | {"open_by_phone": change.payload["open_by_phone"]},
            source=change.payload["source"] or f"change request #{change.pk}",
        )
        return None


def _check_ordered(limits: Payload) -> None:
    """The order the database demands (tier_limit_ordered), said in words."""
    if limits["max_per_transaction"] < limits["min_amount"]:
        raise ValidationError({"max_per_transaction": "Below the minimum amount."})
    if limits["max_daily"] < limits["max_per_transaction"]:
        raise ValidationError({"max_daily": "Below the limit for one transaction."})
    if limits["max_monthly"] is not None and limits["max_monthly"] < limits["max_daily"]:
        raise ValidationError({"max_monthly": "Below the daily limit."})


class TariffChange(Kind):
    """A new version of a fee tariff. Payload: `kind` (send_money, cash_out), `currency`,
    `effective_from` (optional), `description`, and `bands`: a list of {min_amount,
    max_amount, fee} in minor units, contiguous, from the smallest amount up."""

    name = "tariff"

    def clean(self, payload: Mapping[str, Any]) -> Payload:
        raw_bands = payload.get("bands")
        if not isinstance(raw_bands, list) or not raw_bands:
            raise ValidationError({"bands": "A tariff needs at least one band."})
        bands = sorted((_band(raw) for raw in raw_bands), key=lambda band: band["min_amount"])
        try:
            check_bands((band["min_amount"], band["max_amount"]) for band in bands)
        except ValidationError as error:
            raise ValidationError({"bands": error.messages}) from None
        return {
            "kind": choice(payload, "kind", dict(TariffKind.choices)),
            "currency": currency_of(payload),
            "effective_from": effective_from(payload),
            "description": str(payload.get("description") or "").strip()[:200],
            "bands": bands,
        }

    def describe(self, payload: Payload) -> str:
        currency, bands = payload["currency"], payload["bands"]
        fees = sorted(band["fee"] for band in bands)
        return (
            f"{TariffKind(payload['kind']).label} tariff, {currency}, {when(payload)}:"
            f" {len(bands)} band(s) from {money(bands[0]['min_amount'], currency)}"
            f" to {money(bands[-1]['max_amount'], currency)},"
            f" fees {money(fees[0], currency)} to {money(fees[-1], currency)}"
        )

    def apply(self, change: ChangeRequest) -> Transaction | None:
        payload = change.payload
        services.add_tariff(
            kind=payload["kind"],
            currency=payload["currency"],
            effective_from=start_of(change),
            bands=payload["bands"],
            description=payload["description"] or f"change request #{change.pk}",
        )
        return None


def _band(raw: Any) -> dict[str, int]:
    if not isinstance(raw, Mapping):
        raise ValidationError({"bands": "Each band has min_amount, max_amount and fee."})
    band = {field: whole_number(raw, field) for field in services.rules.BAND_FIELDS}
    if band["fee"] is None or band["fee"] < 0:
        raise ValidationError({"bands": "A fee is zero or more."})
    return {field: int(value or 0) for field, value in band.items()}
