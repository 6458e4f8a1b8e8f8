"""The customer menu, as data. Numbering follows M-Pesa's and never changes between releases
(people dial shortcuts like *384*1#): an option that is not offered yet keeps its number free.

    1 Send money   2 Withdraw cash (agents)   3 Buy airtime   4 Pay merchant   5 My account
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ussd import actions
from ussd.engine import Engine, Screen

HOME = "home"

MENU: dict[str, Screen] = {
    HOME: Screen(
        _("Welcome {first_name}\n1. Send money\n3. Buy airtime\n5. My account"),
        options={"1": "send.to", "3": "airtime", "5": "account"},
    ),
    "send.to": Screen(
        _("Send money\nEnter phone number\n0. Back"),
        save_as="recipient",
        parse=actions.parse_recipient,
        then="send.amount",
    ),
    "send.amount": Screen(
        _("Send to {recipient_name}\nEnter amount\n0. Back"),
        save_as="amount",
        parse=actions.parse_money,
        then=actions.quote_send,
    ),
    "send.confirm": Screen(
        _(
            "Send {amount_text} to {recipient_name} {recipient}?\n"
            "Fee {fee_text}\nEnter PIN\n0. Back"
        ),
        secret=True,
        then=actions.send_money,
    ),
    "airtime": Screen(
        _("Buy airtime\n1. For my number\n2. For another number\n0. Back"),
        options={"1": actions.airtime_for_me, "2": "airtime.phone"},
    ),
    "airtime.phone": Screen(
        _("Buy airtime\nEnter phone number\n0. Back"),
        save_as="airtime_phone",
        parse=actions.parse_airtime_phone,
        then="airtime.amount",
    ),
    "airtime.amount": Screen(
        _("Airtime for {airtime_number}\nEnter amount\n0. Back"),
        save_as="amount",
        parse=actions.parse_airtime_amount,
        then="airtime.confirm",
    ),
    "airtime.confirm": Screen(
        _("Buy {amount_text} airtime for {airtime_number}?\nEnter PIN\n0. Back"),
        secret=True,
        then=actions.buy_airtime,
    ),
    "account": Screen(
        _("My account\n1. Balance\n2. Mini statement\n3. Change PIN\n4. Language\n0. Back"),
        options={"1": "balance.pin", "2": "statement.pin", "3": "pin.old", "4": "language"},
    ),
    "balance.pin": Screen(_("Balance\nEnter PIN\n0. Back"), secret=True, then=actions.show_balance),
    "statement.pin": Screen(
        _("Mini statement\nEnter PIN\n0. Back"), secret=True, then=actions.show_statement
    ),
    "pin.old": Screen(
        _("Change PIN\nEnter your current PIN\n0. Back"), secret=True, then=actions.check_old_pin
    ),
    "pin.new": Screen(
        _("Enter a new 4-digit PIN\n0. Back"), secret=True, then=actions.keep_new_pin
    ),
    "pin.confirm": Screen(
        _("Enter the new PIN again\n0. Back"), secret=True, then=actions.change_pin
    ),
    "language": Screen(
        _("Language / Lugha\n1. English\n2. Kiswahili\n0. Back"),
        options={"1": actions.choose_language("en"), "2": actions.choose_language("sw")},
    ),
}

CUSTOMER_MENU = Engine(MENU, HOME)
