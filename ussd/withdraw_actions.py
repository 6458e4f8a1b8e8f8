"""Withdraw cash (customer menu 2): at an agent's store, or a one-time code for an agent.

Everything that can refuse the withdrawal (an unknown or inactive agent, a store that is not
the agent's, the minimum, the limits, the balance) is checked before the PIN, as M-Pesa does
since it added store numbers; the posting checks it all again under its locks.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from agents import services as agents
from agents.errors import BelowMinimumWithdrawal, UnknownAgent, describe
from agents.models import Agent, Store
from ussd.actions import check_pin, money, short_name
from ussd.engine import Context, End, Goto, InputError
from wallets import errors
from wallets.models import TariffKind
from wallets.services import fee_for


def parse_agent_number(context: Context, token: str) -> str:
    if not token.isdigit():
        raise InputError(_("Enter the agent number, in digits."))
    if not Agent.objects.filter(agent_number=token).exists():
        raise InputError(describe(UnknownAgent()))
    return token


def parse_store_number(context: Context, token: str) -> str:
    if not token.isdigit():
        raise InputError(_("Enter the store number, in digits."))
    try:
        store = agents.find_store(agent_number=context.values["agent_number"], store_number=token)
    except errors.LedgerError as error:
        raise InputError(describe(error)) from None
    context.values.update(
        store_id=store.pk,
        agent_name=short_name(store.agent.business_name.upper()),
        store_name=short_name(store.name),
    )
    return token


def quote_withdrawal(context: Context, token: str) -> Goto:
    store = Store.objects.get(pk=context.values["store_id"])
    try:
        quote = agents.quote_cash_out(
            wallet=context.customer.wallet(), store=store, amount=context.values["amount"]
        )
    except errors.LedgerError as error:
        return Goto("withdraw.amount", describe(error), push=False)
    context.values.update(amount_text=money(quote.amount), fee_text=money(quote.fee))
    return Goto("withdraw.confirm")


def withdraw(context: Context, pin: str) -> Goto | End:
    if (refused := check_pin(context, pin)) is not None:
        return refused
    store = Store.objects.get(pk=context.values["store_id"])
    try:
        done = agents.cash_out(
            wallet=context.customer.wallet(),
            store=store,
            amount=context.values["amount"],
            idempotency_key=context.idempotency_key("cash-out"),
            channel="ussd",
            initiator=f"ussd:{context.phone}",
        )
    except errors.LedgerError as error:
        return End(describe(error))
    return End(
        _(
            "{reference} Confirmed. Take {amount} from {agent}. Fee {fee}. You will get an SMS."
        ).format(
            reference=done.reference,
            amount=money(done.amount),
            agent=context.values["agent_name"],
            fee=money(done.fee),
        )
    )


def quote_code(context: Context, token: str) -> Goto:
    """The fee of the withdrawal the code will pay, before the PIN; the same refusals as
    at a store that can be known without one (the minimum, the customer's own balance)."""
    amount = context.values["amount"]
    wallet = context.customer.wallet()
    try:
        fee = fee_for(TariffKind.CASH_OUT, wallet.currency, amount)
    except errors.NoTariff:
        return Goto("withdraw.code.amount", describe(BelowMinimumWithdrawal()), push=False)
    if wallet.available < amount + fee:
        return Goto("withdraw.code.amount", describe(errors.InsufficientFunds()), push=False)
    context.values.update(amount_text=money(amount), fee_text=money(fee))
    return Goto("withdraw.code.confirm")


def withdrawal_code(context: Context, pin: str) -> Goto | End:
    if (refused := check_pin(context, pin)) is not None:
        return refused
    code, issued = agents.create_withdrawal_code(
        customer=context.customer, amount=context.values["amount"]
    )
    minutes = max(1, int((issued.expires_at - issued.created_at).total_seconds() // 60))
    return End(
        secret=True,
        text=_(
            "Your withdrawal code is {code}. It works once, for {minutes} minutes. Give it only "
            "to the agent, with your ID."
        ).format(code=code, minutes=minutes),
    )
