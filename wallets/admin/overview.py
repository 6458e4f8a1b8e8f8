"""The customer 360 view's data: everything support reads about one customer, on one page.

Profile and KYC, wallets (balance, held, available), the last transactions with their
counterparties, open holds, agent flags, reversal and payment requests, the SMS sent and the
USSD sessions. Each section is one query whatever the customer's history (the page's count is
pinned in tests/wallets/test_customer_care_admin.py), and a section whose rows the staff member
may not view is left out.

Nothing here shows a secret: the PIN hash never leaves the model (only its status), a start-PIN
SMS shows its seal masked, a session's values leave out the hash of a PIN being confirmed, and
its replies and end-of-session input are shown with codes and PINs masked again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q

from agents.models import Flag
from ussd.engine import mask_codes, redact_pins
from ussd.models import UssdSession, UssdSessionEnd
from ussd.sms import sealed
from ussd.sms.models import SmsMessage
from wallets.admin.common import money, pin_status
from wallets.models import (
    Account,
    Customer,
    Hold,
    HoldState,
    PaymentRequest,
    Posting,
    ReversalRequest,
    Transaction,
)

RECENT_TRANSACTIONS = 20
RECENT_SMS = 20
RECENT_SESSIONS = 10
RECENT_REQUESTS = 20
# A session's values that are not the customer's input: the hash of a PIN being confirmed.
HIDDEN_SESSION_VALUES = {"new_pin_hash"}


@dataclass(frozen=True)
class TransactionLine:
    transaction: Transaction
    change: str  # what it did to the customer's wallets, signed
    counterparties: str


@dataclass(frozen=True)
class SessionLine:
    session: UssdSession
    values: str
    last_reply: str
    input_redacted: str


def customer_overview(customer: Customer, user: Any) -> dict[str, Any]:
    """The 360 view's sections for `customer`, as `user` may see them."""
    accounts = list(customer.accounts.order_by("currency", "kind"))
    ids = [account.pk for account in accounts]
    sections: dict[str, Any] = {
        "customer": customer,
        "pin": _pin_text(customer),
        "accounts": [
            (account, *(money(value, account.currency) for value in _balances(account)))
            for account in accounts
        ],
        "transactions": _transactions(ids) if _may(user, "wallets", "transaction") else None,
        "holds": _holds(ids) if _may(user, "wallets", "hold") else None,
        "flags": _flags(customer) if _may(user, "agents", "flag") else None,
        "reversals": _reversals(customer, ids)
        if _may(user, "wallets", "reversalrequest")
        else None,
        "payments": _payments(customer, ids) if _may(user, "wallets", "paymentrequest") else None,
        "sms": _sms(customer.phone) if _may(user, "sms", "smsmessage") else None,
        "sessions": _sessions(customer.phone) if _may(user, "ussd", "ussdsession") else None,
    }
    return sections


def _balances(account: Account) -> tuple[int, int, int]:
    return account.balance, account.held, account.available


def _may(user: Any, app: str, model: str) -> bool:
    return bool(user.has_perm(f"{app}.view_{model}"))


def _pin_text(customer: Customer) -> str:
    status = pin_status(customer)
    if customer.pin_must_change:
        return f"{status}: a start PIN was sent and must be changed"
    return status


def _transactions(ids: list[int]) -> list[TransactionLine]:
    touching = Posting.objects.filter(Q(debit_account_id__in=ids) | Q(credit_account_id__in=ids))
    recent = (
        Transaction.objects.filter(pk__in=touching.values("transaction_id"))
        .order_by("-id")
        .prefetch_related(
            Prefetch(
                "postings",
                queryset=Posting.objects.select_related(
                    "debit_account__customer", "credit_account__customer"
                ),
            )
        )[:RECENT_TRANSACTIONS]
    )
    return [_line(transaction, set(ids)) for transaction in recent]


def _line(transaction: Transaction, own: set[int]) -> TransactionLine:
    change = 0
    others: list[str] = []
    for posting in transaction.postings.all():
        sides = ((posting.debit_account, -1), (posting.credit_account, 1))
        if not any(account.pk in own for account, _sign in sides):
            continue  # e.g. the fee leg of a send the customer received
        for account, sign in sides:
            if account.pk in own:
                change += sign * posting.amount
            elif (name := _party(account)) not in others:
                others.append(name)
    shown = money(change, transaction.currency)
    return TransactionLine(transaction, f"+{shown}" if change > 0 else shown, ", ".join(others))


def _party(account: Account) -> str:
    if account.customer is not None:
        return f"{account.customer.name} {account.customer.phone}"
    return str(account)


def _holds(ids: list[int]) -> list[tuple[Hold, str]]:
    holds = Hold.objects.filter(account_id__in=ids, state=HoldState.OPEN).order_by("deadline")
    return [
        (hold, money(hold.amount, hold.account.currency))
        for hold in holds.select_related("account")
    ]


def _flags(customer: Customer) -> list[Flag]:
    return list(Flag.objects.filter(customer=customer).select_related("agent")[:RECENT_REQUESTS])


def _reversals(customer: Customer, ids: list[int]) -> list[tuple[ReversalRequest, str]]:
    """Cases the customer asked for, and cases asking them to give money back."""
    requests = (
        ReversalRequest.objects.filter(Q(requested_by=customer) | Q(hold__account_id__in=ids))
        .select_related("original", "requested_by", "hold")
        .order_by("-id")[:RECENT_REQUESTS]
    )
    return [(r, money(r.held_amount, r.original.currency)) for r in requests]


def _payments(customer: Customer, ids: list[int]) -> list[tuple[PaymentRequest, str]]:
    requests = (
        PaymentRequest.objects.filter(Q(payer=customer) | Q(requester_id__in=ids))
        .select_related("payer")
        .order_by("-id")[:RECENT_REQUESTS]
    )
    return [(r, money(r.amount, r.currency)) for r in requests]


def _sms(phone: str) -> list[tuple[SmsMessage, str]]:
    """The last messages to the phone; a start PIN's seal is shown masked."""
    return [
        (message, sealed.conceal(message.text))
        for message in SmsMessage.objects.for_phone(phone)[:RECENT_SMS]
    ]


def _sessions(phone: str) -> list[SessionLine]:
    sessions = list(UssdSession.objects.filter(phone=phone).order_by("-id")[:RECENT_SESSIONS])
    ends = {
        end.session_id: end.input_redacted
        for end in UssdSessionEnd.objects.filter(
            session_id__in=[session.session_id for session in sessions]
        ).order_by("id")
    }
    return [
        SessionLine(
            session=session,
            values=json.dumps(_shown_values(session), ensure_ascii=False, sort_keys=True),
            last_reply=mask_codes(session.last_reply),
            # Stored redacted already; masked again in case an older row was not.
            input_redacted=redact_pins(ends.get(session.session_id, "")),
        )
        for session in sessions
    ]


def _shown_values(session: UssdSession) -> dict[str, Any]:
    return {k: v for k, v in session.data.items() if k not in HIDDEN_SESSION_VALUES}
