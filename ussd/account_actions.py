"""My account → reverse a transaction, and pending payment requests.

A reversal request freezes what the recipient still holds and leaves the decision to
customer care (wallets.services.reversals); a payment request is paid like a send, fee shown
before the PIN.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from ussd.actions import check_pin, money, short_name
from ussd.engine import Context, End, Goto, InputError
from wallets import errors, services
from wallets.models import PaymentRequest, Transaction
from wallets.models.rules import TariffKind
from wallets.services.reversals import recipient_wallet

REQUESTS_ON_SCREEN = 20  # more than a feature phone user will page through
NOTE_ON_SCREEN = 24


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
            "Reversal request received. {amount} is on hold at the recipient. "
            "Customer care will call you. You will get an SMS."
        ).format(amount=money(request.held_amount))
    )


def list_requests(context: Context, token: str) -> Goto | End:
    pending = services.pending_requests(context.customer)[:REQUESTS_ON_SCREEN]
    if not pending:
        return End(_("You have no pending payment requests."))
    context.values["request_ids"] = [request.pk for request in pending]
    context.values["requests_text"] = "\n".join(
        f"{number}. {money(request.amount)} {requester_name(request)}"
        for number, request in enumerate(pending, start=1)
    )
    return Goto("requests")


def parse_request_choice(context: Context, token: str) -> int:
    ids = context.values.get("request_ids", [])
    if not token.isdigit() or not 1 <= int(token) <= len(ids):
        raise InputError(_("Invalid choice. Try again."))
    request = _request(context, ids[int(token) - 1])
    context.values.update(
        amount_text=money(request.amount),
        requester=requester_name(request),
        note=f"{request.note[:NOTE_ON_SCREEN]}\n" if request.note else "",
    )
    return request.pk


def quote_request(context: Context, token: str) -> Goto:
    request = _request(context, context.values["request"])
    fee = services.fee_for(TariffKind.SEND_MONEY, request.currency, request.amount)
    context.values["fee_text"] = money(fee)
    return Goto("request.confirm")


def pay_request(context: Context, pin: str) -> Goto | End:
    if (refused := check_pin(context, pin)) is not None:
        return refused
    try:
        paid: Transaction = services.pay_request(
            request=_request(context, context.values["request"]),
            channel="ussd",
            initiator=f"ussd:{context.phone}",
        )
    except errors.LedgerError as error:
        return End(_(error.text))
    return End(
        _("{reference} Confirmed. {amount} paid to {name}. Fee {fee}. You will get an SMS.").format(
            reference=paid.reference,
            amount=money(paid.amount),
            name=context.values["requester"],
            fee=money(paid.fee),
        )
    )


def decline_request(context: Context, token: str) -> End:
    try:
        services.decline_request(request=_request(context, context.values["request"]))
    except errors.LedgerError as error:
        return End(_(error.text))
    return End(_("Payment request declined."))


def requester_name(request: PaymentRequest) -> str:
    """The name the payer is shown before the PIN: a customer's registered name (what the
    money will reach), not the free text the request was made with."""
    owner = request.requester.customer
    return short_name((owner.name if owner else request.requester_name).upper())


def _request(context: Context, pk: int) -> PaymentRequest:
    """Only the dialling customer's own requests can be read or answered."""
    return PaymentRequest.objects.get(pk=pk, payer=context.customer, currency=_currency())


def _currency() -> str:
    return str(settings.DEFAULT_CURRENCY)
