"""The one module that turns text into amounts and back.

Amounts are `int` minor units everywhere else; `Decimal` appears only here.
"""

from __future__ import annotations

import re
from decimal import Decimal

from wallets.errors import InvalidAmount

# ISO 4217 minor-unit exponents for the currencies we serve; 2 unless listed.
MINOR_UNITS = {"UGX": 0, "RWF": 0, "XOF": 0, "XAF": 0, "BIF": 0, "KMF": 0, "GNF": 0}
MAX_AMOUNT = 2**63 - 1  # the ledger stores minor units in bigint columns
# Digits with an optional decimal part; thousands separated by commas in groups of three.
AMOUNT = re.compile(r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?")
SYMBOLS = {"KES": "KES", "TZS": "TZS", "UGX": "UGX", "NGN": "NGN", "GHS": "GHS", "RWF": "RWF"}


def exponent(currency: str) -> int:
    return MINOR_UNITS.get(currency, 2)


def parse_amount(text: str, currency: str) -> int:
    """'150.50' or 'KES 1,500.50' -> 15050 / 150050 for KES.

    Refuses negatives, zero, more decimals than the currency has, amounts past the ledger's
    64-bit range, and anything that is not plain digits: Decimal alone would take '1e3' as
    1,000, '1_000' and '1,2,3' as numbers, and non-ASCII digits.
    """
    cleaned = text.strip()
    symbol = SYMBOLS.get(currency, currency)
    if cleaned.upper().startswith(symbol):
        cleaned = cleaned[len(symbol) :].strip()  # as format_amount writes it
    if cleaned.startswith("-"):
        raise InvalidAmount("Enter an amount greater than zero.")
    if not AMOUNT.fullmatch(cleaned):
        raise InvalidAmount(f"'{text}' is not an amount.")
    whole, _, fraction = cleaned.replace(",", "").partition(".")
    fraction = fraction.rstrip("0")
    places = exponent(currency)
    if len(fraction) > places:
        raise InvalidAmount(f"{currency} amounts have at most {places} decimals.")
    minor = int(whole) * 10**places + int(fraction.ljust(places, "0") or "0")
    if minor <= 0:
        raise InvalidAmount("Enter an amount greater than zero.")
    if minor > MAX_AMOUNT:
        raise InvalidAmount("That amount is too large.")
    return minor


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


def format_plain(amount: int, currency: str) -> str:
    """15050 -> '150.50', 150000 -> '1,500': the number of `format_amount`, without the code."""
    return format_amount(amount, currency).split(" ", 1)[1]
