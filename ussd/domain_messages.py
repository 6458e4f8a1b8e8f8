"""The domain errors' messages, marked for translation.

`wallets/errors.py` keeps its messages in plain English; the menus show them through
`_(error.text)`. Listing them here puts them in the catalog whenever `makemessages` runs.
A test checks this list against every error class, so a new message cannot go untranslated.
"""

from __future__ import annotations

from django.utils.translation import gettext_noop

DOMAIN_MESSAGES = (
    gettext_noop("The operation could not be completed."),
    gettext_noop("Enter a valid amount."),
    gettext_noop("That is not a valid phone number."),
    gettext_noop("No wallet is registered for that phone number."),
    gettext_noop("A wallet is already registered for that phone number."),
    gettext_noop("A wallet is already registered with that ID number."),
    gettext_noop("This wallet cannot transact now. Please contact customer care."),
    gettext_noop("The recipient's wallet cannot receive money now."),
    gettext_noop("You cannot send money to yourself."),
    gettext_noop("The accounts hold different currencies."),
    gettext_noop("Insufficient funds: your balance does not cover the amount and the fee."),
    gettext_noop("The amount is over your limit."),
    gettext_noop("The amount is below the minimum."),
    gettext_noop("The amount is over the limit for one transaction."),
    gettext_noop("This would take you over your daily limit."),
    gettext_noop("This would take you over your monthly limit."),
    gettext_noop("The recipient's wallet cannot hold that much."),
    gettext_noop("The amount is above the agent's limit for one transaction."),
    gettext_noop("The agent's daily limit would be exceeded."),
    gettext_noop("This wallet's KYC tier has no limits yet; register with an ID to transact."),
    gettext_noop("No fee is set for this amount."),
    gettext_noop("This idempotency key was already used for a different request."),
    gettext_noop("The hold has already ended."),
    gettext_noop("This transaction has already been reversed."),
    gettext_noop("The transaction cannot be reversed: the recipient no longer holds the money."),
    gettext_noop("This kind of transaction cannot be reversed."),
    gettext_noop("No transaction of yours has that reference."),
    gettext_noop("That transaction is too old to reverse here. Please call customer care."),
    gettext_noop("A reversal of that transaction is already being reviewed."),
    gettext_noop("That payment request has already been answered or has expired."),
    gettext_noop("A PIN is exactly 4 digits."),
    gettext_noop(
        "That PIN is too easy to guess. Avoid repeated or sequential digits and your birth year."
    ),
    gettext_noop("No PIN is set for this wallet yet."),
    gettext_noop("That ID number does not match."),
    gettext_noop("Your PIN is locked after too many wrong tries. Try again later or call care."),
    gettext_noop("Your PIN was reset. Choose a new PIN in the USSD menu before you transact."),
    gettext_noop("The ID number does not match the customer's. The PIN was not reset."),
    gettext_noop("This reversal request is already decided."),
    gettext_noop("The time to dispute this reversal has passed."),
)
