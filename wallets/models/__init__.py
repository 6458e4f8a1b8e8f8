"""Ledger models. Rows that record money are append-only; the database enforces it."""

from wallets.models.customers import Customer, CustomerStatus, KycTier, PinProtected
from wallets.models.ledger import (
    HOUSE_KINDS,
    HOUSE_SHARDS,
    Account,
    AccountKind,
    Channel,
    Hold,
    HoldState,
    HouseBalance,
    Posting,
    Transaction,
    TransactionKind,
    TransactionStatus,
)
from wallets.models.outbox import OutboxMessage
from wallets.models.rules import Tariff, TariffBand, TierLimit

__all__ = [
    "HOUSE_KINDS",
    "HOUSE_SHARDS",
    "Account",
    "AccountKind",
    "Channel",
    "Customer",
    "CustomerStatus",
    "Hold",
    "HoldState",
    "HouseBalance",
    "KycTier",
    "OutboxMessage",
    "PinProtected",
    "Posting",
    "Tariff",
    "TariffBand",
    "TierLimit",
    "Transaction",
    "TransactionKind",
    "TransactionStatus",
]
