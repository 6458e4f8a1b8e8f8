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
from wallets.models.requests import (
    PaymentRequest,
    PaymentRequestState,
    ReversalRequest,
    ReversalState,
)
from wallets.models.rules import LimitCounter, Tariff, TariffBand, TariffKind, TierLimit

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
    "LimitCounter",
    "OutboxMessage",
    "PaymentRequest",
    "PaymentRequestState",
    "PinProtected",
    "Posting",
    "ReversalRequest",
    "ReversalState",
    "Tariff",
    "TariffBand",
    "TariffKind",
    "TierLimit",
    "Transaction",
    "TransactionKind",
    "TransactionStatus",
]
