"""Agent menu 4 -> 6: the owner buys float from the agent's own M-Pesa or MoMo.

The operator collects from the agent's registered phone (not the phone dialling: an owner may
dial from another), so the confirmation shows that number. Our agent PIN authorises asking;
the operator's PIN prompt on the agent's phone authorises paying. The session ends at once:
the operator answers later and the agent gets an SMS receipt (or a failure SMS).
The amount is parsed as the customer's top-up is (`ussd.mobile_money.parse_amount`: whole
shillings for M-Pesa), and the answer is the same text.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from agents import services as agents
from agents.errors import describe
from operators.models import Operator
from ussd.actions import check_pin, money
from ussd.engine import Context, End, Goto, InputError
from ussd.sms.receipts import local_phone
from wallets import errors

MOST_OPERATORS = 4  # the list's screen has room for this many


def list_operators(context: Context, token: str) -> Goto | End:
    active = list(Operator.objects.filter(active=True).order_by("name", "code")[:MOST_OPERATORS])
    if not active:
        return End(_("Mobile money is not available now. Please try later."))
    context.values.update(
        float_operators=[operator.pk for operator in active],
        float_operators_text="\n".join(
            f"{n}. {operator.name}" for n, operator in enumerate(active, start=1)
        ),
    )
    return Goto("agent.opfloat")


def parse_operator(context: Context, token: str) -> int:
    choices = context.values.get("float_operators", [])
    if not token.isdigit() or not 1 <= int(token) <= len(choices):
        raise InputError(_("Invalid choice. Try again."))
    operator = Operator.objects.get(pk=choices[int(token) - 1])
    context.values["operator_name"] = operator.name
    return operator.pk


def quote(context: Context, token: str) -> Goto:
    agent = context.assistant.store.agent
    context.values.update(
        amount_text=money(context.values["amount"]), phone_text=local_phone(agent.phone)
    )
    return Goto("agent.opfloat.confirm")


def buy_float(context: Context, pin: str) -> Goto | End:
    if (refused := check_pin(context, pin)) is not None:
        return refused
    try:
        agents.buy_float_from_operator(
            assistant=context.assistant,
            operator=Operator.objects.get(pk=context.values["operator_id"]),
            amount=context.values["amount"],
            idempotency_key=context.idempotency_key("operator-float"),
            channel="ussd",
        )
    except errors.LedgerError as error:
        return End(describe(error))
    return End(
        _(
            "Check your phone: enter your {operator} PIN to pay {amount}. You will get an SMS."
        ).format(operator=context.values["operator_name"], amount=context.values["amount_text"])
    )
