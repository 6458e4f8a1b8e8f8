"""What the customer menu does: parse inputs and call `wallets.services`.

Each action gets the session's values and the token just typed; a PIN token is used here
and never stored. Money moves with an idempotency key made of the session and the hop, so a
retried hop that reaches an action again returns the first result.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.conf import settings
from django.utils import translation
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ussd.airtime import conf as airtime_conf
from ussd.engine import Action, Context, End, Goto, InputError, screen_room, stay
from ussd.sms.receipts import local_phone
from wallets import errors, services
from wallets.models import Customer
from wallets.models.rules import TariffKind
from wallets.money import format_amount, format_plain, parse_amount
from wallets.phones import normalize_phone
from wallets.pins import check_pin_format, check_pin_strength, hash_pin, pin_matches

MINI_STATEMENT_LINES = 5
NAME_ON_SCREEN = 30
SMS_SESSION_PREFIX = "sms:"


def channel_of(context: Context) -> str:
    """The channel a posting is recorded under: an SMS conversation (ussd.sms.inbound names
    them "sms:...") or a USSD session."""
    return "sms" if context.session_key.startswith(SMS_SESSION_PREFIX) else "ussd"


def money(amount: int) -> str:
    return format_amount(amount, settings.DEFAULT_CURRENCY)


def typed_phone(token: str) -> str:
    """A phone number as typed on a screen, in E.164; a readable notice if it is not one."""
    try:
        return normalize_phone(token)
    except errors.InvalidPhoneNumber:
        raise InputError(_("That is not a valid phone number.")) from None


def parse_recipient(context: Context, token: str) -> str:
    phone = typed_phone(token)
    if phone == context.phone:
        raise InputError(_("You cannot send money to yourself."))
    recipient = Customer.objects.filter(phone=phone).first()
    if recipient is None:
        raise InputError(_("{phone} is not registered.").format(phone=phone))
    context.values["recipient_name"] = short_name(recipient.name.upper())
    return phone


def short_name(name: str, limit: int = NAME_ON_SCREEN) -> str:
    """A name can be 120 characters; the confirmation screen has room for about 30."""
    if len(name) <= limit:
        return name
    cut = name[: limit + 1].rsplit(" ", 1)[0]  # at a word end where there is one
    return (cut if " " in name[:limit] else name[:limit]).strip()


def parse_money(context: Context, token: str) -> int:
    try:
        return parse_amount(token, settings.DEFAULT_CURRENCY)
    except errors.InvalidAmount:
        raise InputError(_("Enter an amount in shillings, like 500.")) from None


def quote_send(context: Context, token: str) -> Goto:
    """Show the fee before the PIN, as the tariff will charge it."""
    amount = context.values["amount"]
    try:
        fee = services.fee_for(TariffKind.SEND_MONEY, settings.DEFAULT_CURRENCY, amount)
    except errors.NoTariff:
        return Goto("send.amount", _("That amount is over the limit."), push=False)
    context.values.update(amount_text=money(amount), fee_text=money(fee))
    return Goto("send.confirm")


def send_money(context: Context, pin: str) -> Goto | End:
    customer = context.customer
    if (refused := check_pin(context, pin)) is not None:
        return refused
    try:
        # One query for the recipient's wallet (with the customer), not one for each.
        recipient = services.customer_wallet(context.values["recipient"], settings.DEFAULT_CURRENCY)
        sent = services.send_money(
            sender=customer.wallet(),
            recipient=recipient,
            amount=context.values["amount"],
            idempotency_key=context.idempotency_key("send"),
            channel="ussd",
            initiator=f"ussd:{customer.phone}",
        )
    except errors.LedgerError as error:
        return End(_(error.text))
    return End(
        _("{reference} Confirmed. {amount} sent to {name}. Fee {fee}. You will get an SMS.").format(
            reference=sent.reference,
            amount=money(sent.amount),
            name=context.values["recipient_name"],
            fee=money(sent.fee),
        )
    )


def airtime_for_me(context: Context, token: str) -> Goto:
    context.values.update(airtime_phone=context.phone, airtime_number=local_phone(context.phone))
    return Goto("airtime.amount")


def parse_airtime_phone(context: Context, token: str) -> str:
    phone = typed_phone(token)
    context.values["airtime_number"] = local_phone(phone)
    return phone


def parse_airtime_amount(context: Context, token: str) -> int:
    amount = parse_money(context, token)
    low, high = airtime_conf.min_amount(), airtime_conf.max_amount()
    if not low <= amount <= high:
        raise InputError(
            _("Airtime is from {minimum} to {maximum}.").format(
                minimum=money(low), maximum=money(high)
            )
        )
    context.values["amount_text"] = money(amount)
    return amount


def buy_airtime(context: Context, pin: str) -> Goto | End:
    """Debit the wallet now; Africa's Talking is asked after commit, and a failure refunds."""
    customer = context.customer
    if (refused := check_pin(context, pin)) is not None:
        return refused
    try:
        services.buy_airtime(
            wallet=customer.wallet(),
            phone=context.values["airtime_phone"],
            amount=context.values["amount"],
            idempotency_key=context.idempotency_key("airtime"),
            channel="ussd",
            initiator=f"ussd:{customer.phone}",
        )
    except errors.LedgerError as error:
        return End(_(error.text))
    return End(_("Airtime request received. You will get an SMS."))


def show_balance(context: Context, pin: str) -> Goto | End:
    if (refused := check_pin(context, pin)) is not None:
        return refused
    wallet = context.customer.wallet()
    return End(
        _("Balance {balance}. Available {available}.").format(
            balance=money(wallet.balance), available=money(wallet.available)
        )
    )


def show_statement(context: Context, pin: str) -> Goto | End:
    if (refused := check_pin(context, pin)) is not None:
        return refused
    lines = services.statement(context.customer.wallet(), limit=MINI_STATEMENT_LINES)
    if not lines:
        return End(_("No transactions yet."))
    currency = settings.DEFAULT_CURRENCY
    rows = [
        f"{line.reference} {localtime(line.created_at):%d/%m} "
        f"{'+' if line.amount > 0 else '-'}{format_plain(abs(line.amount), currency)}"
        for line in lines
    ]
    balance = _("Balance {balance}").format(balance=money(lines[0].balance_after))
    return End(fit_rows(rows, balance))


def fit_rows(rows: list[str], footer: str) -> str:
    """Rows (newest first) and a footer on one screen: big amounts show fewer rows rather
    than overflow it."""
    rows = list(rows)
    while len(rows) > 1 and len("\n".join([*rows, footer])) > screen_room():
        rows.pop()
    return "\n".join([*rows, footer])


def check_old_pin(context: Context, pin: str) -> Goto | End:
    if (refused := check_pin(context, pin)) is not None:
        return refused
    return Goto("pin.new")


def keep_new_pin(then: str) -> Action:
    """An action that checks a chosen PIN's strength and keeps its hash, then goes to `then`
    (where the PIN is typed again). The date of birth comes from the customer, or from the
    registration being filled in."""

    def keep(context: Context, pin: str) -> Goto:
        born = context.values.get("date_of_birth")
        if born is None and context.customer is not None:
            born = context.customer.date_of_birth
        try:
            check_pin_strength(
                pin,
                date_of_birth=datetime.date.fromisoformat(born) if isinstance(born, str) else born,
            )
        except errors.PinError as error:
            return stay(_(error.text))
        context.values["new_pin_hash"] = hash_pin(pin)  # a hash, never the PIN itself
        return Goto(then)

    return keep


def pin_mismatch(context: Context, pin: str, retry: str) -> Goto | None:
    """None if `pin` repeats the kept new PIN; otherwise back to `retry` to choose again."""
    stored = context.values.pop("new_pin_hash", "")
    if not stored or not pin_matches(stored, pin):
        return Goto(retry, _("The PINs did not match."), push=False)
    return None


def change_pin(context: Context, pin: str) -> Goto | End:
    if (mismatch := pin_mismatch(context, pin, "pin.new")) is not None:
        return mismatch
    services.set_pin(context.customer, pin)
    return End(_("Your PIN has been changed."))


def choose_language(code: str) -> Callable[[Context, str], End]:
    def choose(context: Context, token: str) -> End:
        services.set_language(context.customer, code)
        context.values["language"] = code
        with translation.override(code):  # confirm in the language just chosen
            return End(_("Your language has been changed."))

    return choose


def check_pin(context: Context, pin: str) -> Goto | End | None:
    """None if the PIN of whoever dials (the customer; in the agent menu, the assistant) is
    right; otherwise the screen to show (tries left, or locked)."""
    try:
        check_pin_format(pin)
    except errors.InvalidPin:  # a typo that can never match does not cost a try
        return stay(_(errors.InvalidPin.message))
    try:
        services.verify_pin(context.assistant or context.customer, pin)
    except errors.WrongPin as error:
        if error.attempts_left:
            left = error.attempts_left
            notice = ngettext(
                "Wrong PIN. {count} try left.", "Wrong PIN. {count} tries left.", left
            ).format(count=left)
            return stay(notice)
        return End(_("Wrong PIN. Your PIN is locked. Try again later or call 100."))
    except errors.PinLocked:
        return End(_("Your PIN is locked. Try again later or call customer care on 100."))
    except errors.PinNotSet:
        return End(_("You have no PIN yet. Visit an agent with your ID to set it."))
    return None
