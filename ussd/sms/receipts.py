"""SMS receipts for postings, in the customer's language, in one GSM-7 SMS where possible.

`queue_receipts` is the outbox handler of "transaction.posted" (registered in
`SmsConfig.ready`). It is called at least once per posting, so each receipt is queued
under the key `receipt:<reference>:<phone>` and a second delivery of the row adds nothing.

The text depends only on the ledger: the new balance is the balance right after this
transaction (the current balance minus what was posted to the account since, read in one
statement), so rendering a receipt again gives the same text.

    QK7T3M9XRA Confirmed. KES 500 sent to BOB OTIENO 0712000002 on 24/11/26 at 3:05 PM.
    Fee KES 7. New balance KES 1,493.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import phonenumbers
from django.conf import settings
from django.db import connection
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ussd.sms.encoding import SINGLE_GSM7, gsm7_length, plain_name
from ussd.sms.services import queue_sms
from wallets.models import (
    Account,
    AccountKind,
    OutboxMessage,
    Posting,
    Transaction,
    TransactionKind,
)
from wallets.money import format_amount

RECEIPT = "receipt"
SHORTEST_NAME = 6  # a name is cut to fit one SMS, but not shorter than this

SENT_MONEY = _(
    # Translators: an SMS receipt; keep it within 160 characters, plain letters only (GSM-7).
    "{reference} Confirmed. {amount} sent to {counterparty} on {date} at {time}. "
    "Fee {fee}. New balance {balance}."
)
RECEIVED_MONEY = _(
    # Translators: an SMS receipt; keep it within 160 characters, plain letters only (GSM-7).
    "{reference} Confirmed. You have received {amount} from {counterparty} on {date} "
    "at {time}. New balance {balance}."
)
FUNDED = _(
    # Translators: an SMS receipt (money issued into the wallet); keep it within 160 characters.
    "{reference} Confirmed. {amount} added to your account on {date} at {time}. "
    "New balance {balance}."
)
REVERSED_IN = _(
    # Translators: an SMS receipt; {original} is the reversed transaction's reference.
    "{reference} Confirmed. Transaction {original} reversed. {amount} returned to your "
    "account on {date} at {time}. New balance {balance}."
)
REVERSED_OUT = _(
    # Translators: an SMS receipt; {original} is the reversed transaction's reference.
    "{reference} Confirmed. Transaction {original} reversed. {amount} taken from your "
    "account on {date} at {time}. New balance {balance}."
)
AIRTIME_BOUGHT = _(
    # Translators: an SMS receipt; {phone} is the number that gets the airtime.
    "{reference} Confirmed. You bought {amount} of airtime for {phone} on {date} at {time}. "
    "New balance {balance}."
)

TOPPED_UP = _(
    # Translators: an SMS receipt; {operator} is e.g. M-Pesa or MTN MoMo.
    "{reference} Confirmed. {amount} received from your {operator} on {date} at {time}. "
    "New balance {balance}."
)
PAID_OUT = _(
    # Translators: an SMS receipt; {operator} is e.g. M-Pesa or MTN MoMo.
    "{reference} Confirmed. {amount} sent to your {operator} {phone} on {date} at {time}. "
    "Fee {fee}. New balance {balance}."
)

# The balance of each account right after a transaction whose last posting is %(last)s:
# postings on a customer account are written under its row lock, so every later posting
# on it has a higher id. One statement, so the balance and the postings agree.
BALANCE_AFTER_SQL = """
SELECT a.id,
       (a.balance
        - coalesce((SELECT sum(p.amount) FROM wallets_posting p
                     WHERE p.credit_account_id = a.id AND p.id > %(last)s), 0)
        + coalesce((SELECT sum(p.amount) FROM wallets_posting p
                     WHERE p.debit_account_id = a.id AND p.id > %(last)s), 0))::bigint
  FROM wallets_account a
 WHERE a.id = ANY(%(accounts)s)
"""


@dataclass(frozen=True)
class Receipt:
    phone: str
    language: str
    text: str


def queue_receipts(message: OutboxMessage) -> None:
    """Queue the receipts of the posted transaction, once per party however often called."""
    posted = message.transaction
    if posted is None:
        return
    queue_all(posted, receipts_for(posted))


def queue_all(posted: Transaction, receipts: list[Receipt]) -> None:
    """Queue each receipt under `receipt:<reference>:<phone>`: a second call adds nothing."""
    for receipt in receipts:
        queue_sms(
            to=receipt.phone,
            text=receipt.text,
            purpose=RECEIPT,
            dedup_key=f"{RECEIPT}:{posted.reference}:{receipt.phone}",
            language=receipt.language,
            reference=posted.reference,
        )


def receipts_for(posted: Transaction) -> list[Receipt]:
    """One receipt per customer wallet the transaction touched (send money, fund, airtime,
    reversal)."""
    postings = list(
        posted.postings.select_related("debit_account__customer", "credit_account__customer")
    )
    if not postings or posted.kind not in RENDERERS:
        return []
    accounts: dict[int, Account] = {}
    change: dict[int, int] = defaultdict(int)
    for posting in postings:
        accounts[posting.debit_account_id] = posting.debit_account
        accounts[posting.credit_account_id] = posting.credit_account
        change[posting.debit_account_id] -= posting.amount
        change[posting.credit_account_id] += posting.amount
    wallets = [a for a in accounts.values() if a.kind == AccountKind.CUSTOMER_WALLET]
    balances = balances_after([w.pk for w in wallets], max(p.pk for p in postings))
    receipts = []
    for wallet in sorted(wallets, key=lambda w: w.pk):
        if wallet.customer is None:  # never, for a customer wallet; typed as optional
            continue
        language = _language(wallet.customer.language)
        context = Context(posted, wallet, postings, change[wallet.pk], balances[wallet.pk])
        with translation.override(language):
            text = RENDERERS[posted.kind](context)
        if text:
            receipts.append(Receipt(wallet.customer.phone, language, text))
    return receipts


def balances_after(account_ids: list[int], last_posting_id: int) -> dict[int, int]:
    with connection.cursor() as cursor:
        cursor.execute(BALANCE_AFTER_SQL, {"accounts": account_ids, "last": last_posting_id})
        return dict(cursor.fetchall())


@dataclass(frozen=True)
class Context:
    posted: Transaction
    wallet: Account  # whose receipt this is
    postings: list[Posting]
    change: int  # what the transaction did to this wallet's balance (negative: out)
    balance: int

    def money(self, amount: int) -> str:
        return format_amount(amount, self.posted.currency)

    def common(self) -> dict[str, str]:
        date, time = receipt_time(self.posted.created_at)
        return {
            "reference": self.posted.reference,
            "date": date,
            "time": time,
            "balance": self.money(self.balance),
        }


def _send_money(context: Context) -> str:
    # The principal is the one posting into a wallet (the fee goes to a house account).
    principal = next((p for p in context.postings if not p.credit_account.is_house), None)
    if principal is None:
        return ""
    sender, recipient = principal.debit_account, principal.credit_account
    values = context.common() | {"amount": context.money(context.posted.amount)}
    if context.wallet.pk == sender.pk:
        values["fee"] = context.money(context.posted.fee)
        template, other = SENT_MONEY, recipient
    else:
        template, other = RECEIVED_MONEY, sender
    return fit_one_sms(template, values, *party(other))


def _fund(context: Context) -> str:
    values = context.common() | {"amount": context.money(context.change)}
    return str(FUNDED).format(**values)


def _reversal(context: Context) -> str:
    # A partial reversal (reversal requests) names the original in its metadata only.
    if context.posted.reverses_id is not None:
        original = Transaction.objects.get(pk=context.posted.reverses_id).reference
    else:
        original = context.posted.metadata.get("reverses", "")
    if not original:
        return ""
    values = context.common() | {"amount": context.money(abs(context.change)), "original": original}
    template = REVERSED_IN if context.change > 0 else REVERSED_OUT
    return str(template).format(**values)


def _airtime(context: Context) -> str:
    phone = local_phone(context.posted.metadata["airtime_phone"])
    values = context.common() | {"amount": context.money(context.posted.amount), "phone": phone}
    return str(AIRTIME_BOUGHT).format(**values)


def _operator_top_up(context: Context) -> str:
    values = context.common() | {
        "amount": context.money(context.posted.amount),
        "operator": _operator_name(context.posted),
    }
    return str(TOPPED_UP).format(**values)


def _operator_payout(context: Context) -> str:
    principal = next(p for p in context.postings if p.debit_account_id == context.wallet.pk)
    fee = sum(p.amount for p in context.postings if p.credit_account.kind == "fee_income")
    phone = context.wallet.customer.phone if context.wallet.customer else ""
    values = context.common() | {
        "amount": context.money(principal.amount),
        "fee": context.money(fee),
        "operator": _operator_name(context.posted),
        "phone": local_phone(phone) if phone else "",
    }
    return str(PAID_OUT).format(**values)


def _operator_name(posted: Transaction) -> str:
    from operators.models import Operator  # the receipts know operators by code only

    code = str(posted.metadata.get("operator") or posted.initiator.removeprefix("operator:"))
    found = Operator.objects.filter(code=code).values_list("name", flat=True).first()
    return found or code


RENDERERS: dict[str, Callable[[Context], str]] = {
    TransactionKind.OPERATOR_TOP_UP: _operator_top_up,
    TransactionKind.OPERATOR_PAYOUT: _operator_payout,
    TransactionKind.AIRTIME: _airtime,
    TransactionKind.SEND_MONEY: _send_money,
    TransactionKind.FUND: _fund,
    TransactionKind.REVERSAL: _reversal,
}


def fit_one_sms(template: Promise, values: dict[str, str], name: str, phone: str) -> str:
    """Render with the counterparty's name shortened (middle names first, then cut) until
    the text fits one GSM-7 SMS; a text that cannot fit keeps a readable name."""

    def render(shown: str) -> str:
        return str(template).format(**values, counterparty=f"{shown} {phone}".strip())

    words = name.split()
    candidates = [name, f"{words[0]} {words[-1]}"] if len(words) > 2 else [name]
    for candidate in candidates:
        text = render(candidate)
        overflow = gsm7_length(text) - SINGLE_GSM7
        if overflow <= 0:
            return text
    cut = candidates[-1][: max(len(candidates[-1]) - overflow, SHORTEST_NAME)]
    return render(cut.rstrip(" .'-"))


def party(account: Account) -> tuple[str, str]:
    """(NAME, local phone) of a customer account, as receipts show them."""
    if account.customer is None:
        return plain_name(account.code or ""), ""
    return plain_name(account.customer.name), local_phone(account.customer.phone)


def local_phone(e164: str) -> str:
    """'+254712000002' -> '0712000002', as people write their own number."""
    number = phonenumbers.parse(e164)
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return re.sub(r"[^0-9+]", "", national)


def receipt_time(moment: datetime.datetime) -> tuple[str, str]:
    """('24/11/26', '3:05 PM') in the local time zone (settings.TIME_ZONE)."""
    local = timezone.localtime(moment)
    hour = local.hour % 12 or 12
    meridiem = "AM" if local.hour < 12 else "PM"
    return f"{local.day}/{local.month}/{local:%y}", f"{hour}:{local.minute:02d} {meridiem}"


def _language(code: str) -> str:
    return code if code in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
