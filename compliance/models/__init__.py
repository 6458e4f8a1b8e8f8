"""Compliance models: rules and alerts, the sanctions list, tier upgrades, dormancy notices."""

from compliance.models.alerts import (
    CLOSED_STATES,
    OPEN_STATES,
    Alert,
    AlertState,
    Watermark,
)
from compliance.models.dormancy import DormancyNotice
from compliance.models.rules import (
    DEADLINE_HOURS,
    Direction,
    Rule,
    RuleKind,
    Scope,
    Severity,
)
from compliance.models.sanctions import SanctionsEntry, SanctionsLoad
from compliance.models.upgrades import (
    DECIDED_STATES,
    DocumentKind,
    Screening,
    TierUpgrade,
    UpgradeDocument,
    UpgradeState,
)

__all__ = [
    "CLOSED_STATES",
    "DEADLINE_HOURS",
    "DECIDED_STATES",
    "OPEN_STATES",
    "Alert",
    "AlertState",
    "Direction",
    "DocumentKind",
    "DormancyNotice",
    "Rule",
    "RuleKind",
    "SanctionsEntry",
    "SanctionsLoad",
    "Scope",
    "Screening",
    "Severity",
    "TierUpgrade",
    "UpgradeDocument",
    "UpgradeState",
    "Watermark",
]
