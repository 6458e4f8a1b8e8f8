"""Text in, minor units and E.164 numbers out: the two places user input becomes ledger data."""

from __future__ import annotations

import pytest

from wallets.errors import InvalidAmount, InvalidPhoneNumber
from wallets.money import format_amount, parse_amount
from wallets.phones import normalize_phone

# --- amounts ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "currency", "amount"),
    [
        ("150.50", "KES", 15_050),
        ("150", "KES", 15_000),
        ("0.05", "KES", 5),
        ("1.5", "KES", 150),
        ("1.50", "KES", 150),
        ("1.500", "KES", 150),  # trailing zeros add no precision
        ("  250,000 ", "KES", 25_000_000),
        ("1,500.50", "KES", 150_050),
        ("KES 1,500.50", "KES", 150_050),
        ("kes 20", "KES", 2_000),
        ("1,000", "UGX", 1_000),  # no minor unit
    ],
)
def test_parse_amount_reads_text_as_minor_units(text, currency, amount):
    assert parse_amount(text, currency) == amount


@pytest.mark.parametrize(
    "text",
    [
        "abc",
        "",
        "-5",
        "0",
        "0.00",
        "1.234",  # KES has two decimals
        "1e3",  # Decimal would read 1,000
        "1_000",
        "1,2,3",
        "12,34",
        "NaN",
        "Infinity",
        "+5",
        ".5",
        "1.2.3",
        "١٢٣",  # Arabic-Indic digits
        "UGX 5",  # another currency's symbol
        "99999999999999999999",  # past the 64-bit ledger range
    ],
)
def test_parse_amount_refuses_anything_but_a_positive_kes_amount(text):
    with pytest.raises(InvalidAmount):
        parse_amount(text, "KES")


def test_parse_amount_refuses_decimals_for_a_currency_without_minor_units():
    with pytest.raises(InvalidAmount, match="at most 0 decimals"):
        parse_amount("1.5", "UGX")


def test_a_negative_amount_is_explained_as_not_greater_than_zero():
    with pytest.raises(InvalidAmount, match="greater than zero"):
        parse_amount("-5", "KES")


@pytest.mark.parametrize(
    ("amount", "currency", "text"),
    [
        (15_050, "KES", "KES 150.50"),
        (15_000, "KES", "KES 150"),
        (5, "KES", "KES 0.05"),
        (25_000_000, "KES", "KES 250,000"),
        (10_800, "KES", "KES 108"),
        (100_000_000, "UGX", "UGX 100,000,000"),
        (1_000, "XOF", "XOF 1,000"),  # no symbol on file: the ISO code
    ],
)
def test_format_amount_writes_minor_units_for_people(amount, currency, text):
    assert format_amount(amount, currency) == text


@pytest.mark.parametrize(
    ("amount", "currency"),
    [(1, "KES"), (15_050, "KES"), (25_000_001, "KES"), (2**63 - 1, "KES"), (7, "UGX")],
)
def test_format_then_parse_gives_the_amount_back(amount, currency):
    assert parse_amount(format_amount(amount, currency), currency) == amount


# --- phone numbers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "0712345678",
        "0712 345 678",
        "254712345678",
        "+254712345678",
        "+254 712 345 678",
        "254 712 345 678",
        "+254-712-345-678",
        "(0712) 345-678",
        "712345678",
    ],
)
def test_normalize_phone_turns_kenyan_numbers_into_e164(settings, text):
    settings.PHONE_DEFAULT_REGION = "KE"
    assert normalize_phone(text) == "+254712345678"


def test_normalize_phone_reads_a_local_number_in_the_region_given(settings):
    settings.PHONE_DEFAULT_REGION = "KE"
    assert normalize_phone("0772123456", region="UG") == "+256772123456"
    assert normalize_phone("+256 772 123456") == "+256772123456"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello",
        "0712ABC678",  # phonenumbers would read the letters as keypad digits
        "0712345678 ext 5",
        "0712345678x",
        "07123",  # too short
        "071234567",  # one digit short
        "25471234567",  # one digit short, international form
        "07123456789",  # one digit too many
        "+254",
        "0000000000",
        "++254712345678",
    ],
)
def test_normalize_phone_refuses_garbage_and_wrong_lengths(settings, text):
    settings.PHONE_DEFAULT_REGION = "KE"
    with pytest.raises(InvalidPhoneNumber):
        normalize_phone(text)
