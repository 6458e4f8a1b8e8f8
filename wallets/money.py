"""The one module that turns text into amounts and back.

Amounts are `int` minor units everywhere else; `Decimal` appears only here.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from wallets.errors import InvalidAmount

# ISO 4217 minor-unit exponents for the currencies we serve; 2 unless listed.
MINOR_UNITS = {"UGX": 0, "RWF": 0, "XOF": 0, "XAF": 0, "BIF": 0, "KMF": 0, "GNF": 0}
SYMBOLS = {"KES": "KES", "TZS": "TZS", "UGX": "UGX", "NGN": "NGN", "GHS": "GHS", "RWF": "RWF"}


def exponent(currency: str) -> int:
    return MINOR_UNITS.get(currency, 2)


def parse_amount(text: str, currency: str) -> int:
    """'150.50' -> 15050 for KES. Refuses negatives, zero, too many decimals and garbage."""
    cleaned = text.strip().replace(",", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise InvalidAmount(f"'{text}' is not an amount.") from None
    if not value.is_finite() or value <= 0:
        raise InvalidAmount("Enter an amount greater than zero.")
    minor = value.scaleb(exponent(currency))
    if minor != minor.to_integral_value():
        raise InvalidAmount(f"{currency} amounts have at most {exponent(currency)} decimals.")
    return int(minor)


def format_amount(amount: int, currency: str) -> str:
    """15050 -> 'KES 150.50'; whole amounts drop the decimals: 15000 -> 'KES 150'."""
    places = exponent(currency)
    major = Decimal(amount).scaleb(-places)
    text = f"{major:,.{places}f}"
    if places and text.endswith("." + "0" * places):
        text = text[: -(places + 1)]
    return f"{SYMBOLS.get(currency, currency)} {text}"


def major_units(amount: int, currency: str) -> int:
    """Whole major units (for tariff tables written in shillings): 100 -> 10000 cents for KES."""
    return amount * 10 ** exponent(currency)
