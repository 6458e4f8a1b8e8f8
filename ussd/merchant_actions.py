"""Home 4, Pay: buy goods at a till, pay a bill (pay-bill number and account number), and
merchants' requests to pay.

The merchant, its till or pay-bill, the account number, the merchant's limit and the
customer's balance are all checked before the PIN, and the confirmation shows the merchant's
name and the customer's fee (nothing: the merchant pays its fee out of the amount). The
payment's key is the session's and the hop's: a retried PIN hop that reaches here again finds
the payment already posted and answers with it before asking for the PIN a second time.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from merchants import services as merchants
from merchants.models import Merchant, PaymentPoint, PointKind
from ussd.actions import channel_of, check_pin, money, short_name
from ussd.engine import Context, End, Goto, InputError, stay
from wallets import errors
from wallets.models import PaymentRequest, Transaction

MERCHANT_ON_SCREEN = 25  # the pay-bill confirmation also shows a 20-character account number
CONFIRM_SCREEN: dict[str, str] = {
    PointKind.TILL: "pay.till.confirm",
    PointKind.PAYBILL: "pay.bill.confirm",
}


def describe(error: errors.LedgerError) -> str:
    """A ledger or merchant error's message in the active language."""
    return _(error.text)


def merchant_name(merchant: Merchant) -> str:
    return short_name(merchant.display_name, MERCHANT_ON_SCREEN)


def parse_till(context: Context, token: str) -> str:
    return _parse_point(context, token, PointKind.TILL)


def parse_paybill(context: Context, token: str) -> str:
    return _parse_point(context, token, PointKind.PAYBILL)


def _parse_point(context: Context, token: str, kind: str) -> str:
    if not token.isdigit():
        raise InputError(_("Enter the number, in digits."))
    try:
        point = merchants.find_point(token)
    except errors.LedgerError as error:
        raise InputError(describe(error)) from None
    if point.kind != kind:
        raise InputError(
            _("That is a pay-bill number. Choose Pay bill.")
            if point.kind == PointKind.PAYBILL
            else _("That is a till number. Choose Buy goods.")
        )
    context.values.update(merchant_name=merchant_name(point.merchant), account_reference="")
    return point.number


def parse_account(context: Context, token: str) -> str:
    """The account number of a pay-bill payment, as the merchant's pattern accepts it."""
    try:
        point = merchants.find_point(context.values["point_number"])
        return merchants.check_account_reference(point, token)
    except errors.LedgerError as error:
        raise InputError(describe(error)) from None


def quote_payment(context: Context, token: str) -> Goto:
    """The confirmation screen, or the amount screen again with what refuses the payment."""
    try:
        offer = _offer(context)
    except errors.LedgerError as error:
        return stay(describe(error))
    if context.customer.wallet().available < offer.amount + offer.customer_fee:
        return stay(describe(errors.InsufficientFunds()))
    context.values.update(amount_text=money(offer.amount), fee_text=money(offer.customer_fee))
    return Goto(CONFIRM_SCREEN[offer.point.kind])


def pay(context: Context, pin: str) -> Goto | End:
    wallet = context.customer.wallet()
    key = context.idempotency_key("merchant-pay")
    try:
        offer = _offer(context)
        paid = merchants.replay_of_payment(payer=wallet, offer=offer, idempotency_key=key)
        if paid is None:
            if (refused := check_pin(context, pin)) is not None:
                return refused
            paid = merchants.pay(
                payer=wallet,
                offer=offer,
                idempotency_key=key,
                channel=channel_of(context),
                initiator=f"ussd:{context.phone}",
            )
    except errors.LedgerError as error:
        return End(describe(error))
    return End(paid_text(paid, context.values["merchant_name"]))


def paid_text(paid: Transaction, name: str) -> str:
    return _(
        "{reference} Confirmed. {amount} paid to {name}. Fee {fee}. You will get an SMS."
    ).format(
        reference=paid.reference, amount=money(paid.amount), name=name, fee=money(payer_fee(paid))
    )


def payer_fee(paid: Transaction) -> int:
    """What the payer paid on top of the amount: nothing when the merchant paid the fee."""
    return 0 if paid.metadata.get("fee_paid_by") == "recipient" else paid.fee


def _offer(context: Context) -> merchants.Quote:
    point: PaymentPoint = merchants.find_point(context.values["point_number"])
    return merchants.quote(
        point=point,
        amount=context.values["amount"],
        account_reference=context.values.get("account_reference", ""),
    )


# A merchant's request to pay, from the pending requests (ussd/account_actions.py).


def request_merchant(request: PaymentRequest) -> Merchant | None:
    """The merchant that asked, for a merchant's request; None for a customer's."""
    if not request.fee_kind:
        return None
    return Merchant.objects.filter(account_id=request.requester_id).first()
