"""What the agent menu does: an assistant serving customers at their store.

The assistant's own PIN authorises each operation (`check_pin` verifies whoever dials); the
customer's authorisation is their presence with an ID (cash-in, registration) or the
one-time code they generated (code cash-out). Services in `agents.services` do the checks
and the posting; these functions parse, show and map refusals to screens.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from agents import services as agents
from agents.errors import WrongCode, describe
from ussd.actions import (
    check_pin,
    fit_rows,
    money,
    parse_money,
    pin_mismatch,
    short_name,
    typed_phone,
)
from ussd.engine import Action, Context, End, Goto, InputError, stay
from ussd.sms.receipts import local_phone
from wallets import errors
from wallets.models import Customer
from wallets.money import format_plain
from wallets.services import set_pin, statement

STATEMENT_LINES = 5


def parse_customer_phone(context: Context, token: str) -> str:
    phone = typed_phone(token)
    customer = Customer.objects.filter(phone=phone).first()
    if customer is None:
        raise InputError(_("{phone} is not registered.").format(phone=phone))
    context.values["customer_name"] = short_name(customer.name.upper())
    context.values["customer_number"] = local_phone(phone)
    return phone


def parse_new_customer_phone(context: Context, token: str) -> str:
    phone = typed_phone(token)
    if Customer.objects.filter(phone=phone).exists():
        raise InputError(_("A wallet is already registered for that phone number."))
    return phone


def quote_cash_in(context: Context, token: str) -> Goto:
    try:
        quote = agents.quote_cash_in(
            assistant=context.assistant,
            phone=context.values["customer_phone"],
            amount=context.values["amount"],
        )
    except errors.LedgerError as error:
        return Goto("agent.cashin.amount", describe(error), push=False)
    context.values.update(
        amount_text=money(quote.amount), customer_name=short_name(quote.customer_name.upper())
    )
    return Goto("agent.cashin.id")


def cash_in(context: Context, pin: str) -> Goto | End:
    if (refused := check_pin(context, pin)) is not None:
        return refused
    try:
        done = agents.cash_in(
            assistant=context.assistant,
            phone=context.values["customer_phone"],
            amount=context.values["amount"],
            id_number=context.values["id_number"],
            idempotency_key=context.idempotency_key("cash-in"),
            channel="ussd",
        )
    except errors.LedgerError as error:
        return End(describe(error))
    return End(
        _("{reference} Confirmed. {amount} deposited to {name}. You will get an SMS.").format(
            reference=done.reference,
            amount=money(done.amount),
            name=context.values["customer_name"],
        )
    )


def quote_code_cash_out(context: Context, token: str) -> Goto:
    try:
        quote = agents.quote_cash_out(
            wallet=Customer.objects.get(phone=context.values["customer_phone"]).wallet(),
            store=context.assistant.store,
            amount=context.values["amount"],
            by_customer=False,
        )
    except errors.LedgerError as error:
        return Goto("agent.code.amount", describe(error), push=False)
    context.values.update(amount_text=money(quote.amount), fee_text=money(quote.fee))
    return Goto("agent.code.pin")


def check_agent_pin(context: Context, pin: str) -> Goto | End:
    """The assistant's PIN first; the customer's code is the last thing typed."""
    if (refused := check_pin(context, pin)) is not None:
        return refused
    context.values["pin_checked_at_hop"] = context.hop  # only this session, only onwards
    return Goto("agent.code.code")


def code_cash_out(context: Context, code: str) -> Goto | End:
    if "pin_checked_at_hop" not in context.values:  # cannot happen through the screens
        return End(_("Please start again."))
    try:
        done = agents.cash_out_with_code(
            assistant=context.assistant,
            phone=context.values["customer_phone"],
            amount=context.values["amount"],
            code=code,
            idempotency_key=context.idempotency_key("code-cash-out"),
            channel="ussd",
        )
    except WrongCode as error:
        if error.tries_left:  # a typo: the same screen again, the tries left above it
            return stay(describe(error))
        return End(describe(error))
    except errors.LedgerError as error:
        return End(describe(error))
    return End(
        _("{reference} Confirmed. Give {amount} to {name}. Fee {fee}. You will get an SMS.").format(
            reference=done.reference,
            amount=money(done.amount),
            name=context.values["customer_name"],
            fee=money(done.fee),
        )
    )


def register_customer(context: Context, pin: str) -> Goto | End:
    if (refused := check_pin(context, pin)) is not None:
        return refused
    values = context.values
    try:
        customer = agents.register_customer_at_agent(
            assistant=context.assistant,
            phone=values["customer_phone"],
            name=values["name"],
            id_type="national_id",
            id_number=values["id_number"],
            date_of_birth=datetime.date.fromisoformat(values["date_of_birth"]),
        )
    except errors.LedgerError as error:
        return End(describe(error))
    return End(
        _("{name} is registered. They will get an SMS to set their PIN.").format(
            name=short_name(customer.name.upper())
        )
    )


def show_balances(context: Context, pin: str) -> Goto | End:
    if (refused := check_pin(context, pin)) is not None:
        return refused
    agent = context.assistant.store.agent
    agent.float_account.refresh_from_db()
    agent.commission_account.refresh_from_db()
    return End(
        _("Float {float}. Commission {commission}.").format(
            float=money(agent.float_account.available),
            commission=money(agent.commission_account.available),
        )
    )


def show_statement(context: Context, pin: str) -> Goto | End:
    if (refused := check_pin(context, pin)) is not None:
        return refused
    agent = context.assistant.store.agent
    lines = statement(agent.float_account, limit=STATEMENT_LINES)
    if not lines:
        return End(_("No transactions yet."))
    currency = agent.float_account.currency
    rows = [
        f"{line.reference} {localtime(line.created_at):%d/%m} "
        f"{'+' if line.amount > 0 else '-'}{format_plain(abs(line.amount), currency)}"
        for line in lines
    ]
    return End(fit_rows(rows, _("Float {float}").format(float=money(lines[0].balance_after))))


def quote_float(context: Context, token: str) -> Goto:
    context.values["amount_text"] = money(context.values["amount"])
    return Goto("agent.float.confirm")


def quote_count(context: Context, token: str) -> Goto:
    context.values["amount_text"] = money(context.values["amount"])
    return Goto("agent.count.confirm")


def move_float(context: Context, pin: str) -> Goto | End:
    """Buy float, return float or move commission to float (`values["operation"]`)."""
    if (refused := check_pin(context, pin)) is not None:
        return refused
    operation = {
        "buy": agents.buy_float,
        "return": agents.return_float,
        "commission": agents.move_commission,
    }[context.values["operation"]]
    try:
        done = operation(
            assistant=context.assistant,
            amount=context.values["amount"],
            idempotency_key=context.idempotency_key(f"float-{context.values['operation']}"),
            channel="ussd",
        )
    except errors.LedgerError as error:
        return End(describe(error))
    agent = context.assistant.store.agent
    agent.float_account.refresh_from_db()
    return End(
        _("{reference} Confirmed. New float {float}.").format(
            reference=done.reference, float=money(agent.float_account.balance)
        )
    )


def choose_float_operation(operation: str) -> Action:
    def choose(context: Context, token: str) -> Goto:
        context.values["operation"] = operation
        context.values["operation_text"] = {
            "buy": _("Buy float"),
            "return": _("Return float"),
            "commission": _("Move to float"),
        }[operation]
        return Goto("agent.float.amount")

    return choose


def count_cash(context: Context, pin: str) -> Goto | End:
    if (refused := check_pin(context, pin)) is not None:
        return refused
    try:
        count = agents.record_cash_count(
            assistant=context.assistant, counted=context.values["amount"]
        )
    except errors.LedgerError as error:
        return End(describe(error))
    return End(
        _("Count saved. Counted {counted}, expected {expected}, difference {variance}.").format(
            counted=money(count.counted),
            expected=money(count.expected),
            variance=money(count.variance),
        )
    )


def set_first_pin(context: Context, pin: str) -> Goto | End:
    """An assistant added in the admin chooses a PIN on the first dial from their phone."""
    if (mismatch := pin_mismatch(context, pin, "agent.first.pin")) is not None:
        return mismatch
    set_pin(context.assistant, pin)
    return End(
        _("Your agent PIN is set. Dial {code} again to serve customers.").format(
            code=settings.USSD_SERVICE_CODE
        )
    )


def parse_cash_count(context: Context, token: str) -> int:
    """An amount of cash in the till; unlike a payment, an empty till is a real count. (It is
    typed 0.00: a lone 0 means Back, on every screen.)"""
    if token.strip() in {"0.0", "0.00"}:
        return 0
    return parse_money(context, token)
