"""Reference codes: 10 characters from an alphabet without 0/O/1/I/L, random and unguessable."""

from __future__ import annotations

import secrets

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 10
# Prefixes a receipt must never start with (checked on the generated code).
BLOCKED_PREFIXES = ("ASS", "FUK", "FUC", "SEX", "XXX", "KKK", "NAZ", "SHT", "DMN", "RAP")


def new_reference() -> str:
    """One draw of a uniform number below 31**10, written in the alphabet's 31 digits: the
    same codes as ten separate draws, for one call of the system's random source."""
    while True:
        number = secrets.randbelow(len(ALPHABET) ** LENGTH)
        digits = []
        for _ in range(LENGTH):
            number, digit = divmod(number, len(ALPHABET))
            digits.append(ALPHABET[digit])
        code = "".join(digits)
        if not code.startswith(BLOCKED_PREFIXES):
            return code


def looks_like_reference(text: str) -> bool:
    return len(text) == LENGTH and all(ch in ALPHABET for ch in text)
