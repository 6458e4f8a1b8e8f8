"""The demo's sanctions list: the fictitious example shipped with the repo, so tier upgrades
can be screened on `make run` (a real deployment loads its regulator's list)."""

from __future__ import annotations

from pathlib import Path

from compliance.sanctions import load_list

EXAMPLE_LIST = Path(__file__).parent / "sanctions" / "example_list.csv"


def seed() -> list[str]:
    """Load the example list (a second run changes nothing); lines to print."""
    load_list(EXAMPLE_LIST.read_bytes(), file_name=EXAMPLE_LIST.name, loaded_by="demo")
    return [f"Sanctions list: {EXAMPLE_LIST.name} (fictitious entries, for screening demos)"]
