"""My account → reverse a transaction, and pending requests (payment and reversal requests).

A reversal request freezes what the recipient still holds and asks the recipient: under
Pending requests they agree (the money goes back now) or dispute (it is released) with their
PIN before the deadline; no answer by then means it goes back (wallets.services.reversals). A
payment request is paid like a send, fee shown before the PIN; a merchant's request (it has a
`fee_kind`) is paid through `merchants.services.pay_request`, which applies the merchant's
rules, and costs the payer no fee. Home 4 (Pay) → Pending requests lists the same requests.

The recipient's reversal requests are listed with the payment requests, everything waiting for
the customer's answer, rather than as a My account item of their own: a seventh item would not
fit one 160-character screen in either language once a notice is shown above it.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from merchants import services as merchants
from merchants.errors import MerchantNotActive
from ussd.actions import channel_of, check_pin, money, short_name
from ussd.engine import Context, End, Goto, InputError
from ussd.merchant_actions import merchant_name, paid_text, request_merchant
from wallets import errors, services
from wallets.models import PaymentRequest, ReversalRequest, Transaction
from wallets.models.rules import TariffKind
from wallets.services.reversals import (
    consent_to_reversal,
    dispute_reversal,
    open_reversals_against,
    recipient_wallet,
)

REQUESTS_ON_SCREEN = 20  # more than a feature phone user will page through
NOTE_ON_SCREEN = 24
SENDER_ON_SCREEN = 20  # the reversal answer screen also shows the amount and the deadline
PAYMENT, REVERSAL = "payment", "reversal"  # the kinds of pending request


def parse_reversal_reference(context: Context, token: str) -> str:
    """The reference of one of the customer's own recent sends; shows what will be reversed."""
    try:
        sent = services.reversible_send(customer=context.customer, reference=token)
    except errors.LedgerError as error:
        raise InputError(_(error.text)) from None
    recipient = recipient_wallet(sent).customer
    context.values.update(
        amount_text=money(sent.amount),
        recipient_name=short_name(recipient.name.upper()) if recipient else "",
        sent_on=f"{localtime(sent.created_at):%d/%m/%y}",
    )
    return sent.reference


def request_reversal(context: Context, pin: str) -> Goto | End:
    if (refused := check_pin(context, pin)) is not None:
        return refused
    try:
        request = services.request_reversal(
            customer=context.customer, reference=context.values["reference"], channel="ussd"
        )
    except errors.LedgerError as error:
        return End(_(error.text))
    return End(
        _(
            "Reversal request received. {amount} is on hold at the recipient, who is asked "
            "to agree. You will get an SMS."
        ).format(amount=money(request.held_amount))
    )


def list_requests(context: Context, token: str) -> Goto | End:
    """Everything waiting for the customer's answer: payment requests (pay or decline), then
    reversal requests asking them to give money back (agree or dispute)."""
    payments = list(services.pending_requests(context.customer)[:REQUESTS_ON_SCREEN])
    reversals = list(open_reversals_against(context.customer)[: REQUESTS_ON_SCREEN - len(payments)])
    if not payments and not reversals:
        return End(_("You have no pending requests."))
    lines = [f"{money(request.amount)} {requester_name(request)}" for request in payments]
    lines += [
        _("Return {amount} to {name}").format(
            amount=money(request.held_amount), name=short_name(request.requested_by.name.upper())
        )
        for request in reversals
    ]
    context.values["request_items"] = [[PAYMENT, request.pk] for request in payments] + [
        [REVERSAL, request.pk] for request in reversals
    ]
    context.values["requests_text"] = "\n".join(
        f"{number}. {line}" for number, line in enumerate(lines, start=1)
    )
    return Goto("requests")


def parse_request_choice(context: Context, token: str) -> int:
    items = context.values.get("request_items", [])
    if not token.isdigit() or not 1 <= int(token) <= len(items):
        raise InputError(_("Invalid choice. Try again."))
    kind, pk = items[int(token) - 1]
    context.values["request_kind"] = kind
    if kind == REVERSAL:
        reversal = _reversal(context, pk)
        if reversal is None:
            raise InputError(_("That reversal request is already closed."))
        describe_reversal(context, reversal)
        return int(reversal.pk)
    request = _request(context, pk)
    context.values.update(
        amount_text=money(request.amount),
        requester=requester_name(request),
        note=f"{request.note[:NOTE_ON_SCREEN]}\n" if request.note else "",
    )
    return request.pk


def open_request(context: Context, token: str) -> Goto:
    """The chosen request's answer screen: pay or decline, or agree or dispute."""
    if context.values.get("request_kind") == REVERSAL:
        return Goto("reversal.answer")
    return Goto("request.answer")


def quote_request(context: Context, token: str) -> Goto | End:
    """The payer's fee before the PIN: the send fee, or nothing on a merchant's request (the
    merchant pays its fee), whose merchant must still be able to take payments."""
    request = _request(context, context.values["request"])
    if request.fee_kind:
        merchant = request_merchant(request)
        if merchant is None or not merchant.is_active:
            return End(_(MerchantNotActive.message))
        fee = 0
    else:
        fee = services.fee_for(TariffKind.SEND_MONEY, request.currency, request.amount)
    context.values["fee_text"] = money(fee)
    return Goto("request.confirm")


def pay_request(context: Context, pin: str) -> Goto | End:
    """Pay a customer's request as a send, a merchant's through the merchant's rules."""
    if (refused := check_pin(context, pin)) is not None:
        return refused
    request = _request(context, context.values["request"])
    pay = merchants.pay_request if request.fee_kind else services.pay_request
    try:
        paid: Transaction = pay(
            request=request, channel=channel_of(context), initiator=f"ussd:{context.phone}"
        )
    except errors.LedgerError as error:
        return End(_(error.text))
    return End(paid_text(paid, context.values["requester"]))


def decline_request(context: Context, token: str) -> End:
    try:
        services.decline_request(request=_request(context, context.values["request"]))
    except errors.LedgerError as error:
        return End(_(error.text))
    return End(_("Payment request declined."))


def requester_name(request: PaymentRequest) -> str:
    """The name the payer is shown before the PIN: a customer's registered name or a
    merchant's display name (what the money will reach), not the free text the request was
    made with."""
    owner = request.requester.customer
    if owner is not None:
        return short_name(owner.name.upper())
    if (merchant := request_merchant(request)) is not None:
        return merchant_name(merchant)
    return short_name(request.requester_name.upper())


def _request(context: Context, pk: int) -> PaymentRequest:
    """Only the dialling customer's own requests can be read or answered."""
    return PaymentRequest.objects.get(pk=pk, payer=context.customer, currency=_currency())


def describe_reversal(context: Context, request: ReversalRequest) -> None:
    """The values the answer screens show (also used by the SMS reply `REVERSE`)."""
    sender = short_name(request.requested_by.name.upper())[:SENDER_ON_SCREEN].strip()
    context.values.update(
        reversal=request.pk,
        reference=request.original.reference,
        held_text=money(request.held_amount),
        sender_name=sender,
        deadline_text=f"{localtime(request.hold.deadline):%d/%m %H:%M}",
    )


def agree_to_reversal(context: Context, pin: str) -> Goto | End:
    if (refused := check_pin(context, pin)) is not None:
        return refused
    request = _reversal(context, context.values["reversal"])
    try:
        if request is None:
            raise errors.ReversalDecided()
        reversal = consent_to_reversal(
            request=request, customer=context.customer, channel=channel_of(context)
        )
    except errors.ReversalDecided:
        return End(_("That reversal request is already closed."))
    except errors.LedgerError as error:
        return End(_(error.text))
    return End(
        _("{reference} Confirmed. {amount} returned to {name}. You will get an SMS.").format(
            reference=reversal.reference,
            amount=money(reversal.amount),
            name=context.values["sender_name"],
        )
    )


def dispute(context: Context, pin: str) -> Goto | End:
    if (refused := check_pin(context, pin)) is not None:
        return refused
    request = _reversal(context, context.values["reversal"])
    try:
        if request is None:
            raise errors.ReversalDecided()
        dispute_reversal(request=request, customer=context.customer, channel=channel_of(context))
    except errors.ReversalDecided:
        return End(_("That reversal request is already closed."))
    except errors.LedgerError as error:
        return End(_(error.text))
    return End(
        _("You disputed the reversal. {amount} is available to you again.").format(
            amount=context.values["held_text"]
        )
    )


def _reversal(context: Context, pk: int) -> ReversalRequest | None:
    """Only an open case against the dialling customer can be read or answered."""
    return open_reversals_against(context.customer).filter(pk=pk).first()


def _currency() -> str:
    return str(settings.DEFAULT_CURRENCY)
