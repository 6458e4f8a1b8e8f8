"""Agent-network models. Balances are ledger accounts (`wallets.Account`); these rows hold
who is who, their status and limits, commission tables, cash drawers and flags."""

from agents.models.commissions import (
    CommissionBand,
    CommissionKind,
    CommissionStatement,
    CommissionTable,
)
from agents.models.customers import CodeState, Registration, WithdrawalCode
from agents.models.devices import AgentDevice
from agents.models.drawer import CashCount, CashDrawer, CashDrawerEntry, EntryKind
from agents.models.flags import Flag, FlagKind
from agents.models.network import (
    Agent,
    AgentDocument,
    Aggregator,
    Assistant,
    AssistantRole,
    DocumentKind,
    NetworkStatus,
    Store,
)

__all__ = [
    "Agent",
    "AgentDevice",
    "AgentDocument",
    "Aggregator",
    "Assistant",
    "AssistantRole",
    "CashCount",
    "CashDrawer",
    "CashDrawerEntry",
    "CodeState",
    "CommissionBand",
    "CommissionKind",
    "CommissionStatement",
    "CommissionTable",
    "DocumentKind",
    "EntryKind",
    "Flag",
    "FlagKind",
    "NetworkStatus",
    "Registration",
    "Store",
    "WithdrawalCode",
]
