"""Set, change, verify and unlock PINs, with one attempt counter shared by every channel.

Verification locks the holder's row, so parallel guesses from USSD, SMS and the API are
counted one by one; a wrong try is committed before the error is raised.
"""

from __future__ import annotations

import datetime
import hmac
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from wallets.errors import PinLocked, PinNotSet, WrongIdNumber, WrongPin
from wallets.models import Customer, PinProtected
from wallets.pins import check_pin_format, check_pin_strength, hash_pin, pin_matches


def set_pin(holder: PinProtected, pin: str) -> None:
    """Set a new PIN (first use or a staff reset), clearing any lock. Weak PINs are refused."""
    check_pin_strength(pin, date_of_birth=getattr(holder, "date_of_birth", None))
    holder.pin_hash = hash_pin(pin)
    holder.failed_pin_attempts = 0
    holder.pin_locked_until = None
    holder.pin_changed_at = timezone.now()
    with transaction.atomic(durable=True):
        type(holder)._default_manager.filter(pk=holder.pk).update(
            pin_hash=holder.pin_hash,
            failed_pin_attempts=0,
            pin_locked_until=None,
            pin_changed_at=holder.pin_changed_at,
        )


def change_pin(holder: PinProtected, old_pin: str, new_pin: str) -> None:
    """Change the PIN after verifying the old one (a wrong old PIN counts as a wrong try)."""
    check_pin_strength(new_pin, date_of_birth=getattr(holder, "date_of_birth", None))
    verify_pin(holder, old_pin)
    set_pin(holder, new_pin)


def verify_pin(holder: PinProtected, pin: str) -> None:
    """Return if `pin` is right; raise WrongPin, PinLocked or PinNotSet otherwise."""
    try:
        check_pin_format(pin)
        well_formed = True
    except Exception:
        well_formed = False

    def right(locked: PinProtected) -> bool:
        if not locked.pin_hash:
            raise PinNotSet()
        return well_formed and pin_matches(locked.pin_hash, pin)

    _try(holder, right, WrongPin)


def verify_id_number(customer: Customer, id_number: str) -> None:
    """Before a first PIN is set: return if `id_number` is the registered one; otherwise a
    wrong try on the same counter as PINs (WrongIdNumber, then PinLocked), so guessing is
    limited across sessions and channels."""
    given = "".join(id_number.split()).casefold()

    def right(locked: PinProtected) -> bool:
        registered = "".join(getattr(locked, "id_number", "").split()).casefold()
        return bool(registered) and hmac.compare_digest(registered, given)

    _try(customer, right, WrongIdNumber)


def _try(
    holder: PinProtected,
    right: Callable[[PinProtected], bool],
    wrong: type[WrongPin] | type[WrongIdNumber],
) -> None:
    """Lock the holder's row, refuse while locked, check with `right`, count a wrong try."""
    with transaction.atomic(durable=True):
        locked = type(holder)._default_manager.select_for_update().get(pk=holder.pk)
        now = timezone.now()
        if locked.pin_locked_until and locked.pin_locked_until > now:
            raise PinLocked()
        if right(locked):
            if locked.failed_pin_attempts or locked.pin_locked_until:
                _record(locked, attempts=0, locked_until=None)
            return
        attempts = locked.failed_pin_attempts + 1
        attempts_left = max(settings.PIN_MAX_ATTEMPTS - attempts, 0)
        if attempts_left == 0:
            cool_off = datetime.timedelta(minutes=settings.PIN_LOCK_MINUTES)
            _record(locked, attempts=0, locked_until=now + cool_off)
        else:
            _record(locked, attempts=attempts, locked_until=locked.pin_locked_until)
    raise wrong(attempts_left)


def unlock_pin(holder: PinProtected) -> None:
    """Clear a PIN lock (back office, after checking the customer's identity)."""
    with transaction.atomic(durable=True):
        _record(holder, attempts=0, locked_until=None)


def _record(holder: PinProtected, *, attempts: int, locked_until: datetime.datetime | None) -> None:
    type(holder)._default_manager.filter(pk=holder.pk).update(
        failed_pin_attempts=attempts, pin_locked_until=locked_until
    )
    holder.failed_pin_attempts = attempts
    holder.pin_locked_until = locked_until
