"""SMS receipts for money between customers and businesses: merchant payments, mandate debits
and disbursements.

The outbox handler of "transaction.posted" for these kinds (registered in `SmsConfig.ready`
next to the customer receipts, which leave them alone). Like those, it reads only the
ledger, queues each receipt once per (reference, phone), and renders the same text again.

The customer is told what was paid and the new balance, with no fee line: the merchant pays
its fee out of the amount. The merchant is told, when it asked for SMS (`notify_by_sms`), in
its own language, with the customer's name and a masked phone number (the merchant needs to
know who paid, not how to call them), its fee and its new balance. A disbursement tells the
customer only: a business paying thousands of people hears of it through the API.

    QK7T3M9XRA Confirmed. KES 500 paid to Nairobi Water for account W123456 on 24/11/26 at
    3:05 PM. New balance KES 1,500.
    QK7T3M9XRA Confirmed. KES 500 received from ALICE WANJIRU 0712***001 for account W123456
    on 24/11/26 at 3:05 PM. Fee KES 5. New balance KES 12,495.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from merchants.models import Merchant
from ussd.sms.encoding import plain_name, plain_text
from ussd.sms.receipts import (
    RECEIVED_MONEY,
    Receipt,
    balances_after,
    fit_one_sms,
    local_phone,
    queue_all,
    receipt_time,
)
from wallets.models import (
    Account,
    AccountKind,
    Customer,
    OutboxMessage,
    Transaction,
    TransactionKind,
)
from wallets.money import format_amount

PAYMENTS = (TransactionKind.MERCHANT_PAY, TransactionKind.MANDATE_DEBIT)
KINDS = (*PAYMENTS, TransactionKind.DISBURSEMENT)

PAID_MERCHANT = _(
    # Translators: an SMS receipt to a customer who paid a shop's till; {counterparty} is
    # the shop's name. Keep it within 160 characters, plain letters only (GSM-7).
    "{reference} Confirmed. {amount} paid to {counterparty} on {date} at {time}. "
    "New balance {balance}."
)
PAID_BILL = _(
    # Translators: an SMS receipt to a customer who paid a bill; {account} is their account
    # number with the business.
    "{reference} Confirmed. {amount} paid to {counterparty} for account {account} on {date} "
    "at {time}. New balance {balance}."
)
PAID_BY_MANDATE = _(
    # Translators: an SMS receipt to a customer: a business took a payment the customer
    # allowed in advance; {mandate} is the standing payment's reference.
    "{reference} Confirmed. {amount} paid to {counterparty} under standing payment {mandate} "
    "on {date} at {time}. New balance {balance}."
)
MERCHANT_RECEIVED = _(
    # Translators: an SMS to a business that was paid; {counterparty} is the customer's name
    # and masked phone number, {fee} the business's fee.
    "{reference} Confirmed. {amount} received from {counterparty} on {date} at {time}. "
    "Fee {fee}. New balance {balance}."
)
MERCHANT_RECEIVED_BILL = _(
    # Translators: an SMS to a business paid at its pay-bill; {account} is the account number
    # the customer paid for.
    "{reference} Confirmed. {amount} received from {counterparty} for account {account} on "
    "{date} at {time}. Fee {fee}. New balance {balance}."
)


@dataclass(frozen=True)
class Payment:
    """The two sides of a payment between a customer and a business, and their balances."""

    posted: Transaction
    wallet: Account
    customer: Customer
    merchant: Merchant
    balances: dict[int, int]

    def values(self, account: Account) -> dict[str, str]:
        date, time = receipt_time(self.posted.created_at)
        return {
            "reference": self.posted.reference,
            "amount": format_amount(self.posted.amount, self.posted.currency),
            "fee": format_amount(self.posted.fee, self.posted.currency),
            "date": date,
            "time": time,
            "balance": format_amount(self.balances[account.pk], self.posted.currency),
            "account": str(self.posted.metadata.get("account_reference", "")),
            "mandate": str(self.posted.metadata.get("mandate", "")),
        }


def queue_business_receipts(message: OutboxMessage) -> None:
    """Queue the receipts of a posted business payment, once per party however often called."""
    posted = message.transaction
    if posted is None or posted.kind not in KINDS:
        return
    queue_all(posted, business_receipts_for(posted))


def business_receipts_for(posted: Transaction) -> list[Receipt]:
    """The customer's receipt, and the merchant's when it is told by SMS."""
    payment = payment_of(posted)
    if payment is None:
        return []
    receipts = [customer_receipt(payment)]
    merchant = payment.merchant
    if posted.kind in PAYMENTS and merchant.notify_by_sms:
        receipts.append(merchant_receipt(payment))
    return receipts


def payment_of(posted: Transaction) -> Payment | None:
    postings = list(
        posted.postings.select_related("debit_account__customer", "credit_account__customer")
    )
    for posting in postings:
        debit, credit = posting.debit_account, posting.credit_account
        wallet, business = (debit, credit) if posted.kind in PAYMENTS else (credit, debit)
        if business.kind != AccountKind.MERCHANT or wallet.customer is None:
            continue  # the fee's posting (a customer wallet always has its customer)
        merchant = Merchant.objects.get(account=business)
        balances = balances_after([wallet.pk, business.pk], max(p.pk for p in postings))
        return Payment(posted, wallet, wallet.customer, merchant, balances)
    return None


def customer_receipt(payment: Payment) -> Receipt:
    customer = payment.customer
    language = _language(customer.language)
    values = payment.values(payment.wallet)
    with translation.override(language):
        text = fit_one_sms(
            customer_template(payment.posted), values, plain_text(payment.merchant.display_name), ""
        )
    return Receipt(customer.phone, language, text)


def customer_template(posted: Transaction) -> Promise:
    if posted.kind == TransactionKind.DISBURSEMENT:
        return RECEIVED_MONEY
    if posted.kind == TransactionKind.MANDATE_DEBIT:
        return PAID_BY_MANDATE
    return PAID_BILL if posted.metadata.get("account_reference") else PAID_MERCHANT


def merchant_receipt(payment: Payment) -> Receipt:
    merchant, customer = payment.merchant, payment.customer
    language = _language(merchant.language)
    values = payment.values(merchant.account)
    template = MERCHANT_RECEIVED_BILL if values["account"] else MERCHANT_RECEIVED
    with translation.override(language):
        text = fit_one_sms(
            template, values, plain_name(customer.name), masked_phone(customer.phone)
        )
    return Receipt(merchant.phone, language, text)


def masked_phone(e164: str) -> str:
    """'+254712000001' -> '0712***001': enough for a shop to tell two customers apart."""
    local = local_phone(e164)
    return f"{local[:4]}***{local[-3:]}" if len(local) > 7 else local


def _language(code: str) -> str:
    return code if code in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
