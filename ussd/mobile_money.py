"""Home 6: move money between the wallet and the customer's own M-Pesa or MoMo account.

A top-up is authorised on the operator's side (the customer's M-Pesa PIN prompt on their
phone), so it asks for no PIN of ours; a withdrawal to the operator asks for ours, after
showing the fee. Both end at once: the operator answers later and the customer gets an SMS.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from operators import services as operators
from operators.models import Operator
from ussd.actions import check_pin, money, parse_money
from ussd.engine import Context, End, Goto, InputError
from ussd.sms.receipts import local_phone
from wallets import errors
from wallets.models import TariffKind
from wallets.services import fee_for


def list_operators(context: Context, token: str) -> Goto | End:
    active = list(Operator.objects.filter(active=True).order_by("code")[:4])
    if not active:
        return End(_("Mobile money is not available now. Please try later."))
    choices: list[tuple[int, str]] = []
    lines = []
    for operator in active:
        choices.append((operator.pk, "in"))
        lines.append(
            _("{n}. Top up from {operator}").format(n=len(choices), operator=operator.name)
        )
    for operator in active:
        choices.append((operator.pk, "out"))
        lines.append(_("{n}. Send to my {operator}").format(n=len(choices), operator=operator.name))
    context.values.update(mm_choices=choices, mm_text="\n".join(lines))
    return Goto("mm")


def parse_choice(context: Context, token: str) -> str:
    choices = context.values.get("mm_choices", [])
    if not token.isdigit() or not 1 <= int(token) <= len(choices):
        raise InputError(_("Invalid choice. Try again."))
    operator_id, direction = choices[int(token) - 1]
    operator = Operator.objects.get(pk=operator_id)
    context.values.update(operator_id=operator.pk, operator_name=operator.name)
    context.values["mm_title"] = (
        _("Top up from {operator}") if direction == "in" else _("Send to my {operator}")
    ).format(operator=operator.name)
    return str(direction)


def to_amount(context: Context, token: str) -> Goto:
    return Goto(f"mm.{context.values['direction']}.amount")


def parse_amount(context: Context, token: str) -> int:
    amount = parse_money(context, token)
    operator = Operator.objects.get(pk=context.values["operator_id"])
    if operator.kind == "daraja" and amount % 100:
        raise InputError(_("Enter whole shillings, like 500."))
    return amount


def quote(context: Context, token: str) -> Goto:
    amount = context.values["amount"]
    context.values.update(amount_text=money(amount), phone_text=local_phone(context.phone))
    if context.values["direction"] == "in":
        return Goto("mm.topup.confirm")
    try:
        fee = fee_for(TariffKind.SEND_MONEY, context.customer.wallet().currency, amount)
    except errors.NoTariff:
        return Goto("mm.out.amount", _("That amount is over the limit."), push=False)
    context.values["fee_text"] = money(fee)
    return Goto("mm.out.confirm")


def top_up(context: Context, token: str) -> End:
    try:
        operators.start_top_up(
            operator=Operator.objects.get(pk=context.values["operator_id"]),
            wallet=context.customer.wallet(),
            amount=context.values["amount"],
            idempotency_key=context.idempotency_key("top-up"),
        )
    except errors.LedgerError as error:
        return End(_(error.text))
    return End(
        _(
            "Check your phone: enter your {operator} PIN to pay {amount}. You will get an SMS."
        ).format(operator=context.values["operator_name"], amount=context.values["amount_text"])
    )


def send_out(context: Context, pin: str) -> Goto | End:
    if (refused := check_pin(context, pin)) is not None:
        return refused
    try:
        operators.start_withdrawal(
            operator=Operator.objects.get(pk=context.values["operator_id"]),
            wallet=context.customer.wallet(),
            amount=context.values["amount"],
            idempotency_key=context.idempotency_key("payout"),
        )
    except errors.LedgerError as error:
        return End(_(error.text))
    return End(
        _("Request received: {amount} to your {operator}. You will get an SMS.").format(
            amount=context.values["amount_text"], operator=context.values["operator_name"]
        )
    )
