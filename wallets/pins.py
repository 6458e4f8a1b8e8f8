"""PIN hashing and strength rules.

A 4-digit PIN has only 10,000 values, so a slow hash alone cannot protect a leaked database:
we store Argon2id over HMAC-SHA256(pepper, pin), with the pepper outside the database
(settings.PIN_PEPPER), and rely on the attempt limit as the real control.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import itertools
from functools import lru_cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from django.conf import settings

from wallets.errors import InvalidPin, WeakPin

PIN_LENGTH = 4
COMMON_PINS = frozenset({"1212", "2580", "0852", "1004", "2000", "6969", "1122", "1313", "4444"})


@lru_cache(maxsize=4)
def _hasher(memory_kib: int, time_cost: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=1, type=Type.ID)


def _current_hasher() -> PasswordHasher:
    return _hasher(settings.PIN_ARGON2_MEMORY_KIB, settings.PIN_ARGON2_TIME_COST)


def _peppered(pin: str) -> str:
    return hmac.new(settings.PIN_PEPPER.encode(), pin.encode(), hashlib.sha256).hexdigest()


def hash_pin(pin: str) -> str:
    return _current_hasher().hash(_peppered(pin))


def pin_matches(stored_hash: str, pin: str) -> bool:
    try:
        return bool(_current_hasher().verify(stored_hash, _peppered(pin)))
    except (VerificationError, InvalidHashError):
        return False


def check_pin_format(pin: str) -> None:
    # isdigit() alone accepts "١٢٣٤" and "²³⁴⁵", which no keypad sends and int() may refuse.
    if not isinstance(pin, str) or len(pin) != PIN_LENGTH or not (pin.isascii() and pin.isdigit()):
        raise InvalidPin()


def check_pin_strength(pin: str, *, date_of_birth: datetime.date | None = None) -> None:
    """Refuse repeated digits, runs up or down, common choices and the birth year or date."""
    check_pin_format(pin)
    digits = [int(ch) for ch in pin]
    steps = {b - a for a, b in itertools.pairwise(digits)}
    if len(set(digits)) == 1 or steps in ({1}, {-1}) or pin in COMMON_PINS:
        raise WeakPin()
    if pin[:2] == pin[2:]:
        raise WeakPin()  # 1212, 4545
    if date_of_birth and pin in {
        f"{date_of_birth.year}",
        f"{date_of_birth.day:02d}{date_of_birth.month:02d}",
        f"{date_of_birth.month:02d}{date_of_birth.day:02d}",
    }:
        raise WeakPin()
