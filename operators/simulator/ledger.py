"""The operator's own books: a business account, customers by phone, and every transaction.

This is the outside world our reconciliation checks us against, so it keeps its own truth:
money moves here only when a request completes, exactly once per request, under one lock.
Each operator's books are closed: `issued` counts every shilling ever created in them (the
opening business balance, a new customer's starting balance, a balance set through
`/_customers`), so `business + customers == issued` always holds; tests assert it.

Outcomes are deterministic by phone number, as in MTN's sandbox, so a test can ask for any
of them without injecting anything (see `decide`). Nothing here knows Daraja or MoMo field
names: the operator modules translate `reason` into a ResultCode or a MoMo reason.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from operators.simulator.config import OPERATORS, SimulatorConfig

PENDING, SUCCESSFUL, FAILED = "PENDING", "SUCCESSFUL", "FAILED"
COLLECTION, PAYOUT, REVERSAL = "collection", "payout", "reversal"

# Neutral failure reasons; mpesa.py and momo.py map them to the operator's codes.
CANCELLED = "CANCELLED"  # the customer declined the PIN prompt
EXPIRED = "EXPIRED"  # the customer never answered it
INSUFFICIENT_FUNDS = "INSUFFICIENT_FUNDS"  # the paying side (customer or business) is short
RECIPIENT_NOT_FOUND = "RECIPIENT_NOT_FOUND"  # a payout to a number with no account
INITIATOR_INVALID = "INITIATOR_INVALID"  # Daraja: wrong InitiatorName or SecurityCredential
ALREADY_REVERSED = "ALREADY_REVERSED"
NOT_REVERSIBLE = "NOT_REVERSIBLE"  # unknown, failed, or itself a reversal

# Phone suffixes with a fixed outcome, like the magic numbers of MTN's sandbox.
SUFFIX_OUTCOMES = {
    (COLLECTION, "0001"): CANCELLED,
    (COLLECTION, "0002"): EXPIRED,
    (PAYOUT, "0003"): RECIPIENT_NOT_FOUND,
}

# Operator-specific ids a record can be looked up by (values in `Record.details`).
INDEXED = ("CheckoutRequestID", "ConversationID", "OriginatorConversationID", "referenceId")


@dataclass
class Customer:
    balance: int
    name: str


@dataclass
class Books:
    currency: str
    business: int
    issued: int
    customers: dict[str, Customer] = field(default_factory=dict)


@dataclass
class Delivery:
    """How this record's callback goes out, decided by the faults matched at request time."""

    lose: bool = False
    duplicate: bool = False
    late: float = 0.0
    silent: bool = False  # the request timed out on the caller: no callback either


@dataclass
class Record:
    id: str
    operator: str
    kind: str
    reference: str  # the caller's: AccountReference, OriginatorConversationID, X-Reference-Id
    amount: int
    currency: str
    phone: str
    transaction_id: str  # the operator's: an M-Pesa receipt, a MoMo financialTransactionId
    requested_at: str
    status: str = PENDING
    reason: str | None = None
    completed_at: str | None = None
    preset_reason: str | None = None  # a failure known at request time (a wrong initiator)
    reported_amount: int | None = None  # the wrong_amount fault: what the callback claims
    in_statement: bool = True  # the missing_from_statement fault clears it
    reversed_by: str | None = None
    original: str | None = None  # for a reversal: the transaction_id it reverses
    details: dict[str, Any] = field(default_factory=dict)
    delivery: Delivery = field(default_factory=Delivery)

    @property
    def party(self) -> str:
        """Whom the money moves to or from: the customer's phone, or for a B2B payment the
        pay-bill number it went to (kept in the books like a customer)."""
        return self.phone or str(self.details.get("receiver", ""))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Record:
        return cls(**{**data, "delivery": Delivery(**data.get("delivery", {}))})


class Ledger:
    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        self.lock = threading.RLock()
        self.books = {
            operator: Books(
                currency=config.currency(operator),
                business=config.business_balance,
                issued=config.business_balance,
            )
            for operator in OPERATORS
        }
        self.records: dict[str, Record] = {}
        self.phantoms: list[dict[str, Any]] = []
        self._index: dict[tuple[str, str, str], str] = {}

    # --- customers and balances ---

    def customer(self, operator: str, phone: str) -> Customer:
        """The customer with this phone, opened with the starting balance when first seen."""
        with self.lock:
            books = self.books[operator]
            if phone not in books.customers:
                books.customers[phone] = Customer(
                    balance=self.config.customer_balance, name=f"Customer {phone[-4:]}"
                )
                books.issued += self.config.customer_balance
            return books.customers[phone]

    def set_balance(
        self, operator: str, phone: str | None, balance: int, name: str | None = None
    ) -> None:
        """Set a customer's balance (or the business account's when `phone` is None)."""
        with self.lock:
            books = self.books[operator]
            if phone is None:
                books.issued += balance - books.business
                books.business = balance
                return
            customer = self.customer(operator, phone)
            books.issued += balance - customer.balance
            customer.balance = balance
            if name:
                customer.name = name

    # --- transactions ---

    def add(self, record: Record) -> None:
        with self.lock:
            self.records[record.id] = record
            self._index_record(record)

    def find(self, operator: str, key: str, value: str) -> Record | None:
        """A record by one of its ids: "TransactionID" or a key in INDEXED."""
        with self.lock:
            record_id = self._index.get((operator, key, value))
            return self.records.get(record_id) if record_id else None

    def complete(self, record_id: str, now: str) -> Record | None:
        """Decide a pending record's outcome and move its money: once, whoever calls twice."""
        with self.lock:
            record = self.records.get(record_id)
            if record is None or record.status != PENDING:
                return None
            record.reason = self._decide_and_move(record)
            record.status = FAILED if record.reason else SUCCESSFUL
            record.completed_at = now
            return record

    def pending(self) -> list[Record]:
        with self.lock:
            return [record for record in self.records.values() if record.status == PENDING]

    def _decide_and_move(self, record: Record) -> str | None:
        if record.preset_reason:
            return record.preset_reason
        if record.kind == REVERSAL:
            original = self.find(record.operator, "TransactionID", record.original or "")
            if original is None or original.status != SUCCESSFUL or original.kind == REVERSAL:
                return NOT_REVERSIBLE
            if original.reversed_by:
                return ALREADY_REVERSED
            reason = self._move(record, to_customer=original.kind == COLLECTION)
            if reason is None:
                original.reversed_by = record.transaction_id
            return reason
        if outcome := SUFFIX_OUTCOMES.get((record.kind, record.party[-4:])):
            return outcome
        return self._move(record, to_customer=record.kind == PAYOUT)

    def _move(self, record: Record, *, to_customer: bool) -> str | None:
        books = self.books[record.operator]
        customer = self.customer(record.operator, record.party)
        if to_customer:
            if books.business < record.amount:
                return INSUFFICIENT_FUNDS
            books.business -= record.amount
            customer.balance += record.amount
        else:
            if customer.balance < record.amount:
                return INSUFFICIENT_FUNDS
            customer.balance -= record.amount
            books.business += record.amount
        return None

    def _index_record(self, record: Record) -> None:
        self._index[(record.operator, "TransactionID", record.transaction_id)] = record.id
        for key in INDEXED:
            if value := record.details.get(key):
                self._index[(record.operator, key, str(value))] = record.id

    # --- state: for /_state, the admin and the state file ---

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {
                "operators": {
                    operator: {
                        "currency": books.currency,
                        "business": books.business,
                        "customers": {
                            phone: asdict(customer) for phone, customer in books.customers.items()
                        },
                        "issued": books.issued,
                        "total": books.business
                        + sum(customer.balance for customer in books.customers.values()),
                    }
                    for operator, books in self.books.items()
                },
                "transactions": [asdict(record) for record in self.records.values()],
                "phantoms": list(self.phantoms),
            }

    def save(self, path: Path) -> None:
        """Write the books atomically: a crash mid-write leaves the previous file whole."""
        with self.lock:
            text = json.dumps(self.snapshot(), indent=1)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(path.suffix + ".tmp")
        temporary.write_text(text)
        os.replace(temporary, path)

    def load(self, path: Path) -> None:
        data = json.loads(path.read_text())
        with self.lock:
            for operator, saved in data.get("operators", {}).items():
                self.books[operator] = Books(
                    currency=saved["currency"],
                    business=saved["business"],
                    issued=saved["issued"],
                    customers={
                        phone: Customer(**customer)
                        for phone, customer in saved.get("customers", {}).items()
                    },
                )
            for saved_record in data.get("transactions", []):
                self.add(Record.from_json(saved_record))
            self.phantoms = list(data.get("phantoms", []))
