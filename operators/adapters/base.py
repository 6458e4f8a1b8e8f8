"""The one interface every mobile-money operator adapter speaks, and its normalised results.

An adapter is a plain HTTP client (`requests`): no models, no database, no settings other than
the `OperatorConfig` it is built with. Each call answers one of three ways:

- an `Outcome`: what the operator said, in our words (`Status` plus a `Reason`). `FAILED`
  means the operator refused or failed this request: nothing moved, a hold may be released.
- `OperatorUnavailable`: a timeout, a 5xx, a broken connection, an unreadable answer. The
  request MAY have happened: treat the status as UNKNOWN and find out (status query,
  callback, statement), never as failed. `sent` is False only when nothing can have left us
  (a token could not be fetched, the connection was never opened), so a retry is safe.
- another `OperatorError`: refused before anything happened (our credentials were rejected,
  a missing setting). Nothing moved at the operator.

Amounts are int minor units; phones are E.164 with "+"; `reference` is our request's id, a
UUID4 string. Credentials never appear in a message, a log line or a repr: each adapter
redacts them from every text it raises or returns.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

# Exception names follow the interface agreed with the operators app (and read as nouns).
# ruff: noqa: N818


class Status(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    UNKNOWN = "unknown"


class Reason(StrEnum):
    """Normalised reasons; `Outcome.reason` holds one of these values (it is a plain str)."""

    NONE = ""
    INSUFFICIENT_FUNDS = "insufficient_funds"
    CANCELLED = "cancelled"  # the customer declined the prompt
    TIMEOUT = "timeout"  # the customer never answered, or the operator gave up waiting
    PAYER_NOT_FOUND = "payer_not_found"  # no mobile-money account at that number
    LIMIT = "limit"
    REJECTED = "rejected"  # the operator refused the request itself (initiator, format, rules)
    DUPLICATE = "duplicate"
    OPERATOR_ERROR = "operator_error"  # a failure code we do not recognise
    UNKNOWN = "unknown"


class Kind(StrEnum):
    COLLECTION = "collection"
    PAYOUT = "payout"
    STATUS = "status"
    BALANCE = "balance"
    REVERSAL = "reversal"


@dataclass(frozen=True)
class OperatorConfig:
    code: str  # "mpesa", "momo"
    kind: str  # "daraja" | "momo"
    base_url: str  # https://sandbox.safaricom.co.ke, or the simulator's http://127.0.0.1:8090/mpesa
    currency: str  # "KES"
    shortcode: str = ""  # Daraja business shortcode (PartyA / PartyB / BusinessShortCode)
    callback_base_url: str = ""  # ours, public: https://api.example.com/operators/mpesa/<token>
    # daraja: consumer_key, consumer_secret, passkey, initiator_name, security_credential;
    # momo: subscription_key_collection, subscription_key_disbursement, api_user, api_key,
    # target_environment. Kept out of repr() so that logging a config leaks nothing.
    credentials: Mapping[str, str] = field(default_factory=dict, repr=False)
    timeout_seconds: float = 10.0


@dataclass(frozen=True)
class Outcome:
    status: Status
    # The operator's id. On an acknowledgement: the handle a status query needs (Daraja
    # CheckoutRequestID / ConversationID; empty for MoMo, which is queried by our reference).
    # On a final outcome: the operator's transaction id when reported (M-Pesa receipt,
    # MoMo financialTransactionId), which is also what a Daraja reversal needs.
    operator_reference: str = ""
    amount: int | None = None  # minor units, as the operator reports it (None if not reported)
    phone: str = ""  # E.164 with "+", as reported
    reason: str = ""  # a `Reason` value
    detail: str = ""  # the operator's own code and text, e.g. "1032 Request cancelled by user"


@dataclass(frozen=True)
class CallbackResult:
    reference: str  # OUR request reference the callback is about
    kind: str  # "collection" | "payout" | "status" | "balance" | "reversal"
    outcome: Outcome


@dataclass(frozen=True)
class StatementLine:
    operator_reference: str
    reference: str
    kind: str
    amount: int
    currency: str
    phone: str
    status: Status
    completed_at: datetime.datetime


class OperatorError(Exception):
    """Refused before anything happened at the operator (or unsupported); see the docstring."""


class OperatorUnavailable(OperatorError):
    """The operator did not answer usably: the request may have happened (UNKNOWN)."""

    def __init__(self, message: str, *, sent: bool = True) -> None:
        super().__init__(message)
        self.sent = sent  # False: it cannot have reached the operator; retrying is safe


class InvalidCallback(OperatorError):
    """A callback body we cannot read: malformed, wrong types, missing fields."""


class InvalidStatement(OperatorError):
    """A statement file we cannot read; the message names the line."""


class OperatorAdapter(Protocol):
    def collect(self, *, reference: str, phone: str, amount: int, description: str) -> Outcome:
        """Ask the customer to pay us (STK push / request-to-pay); normally PENDING."""
        ...

    def pay_out(self, *, reference: str, phone: str, amount: int, description: str) -> Outcome:
        """B2C / disbursement transfer; normally PENDING."""
        ...

    def pay_bill(
        self, *, reference: str, paybill: str, account: str, amount: int, description: str
    ) -> Outcome:
        """Pay a business's pay-bill number for `account` (a bank's pay-bill and the account
        number there: Daraja B2B BusinessPayBill); normally PENDING. The outcome arrives like a
        payout's. An operator without pay-bills raises OperatorError before any call."""
        ...

    def status(self, *, reference: str, kind: str, operator_reference: str = "") -> Outcome:
        """Where a collection, payout or reversal stands; UNKNOWN if the operator cannot say."""
        ...

    def balance(self) -> int:
        """Our account balance at the operator, in minor units."""
        ...

    def reverse(self, *, reference: str, operator_reference: str, amount: int) -> Outcome:
        """Ask the operator to reverse a completed transaction; normally PENDING."""
        ...

    def statement(self, day: datetime.date) -> list[StatementLine]:
        """The day's transactions: GET {base_url}/statements/YYYY-MM-DD (CSV)."""
        ...

    def parse_callback(
        self, *, kind: str, body: bytes, headers: Mapping[str, str], reference: str = ""
    ) -> CallbackResult:
        """Read a callback body; raises InvalidCallback on anything malformed."""
        ...


def adapter_for(config: OperatorConfig) -> OperatorAdapter:
    """The adapter for `config.kind` ("daraja" or "momo")."""
    # Imported here: the adapters import this module.
    from operators.adapters.daraja import DarajaAdapter
    from operators.adapters.momo import MomoAdapter

    if config.kind == "daraja":
        return DarajaAdapter(config)
    if config.kind == "momo":
        return MomoAdapter(config)
    raise ValueError(f"No operator adapter for kind {config.kind!r}.")


def check_reference(reference: str) -> str:
    """Our request reference in canonical form; ValueError unless it is a UUID4."""
    try:
        parsed = uuid.UUID(reference)
    except (ValueError, TypeError, AttributeError):
        raise ValueError(f"Reference {reference!r} is not a UUID.") from None
    if parsed.version != 4:
        raise ValueError(f"Reference {reference!r} is not a UUID4.")
    return str(parsed)
