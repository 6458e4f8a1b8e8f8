"""Phone numbers: every wallet is keyed by an E.164 number parsed with `phonenumbers`."""

from __future__ import annotations

import re

import phonenumbers
from django.conf import settings

from wallets.errors import InvalidPhoneNumber

PHONE = re.compile(r"\+?[0-9(][0-9 ().-]*")
SEPARATORS = re.compile(r"[ ().-]")


def normalize_phone(text: str, region: str | None = None) -> str:
    """'0712 345 678', '254712345678' or '+254712345678' -> '+254712345678'."""
    raw = (text or "").strip()
    # phonenumbers reads letters as keypad digits ('0712ABC678' -> +254712222678) and drops
    # extensions: either would pay a different person, so only digits and separators pass.
    if not PHONE.fullmatch(raw):
        raise InvalidPhoneNumber(f"'{text}' is not a valid phone number.")
    digits = SEPARATORS.sub("", raw)
    if digits.isdigit() and len(digits) > 10 and not digits.startswith("0"):
        raw = "+" + digits  # international format typed without the plus, as on feature phones
    try:
        number = phonenumbers.parse(raw, region or settings.PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        raise InvalidPhoneNumber(f"'{text}' is not a valid phone number.") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhoneNumber(f"'{text}' is not a valid phone number.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_phone(value: str) -> None:
    """Model-field validator: the stored value must already be E.164."""
    from django.core.exceptions import ValidationError

    try:
        normalized = normalize_phone(value)
    except InvalidPhoneNumber as error:
        raise ValidationError(error.text) from None
    if normalized != value:
        raise ValidationError(f"Store phone numbers in E.164 form ({normalized}).")
