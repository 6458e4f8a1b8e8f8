"""Businesses paying customers (salaries, creator payouts) and refunding their own payments."""

from __future__ import annotations

from merchants import errors
from merchants.models import Merchant
from wallets import errors as ledger_errors
from wallets import services
from wallets.models import Account, Customer, Transaction, TransactionKind
from wallets.services.posting import CounterLimit, PostingRequest

REFUNDABLE_KINDS = (TransactionKind.MERCHANT_PAY, TransactionKind.MANDATE_DEBIT)


def disburse(
    *,
    merchant: Merchant,
    recipient: Customer | Account,
    amount: int,
    idempotency_key: str,
    channel: str,
    initiator: str = "",
    metadata: dict[str, object] | None = None,
) -> Transaction:
    """Pay `amount` from the business's account to a customer's wallet, once per key."""
    request = disbursement(
        merchant=merchant,
        recipient=recipient,
        amount=amount,
        idempotency_key=idempotency_key,
        channel=channel,
        initiator=initiator,
        metadata=metadata,
    )
    try:
        return services.post_request(request)
    except ledger_errors.LedgerError as error:
        raise as_business_refusal(error) from None


def disbursement(
    *,
    merchant: Merchant,
    recipient: Customer | Account,
    amount: int,
    idempotency_key: str,
    channel: str,
    initiator: str = "",
    metadata: dict[str, object] | None = None,
) -> PostingRequest:
    """The posting `disburse` makes, as a request: batch lines are posted together
    (`wallets.services.post_together`); map their refusals with `as_business_refusal`."""
    if not merchant.is_active:
        raise errors.MerchantNotActive()
    wallet = recipient if isinstance(recipient, Account) else recipient.wallet(merchant.currency)
    counter = None
    if merchant.max_daily_disbursed is not None:
        counter = CounterLimit(
            key=f"merchant-out:{merchant.pk}", max_daily=merchant.max_daily_disbursed
        )
    return services.disbursement(
        business=merchant.account,
        recipient=wallet,
        amount=amount,
        idempotency_key=idempotency_key,
        channel=channel,
        initiator=initiator,
        metadata={"merchant": merchant.pk, **(metadata or {})},
        counter=counter,
    )


def as_business_refusal(error: ledger_errors.LedgerError) -> ledger_errors.LedgerError:
    """A disbursement's refusal as the business hears it."""
    if isinstance(error, ledger_errors.CounterDailyLimit):
        return errors.MerchantLimit("The business's daily disbursement limit is reached.")
    return error


def refund(*, merchant: Merchant, payment: Transaction, reason: str, initiator: str) -> Transaction:
    """Give a customer's payment to this merchant back (fee included), once."""
    if (
        payment.kind not in REFUNDABLE_KINDS
        or not payment.postings.filter(credit_account=merchant.account).exists()
    ):
        raise errors.NotOwnPayment()
    try:
        return services.reverse_transaction(
            original=payment, reason=reason, channel="api", initiator=initiator
        )
    except ledger_errors.ReversalRefused:
        raise ledger_errors.InsufficientFunds(
            "The merchant's balance is too low to refund this payment."
        ) from None
