"""Domain errors: nouns with a message a person can read.

The API maps them to HTTP statuses in `wallets.api.errors`, the menus to screens; `code` is the
stable machine-readable name.
"""

from __future__ import annotations

# Domain errors are named as nouns (style.md: InsufficientFunds, WrongPin), not "...Error".
# ruff: noqa: N818


class LedgerError(Exception):
    code = "ledger_error"
    message = "The operation could not be completed."

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.message)

    @property
    def text(self) -> str:
        return str(self.args[0])


class InvalidAmount(LedgerError):
    code = "invalid_amount"
    message = "Enter a valid amount."


class InvalidPhoneNumber(LedgerError):
    code = "invalid_phone_number"
    message = "That is not a valid phone number."


class UnknownCustomer(LedgerError):
    code = "unknown_customer"
    message = "No wallet is registered for that phone number."


class AlreadyRegistered(LedgerError):
    code = "already_registered"
    message = "A wallet is already registered for that phone number."


class DuplicateIdNumber(LedgerError):
    code = "duplicate_id_number"
    message = "A wallet is already registered with that ID number."


class AccountNotActive(LedgerError):
    code = "account_not_active"
    message = "This wallet cannot transact now. Please contact customer care."


class RecipientNotActive(LedgerError):
    code = "recipient_not_active"
    message = "The recipient's wallet cannot receive money now."


class SameAccount(LedgerError):
    code = "same_account"
    message = "You cannot send money to yourself."


class CurrencyMismatch(LedgerError):
    code = "currency_mismatch"
    message = "The accounts hold different currencies."


class InsufficientFunds(LedgerError):
    code = "insufficient_funds"
    message = "Insufficient funds: your balance does not cover the amount and the fee."


class LimitExceeded(LedgerError):
    code = "limit_exceeded"
    message = "The amount is over your limit."


class BelowMinimum(LimitExceeded):
    code = "amount_below_minimum"
    message = "The amount is below the minimum."


class PerTransactionLimit(LimitExceeded):
    code = "limit_per_transaction"
    message = "The amount is over the limit for one transaction."


class DailyLimit(LimitExceeded):
    code = "limit_daily"
    message = "This would take you over your daily limit."


class MonthlyLimit(LimitExceeded):
    code = "limit_monthly"
    message = "This would take you over your monthly limit."


class ReceiverBalanceLimit(LimitExceeded):
    code = "limit_receiver_balance"
    message = "The recipient's wallet cannot hold that much."


class CounterPerTransactionLimit(LimitExceeded):
    code = "counter_limit_per_transaction"
    message = "The amount is above the agent's limit for one transaction."


class CounterDailyLimit(LimitExceeded):
    code = "counter_limit_daily"
    message = "The agent's daily limit would be exceeded."


class LimitsNotConfigured(LedgerError):
    code = "limits_not_configured"
    message = "This wallet's KYC tier has no limits yet; register with an ID to transact."


class NoTariff(LedgerError):
    code = "no_tariff"
    message = "No fee is set for this amount."


class IdempotencyConflict(LedgerError):
    code = "idempotency_conflict"
    message = "This idempotency key was already used for a different request."


class HoldNotOpen(LedgerError):
    code = "hold_not_open"
    message = "The hold has already ended."


class AlreadyReversed(LedgerError):
    code = "already_reversed"
    message = "This transaction has already been reversed."


class ReversalRefused(LedgerError):
    code = "reversal_refused"
    message = "The transaction cannot be reversed: the recipient no longer holds the money."


class UnknownReference(LedgerError):
    code = "unknown_reference"
    message = "No transaction of yours has that reference."


class ReversalWindowClosed(LedgerError):
    code = "reversal_window_closed"
    message = "That transaction is too old to reverse here. Please call customer care."


class ReversalAlreadyRequested(LedgerError):
    code = "reversal_already_requested"
    message = "A reversal of that transaction is already being reviewed."


class RequestNotPending(LedgerError):
    code = "request_not_pending"
    message = "That payment request has already been answered or has expired."


class NotReversible(LedgerError):
    code = "not_reversible"
    message = "This kind of transaction cannot be reversed."


class PinError(LedgerError):
    code = "pin_error"


class InvalidPin(PinError):
    code = "invalid_pin"
    message = "A PIN is exactly 4 digits."


class WeakPin(PinError):
    code = "weak_pin"
    message = (
        "That PIN is too easy to guess. Avoid repeated or sequential digits and your birth year."
    )


class PinNotSet(PinError):
    code = "pin_not_set"
    message = "No PIN is set for this wallet yet."


class WrongPin(PinError):
    code = "wrong_pin"

    def __init__(self, attempts_left: int) -> None:
        self.attempts_left = attempts_left
        if attempts_left:
            super().__init__(
                f"Wrong PIN. {attempts_left} attempt(s) left before your PIN is locked."
            )
        else:
            super().__init__("Wrong PIN. Your PIN is now locked; try again later or call care.")


class WrongIdNumber(PinError):
    """The ID number given to set a first PIN is not the registered one; it counts as a wrong
    PIN try (the same counter and lock)."""

    code = "wrong_id_number"
    message = "That ID number does not match."

    def __init__(self, attempts_left: int) -> None:
        self.attempts_left = attempts_left
        super().__init__(self.message)


class PinLocked(PinError):
    code = "pin_locked"
    message = "Your PIN is locked after too many wrong tries. Try again later or call care."


class PinMustChange(PinLocked):
    """The right PIN, but a one-time start PIN sent by support: it only serves to choose a
    new PIN. A kind of lock, so a channel that knows only PinLocked still refuses safely."""

    code = "pin_must_change"
    message = "Your PIN was reset. Choose a new PIN in the USSD menu before you transact."


class IdNumberMismatch(LedgerError):
    """Support typed an ID number that is not the customer's: no PIN reset. It is not a PIN
    try of the customer's (the caller may not be them), so it is logged, not counted."""

    code = "id_number_mismatch"
    message = "The ID number does not match the customer's. The PIN was not reset."


class ReversalDecided(NotReversible):
    code = "reversal_decided"
    message = "This reversal request is already decided."


class DisputeTooLate(NotReversible):
    code = "dispute_too_late"
    message = "The time to dispute this reversal has passed."
