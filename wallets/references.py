"""Reference codes: 10 characters from an alphabet without 0/O/1/I/L, random and unguessable."""

from __future__ import annotations

import secrets

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 10
# Prefixes a receipt must never start with (checked on the generated code).
BLOCKED_PREFIXES = ("ASS", "FUK", "FUC", "SEX", "XXX", "KKK", "NAZ", "SHT", "DMN", "RAP")


def new_reference() -> str:
    while True:
        code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        if not code.startswith(BLOCKED_PREFIXES):
            return code


def looks_like_reference(text: str) -> bool:
    return len(text) == LENGTH and all(ch in ALPHABET for ch in text)
