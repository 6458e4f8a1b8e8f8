"""The customer menu, as data. Numbering follows M-Pesa's and never changes between releases
(people dial shortcuts like *384*1#): an option that is not offered yet keeps its number free.

    1 Send money   2 Withdraw cash   3 Buy airtime   4 Pay (merchants: ussd/pay_menu.py)
    5 My account   6 M-Pesa and MoMo (top up from them, send to them)
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ussd import account_actions, actions, mobile_money, withdraw_actions
from ussd.engine import Engine, Screen
from ussd.pay_menu import PAY_SCREENS

HOME = "home"

MENU: dict[str, Screen] = {
    HOME: Screen(
        _(
            "Welcome {first_name}\n1. Send money\n2. Withdraw cash\n3. Buy airtime\n4. Pay\n"
            "5. My account\n6. M-Pesa and MoMo"
        ),
        options={
            "1": "send.to",
            "2": "withdraw",
            "3": "airtime",
            "4": "pay",
            "5": "account",
            "6": mobile_money.list_operators,
        },
    ),
    "mm": Screen(
        _("Mobile money\n{mm_text}\n0. Back"),
        save_as="direction",
        parse=mobile_money.parse_choice,
        then=mobile_money.to_amount,
    ),
    "mm.in.amount": Screen(
        _("{mm_title}\nEnter amount\n0. Back"),
        save_as="amount",
        parse=mobile_money.parse_amount,
        then=mobile_money.quote,
    ),
    "mm.out.amount": Screen(
        _("{mm_title}\nEnter amount\n0. Back"),
        save_as="amount",
        parse=mobile_money.parse_amount,
        then=mobile_money.quote,
    ),
    "mm.topup.confirm": Screen(
        _("Top up {amount_text} from {operator_name} {phone_text}?\n1. Yes\n0. Back"),
        options={"1": mobile_money.top_up},
    ),
    "mm.out.confirm": Screen(
        _(
            "Send {amount_text} to your {operator_name} {phone_text}?\nFee {fee_text}\n"
            "Enter PIN\n0. Back"
        ),
        secret=True,
        then=mobile_money.send_out,
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
    "withdraw": Screen(
        _("Withdraw cash\n1. From agent\n2. Get a code for the agent\n0. Back"),
        options={"1": "withdraw.agent", "2": "withdraw.code.amount"},
    ),
    "withdraw.agent": Screen(
        _("Withdraw cash\nEnter agent number\n0. Back"),
        save_as="agent_number",
        parse=withdraw_actions.parse_agent_number,
        then="withdraw.store",
    ),
    "withdraw.store": Screen(
        _("Enter store number\n0. Back"),
        save_as="store_number",
        parse=withdraw_actions.parse_store_number,
        then="withdraw.amount",
    ),
    "withdraw.amount": Screen(
        _("Withdraw at {agent_name}\nEnter amount\n0. Back"),
        save_as="amount",
        parse=actions.parse_money,
        then=withdraw_actions.quote_withdrawal,
    ),
    "withdraw.confirm": Screen(
        _(
            "Withdraw {amount_text} from {agent_name} store {store_number}?\n"
            "Fee {fee_text}\nEnter PIN\n0. Back"
        ),
        secret=True,
        then=withdraw_actions.withdraw,
    ),
    "withdraw.code.amount": Screen(
        _("Withdrawal code for an agent\nEnter the amount to withdraw\n0. Back"),
        save_as="amount",
        parse=actions.parse_money,
        then=withdraw_actions.quote_code,
    ),
    "withdraw.code.confirm": Screen(
        _("Code to withdraw {amount_text} at any agent?\nFee {fee_text}\nEnter PIN\n0. Back"),
        secret=True,
        then=withdraw_actions.withdrawal_code,
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
        _(
            "My account\n1. Balance\n2. Mini statement\n3. Change PIN\n4. Language\n"
            "5. Reverse a transaction\n6. Pending requests\n0. Back"
        ),
        options={
            "1": "balance.pin",
            "2": "statement.pin",
            "3": "pin.old",
            "4": "language",
            "5": "reverse.ref",
            # Payment requests and reversal requests asked of the customer; SMS notices dial
            # it directly (*384*5*6#).
            "6": account_actions.list_requests,
        },
    ),
    "reverse.ref": Screen(
        _("Reverse a transaction\nEnter the reference from your SMS\n0. Back"),
        save_as="reference",
        parse=account_actions.parse_reversal_reference,
        then="reverse.confirm",
    ),
    "reverse.confirm": Screen(
        _(
            "Reverse {reference}: {amount_text} to {recipient_name} on {sent_on}?\n"
            "Enter PIN\n0. Back"
        ),
        secret=True,
        then=account_actions.request_reversal,
    ),
    "reversal.answer": Screen(
        _(
            "{sender_name} asks for {held_text} back. Answer by {deadline_text} or it goes back."
            "\n1. Agree\n2. Dispute\n0. Back"
        ),
        options={"1": "reversal.agree", "2": "reversal.dispute"},
    ),
    "reversal.agree": Screen(
        _("Return {held_text} to {sender_name}?\nEnter PIN\n0. Back"),
        secret=True,
        then=account_actions.agree_to_reversal,
    ),
    "reversal.dispute": Screen(
        _("Dispute and keep {held_text}?\nEnter PIN\n0. Back"),
        secret=True,
        then=account_actions.dispute,
    ),
    "requests": Screen(
        _("Pending requests\n{requests_text}\n0. Back"),
        save_as="request",
        parse=account_actions.parse_request_choice,
        then=account_actions.open_request,
    ),
    "request.answer": Screen(
        # Translators: {note} is the requester's note and its line break, or nothing.
        _("{requester} asks for {amount_text}\n{note}1. Pay\n2. Decline\n0. Back"),
        options={"1": account_actions.quote_request, "2": account_actions.decline_request},
    ),
    "request.confirm": Screen(
        _("Pay {amount_text} to {requester}?\nFee {fee_text}\nEnter PIN\n0. Back"),
        secret=True,
        then=account_actions.pay_request,
    ),
    "balance.pin": Screen(_("Balance\nEnter PIN\n0. Back"), secret=True, then=actions.show_balance),
    "statement.pin": Screen(
        _("Mini statement\nEnter PIN\n0. Back"), secret=True, then=actions.show_statement
    ),
    "pin.old": Screen(
        _("Change PIN\nEnter your current PIN\n0. Back"), secret=True, then=actions.check_old_pin
    ),
    "pin.new": Screen(
        _("Enter a new 4-digit PIN\n0. Back"), secret=True, then=actions.keep_new_pin("pin.confirm")
    ),
    "pin.confirm": Screen(
        _("Enter the new PIN again\n0. Back"), secret=True, then=actions.change_pin
    ),
    "language": Screen(
        _("Language / Lugha\n1. English\n2. Kiswahili\n0. Back"),
        options={"1": actions.choose_language("en"), "2": actions.choose_language("sw")},
    ),
    **PAY_SCREENS,
}

CUSTOMER_MENU = Engine(MENU, HOME)
