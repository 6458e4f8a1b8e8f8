"""Screen a person against the sanctions list in force.

- An ID number equal to a listed one (after normalisation) is a strong match, whatever the
  name says.
- A name scoring at least `threshold` (0-100, see `names.similarity`) against a listed name
  or alias is a potential match. A date of birth known on both sides that agrees with none of
  the listed ones rules the name match out (namesakes are common); one that agrees makes it
  strong.

The list's entries are read once per load and kept in memory (a load replaces them whole).
"""

from __future__ import annotations

import datetime
import threading
from dataclasses import asdict, dataclass
from typing import Any

from compliance.errors import ComplianceRefused
from compliance.models import SanctionsEntry, SanctionsLoad
from compliance.sanctions.names import normalise_id, normalise_name, similarity

DEFAULT_THRESHOLD = 85


class NoSanctionsList(ComplianceRefused):
    message = "No sanctions list is loaded (manage.py load_sanctions <file>): cannot screen."


@dataclass(frozen=True)
class Match:
    list_name: str
    entry_id: str
    full_name: str
    matched_name: str  # the listed name or alias that matched, normalised
    score: int  # 0-100
    reason: str  # "id_number" or "name"
    date_of_birth_agrees: bool | None  # None: unknown on one side

    @property
    def strong(self) -> bool:
        return self.reason == "id_number" or bool(self.date_of_birth_agrees)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "strong": self.strong}


_cache: dict[int, list[SanctionsEntry]] = {}
_cache_lock = threading.Lock()


def current_load() -> SanctionsLoad:
    load = SanctionsLoad.objects.filter(current=True).first()
    if load is None:
        raise NoSanctionsList()
    return load


def screen(
    name: str,
    date_of_birth: datetime.date | None = None,
    id_number: str = "",
    *,
    threshold: int = DEFAULT_THRESHOLD,
    load: SanctionsLoad | None = None,
) -> list[Match]:
    """Matches for this person on the current list, strongest first (empty: clear)."""
    load = load or current_load()
    found: dict[tuple[str, str], Match] = {}
    number = normalise_id(id_number)
    if number:
        for entry in SanctionsEntry.objects.filter(load=load, id_numbers__contains=[number]):
            found[(entry.list_name, entry.entry_id)] = _match(entry, number, 100, "id_number", None)
    wanted = normalise_name(name)
    for entry in _entries(load) if wanted else []:
        key = (entry.list_name, entry.entry_id)
        if key in found:
            continue
        score, matched = max((similarity(wanted, listed), listed) for listed in entry.names)
        agrees = _birth_agrees(entry.dates_of_birth, date_of_birth)
        if score >= threshold and agrees is not False:
            found[key] = _match(entry, matched, score, "name", agrees)
    return sorted(found.values(), key=lambda m: (not m.strong, -m.score, m.entry_id))


def _match(
    entry: SanctionsEntry, matched: str, score: int, reason: str, agrees: bool | None
) -> Match:
    return Match(entry.list_name, entry.entry_id, entry.full_name, matched, score, reason, agrees)


def _entries(load: SanctionsLoad) -> list[SanctionsEntry]:
    with _cache_lock:
        if load.pk not in _cache:
            _cache.clear()
            _cache[load.pk] = list(
                SanctionsEntry.objects.filter(load=load).only(
                    "list_name", "entry_id", "full_name", "names", "dates_of_birth"
                )
            )
        return _cache[load.pk]


def _birth_agrees(listed: list[str], born: datetime.date | None) -> bool | None:
    if born is None or not listed:
        return None
    return any(value in (born.isoformat(), str(born.year)) for value in listed)
