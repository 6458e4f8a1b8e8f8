"""The dashboard's three charts, drawn from its figures with `charts`.

Money is scaled to whole currency units for the bars' lengths; every bar and point keeps the
exact formatted figure for its tooltip, and each chart's description names the period and the
highest value, for a screen reader.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.utils.safestring import SafeString

from backoffice.dashboard import charts
from backoffice.dashboard.ledger import DayFigures, KindFigures
from backoffice.dashboard.tiles import Money, count
from wallets.money import exponent


def value_by_kind(by_kind: list[KindFigures], currency: str, money: Money) -> SafeString:
    scale = 10 ** exponent(currency)
    return charts.horizontal_bars(
        chart_id="value-by-kind",
        title=f"Value by kind today ({currency})",
        description="; ".join(
            f"{row.label}: {money(row.value)} in {count(row.count)}" for row in by_kind
        ),
        bars=[
            charts.Mark(row.label, row.value // scale, f"{money(row.value)} ({count(row.count)})")
            for row in by_kind
        ],
    )


def day_label(day: datetime.date) -> str:
    return f"{day.day} {day:%b}"


def day_marks(
    trend: list[DayFigures],
    today: datetime.date,
    size: Callable[[DayFigures], int],
    text: Callable[[DayFigures], str],
) -> list[charts.Mark]:
    """One mark per day; the axis names the month only where it starts or changes."""
    marks = []
    for index, figures in enumerate(trend):
        label = day_label(figures.day)
        tick = label if index == 0 or figures.day.day == 1 else str(figures.day.day)
        marks.append(charts.Mark(label, size(figures), text(figures), figures.day == today, tick))
    return marks


def period(trend: list[DayFigures]) -> str:
    return f"From {day_label(trend[0].day)} to {day_label(trend[-1].day)}"


def value_per_day(
    trend: list[DayFigures], currency: str, money: Money, today: datetime.date
) -> SafeString:
    scale = 10 ** exponent(currency)
    return charts.columns(
        chart_id="value-per-day",
        title=f"Value per day, last {len(trend)} days ({currency})",
        description=f"{period(trend)}; highest {money(max(day.value for day in trend))}."
        " The table below lists every day.",
        marks=day_marks(trend, today, lambda day: day.value // scale, lambda day: money(day.value)),
        axis_label=currency,
    )


def count_per_day(trend: list[DayFigures], today: datetime.date) -> SafeString:
    return charts.line(
        chart_id="count-per-day",
        title=f"Transactions per day, last {len(trend)} days",
        description=f"{period(trend)}; highest {count(max(day.count for day in trend))} in a day."
        " The table below lists every day.",
        marks=day_marks(trend, today, lambda day: day.count, lambda day: count(day.count)),
        axis_label="transactions",
    )
