"""New limits and tariffs: applying inserts a new effective-dated version; the rows in force
before are never edited, so past postings keep the rules they were charged under."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from approvals.models import ChangeKind, ChangeRequest, ChangeState
from approvals.services import approve, request_change
from wallets import services
from wallets.models import KycTier, Tariff, TariffKind, TierLimit

KES = 100


def limits_payload(**changes) -> dict:
    payload = {
        "tier": KycTier.TIER_1,
        "currency": "KES",
        "min_amount": 1 * KES,
        "max_per_transaction": 100_000 * KES,
        "max_daily": 300_000 * KES,
        "max_monthly": None,
        "max_balance": 400_000 * KES,
        "source": "CBK circular 2/2026",
    }
    return payload | changes


def in_force(wallet) -> int:
    """The per-transaction limit of the wallet's tier in force now."""
    limits = services.limits_for(wallet)
    assert limits is not None
    return limits.max_per_transaction


def ask(kind: str, maker, payload: dict) -> ChangeRequest:
    return request_change(kind=kind, maker=maker, reason="New CBK limits", payload=payload)


def test_new_limits_take_effect_from_the_approval_and_keep_the_old_version(alice, maker, checker):
    before = list(TierLimit.objects.filter(tier=KycTier.TIER_1).values())
    change = ask("tier_limit", maker, limits_payload())
    assert change.description == (
        "Tier 1: registered with an ID, KES, on approval: KES 1 to KES 100,000 per transaction,"
        " daily KES 300,000, monthly no limit, balance KES 400,000"
    )
    assert in_force(alice) != 100_000 * KES

    done = approve(change=change, checker=checker)

    assert done.state == ChangeState.APPROVED
    assert done.decided_at is not None
    new = TierLimit.objects.get(tier=KycTier.TIER_1, effective_from=done.decided_at)
    assert new.source == "CBK circular 2/2026"
    assert in_force(alice) == 100_000 * KES
    older = TierLimit.objects.filter(tier=KycTier.TIER_1).exclude(pk=new.pk).values()
    assert list(older) == before


def test_limits_dated_ahead_are_inserted_for_that_date(db, maker, checker):
    start = (timezone.now() + datetime.timedelta(days=30)).replace(microsecond=0)
    change = ask("tier_limit", maker, limits_payload(effective_from=start.isoformat()))
    assert f"from {timezone.localtime(start):%Y-%m-%d %H:%M}" in change.description

    approve(change=change, checker=checker)

    assert TierLimit.objects.filter(tier=KycTier.TIER_1, effective_from=start).exists()


def test_limits_out_of_order_or_dated_in_the_past_are_refused_when_asked(db, maker):
    with pytest.raises(ValidationError, match="Below the limit for one transaction"):
        ask("tier_limit", maker, limits_payload(max_daily=1_000))
    with pytest.raises(ValidationError, match="The start has passed"):
        ask("tier_limit", maker, limits_payload(effective_from="2020-01-01T00:00:00+03:00"))


def test_a_start_that_passed_before_the_approval_ends_failed(db, maker, checker):
    kind = ChangeKind.TIER_LIMIT
    start = (timezone.now() - datetime.timedelta(minutes=1)).isoformat()
    # As asked a day ago for "yesterday at noon", approved only now (the request was valid).
    change = ChangeRequest.objects.create(
        kind=kind,
        maker=maker,
        reason="late",
        description="x",
        payload=limits_payload(effective_from=start, open_by_phone=False),
    )
    count = TierLimit.objects.count()

    done = approve(change=change, checker=checker)

    assert done.state == ChangeState.FAILED
    assert done.result.startswith("The start has passed")
    assert TierLimit.objects.count() == count


def test_a_new_tariff_with_its_bands_sets_the_fee_from_the_approval(db, maker, checker):
    bands = [
        {"min_amount": 1 * KES, "max_amount": 1_000 * KES, "fee": 0},
        {"min_amount": 1_000 * KES + 1, "max_amount": 250_000 * KES, "fee": 50 * KES},
    ]
    change = ask(
        "tariff",
        maker,
        {"kind": TariffKind.SEND_MONEY, "currency": "KES", "bands": bands[::-1]},
    )
    assert change.payload["bands"] == bands  # sorted
    assert change.description == (
        "Send money tariff, KES, on approval: 2 band(s) from KES 1 to KES 250,000,"
        " fees KES 0 to KES 50"
    )
    old_fee = services.fee_for(TariffKind.SEND_MONEY, "KES", 5_000 * KES)
    assert old_fee != 50 * KES

    done = approve(change=change, checker=checker)

    assert done.decided_at is not None
    tariff = Tariff.objects.get(kind=TariffKind.SEND_MONEY, effective_from=done.decided_at)
    assert tariff.description == f"change request #{change.pk}"
    assert tariff.bands.count() == 2
    assert services.fee_for(TariffKind.SEND_MONEY, "KES", 5_000 * KES) == 50 * KES
    assert services.fee_for(TariffKind.SEND_MONEY, "KES", 500 * KES) == 0


def test_a_tariff_with_a_gap_between_bands_is_refused_when_asked(db, maker):
    bands = [
        {"min_amount": 100, "max_amount": 1_000, "fee": 0},
        {"min_amount": 2_000, "max_amount": 5_000, "fee": 10},
    ]
    with pytest.raises(ValidationError, match="fall in no band"):
        ask("tariff", maker, {"kind": "send_money", "bands": bands})
    with pytest.raises(ValidationError, match="at least one band"):
        ask("tariff", maker, {"kind": "send_money", "bands": []})
