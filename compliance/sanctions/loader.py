"""Load a sanctions list from a CSV file, replacing the list in force in one transaction.

The format (UTF-8, a header row, one entry per row; see README.md beside this file):

    list_name,entry_id,full_name,aliases,date_of_birth,nationality,id_numbers

- `list_name`, `entry_id` and `full_name` are required; (`list_name`, `entry_id`) is unique.
- `aliases`, `date_of_birth` and `id_numbers` may hold several values separated by `;`.
- A date of birth is `YYYY-MM-DD`, or `YYYY` when only the year is known.

A file is checked whole before anything is written: one bad row refuses the file, naming the
line, and the list in force stays as it was.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import re
from dataclasses import dataclass

from django.db import transaction

from compliance.errors import SanctionsFileInvalid
from compliance.models import SanctionsEntry, SanctionsLoad
from compliance.sanctions.names import normalise_id, normalise_name

COLUMNS = (
    "list_name",
    "entry_id",
    "full_name",
    "aliases",
    "date_of_birth",
    "nationality",
    "id_numbers",
)
REQUIRED = ("list_name", "entry_id", "full_name")
_YEAR = re.compile(r"^\d{4}$")


@dataclass(frozen=True)
class LoadResult:
    load: SanctionsLoad
    unchanged: bool  # the file is the list already in force; nothing was replaced


def load_list(
    content: bytes, *, file_name: str, loaded_by: str = "", force: bool = False
) -> LoadResult:
    """Make the list in `content` the one in force; the same file again changes nothing
    unless `force`."""
    checksum = hashlib.sha256(content).hexdigest()
    current = SanctionsLoad.objects.filter(current=True).first()
    if current is not None and current.checksum == checksum and not force:
        return LoadResult(current, unchanged=True)
    entries = parse(content)
    return LoadResult(_replace(entries, file_name, checksum, loaded_by), unchanged=False)


@transaction.atomic
def _replace(
    entries: list[SanctionsEntry], file_name: str, checksum: str, loaded_by: str
) -> SanctionsLoad:
    # Lock the current row first: two loads at once queue here instead of both succeeding.
    list(SanctionsLoad.objects.select_for_update().filter(current=True))
    SanctionsEntry.objects.filter(load__current=True).delete()
    SanctionsLoad.objects.filter(current=True).update(current=False)
    load = SanctionsLoad.objects.create(
        file_name=file_name[:255],
        checksum=checksum,
        lists=", ".join(sorted({entry.list_name for entry in entries}))[:255],
        entry_count=len(entries),
        loaded_by=loaded_by[:150],
        current=True,
    )
    for entry in entries:
        entry.load = load
    SanctionsEntry.objects.bulk_create(entries, batch_size=2000)
    return load


def parse(content: bytes) -> list[SanctionsEntry]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SanctionsFileInvalid("The file is not UTF-8 text.") from error
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [name for name in COLUMNS if name not in (reader.fieldnames or [])]
    if missing:
        raise SanctionsFileInvalid(f"Missing column(s): {', '.join(missing)}.")
    entries, seen = [], set()
    for row in reader:
        line = reader.line_num
        entry = _entry(row, line)
        key = (entry.list_name, entry.entry_id)
        if key in seen:
            raise SanctionsFileInvalid(f"Line {line}: {entry.list_name} {entry.entry_id} twice.")
        seen.add(key)
        entries.append(entry)
    if not entries:
        raise SanctionsFileInvalid("The file has no entries.")
    return entries


def _entry(row: dict[str, str | None], line: int) -> SanctionsEntry:
    values = {name: (row.get(name) or "").strip() for name in COLUMNS}
    if empty := [name for name in REQUIRED if not values[name]]:
        raise SanctionsFileInvalid(f"Line {line}: {', '.join(empty)} is empty.")
    aliases = _several(values["aliases"])
    names = [normalise_name(name) for name in [values["full_name"], *aliases]]
    if not all(names):
        raise SanctionsFileInvalid(f"Line {line}: a name has no letters.")
    return SanctionsEntry(
        list_name=values["list_name"][:100],
        entry_id=values["entry_id"][:64],
        full_name=values["full_name"][:255],
        aliases=aliases,
        dates_of_birth=[_birth(value, line) for value in _several(values["date_of_birth"])],
        nationality=values["nationality"][:100],
        id_numbers=[n for n in map(normalise_id, _several(values["id_numbers"])) if n],
        names=sorted(set(names)),
    )


def _several(value: str) -> list[str]:
    return [part.strip() for part in value.split(";") if part.strip()]


def _birth(value: str, line: int) -> str:
    if _YEAR.match(value):
        return value
    try:
        return datetime.date.fromisoformat(value).isoformat()
    except ValueError:
        raise SanctionsFileInvalid(
            f"Line {line}: date of birth {value!r} is not YYYY-MM-DD or YYYY."
        ) from None
