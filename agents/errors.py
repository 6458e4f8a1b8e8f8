"""Agent-network errors: nouns with a message a person can read and a stable `code`.

They subclass `wallets.errors.LedgerError` (or the nearest ledger error, so that the API's
status table maps a new error without being edited: `InsufficientFloat` is an
`InsufficientFunds`, `BelowMinimumWithdrawal` a `BelowMinimum`). The messages are marked with
`gettext_noop`, so `makemessages` puts them in the agents catalog; a channel shows one with
`describe(error)`, which also renders the ones that carry a number (`WrongCode`).
"""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext, gettext_noop, ngettext

from wallets import errors


class UnknownAgent(errors.LedgerError):
    code = "unknown_agent"
    message = gettext_noop("No agent has that agent number.")


class StoreMismatch(errors.LedgerError):
    code = "store_mismatch"
    message = gettext_noop("That store number is not one of this agent's stores.")


class AgentNotActive(errors.LedgerError):
    code = "agent_not_active"
    message = gettext_noop("This agent cannot serve customers now.")


class StoreNotActive(AgentNotActive):
    code = "store_not_active"
    message = gettext_noop("This store cannot serve customers now.")


class AggregatorNotActive(AgentNotActive):
    code = "aggregator_not_active"
    message = gettext_noop("This agent's head office cannot transact now.")


class AssistantNotActive(errors.LedgerError):
    code = "assistant_not_active"
    message = gettext_noop("Your agent account is not active. Please call your head office.")


class OwnerOnly(errors.LedgerError):
    code = "owner_only"
    message = gettext_noop("Only the store owner can do this.")


class BelowMinimumWithdrawal(errors.BelowMinimum):
    code = "below_minimum_withdrawal"
    message = gettext_noop("The minimum withdrawal is KES 50.")


class BelowMinimumDeposit(errors.BelowMinimum):
    code = "below_minimum_deposit"
    message = gettext_noop("The minimum deposit is KES 50.")


class NoCommission(errors.LedgerError):
    code = "no_commission"
    message = gettext_noop("No agent commission is set for this amount.")


class InsufficientFloat(errors.InsufficientFunds):
    code = "insufficient_float"
    message = gettext_noop("The agent's float is too low for this amount.")


class InsufficientAggregatorFloat(errors.InsufficientFunds):
    code = "insufficient_aggregator_float"
    message = gettext_noop("The head office does not have enough float for this amount.")


class NoFloatCredit(errors.LedgerError):
    code = "no_float_credit"
    message = gettext_noop("Your head office has not allowed float purchases by phone.")


class InsufficientCommission(errors.InsufficientFunds):
    code = "insufficient_commission"
    message = gettext_noop("Your commission balance is lower than that amount.")


class DepositorMismatch(errors.LedgerError):
    code = "depositor_mismatch"
    message = gettext_noop(
        "The ID number does not match the account holder's. Only the holder may deposit."
    )


class InvalidIdDocument(errors.LedgerError):
    code = "invalid_id_document"
    message = gettext_noop("Enter the ID type, ID number and date of birth.")


class Underage(errors.LedgerError):
    code = "underage"
    message = gettext_noop("The customer is too young to open an account.")


class NoWithdrawalCode(errors.LedgerError):
    code = "no_withdrawal_code"
    message = gettext_noop("This customer has no withdrawal code. Ask them to make one.")


class CodeExpired(errors.LedgerError):
    code = "withdrawal_code_expired"
    message = gettext_noop(
        "This withdrawal code has expired or was cancelled. Ask the customer for a new one."
    )


class CodeAmountMismatch(errors.LedgerError):
    code = "code_amount_mismatch"
    message = gettext_noop("This code is for a different amount. Ask the customer.")


class CodeUsed(errors.LedgerError):
    code = "withdrawal_code_used"
    message = gettext_noop("This withdrawal code has already been used.")


def wrong_code_text(tries_left: int) -> str:
    """'Wrong withdrawal code. 2 tries left.' in the active language."""
    if tries_left:
        return ngettext(
            "Wrong withdrawal code. {tries} try left.",
            "Wrong withdrawal code. {tries} tries left.",
            tries_left,
        ).format(tries=tries_left)
    return gettext("Wrong withdrawal code. The code is now cancelled.")


class WrongCode(errors.LedgerError):
    code = "wrong_withdrawal_code"

    def __init__(self, tries_left: int) -> None:
        self.tries_left = tries_left
        with translation.override("en"):  # the message is English, as every error's
            super().__init__(wrong_code_text(tries_left))


class AgentNumberTaken(errors.LedgerError):
    code = "agent_number_taken"
    message = gettext_noop("That agent number is already in use.")


class PhoneTaken(errors.LedgerError):
    code = "assistant_phone_taken"
    message = gettext_noop("That phone number already belongs to an assistant.")


def describe(error: errors.LedgerError) -> str:
    """The error's message in the active language (ledger errors through the main catalog)."""
    if isinstance(error, WrongCode):
        return wrong_code_text(error.tries_left)
    return gettext(error.text)
