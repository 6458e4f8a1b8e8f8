"""Sanctions screening against a list loaded from a file (format: `loader`, README.md)."""

from compliance.sanctions.loader import LoadResult, load_list
from compliance.sanctions.screening import (
    DEFAULT_THRESHOLD,
    Match,
    NoSanctionsList,
    current_load,
    screen,
)

__all__ = [
    "DEFAULT_THRESHOLD",
    "LoadResult",
    "Match",
    "NoSanctionsList",
    "current_load",
    "load_list",
    "screen",
]
