"""Merchant errors: nouns with a message a person can read and a stable `code`.

They subclass the nearest ledger error, so the API's status table and the menus map them
without being edited (`MandateCapExceeded` is a limit, `UnknownMerchant` an unknown party).
Messages are marked with `gettext_noop` and shown with `gettext(error.text)`.
"""

from __future__ import annotations

from django.utils.translation import gettext_noop

from wallets import errors


class UnknownMerchant(errors.UnknownCustomer):
    code = "unknown_merchant"
    message = gettext_noop("No merchant has that till or pay-bill number.")


class MerchantNotActive(errors.RecipientNotActive):
    code = "merchant_not_active"
    message = gettext_noop("This merchant cannot take payments now.")


class InvalidAccountReference(errors.LedgerError):
    code = "invalid_account_reference"
    message = gettext_noop("That account number is not valid for this pay-bill.")


class MerchantLimit(errors.PerTransactionLimit):
    code = "merchant_limit"
    message = gettext_noop("This merchant cannot take that amount.")


class UnknownMandate(errors.LedgerError):
    code = "unknown_mandate"
    message = gettext_noop("No such mandate for this merchant.")


class MandateNotActive(errors.LedgerError):
    code = "mandate_not_active"
    message = gettext_noop("That mandate is not active: it was cancelled or has ended.")


class MandateCapsInvalid(errors.InvalidAmount):
    code = "mandate_caps_invalid"
    message = gettext_noop("The daily cap must be at least the cap per payment.")


class MandateEndPassed(errors.LedgerError):
    code = "mandate_end_passed"
    message = gettext_noop("The end date has passed.")


class MandateCapExceeded(errors.PerTransactionLimit):
    code = "mandate_cap_exceeded"
    message = gettext_noop("That debit is over the mandate's cap.")


class NotOwnPayment(errors.NotReversible):
    code = "not_own_payment"
    message = gettext_noop("Only payments made to this merchant can be refunded by it.")
