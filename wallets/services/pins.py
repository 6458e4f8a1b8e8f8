"""Set, change, verify, unlock and reset PINs, with one attempt counter shared by every channel.

Verification locks the holder's row, so parallel guesses from USSD, SMS and the API are
counted one by one; a wrong try is committed before the error is raised.

A support reset (`reset_pin_by_support`) sets a random one-time start PIN and flags it
(`pin_must_change`): the right start PIN then passes only `verify_pin_to_change`, the check of
the screen where a new PIN is chosen; everywhere else it is refused (PinMustChange), so no
money moves with it. The start PIN travels only in the SMS, sealed (ussd/sms/sealed.py).
"""

from __future__ import annotations

import datetime
import hmac
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from ussd.sms import sealed
from wallets.errors import (
    IdNumberMismatch,
    PinLocked,
    PinMustChange,
    PinNotSet,
    WeakPin,
    WrongIdNumber,
    WrongPin,
)
from wallets.models import Customer, PinProtected
from wallets.pins import check_pin_format, check_pin_strength, hash_pin, pin_matches

logger = logging.getLogger(__name__)


@sensitive_variables("pin")
def set_pin(holder: PinProtected, pin: str) -> None:
    """Set a PIN the holder chose (first use, a change), clearing any lock and any start-PIN
    flag. Weak PINs are refused."""
    check_pin_strength(pin, date_of_birth=getattr(holder, "date_of_birth", None))
    _store(holder, hash_pin(pin), must_change=False)


@sensitive_variables("old_pin", "new_pin")
def change_pin(holder: PinProtected, old_pin: str, new_pin: str) -> None:
    """Change the PIN after verifying the old one (a wrong old PIN counts as a wrong try); a
    start PIN from a support reset may be changed this way, to anything but itself."""
    check_pin_strength(new_pin, date_of_birth=getattr(holder, "date_of_birth", None))
    verify_pin_to_change(holder, old_pin)
    if old_pin == new_pin and holder.pin_must_change:
        raise WeakPin("Choose a PIN other than the start PIN you were sent.")
    set_pin(holder, new_pin)


@sensitive_variables("pin")
def verify_pin(holder: PinProtected, pin: str) -> None:
    """Return if `pin` is right; raise WrongPin, PinLocked or PinNotSet otherwise, and
    PinMustChange for a right start PIN, which authorises nothing but choosing a new PIN."""
    verify_pin_to_change(holder, pin)
    if holder.pin_must_change:
        raise PinMustChange()


@sensitive_variables("pin")
def verify_pin_to_change(holder: PinProtected, pin: str) -> None:
    """Return if `pin` is the holder's current PIN, a start PIN included: only for the step
    before a new PIN is chosen. `holder.pin_must_change` is refreshed from the row."""
    try:
        check_pin_format(pin)
        well_formed = True
    except Exception:
        well_formed = False

    def right(locked: PinProtected) -> bool:
        if not locked.pin_hash:
            raise PinNotSet()
        holder.pin_must_change = locked.pin_must_change
        return well_formed and pin_matches(locked.pin_hash, pin)

    _try(holder, right, WrongPin)


def verify_id_number(customer: Customer, id_number: str) -> None:
    """Before a first PIN is set: return if `id_number` is the registered one; otherwise a
    wrong try on the same counter as PINs (WrongIdNumber, then PinLocked), so guessing is
    limited across sessions and channels."""
    given = _plain_id(id_number)

    def right(locked: PinProtected) -> bool:
        registered = _plain_id(getattr(locked, "id_number", ""))
        return bool(registered) and hmac.compare_digest(registered, given)

    _try(customer, right, WrongIdNumber)


@sensitive_variables("pin")
def reset_pin_by_support(*, customer: Customer, staff: Any, id_number: str) -> None:
    """After support checked the caller's ID: a random one-time start PIN, sent by SMS only,
    that must be changed before anything else; the PIN lock is cleared.

    The ID number typed must be the customer's registered one. A mismatch (IdNumberMismatch)
    changes nothing and is logged; it is not counted as the customer's PIN try, since the
    caller may not be the customer and the customer must not be locked out by them.
    """
    registered = _plain_id(customer.id_number)
    if not registered or not hmac.compare_digest(registered, _plain_id(id_number)):
        logger.warning(
            "PIN reset refused for customer %s: the ID number typed by %s does not match",
            customer.pk,
            _who(staff),
        )
        if not registered:
            raise IdNumberMismatch("The customer has no ID number on file: register it first.")
        raise IdNumberMismatch()
    # The SMS app depends on wallets; importing it at call time keeps wallets importable alone.
    from ussd.sms.notices import queue_start_pin

    seal, pin = _start_pin(customer)
    with transaction.atomic(durable=True):
        _store(customer, hash_pin(pin), must_change=True, durable=False)
        queue_start_pin(customer=customer, seal=seal)
    logger.info("PIN reset by %s for customer %s; start PIN sent by SMS", _who(staff), customer.pk)


def unlock_pin(holder: PinProtected) -> None:
    """Clear a PIN lock (back office, after checking the customer's identity)."""
    with transaction.atomic(durable=True):
        _record(holder, attempts=0, locked_until=None)


@sensitive_variables("pin")
def _start_pin(customer: Customer) -> tuple[str, str]:
    """A random start PIN that passes the strength rules (no 0000, 1234, birth year) and is
    not the current PIN, and the seal the SMS carries it by."""
    while True:
        seal = sealed.new_seal()
        pin = sealed.pin_for(seal)
        try:
            check_pin_strength(pin, date_of_birth=customer.date_of_birth)
        except WeakPin:
            continue
        if customer.pin_hash and pin_matches(customer.pin_hash, pin):
            continue
        return seal, pin


def _store(holder: PinProtected, pin_hash: str, *, must_change: bool, durable: bool = True) -> None:
    holder.pin_hash = pin_hash
    holder.failed_pin_attempts = 0
    holder.pin_locked_until = None
    holder.pin_changed_at = timezone.now()
    holder.pin_must_change = must_change
    with transaction.atomic(durable=durable):
        type(holder)._default_manager.filter(pk=holder.pk).update(
            pin_hash=pin_hash,
            failed_pin_attempts=0,
            pin_locked_until=None,
            pin_changed_at=holder.pin_changed_at,
            pin_must_change=must_change,
        )


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


def _record(holder: PinProtected, *, attempts: int, locked_until: datetime.datetime | None) -> None:
    type(holder)._default_manager.filter(pk=holder.pk).update(
        failed_pin_attempts=attempts, pin_locked_until=locked_until
    )
    holder.failed_pin_attempts = attempts
    holder.pin_locked_until = locked_until


def _plain_id(id_number: str) -> str:
    return "".join(id_number.split()).casefold()


def _who(staff: Any) -> str:
    return staff.get_username() if getattr(staff, "pk", None) else "support"
