"""The headline figures at the top of the dashboard, and the formatting they share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.formats import number_format

Money = Callable[[int], str]  # minor units -> "KES 1,500.50" in the page's currency


@dataclass(frozen=True)
class Tile:
    """One headline figure. `tone` is "" (neutral), "good", "warn" or "alert"."""

    label: str
    value: str
    note: str = ""
    link: str = ""
    tone: str = ""


def count(number: int) -> str:
    """1234 -> '1,234'."""
    return number_format(number, force_grouping=True)
