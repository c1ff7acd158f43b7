"""The chart of the statistics page: what became of confirmed seats, month by month.

One stacked bar a month, for events that have ended and took registrations: seats of parties
that came, seats of no-shows, and seats given back before the event (released). The geometry is
computed here and drawn as SVG by the template, so the chart needs no JavaScript and no inline
styles; its figures are also in the table beside it, for screen readers and for print.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from .stats import MonthStats

WIDTH_PER_MONTH = 56
BAR_WIDTH = 32
PLOT_HEIGHT = 180
TOP = 28  # room for the no-show rate above the tallest bar
BOTTOM = 36  # room for the month labels
LEFT = 40  # room for the scale
RIGHT = 8

# Drawn bottom to top; the CSS class gives each part its colour (static/style.css).
PARTS = ("attended", "no_shows", "released")


@dataclass(frozen=True)
class Segment:
    part: str
    seats: int
    y: float
    height: float


@dataclass(frozen=True)
class Bar:
    month: date
    x: float
    segments: list[Segment]
    total: int
    no_show_rate: float | None
    top: float  # where the bar ends (the label goes above)


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    baseline: float
    bars: list[Bar] = field(default_factory=list)
    ticks: list[tuple[int, float]] = field(default_factory=list)  # (seats, y) of the scale

    @property
    def empty(self) -> bool:
        return all(bar.total == 0 for bar in self.bars)


def _seats(month: MonthStats, part: str) -> int:
    return {
        "attended": month.attended_past,
        "no_shows": month.no_shows,
        "released": month.released_past,
    }[part]


def _nice_ceiling(value: int) -> int:
    """The scale's top: 1, 2 or 5 times a power of ten, at least ``value``."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def seat_outcomes_chart(months: list[MonthStats]) -> Chart:
    """Bars and scale for ``months`` (each month once, oldest first)."""
    largest = max([1] + [sum(_seats(month, part) for part in PARTS) for month in months])
    scale_top = _nice_ceiling(largest)
    baseline = TOP + PLOT_HEIGHT
    per_seat = PLOT_HEIGHT / scale_top
    bars = []
    for index, month in enumerate(months):
        x = LEFT + index * WIDTH_PER_MONTH + (WIDTH_PER_MONTH - BAR_WIDTH) / 2
        y = baseline
        segments = []
        for part in PARTS:
            seats = _seats(month, part)
            height = seats * per_seat
            y -= height
            segments.append(Segment(part=part, seats=seats, y=round(y, 1), height=round(height, 1)))
        bars.append(
            Bar(
                month=month.month,
                x=x,
                segments=segments,
                total=sum(segment.seats for segment in segments),
                no_show_rate=month.no_show_rate,
                top=round(y, 1),
            )
        )
    ticks = [(round(scale_top * i / 4), round(baseline - PLOT_HEIGHT * i / 4, 1)) for i in range(5)]
    return Chart(
        width=LEFT + RIGHT + WIDTH_PER_MONTH * max(1, len(months)),
        height=TOP + PLOT_HEIGHT + BOTTOM,
        baseline=baseline,
        bars=bars,
        ticks=ticks,
    )
