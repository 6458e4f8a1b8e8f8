"""Charts as server-rendered SVG: no JavaScript, no charting library, nothing from a CDN.

Each chart is an inline `<svg role="img">` named by its `<title>` and `<desc>`
(aria-labelledby), so a screen reader announces what it shows; every bar or point has its
own `<title>` with the exact figure (a tooltip on hover), axes carry text labels, and the
page puts the same figures in a table next to each chart. Colours come from CSS classes that
the dashboard template maps to the admin's theme variables, so the dark theme works too.

Values are plain integers (counts, or whole currency units for money); the caller formats
the exact figures, the chart only scales them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH = 680
FONT_PX = 13


@dataclass(frozen=True)
class Mark:
    """One bar or point: its axis label, its size, and the exact figure people read."""

    label: str
    value: int
    text: str
    emphasis: bool = False  # e.g. today among the last 14 days
    tick: str = ""  # a shorter label under the axis (the label otherwise)


def _n(coordinate: float) -> str:
    """A coordinate with one decimal: crisp enough, and short in the markup."""
    return f"{coordinate:.1f}"


def nice_step(maximum: int, ticks: int = 4) -> int:
    """The smallest 1, 2 or 5 times a power of ten that covers `maximum` in `ticks` steps."""
    if maximum <= 0:
        return 1
    raw = -(-maximum // ticks)  # ceiling division
    magnitude = 10 ** (len(str(raw)) - 1)
    for multiple in (1, 2, 5, 10):
        if multiple * magnitude >= raw:
            return multiple * magnitude
    raise AssertionError("unreachable")


def compact(number: int) -> str:
    """An axis label: 950 -> '950', 1500 -> '1.5k', 20000 -> '20k', 3000000 -> '3M'."""
    for divisor, suffix in ((10**9, "B"), (10**6, "M"), (10**3, "k")):
        if abs(number) >= divisor:
            whole, rest = divmod(abs(number), divisor)
            sign = "-" if number < 0 else ""
            tenth = rest * 10 // divisor
            if whole < 10 and tenth:
                return f"{sign}{whole}.{tenth}{suffix}"
            return f"{sign}{whole}{suffix}"
    return str(number)


def _svg(chart_id: str, title: str, description: str, height: int, body: SafeString) -> SafeString:
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{id}" role="img"'
        ' aria-labelledby="{id}-title {id}-desc" viewBox="0 0 {w} {h}" width="{w}"'
        ' height="{h}" font-size="{font}">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>{body}</svg>',
        id=chart_id,
        w=WIDTH,
        h=height,
        font=FONT_PX,
        title=title,
        desc=description,
        body=body,
    )


def horizontal_bars(
    *, chart_id: str, title: str, description: str, bars: Sequence[Mark]
) -> SafeString:
    """One labelled bar per row, longest value scaled to the full width, figure at its end."""
    label_width, figure_width, row, bar = 200, 170, 30, 18
    span = WIDTH - label_width - figure_width
    largest = max((mark.value for mark in bars), default=0) or 1
    rows = []
    for index, mark in enumerate(bars):
        top = 8 + index * row
        length = max(2, round(span * mark.value / largest)) if mark.value else 0
        rows.append(
            format_html(
                '<g class="row"><text class="label" x="{lx}" y="{ty}" text-anchor="end">{label}'
                '</text><rect class="bar" x="{x}" y="{y}" width="{len}" height="{h}" rx="2">'
                '<title>{label}: {text}</title></rect><text class="figure" x="{fx}" y="{ty}">'
                "{text}</text></g>",
                lx=label_width - 10,
                ty=top + bar - 4,
                label=mark.label,
                x=label_width,
                y=top,
                len=length,
                h=bar,
                text=mark.text,
                fx=label_width + length + 8,
            )
        )
    height = 16 + len(bars) * row
    axis = format_html(
        '<line class="axis" x1="{x}" y1="4" x2="{x}" y2="{y2}"/>', x=label_width, y2=height - 4
    )
    body = format_html_join("", "{}", ((part,) for part in [axis, *rows]))
    return _svg(chart_id, title, description, height, body)


@dataclass(frozen=True)
class _Plot:
    """The frame shared by the day charts: a value axis on the left, one slot per mark."""

    count: int
    top_value: int
    left: int = 64
    right: int = 12
    top: int = 14
    bottom: int = 34
    height: int = 230

    @property
    def inner_height(self) -> int:
        return self.height - self.top - self.bottom

    @property
    def slot(self) -> float:
        return (WIDTH - self.left - self.right) / max(self.count, 1)

    def x_center(self, index: int) -> float:
        return self.left + self.slot * (index + 0.5)

    def y(self, value: int) -> float:
        return self.top + self.inner_height * (1 - value / self.top_value)

    def axes(self, marks: Sequence[Mark], axis_label: str) -> SafeString:
        step = nice_step(self.top_value)
        grid = format_html_join(
            "",
            '<line class="grid" x1="{}" y1="{}" x2="{}" y2="{}"/>'
            '<text class="tick" x="{}" y="{}" text-anchor="end">{}</text>',
            (
                (
                    self.left,
                    _n(self.y(v)),
                    WIDTH - self.right,
                    _n(self.y(v)),
                    self.left - 6,
                    _n(self.y(v) + 4),
                    compact(v),
                )
                for v in range(0, self.top_value + 1, step)
            ),
        )
        labels = format_html_join(
            "",
            '<text class="{}" x="{}" y="{}" text-anchor="middle">{}</text>',
            (
                (
                    "day today" if mark.emphasis else "day",
                    _n(self.x_center(i)),
                    self.height - 12,
                    mark.tick or mark.label,
                )
                for i, mark in enumerate(marks)
            ),
        )
        caption = format_html(
            '<text class="tick" x="4" y="{}" transform="rotate(-90 4 {})" dy="10"'
            ' text-anchor="middle">{}</text>',
            self.top + self.inner_height // 2,
            self.top + self.inner_height // 2,
            axis_label,
        )
        return format_html("{}{}{}", grid, labels, caption)


def _frame(marks: Sequence[Mark]) -> _Plot:
    largest = max((mark.value for mark in marks), default=0)
    step = nice_step(largest)
    return _Plot(count=len(marks), top_value=max(step, -(-largest // step) * step))


def columns(
    *, chart_id: str, title: str, description: str, marks: Sequence[Mark], axis_label: str
) -> SafeString:
    """A column per mark (a day), on a value axis with round ticks."""
    plot = _frame(marks)
    width = plot.slot * 0.62
    bars = format_html_join(
        "",
        '<rect class="{}" x="{}" y="{}" width="{}" height="{}" rx="2"><title>{}: {}</title></rect>',
        (
            (
                "bar today" if mark.emphasis else "bar",
                _n(plot.x_center(i) - width / 2),
                _n(plot.y(mark.value)),
                _n(width),
                _n(plot.y(0) - plot.y(mark.value)),
                mark.label,
                mark.text,
            )
            for i, mark in enumerate(marks)
        ),
    )
    body = format_html("{}{}", plot.axes(marks, axis_label), bars)
    return _svg(chart_id, title, description, plot.height, body)


def line(
    *, chart_id: str, title: str, description: str, marks: Sequence[Mark], axis_label: str
) -> SafeString:
    """A line through one point per mark (a day), each point with its figure."""
    plot = _frame(marks)
    points = " ".join(f"{_n(plot.x_center(i))},{_n(plot.y(m.value))}" for i, m in enumerate(marks))
    dots = format_html_join(
        "",
        '<circle class="{}" cx="{}" cy="{}" r="4"><title>{}: {}</title></circle>',
        (
            (
                "dot today" if mark.emphasis else "dot",
                _n(plot.x_center(i)),
                _n(plot.y(mark.value)),
                mark.label,
                mark.text,
            )
            for i, mark in enumerate(marks)
        ),
    )
    body = format_html(
        '{}<polyline class="trend" fill="none" points="{}"/>{}',
        plot.axes(marks, axis_label),
        points,
        dots,
    )
    return _svg(chart_id, title, description, plot.height, body)
