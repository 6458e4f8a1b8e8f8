"""Menus for numbers that cannot use the customer menu yet.

- An unregistered number may open a wallet itself at the lowest KYC tier whose limits allow
  it (`TierLimit.open_by_phone`), giving its name, national ID number, date of birth and a
  new PIN; otherwise, or if it prefers, it is told to register at an agent.
- A customer registered at an agent has no PIN yet: on the first dial they prove who they
  are with their ID number and choose one.
- A customer whose PIN support reset has a one-time start PIN (by SMS): on the next dial they
  type it, then choose a new one with the first-PIN screens' texts. Until then the start PIN
  authorises nothing else (wallets.errors.PinMustChange).

A new PIN is checked for strength, kept as a hash until it is confirmed, and only the
confirming token (never stored) reaches `set_pin`.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from ussd.actions import keep_new_pin, pin_mismatch
from ussd.engine import Context, End, Engine, Goto, InputError, Screen, stay
from wallets import errors, services
from wallets.models.customers import IdType
from wallets.pins import check_pin_format, pin_matches
from wallets.services.pins import verify_pin_to_change

REGISTER, FIRST_PIN, START_PIN = "register", "first.id", "start.pin"
MAX_NAME = 40  # what the confirmation screen has room for; an agent can register longer ones


def parse_full_name(context: Context, token: str) -> str:
    name = " ".join(token.replace("_", " ").split())
    if len(name.split()) < 2 or not all(
        part.replace("-", "").replace("'", "").isalpha() for part in name.split()
    ):
        raise InputError(gettext("Enter your first and last name, in letters."))
    return name.title()[:MAX_NAME]


def parse_id_number(context: Context, token: str) -> str:
    if not token.isalnum() or not 6 <= len(token) <= 12:
        raise InputError(gettext("Enter the number on your ID card."))
    return token.upper()


def parse_birth_date(context: Context, token: str) -> str:
    try:
        if len(token) != 8 or not token.isdigit():
            raise ValueError(token)
        born = datetime.date(int(token[4:8]), int(token[2:4]), int(token[0:2]))
    except ValueError:
        raise InputError(gettext("Enter the date as 8 digits, like 31011990.")) from None
    today = timezone.localdate()
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    if age < settings.KYC_MIN_AGE or age > 120:
        raise InputError(
            gettext("You must be {age} or older to open a wallet.").format(age=settings.KYC_MIN_AGE)
        )
    context.values["born_text"] = f"{born:%d/%m/%Y}"
    return born.isoformat()


def switch_language(context: Context, token: str) -> Goto:
    """Registration starts in English; the caller can continue in Kiswahili (or back)."""
    language = "en" if translation.get_language() == "sw" else "sw"
    context.values["language"] = language
    translation.activate(language)  # the caller's override restores it after this hop
    return stay("")


def agent_registration_info(context: Context, token: str) -> End:
    return End(gettext("Visit any agent with your original ID to register. It is free."))


def register(context: Context, pin: str) -> Goto | End:
    if (mismatch := pin_mismatch(context, pin, "register.pin")) is not None:
        return mismatch
    tier = services.self_registration_tier(settings.DEFAULT_CURRENCY)
    if tier is None:
        return End(gettext("Visit any agent with your original ID to register. It is free."))
    values = context.values
    try:
        customer = services.register_customer(
            phone=context.phone,
            name=values["name"],
            language=values.get("language", translation.get_language() or "en"),
            kyc_tier=tier,
            id_type=IdType.NATIONAL_ID,
            id_number=values["id_number"],
            date_of_birth=datetime.date.fromisoformat(values["date_of_birth"]),
        )
    except errors.LedgerError as error:
        return End(gettext(error.text))
    services.set_pin(customer, pin)
    return End(
        gettext("Welcome {name}. Your wallet is open. Dial {code} to use it.").format(
            name=customer.name.split()[0], code=settings.USSD_SERVICE_CODE
        )
    )


def check_id_number(context: Context, token: str) -> Goto | End:
    """The first PIN is set only by whoever knows the ID number the agent registered. Wrong
    tries count on the customer's PIN counter, so a new session does not reset them."""
    try:
        services.verify_id_number(context.customer, token)
    except errors.WrongIdNumber as error:
        if error.attempts_left:
            return stay(gettext("That ID number does not match. Try again."))
        return End(gettext("That does not match. Please call customer care on 100."))
    except errors.PinLocked:
        return End(gettext(errors.PinLocked.message))
    return Goto("first.pin")


def set_first_pin(context: Context, pin: str) -> Goto | End:
    if (mismatch := pin_mismatch(context, pin, "first.pin")) is not None:
        return mismatch
    services.set_pin(context.customer, pin)
    return End(
        gettext("Your PIN is set. Dial {code} again to use your wallet.").format(
            code=settings.USSD_SERVICE_CODE
        )
    )


def check_start_pin(context: Context, pin: str) -> Goto | End:
    """The start PIN from support's SMS, counted on the same tries as any PIN."""
    try:
        check_pin_format(pin)
        verify_pin_to_change(context.customer, pin)
    except errors.InvalidPin:  # a typo that can never match does not cost a try
        return stay(gettext(errors.InvalidPin.message))
    except errors.WrongPin as error:
        if left := error.attempts_left:
            notice = ngettext(
                "Wrong PIN. {count} try left.", "Wrong PIN. {count} tries left.", left
            ).format(count=left)
            return stay(notice)
        return End(gettext("Wrong PIN. Your PIN is locked. Try again later or call 100."))
    except errors.PinLocked:
        return End(gettext("Your PIN is locked. Try again later or call customer care on 100."))
    return Goto("start.new")


def keep_pin_after_reset(context: Context, pin: str) -> Goto | End:
    """As for a first PIN, but not the start PIN again: that one stays readable in the SMS."""
    if pin_matches(context.customer.pin_hash, pin):
        return stay(gettext("Choose a PIN other than the start PIN."))
    return keep_new_pin("start.confirm")(context, pin)


def set_pin_after_reset(context: Context, pin: str) -> Goto | End:
    if (mismatch := pin_mismatch(context, pin, "start.new")) is not None:
        return mismatch
    services.set_pin(context.customer, pin)  # clears pin_must_change
    return End(
        gettext("Your PIN is set. Dial {code} again to use your wallet.").format(
            code=settings.USSD_SERVICE_CODE
        )
    )


REGISTRATION_SCREENS: dict[str, Screen] = {
    REGISTER: Screen(
        _(
            "Welcome. This number has no wallet.\n1. Register now\n2. Register at an agent\n"
            "3. Kiswahili"
        ),
        options={"1": "register.name", "2": agent_registration_info, "3": switch_language},
    ),
    "register.name": Screen(
        _("Register\nEnter your first and last name\n0. Back"),
        save_as="name",
        parse=parse_full_name,
        then="register.id",
    ),
    "register.id": Screen(
        _("Enter your national ID number\n0. Back"),
        save_as="id_number",
        parse=parse_id_number,
        then="register.born",
    ),
    "register.born": Screen(
        _("Enter your date of birth as DDMMYYYY\n0. Back"),
        save_as="date_of_birth",
        parse=parse_birth_date,
        then="register.check",
    ),
    "register.check": Screen(
        _("Register\n{name}\nID {id_number}\nBorn {born_text}\n1. Confirm\n0. Back"),
        options={"1": "register.pin"},
    ),
    "register.pin": Screen(
        _("Choose a 4-digit PIN\n0. Back"), secret=True, then=keep_new_pin("register.confirm")
    ),
    "register.confirm": Screen(_("Enter the new PIN again\n0. Back"), secret=True, then=register),
}

FIRST_PIN_SCREENS: dict[str, Screen] = {
    FIRST_PIN: Screen(
        _("Welcome {first_name}. To set your PIN, enter your ID number"),
        then=check_id_number,
    ),
    "first.pin": Screen(
        _("Choose a 4-digit PIN\n0. Back"), secret=True, then=keep_new_pin("first.confirm")
    ),
    "first.confirm": Screen(_("Enter the new PIN again\n0. Back"), secret=True, then=set_first_pin),
}

# The first-PIN screens' texts, after the start PIN instead of the ID number.
START_PIN_SCREENS: dict[str, Screen] = {
    START_PIN: Screen(
        _("Welcome {first_name}. Your PIN was reset. Enter the start PIN from your SMS"),
        secret=True,
        then=check_start_pin,
    ),
    "start.new": Screen(_("Choose a 4-digit PIN\n0. Back"), secret=True, then=keep_pin_after_reset),
    "start.confirm": Screen(
        _("Enter the new PIN again\n0. Back"), secret=True, then=set_pin_after_reset
    ),
}

REGISTRATION_MENU = Engine(REGISTRATION_SCREENS, REGISTER)
FIRST_PIN_MENU = Engine(FIRST_PIN_SCREENS, FIRST_PIN)
START_PIN_MENU = Engine(START_PIN_SCREENS, START_PIN)
