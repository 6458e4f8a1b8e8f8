"""The registry of change kinds: one `Kind` per `ChangeKind` value.

adjustment       credit a wallet or agent float from suspense, or debit it into suspense
forced_reversal  reverse a transaction by reference, or force an open reversal request
kyc_tier         put a customer on another KYC tier
freeze           freeze a customer's wallet (active or dormant -> frozen)
unfreeze         unfreeze it, or reactivate a dormant one (frozen or dormant -> active)
agent_status     suspend or reactivate an aggregator, agent, store or assistant
tier_limit       a new effective-dated version of a tier's limits
tariff           a new effective-dated fee tariff with its bands
break_resolution resolve a reconciliation break as proposed (asked from the break's page)
merchant_status  suspend, reactivate or close a merchant (not its activation: that is KYB)
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from approvals.kinds.base import Kind, Payload
from approvals.kinds.breaks import BreakResolution
from approvals.kinds.business import MerchantStatus
from approvals.kinds.money import Adjustment, ForcedReversal
from approvals.kinds.people import AgentStatus, Freeze, KycTierChange, Unfreeze
from approvals.kinds.rules import TariffChange, TierLimitChange

KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Adjustment(),
        ForcedReversal(),
        KycTierChange(),
        Freeze(),
        Unfreeze(),
        AgentStatus(),
        TierLimitChange(),
        TariffChange(),
        BreakResolution(),
        MerchantStatus(),
    )
}


def get_kind(name: str) -> Kind:
    """The kind called `name`; ValidationError if there is none."""
    try:
        return KINDS[name]
    except KeyError:
        raise ValidationError({"kind": f"{name!r} is not a kind of change."}) from None


__all__ = ["KINDS", "Kind", "Payload", "get_kind"]
