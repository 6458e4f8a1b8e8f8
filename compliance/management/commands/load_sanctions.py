"""Replace the sanctions list in force with a CSV file (format: compliance/sanctions/README.md)
and screen again the tier upgrades not yet sent for approval."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from compliance.errors import ComplianceRefused
from compliance.sanctions import load_list
from compliance.upgrades import rescreen_open_upgrades


class Command(BaseCommand):
    help = "Load a sanctions list from a CSV file, replacing the list in force."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--force", action="store_true", help="Load even if the file is the list in force."
        )

    def handle(self, *args: Any, file: Path, force: bool, **options: Any) -> None:
        try:
            content = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}") from None
        try:
            result = load_list(content, file_name=file.name, loaded_by=_who(), force=force)
        except ComplianceRefused as refused:
            raise CommandError(refused.text) from None
        load = result.load
        if result.unchanged:
            print(f"{file.name} is already the list in force (sha256 {load.checksum}).")
            return
        print(f"Loaded {load.entry_count} entries from {file.name} (sha256 {load.checksum}).")
        print(f"Screened {rescreen_open_upgrades()} open tier upgrade(s) again.")


def _who() -> str:
    try:
        return f"{getpass.getuser()} (manage.py load_sanctions)"
    except (KeyError, OSError):
        return "manage.py load_sanctions"
