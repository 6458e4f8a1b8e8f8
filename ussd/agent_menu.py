"""The agent menu, as data: what an assistant sees when they dial the same code.

    1 Cash in   2 Cash out with a code   3 Register a customer   4 Float and commission
    (4 -> 6 buys float from the agent's own M-Pesa or MoMo)   5 End-of-day cash count

Each operation ends with the assistant's PIN; the customer's name is shown before it.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ussd import agent_actions as act
from ussd import agent_mobile_money as mobile_money
from ussd.actions import keep_new_pin, parse_money
from ussd.engine import Engine, Screen
from ussd.mobile_money import parse_amount as parse_operator_amount
from ussd.registration import parse_birth_date, parse_full_name, parse_id_number

AGENT_HOME = "agent"

AGENT_SCREENS: dict[str, Screen] = {
    AGENT_HOME: Screen(
        _(
            "{agent_name} store {store_number}\n1. Cash in\n2. Cash out with code\n"
            "3. Register customer\n4. Float and commission\n5. Cash count"
        ),
        options={
            "1": "agent.cashin.phone",
            "2": "agent.code.phone",
            "3": "agent.register.phone",
            "4": "agent.account",
            "5": "agent.count.amount",
        },
    ),
    "agent.cashin.phone": Screen(
        _("Cash in\nEnter the customer's phone number\n0. Back"),
        save_as="customer_phone",
        parse=act.parse_customer_phone,
        then="agent.cashin.amount",
    ),
    "agent.cashin.amount": Screen(
        _("Cash in for {customer_name}\nEnter amount\n0. Back"),
        save_as="amount",
        parse=parse_money,
        then=act.quote_cash_in,
    ),
    "agent.cashin.id": Screen(
        _("Enter the ID number on {customer_name}'s ID card\n0. Back"),
        save_as="id_number",
        parse=parse_id_number,
        then="agent.cashin.confirm",
    ),
    "agent.cashin.confirm": Screen(
        _("Deposit {amount_text} to {customer_name} {customer_number}?\nEnter agent PIN\n0. Back"),
        secret=True,
        then=act.cash_in,
    ),
    "agent.code.phone": Screen(
        _("Cash out with code\nEnter the customer's phone number\n0. Back"),
        save_as="customer_phone",
        parse=act.parse_customer_phone,
        then="agent.code.amount",
    ),
    "agent.code.amount": Screen(
        _("Cash out for {customer_name}\nEnter amount\n0. Back"),
        save_as="amount",
        parse=parse_money,
        then=act.quote_code_cash_out,
    ),
    "agent.code.pin": Screen(
        _("Pay {amount_text} cash to {customer_name}? Fee {fee_text}\nEnter agent PIN\n0. Back"),
        secret=True,
        then=act.check_agent_pin,
    ),
    "agent.code.code": Screen(
        _("Enter the customer's withdrawal code\n0. Back"), secret=True, then=act.code_cash_out
    ),
    "agent.register.phone": Screen(
        _("Register customer\nEnter their phone number\n0. Back"),
        save_as="customer_phone",
        parse=act.parse_new_customer_phone,
        then="agent.register.name",
    ),
    "agent.register.name": Screen(
        _("Enter their first and last name\n0. Back"),
        save_as="name",
        parse=parse_full_name,
        then="agent.register.id",
    ),
    "agent.register.id": Screen(
        _("Enter their national ID number\n0. Back"),
        save_as="id_number",
        parse=parse_id_number,
        then="agent.register.born",
    ),
    "agent.register.born": Screen(
        _("Enter their date of birth as DDMMYYYY\n0. Back"),
        save_as="date_of_birth",
        parse=parse_birth_date,
        then="agent.register.confirm",
    ),
    "agent.register.confirm": Screen(
        _("Register {name}\nID {id_number}, born {born_text}?\nEnter agent PIN\n0. Back"),
        secret=True,
        then=act.register_customer,
    ),
    "agent.account": Screen(
        # Translators: keep it as short: with a notice line above it, the screen must still fit
        # one page. Option 4 buys float from the head office, 6 from the agent's own M-Pesa.
        _(
            "Float\n1. Balances\n2. Mini statement\n3. Commission to float\n4. Buy float\n"
            "5. Return float\n6. Buy by mobile money\n0. Back"
        ),
        options={
            "1": "agent.balances",
            "2": "agent.statement",
            "3": act.choose_float_operation("commission"),
            "4": act.choose_float_operation("buy"),
            "5": act.choose_float_operation("return"),
            "6": mobile_money.list_operators,
        },
    ),
    "agent.opfloat": Screen(
        _("Buy float by mobile money\n{float_operators_text}\n0. Back"),
        save_as="operator_id",
        parse=mobile_money.parse_operator,
        then="agent.opfloat.amount",
    ),
    "agent.opfloat.amount": Screen(
        _("Buy float from your {operator_name}\nEnter amount\n0. Back"),
        save_as="amount",
        parse=parse_operator_amount,
        then=mobile_money.quote,
    ),
    "agent.opfloat.confirm": Screen(
        _("Buy float {amount_text} from {operator_name} {phone_text}?\nEnter agent PIN\n0. Back"),
        secret=True,
        then=mobile_money.buy_float,
    ),
    "agent.balances": Screen(
        _("Balances\nEnter agent PIN\n0. Back"), secret=True, then=act.show_balances
    ),
    "agent.statement": Screen(
        _("Mini statement\nEnter agent PIN\n0. Back"), secret=True, then=act.show_statement
    ),
    "agent.float.amount": Screen(
        _("Enter amount\n0. Back"), save_as="amount", parse=parse_money, then=act.quote_float
    ),
    "agent.float.confirm": Screen(
        _("{operation_text} {amount_text}?\nEnter agent PIN\n0. Back"),
        secret=True,
        then=act.move_float,
    ),
    "agent.count.amount": Screen(
        _("Cash count\nEnter the cash counted in the till\n0. Back"),
        save_as="amount",
        parse=act.parse_cash_count,
        then=act.quote_count,
    ),
    "agent.count.confirm": Screen(
        _("Record {amount_text} as today's count?\nEnter agent PIN\n0. Back"),
        secret=True,
        then=act.count_cash,
    ),
}

AGENT_MENU = Engine(AGENT_SCREENS, AGENT_HOME)

AGENT_FIRST_PIN_SCREENS: dict[str, Screen] = {
    "agent.first.pin": Screen(
        _("Welcome {first_name}. Choose a 4-digit agent PIN\n0. Back"),
        secret=True,
        then=keep_new_pin("agent.first.confirm"),
    ),
    "agent.first.confirm": Screen(
        _("Enter the new PIN again\n0. Back"), secret=True, then=act.set_first_pin
    ),
}

AGENT_FIRST_PIN_MENU = Engine(AGENT_FIRST_PIN_SCREENS, "agent.first.pin")
