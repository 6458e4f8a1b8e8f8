"""Wire formats shared by the adapters: phones, amounts and JSON read without floats.

Operators write amounts as JSON numbers of major units (Daraja: `"Amount": 1.00`) or as
decimal strings (MoMo: `"amount": "100.50"`). JSON is parsed with every fractional number
kept as its text (`JsonNumber`), so an amount becomes minor units by exact digit arithmetic:
no float, and no `Decimal` outside `wallets/money.py`.
"""

from __future__ import annotations

import json
import re
from typing import Any

from wallets.money import exponent

E164 = re.compile(r"\+[1-9][0-9]{6,14}")
MSISDN = re.compile(r"[1-9][0-9]{6,14}")
MAJOR = re.compile(r"(-?)([0-9]+)(?:\.([0-9]+))?")


class JsonNumber(str):
    """A JSON number with a fraction or exponent, kept as written ("1.00", "1e3")."""

    __slots__ = ()


def read_json(body: bytes | str) -> Any:
    """Parse JSON, keeping fractional numbers as `JsonNumber` text; ValueError if not JSON."""
    return json.loads(body, parse_float=JsonNumber)


def msisdn(phone: str) -> str:
    """E.164 '+254712345678' -> '254712345678', as Daraja and MoMo want it."""
    if not isinstance(phone, str) or not E164.fullmatch(phone):
        raise ValueError(f"Phone {phone!r} is not in E.164 form (+254712345678).")
    return phone[1:]


def e164(value: object) -> str:
    """An operator's '254712345678' (a string or a JSON number) -> '+254712345678'."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError(f"Phone {value!r} is not a phone number.")
    digits = str(value).strip().removeprefix("+")
    if not MSISDN.fullmatch(digits):
        raise ValueError(f"Phone {value!r} is not a phone number.")
    return "+" + digits


def minor_units(value: object, currency: str) -> int:
    """An operator's amount in major units (1, "1.00", 1.50 as text) -> minor units.

    Refuses booleans, floats that were not read as `JsonNumber`, exponents, and more decimals
    than the currency has (unless they are zeros)."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError(f"Amount {value!r} is not a number.")
    match = MAJOR.fullmatch(str(value).strip())
    if match is None:
        raise ValueError(f"Amount {value!r} is not a number.")
    sign, whole, fraction = match.group(1), match.group(2), (match.group(3) or "").rstrip("0")
    places = exponent(currency)
    if len(fraction) > places:
        raise ValueError(f"Amount {value!r} has more decimals than {currency} allows.")
    amount = int(whole) * 10**places + int(fraction.ljust(places, "0") or "0")
    return -amount if sign else amount


def decimal_text(amount: int, currency: str) -> str:
    """Minor units as a decimal string: 15050 -> '150.50', 15000 -> '150' (KES)."""
    places = exponent(currency)
    whole, fraction = divmod(amount, 10**places)
    return str(whole) if fraction == 0 else f"{whole}.{fraction:0{places}d}"


def whole_units(amount: int, currency: str) -> int:
    """Minor units as whole major units (Daraja moves no cents): ValueError on a fraction."""
    places = exponent(currency)
    whole, fraction = divmod(amount, 10**places)
    if fraction:
        raise ValueError(
            f"{currency} {decimal_text(amount, currency)} has cents; this operator moves whole "
            "units only."
        )
    return whole


def check_amount(amount: int) -> None:
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise ValueError(f"Amount {amount!r} must be a positive int of minor units.")


def text(value: object) -> str:
    """A JSON scalar as text for a detail line ('' for None)."""
    return "" if value is None else str(value)
