"""Verify every ledger invariant; exit non-zero on any violation."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from wallets.invariants import CHECKS, check_ledger, ledger_summary


class Command(BaseCommand):
    help = "Verify the ledger invariants (balances, postings, holds, hash chain, safeguarding)."

    def handle(self, *args: Any, **options: Any) -> None:
        summary = ledger_summary()
        self.stdout.write(", ".join(f"{count} {name}" for name, count in summary.items()))
        violations = check_ledger()
        broken = {violation.invariant for violation in violations}
        for name in CHECKS:
            mark = "FAIL" if name in broken else "ok  "
            self.stdout.write(f"  {mark} {name}")
        for violation in violations:
            self.stderr.write(f"VIOLATION {violation}")
        if violations:
            raise CommandError(f"{len(violations)} invariant(s) violated.")
        self.stdout.write(self.style.SUCCESS("Ledger verified: every invariant holds."))
