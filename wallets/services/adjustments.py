"""Manual adjustments: staff move money between a customer wallet or an agent float and the
suspense account, in either direction, when something went wrong outside the normal flows.

Suspense is where money waits while a difference is traced (design.md): an adjustment either
credits an account from suspense (money the customer or agent was owed) or debits it into
suspense (money they should not have). Callers decide who may post one; in this project that
is `approvals` (maker-checker), which passes the key `change:<id>` so that an approval
applied twice posts once. The posting is ordinary: the ledger refuses a debit that would
overdraw the account (available balance, after holds), as it refuses any other.
"""

from __future__ import annotations

from django.db import models

from wallets.errors import LedgerError, RecipientNotActive
from wallets.models import (
    Account,
    AccountKind,
    Channel,
    CustomerStatus,
    Transaction,
    TransactionKind,
)
from wallets.services.accounts import house_account
from wallets.services.posting import Leg, post_transaction, request_hash

ADJUSTABLE_KINDS = frozenset({AccountKind.CUSTOMER_WALLET, AccountKind.AGENT_FLOAT})


class Direction(models.TextChoices):
    CREDIT = "credit", "Credit the account from suspense"
    DEBIT = "debit", "Debit the account into suspense"


class NotAdjustable(LedgerError):  # noqa: N818 - errors are nouns (style.md)
    code = "not_adjustable"
    message = "Only a customer wallet or an agent float can be adjusted against suspense."


def post_adjustment(
    *,
    account: Account,
    amount: int,
    direction: str,
    idempotency_key: str,
    reason: str,
    initiator: str = "",
) -> Transaction:
    """Post one adjustment between `account` and suspense, exactly once per key.

    A credit to a closed wallet is refused (nobody could spend it); a frozen one may be
    corrected. Receiver limits do not apply: an adjustment restores what the ledger owes.
    """
    account = Account.objects.select_related("customer").get(pk=account.pk)
    if account.kind not in ADJUSTABLE_KINDS:
        raise NotAdjustable()
    if direction not in Direction.values:
        raise LedgerError("An adjustment is a credit or a debit.")
    closed = account.customer is not None and account.customer.status == CustomerStatus.CLOSED
    if direction == Direction.CREDIT and closed:
        raise RecipientNotActive("This wallet is closed; it cannot be credited.")
    suspense = house_account(AccountKind.SUSPENSE, account.currency)
    leg = (
        Leg(suspense, account, amount)
        if direction == Direction.CREDIT
        else Leg(account, suspense, amount)
    )
    return post_transaction(
        kind=TransactionKind.ADJUSTMENT,
        idempotency_key=idempotency_key,
        currency=account.currency,
        amount=amount,
        legs=[leg],
        fingerprint=request_hash("adjustment", account.pk, direction, amount),
        channel=Channel.ADMIN,
        initiator=initiator,
        metadata={"reason": reason[:200], "direction": direction, "account": account.pk},
        receiver_limits=False,
    )
