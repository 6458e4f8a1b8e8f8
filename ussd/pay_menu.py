"""The customer menu's Pay screens (home 4), as data; `ussd/menu.py` merges them in.

    4 Pay   1 Buy goods (till)   2 Pay bill   3 Pending requests   4 Standing payments

Its numbers never change either: SMS notices dial *384*4*3# (pending requests) and
*384*4*4*2# (standing payments to approve) straight from a message.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ussd import account_actions, actions, mandate_actions, merchant_actions
from ussd.engine import Screen

# "Let the merchant take..." before the PIN: when a customer sets a mandate up, and when they
# approve one a partner asked for.
MANDATE_TERMS = _(
    "Allow {merchant_name}:\n{cap_text} a payment\n{daily_text} a day\nuntil {ends_text}\n"
    "Enter PIN\n0. Back"
)

PAY_AMOUNT = Screen(
    _("Pay {merchant_name}\nEnter amount\n0. Back"),
    save_as="amount",
    parse=actions.parse_money,
    then=merchant_actions.quote_payment,
)

PAY_SCREENS: dict[str, Screen] = {
    "pay": Screen(
        _(
            "Pay\n1. Buy goods (till)\n2. Pay bill\n3. Pending requests\n4. Standing payments\n"
            "0. Back"
        ),
        options={
            "1": "pay.till",
            "2": "pay.bill",
            "3": account_actions.list_requests,  # the same list as My account → 6
            "4": "mandates",
        },
    ),
    "pay.till": Screen(
        _("Buy goods\nEnter till number\n0. Back"),
        save_as="point_number",
        parse=merchant_actions.parse_till,
        then="pay.till.amount",
    ),
    "pay.bill": Screen(
        _("Pay bill\nEnter business number\n0. Back"),
        save_as="point_number",
        parse=merchant_actions.parse_paybill,
        then="pay.account",
    ),
    "pay.account": Screen(
        _("Pay {merchant_name}\nEnter account number\n0. Back"),
        save_as="account_reference",
        parse=merchant_actions.parse_account,
        then="pay.bill.amount",
    ),
    # Two amount screens alike, so that `0` on each confirmation leads back along its own way.
    "pay.till.amount": PAY_AMOUNT,
    "pay.bill.amount": PAY_AMOUNT,
    "pay.till.confirm": Screen(
        _(
            "Pay {amount_text} to {merchant_name} till {point_number}?\nFee {fee_text}\n"
            "Enter PIN\n0. Back"
        ),
        secret=True,
        then=merchant_actions.pay,
    ),
    "pay.bill.confirm": Screen(
        _(
            "Pay {amount_text} to {merchant_name} account {account_reference}?\n"
            "Fee {fee_text}\nEnter PIN\n0. Back"
        ),
        secret=True,
        then=merchant_actions.pay,
    ),
    "mandates": Screen(
        _("Standing payments\n1. Set up a new one\n2. My standing payments\n0. Back"),
        options={"1": "mandate.to", "2": mandate_actions.list_mandates},
    ),
    "mandate.to": Screen(
        _(
            "New standing payment\nEnter the till or pay-bill number, or the business's phone\n"
            "0. Back"
        ),
        save_as="merchant_id",
        parse=mandate_actions.parse_merchant,
        then="mandate.cap",
    ),
    "mandate.cap": Screen(
        _("Standing payment to {merchant_name}\nMost per payment\nEnter amount\n0. Back"),
        save_as="max_per_payment",
        parse=mandate_actions.parse_cap,
        then="mandate.daily",
    ),
    "mandate.daily": Screen(
        _("Most per day\nEnter amount\n0. Back"),
        save_as="max_daily",
        parse=mandate_actions.parse_daily_cap,
        then="mandate.months",
    ),
    "mandate.months": Screen(
        _("For how long?\n1. 1 month\n2. 3 months\n3. 6 months\n4. 12 months\n0. Back"),
        options={
            "1": mandate_actions.lasting(1),
            "2": mandate_actions.lasting(3),
            "3": mandate_actions.lasting(6),
            "4": mandate_actions.lasting(12),
        },
    ),
    "mandate.confirm": Screen(MANDATE_TERMS, secret=True, then=mandate_actions.set_up),
    "mandate.list": Screen(
        _("My standing payments\n{mandates_text}\n0. Back"),
        save_as="mandate",
        parse=mandate_actions.parse_mandate_choice,
        then=mandate_actions.open_mandate,
    ),
    "mandate.active": Screen(
        _(
            "{merchant_name}:\n{cap_text} a payment\n{daily_text} a day\nuntil {ends_text}\n"
            "1. Cancel it\n0. Back"
        ),
        options={"1": "mandate.cancel"},
    ),
    "mandate.cancel": Screen(
        _("Cancel the standing payment to {merchant_name}?\n1. Yes, cancel it\n0. Back"),
        options={"1": mandate_actions.cancel},
    ),
    "mandate.pending": Screen(
        # Translators: {note} is the business's description and its line break, or nothing.
        _("{merchant_name} asks for a standing payment\n{note}1. Approve\n2. Decline\n0. Back"),
        options={"1": "mandate.approve", "2": mandate_actions.decline},
    ),
    "mandate.approve": Screen(MANDATE_TERMS, secret=True, then=mandate_actions.approve),
}
