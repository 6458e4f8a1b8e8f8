"""`manage.py settle_merchants [--day YYYY-MM-DD]`: the daily merchant settlement, by hand.

The same sweep as the beat job (merchants.settlement.settle_day), for yesterday unless a day is
given; running it again for a day changes nothing for merchants already settled that day.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from merchants.settlement import settle_day
from wallets.money import format_amount


class Command(BaseCommand):
    help = "Sweep merchants' balances to their bank or phone for a day (default: yesterday)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--day", help="The business day to settle, YYYY-MM-DD.")

    def handle(self, *args: Any, **options: Any) -> None:
        day = _day(options.get("day"))
        for swept in settle_day(day):
            merchant, settlement = swept.merchant, swept.settlement
            if settlement is None:
                self.stdout.write(f"{merchant}: skipped ({swept.skipped})")
                continue
            amount = format_amount(settlement.amount, settlement.currency)
            self.stdout.write(
                f"{merchant}: {amount} to {settlement.destination}, "
                f"{settlement.get_state_display().lower()}"
            )


def _day(text: str | None) -> datetime.date:
    today = timezone.localdate()
    if not text:
        return today - datetime.timedelta(days=1)
    try:
        day = datetime.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--day {text!r} is not a date (YYYY-MM-DD).") from None
    if day > today:
        raise CommandError("A day that has not begun cannot be settled.")
    return day
