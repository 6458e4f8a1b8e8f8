"""Pay → Standing payments: debit mandates, set up and answered from the menu.

A customer sets one up for a merchant (by its till or pay-bill number, or the business's
phone number) with a cap per payment, a cap per day and a length in months; with the PIN it
is active at once. A partner's request for one waits in the list until the customer approves
it with the PIN or declines it; an active one can be cancelled there. The caps themselves are
enforced by `merchants.services.debit`, inside each posting.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Callable

from django.utils import timezone
from django.utils.translation import gettext as _

from merchants import errors as merchant_errors
from merchants import services as merchants
from merchants.models import BusinessStatus, Mandate, MandateState, Merchant
from ussd.actions import channel_of, check_pin, money, parse_money, typed_phone
from ussd.engine import Context, End, Goto, InputError
from ussd.merchant_actions import describe, merchant_name
from wallets import errors

MANDATES_ON_SCREEN = 20  # more than a feature phone user will page through
LONGEST_POINT_NUMBER = 7  # tills and pay-bills have 5 to 7 digits; phone numbers more
NOTE_ON_SCREEN = 24


def parse_merchant(context: Context, token: str) -> int:
    """The business a new mandate is for, by a till or pay-bill number or its phone number."""
    try:
        merchant = _merchant_for(token)
    except errors.LedgerError as error:
        raise InputError(describe(error)) from None
    context.values["merchant_name"] = merchant_name(merchant)
    return merchant.pk


def _merchant_for(token: str) -> Merchant:
    if token.isdigit() and len(token) <= LONGEST_POINT_NUMBER:
        return merchants.find_point(token).merchant
    phone = typed_phone(token)
    found = list(Merchant.objects.filter(phone=phone).order_by("pk")[:2])
    active = [merchant for merchant in found if merchant.status == BusinessStatus.ACTIVE]
    if len(found) > 1:
        raise InputError(_("Several businesses use that number. Enter their till number."))
    if not found:
        raise InputError(_("No business is registered with that number."))
    if not active:
        raise merchant_errors.MerchantNotActive()
    return active[0]


def parse_cap(context: Context, token: str) -> int:
    amount = parse_money(context, token)
    context.values["cap_text"] = money(amount)
    return amount


def parse_daily_cap(context: Context, token: str) -> int:
    """The daily cap: at least the cap per payment, or no payment could ever be taken."""
    amount = parse_money(context, token)
    if amount < context.values["max_per_payment"]:
        raise InputError(_("Enter at least {amount}.").format(amount=context.values["cap_text"]))
    context.values["daily_text"] = money(amount)
    return amount


def lasting(months: int) -> Callable[[Context, str], Goto]:
    """An option that sets the mandate's end date `months` from today."""

    def choose(context: Context, token: str) -> Goto:
        ends_on = months_later(timezone.localdate(), months)
        context.values.update(ends_on=ends_on.isoformat(), ends_text=f"{ends_on:%d/%m/%y}")
        return Goto("mandate.confirm")

    return choose


def months_later(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later (the month's last day when it is shorter)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def set_up(context: Context, pin: str) -> Goto | End:
    """Create the mandate, active at once; a retried hop finds it made and asks no PIN."""
    key = context.idempotency_key("mandate")
    mandate = Mandate.objects.filter(idempotency_key=key, customer=context.customer).first()
    if mandate is None:
        if (refused := check_pin(context, pin)) is not None:
            return refused
        values = context.values
        try:
            mandate = merchants.create_mandate(
                customer=context.customer,
                merchant=Merchant.objects.get(pk=values["merchant_id"]),
                max_per_payment=values["max_per_payment"],
                max_daily=values["max_daily"],
                ends_on=datetime.date.fromisoformat(values["ends_on"]),
                idempotency_key=key,
                channel=channel_of(context),
                approved=True,
            )
        except errors.LedgerError as error:
            return End(describe(error))
    return End(
        _(
            "Standing payment {reference} to {name} is active until {ends}. Cancel it under "
            "Pay, Standing payments."
        ).format(
            reference=mandate.reference,
            name=context.values["merchant_name"],
            ends=f"{mandate.ends_on:%d/%m/%y}",
        )
    )


def list_mandates(context: Context, token: str) -> Goto | End:
    """The customer's pending and active mandates; a pending one is marked to answer."""
    mandates = merchants.customer_mandates(context.customer)[:MANDATES_ON_SCREEN]
    if not mandates:
        return End(_("You have no standing payments."))
    lines = [
        (
            _("{name} up to {cap} (new)")
            if mandate.state == MandateState.PENDING
            else _("{name} up to {cap}")
        ).format(name=merchant_name(mandate.merchant), cap=money(mandate.max_per_payment))
        for mandate in mandates
    ]
    context.values["mandate_items"] = [mandate.pk for mandate in mandates]
    context.values["mandates_text"] = "\n".join(
        f"{number}. {line}" for number, line in enumerate(lines, start=1)
    )
    return Goto("mandate.list")


def parse_mandate_choice(context: Context, token: str) -> int:
    items = context.values.get("mandate_items", [])
    if not token.isdigit() or not 1 <= int(token) <= len(items):
        raise InputError(_("Invalid choice. Try again."))
    mandate = _mandate(context, items[int(token) - 1])
    if mandate is None or mandate.state not in (MandateState.PENDING, MandateState.ACTIVE):
        raise InputError(describe(merchant_errors.MandateNotActive()))
    context.values.update(
        merchant_name=merchant_name(mandate.merchant),
        cap_text=money(mandate.max_per_payment),
        daily_text=money(mandate.max_daily),
        ends_text=f"{mandate.ends_on:%d/%m/%y}",
        mandate_state=mandate.state,
        note=f"{mandate.description[:NOTE_ON_SCREEN]}\n" if mandate.description else "",
    )
    return int(mandate.pk)


def open_mandate(context: Context, token: str) -> Goto:
    if context.values["mandate_state"] == MandateState.PENDING:
        return Goto("mandate.pending")
    return Goto("mandate.active")


def approve(context: Context, pin: str) -> Goto | End:
    mandate = _mandate(context, context.values["mandate"])
    if mandate is None or mandate.state != MandateState.ACTIVE:  # not a retried hop
        if (refused := check_pin(context, pin)) is not None:
            return refused
        try:
            if mandate is None:
                raise merchant_errors.UnknownMandate()
            merchants.approve_mandate(mandate=mandate, customer=context.customer)
        except errors.LedgerError as error:
            return End(describe(error))
    return End(
        _("Standing payment approved. {name} may take up to {cap} a payment.").format(
            name=context.values["merchant_name"], cap=context.values["cap_text"]
        )
    )


def decline(context: Context, token: str) -> End:
    def declined(mandate: Mandate) -> Mandate:
        return merchants.decline_mandate(mandate=mandate, customer=context.customer)

    return _answer(context, declined, _("Standing payment to {name} declined."))


def cancel(context: Context, token: str) -> End:
    def cancelled(mandate: Mandate) -> Mandate:
        return merchants.cancel_mandate(mandate=mandate, by="customer", customer=context.customer)

    return _answer(context, cancelled, _("Standing payment to {name} cancelled."))


def _answer(context: Context, change: Callable[[Mandate], Mandate], done: str) -> End:
    mandate = _mandate(context, context.values["mandate"])
    try:
        if mandate is None:
            raise merchant_errors.UnknownMandate()
        change(mandate)
    except errors.LedgerError as error:
        return End(describe(error))
    return End(done.format(name=context.values["merchant_name"]))


def _mandate(context: Context, pk: int) -> Mandate | None:
    """Only the dialling customer's own mandates can be read or answered."""
    return (
        Mandate.objects.select_related("merchant").filter(pk=pk, customer=context.customer).first()
    )
