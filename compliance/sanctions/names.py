"""Name and ID-number normalisation, and the similarity score used for screening.

Names are compared as sets of words, so case, accents, punctuation and word order do not
matter ("NJOROGE, José-María" is "jose maria njoroge"). The score is symmetric: each word on
either side is paired with its most similar word on the other (a spelling-tolerant ratio),
and the pairs are averaged, so a missing middle name lowers the score a little and a missing
surname a lot.
"""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher

_NOT_LETTERS = re.compile(r"[^a-z0-9]+")
_NOT_ID = re.compile(r"[^A-Z0-9]+")


def normalise_name(name: str) -> str:
    """Lowercase ASCII words, sorted: the form in which names are stored and compared."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    words = _NOT_LETTERS.sub(" ", plain.replace("'", "")).split()
    return " ".join(sorted(words))


def normalise_id(number: str) -> str:
    """Uppercase letters and digits only: "A-123 456" and "a123456" are the same document."""
    return _NOT_ID.sub("", number.upper())


def _word_similarity(left: str, right: str) -> float:
    if left == right:
        return 1.0
    return SequenceMatcher(None, left, right, autojunk=False).ratio()


def similarity(left: str, right: str) -> int:
    """0 to 100: how alike two normalised names are, whatever their word order."""
    left_words, right_words = left.split(), right.split()
    if not left_words or not right_words:
        return 0
    best_left = [max(_word_similarity(w, o) for o in right_words) for w in left_words]
    best_right = [max(_word_similarity(w, o) for o in left_words) for w in right_words]
    total = sum(best_left) + sum(best_right)
    return round(100 * total / (len(left_words) + len(right_words)))
