"""GSM 03.38 (GSM-7): which texts fit one SMS, and how many parts a longer one costs.

One character outside GSM-7 switches the whole message to UCS-2 (70 characters, 67 per
part), so receipts are kept to GSM-7 and normalised to ASCII where they carry names.
"""

from __future__ import annotations

import math
import re
import unicodedata

GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = "\f^{}\\[~]|€"  # each sent as an escape plus the character: counts 2
SINGLE_GSM7 = 160
PART_GSM7 = 153
SINGLE_UCS2 = 70
PART_UCS2 = 67

_BASIC = frozenset(GSM7_BASIC)
_EXTENSION = frozenset(GSM7_EXTENSION)
_NOT_IN_NAMES = re.compile(r"[^A-Za-z0-9 .'-]+")


def is_gsm7(text: str) -> bool:
    return all(char in _BASIC or char in _EXTENSION for char in text)


def gsm7_length(text: str) -> int:
    """Septets used: extension characters count twice."""
    return sum(2 if char in _EXTENSION else 1 for char in text)


def segments(text: str) -> int:
    """How many SMS parts the text is billed as."""
    if is_gsm7(text):
        length, single, part = gsm7_length(text), SINGLE_GSM7, PART_GSM7
    else:
        length, single, part = len(text), SINGLE_UCS2, PART_UCS2
    return 1 if length <= single else math.ceil(length / part)


def plain_name(name: str) -> str:
    """'Zoë  Nyambura-Ödhiambo' -> 'ZOE NYAMBURA-ODHIAMBO': ASCII letters, digits and . ' -."""
    return plain_text(name).upper()


def plain_text(text: str) -> str:
    """'Café  Zoë' -> 'Cafe Zoe': a business's own spelling, in ASCII letters, digits and
    . ' - (a merchant's display name keeps its case in SMS)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(_NOT_IN_NAMES.sub(" ", ascii_text).split())
