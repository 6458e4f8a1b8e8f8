"""A secret in an SMS (a support reset's one-time start PIN) that no stored row holds in clear.

The `SmsMessage` row keeps a seal in place of the secret: `[[pin:<random hex>]]`. The PIN is
derived from the seal with a key that is not in the database (HMAC over the PIN pepper), so
the row, a backup, a replica, or an SQL log of the INSERT shows no PIN:

    seal = new_seal()
    pin = pin_for(seal)                       # set as the holder's PIN (hashed)
    queue_sms(text=f"... {token(seal)} ...")  # stored sealed
    unseal(message.text)                      # the text handed to the SMS gateway, in memory

Once the message is final (sent, or failed for good) the seal itself is masked (`conceal`), so
not even the key holder can read the PIN from the row afterwards. Storing the text in clear and
masking it after sending would leave the PIN in the row while queued (minutes, if the gateway
is down), in the write-ahead log, and in any SQL log of the INSERT.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from django.conf import settings

SEAL = re.compile(r"\[\[pin:([0-9a-f]{32})\]\]")
MASK = "****"
_LABEL = b"sms start pin\n"  # keeps these derivations apart from the PIN hash's HMAC


def new_seal() -> str:
    return secrets.token_hex(16)


def pin_for(seal: str) -> str:
    """The 4-digit PIN a seal stands for (uniform: 256 bits reduced mod 10,000)."""
    digest = hmac.new(settings.PIN_PEPPER.encode(), _LABEL + seal.encode(), hashlib.sha256)
    return f"{int.from_bytes(digest.digest(), 'big') % 10_000:04d}"


def token(seal: str) -> str:
    """What a stored text carries in place of the PIN."""
    return f"[[pin:{seal}]]"


def is_sealed(text: str) -> bool:
    return bool(SEAL.search(text))


def unseal(text: str) -> str:
    """The text with each seal replaced by its PIN: for the gateway only, never stored."""
    return SEAL.sub(lambda match: pin_for(match.group(1)), text)


def conceal(text: str) -> str:
    """The text with each seal masked: what may be stored, logged or shown to staff."""
    return SEAL.sub(MASK, text)


def scrub(text: str, sealed_text: str) -> str:
    """`text` (a gateway's error, say) with the PINs of `sealed_text`'s seals masked."""
    for seal in SEAL.findall(sealed_text):
        text = text.replace(pin_for(seal), MASK)
    return text
