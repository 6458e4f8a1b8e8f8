"""Funding, sending money and reversals."""

from __future__ import annotations

from wallets.errors import (
    CurrencyMismatch,
    InsufficientFunds,
    LedgerError,
    NotReversible,
    ReversalRefused,
    SameAccount,
)
from wallets.models import Account, AccountKind, Channel, Transaction, TransactionKind
from wallets.models.rules import TariffKind
from wallets.services.accounts import house_account
from wallets.services.posting import FeeRule, Leg, post_transaction, request_hash

REVERSIBLE_KINDS = {
    TransactionKind.SEND_MONEY,
    TransactionKind.FUND,
    TransactionKind.AIRTIME,
    TransactionKind.MERCHANT_PAY,  # a merchant's refund, or staff by maker-checker
    TransactionKind.MANDATE_DEBIT,
}


def fund_from_issuance(
    *,
    wallet: Account,
    amount: int,
    idempotency_key: str,
    channel: str = Channel.SYSTEM,
    initiator: str = "",
) -> Transaction:
    """Issue `amount` of new e-money into `wallet`, exactly once per key (receiver limits apply)."""
    issuance = house_account(AccountKind.ISSUANCE, wallet.currency)
    return post_transaction(
        kind=TransactionKind.FUND,
        idempotency_key=idempotency_key,
        currency=wallet.currency,
        amount=amount,
        legs=[Leg(issuance, wallet, amount)],
        fingerprint=request_hash("fund", wallet.pk, amount),
        channel=channel,
        initiator=initiator,
    )


def send_money_fingerprint(*, sender: Account, recipient: Account, amount: int) -> str:
    """What makes two send-money requests the same request (see `find_replay`)."""
    return request_hash("send_money", sender.pk, recipient.pk, amount, sender.currency)


def send_money(
    *,
    sender: Account,
    recipient: Account,
    amount: int,
    idempotency_key: str,
    channel: str = Channel.API,
    initiator: str = "",
    fee_income: Account | None = None,
) -> Transaction:
    """Move `amount` plus the send-money fee from sender to recipient, exactly once per key.

    The sender's limits and the recipient's balance cap are checked under the same row locks
    as the debit, so concurrent sends cannot pass a limit together.
    """
    if sender.pk == recipient.pk:
        raise SameAccount()
    if sender.currency != recipient.currency:
        raise CurrencyMismatch()
    if fee_income is not None and fee_income.kind != AccountKind.FEE_INCOME:
        # A fee paid into a customer or agent account would be money sent without a record.
        raise LedgerError("Fees are paid into a fee income account.")
    return post_transaction(
        kind=TransactionKind.SEND_MONEY,
        idempotency_key=idempotency_key,
        currency=sender.currency,
        amount=amount,
        legs=[Leg(sender, recipient, amount)],
        fingerprint=send_money_fingerprint(sender=sender, recipient=recipient, amount=amount),
        channel=channel,
        initiator=initiator,
        metadata={"sender_account": sender.pk, "recipient_account": recipient.pk},
        fee=FeeRule(TariffKind.SEND_MONEY, sender, fee_income),
        limited_account=sender,
    )


def reverse_transaction(
    *, original: Transaction, reason: str, channel: str = Channel.ADMIN, initiator: str = ""
) -> Transaction:
    """Post the mirror of `original` (fee included) once; refused if the recipient spent it."""
    if original.kind not in REVERSIBLE_KINDS:
        raise NotReversible()
    postings = list(original.postings.select_related("debit_account", "credit_account"))
    try:
        return post_transaction(
            kind=TransactionKind.REVERSAL,
            idempotency_key=f"reversal:{original.reference}",
            currency=original.currency,
            amount=original.amount,
            legs=[Leg(p.credit_account, p.debit_account, p.amount) for p in postings],
            fingerprint=request_hash("reversal", original.pk),
            channel=channel,
            initiator=initiator,
            metadata={"reason": reason, "reverses": original.reference},
            receiver_limits=False,
            reverses=original,
        )
    except InsufficientFunds:
        raise ReversalRefused() from None
