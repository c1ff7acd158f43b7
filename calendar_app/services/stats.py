"""Statistics per branch and month (of the event's start, in the branch's time zone).

Definitions, per branch and month:
- events: scheduled events (cancelled ones are counted apart);
- registrations and seats: confirmed parties and their seats;
- attended: seats of confirmed parties checked in, plus head counts of drop-in events;
- no-shows: confirmed seats not checked in, for events that have ended; the no-show rate is
  their share of the confirmed seats of those events (attended plus no-shows);
- released: seats confirmed and then given back before the event (cancelled by the visitor, or
  by staff, or because the party did not confirm it was coming), which others could take;
- waitlist demand: seats of every party that joined the waitlist: those still waiting, those
  promoted later (confirmed after they registered) and those who gave up while waiting (cancelled
  before ever being confirmed).
The same figures per category (over the whole period) and per month (all chosen branches
together, for the chart) come from the same two queries, whatever the number of events: the
events, and their seat counts (services/seats.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask_babel import format_percent
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Branch, Event
from ..timeutil import local_to_utc, to_local
from .seats import SeatCount, seat_counts
from .spreadsheets import csv_bytes

MAX_MONTHS = 36


def attended(event: Event, count: SeatCount) -> int:
    """How many came to an event: the head count of a drop-in event, else the seats of confirmed
    parties checked in (walk-ins are checked in when seated). The statistics, the news and the
    staff's report all count this way."""
    return (event.headcount or 0) if event.is_drop_in else count.checked_in


@dataclass
class Figures:
    """The counts of a group of events (a branch's month, a category, a month)."""

    events: int = 0
    cancelled_events: int = 0
    registrations: int = 0
    seats: int = 0
    attended: int = 0
    no_shows: int = 0
    released: int = 0
    waitlist_demand: int = 0
    capacity: int = 0
    # Of events that have ended and took registrations: seats of parties that came, and
    # released seats (the chart of what became of confirmed seats).
    attended_past: int = 0
    released_past: int = 0

    @property
    def attendance_rate(self) -> float | None:
        past = self.attended_past + self.no_shows
        return None if not past else self.attended_past / past

    @property
    def no_show_rate(self) -> float | None:
        past = self.attended_past + self.no_shows
        return None if not past else self.no_shows / past

    def add(self, event: Event, count: SeatCount, now: datetime) -> None:
        if event.is_cancelled:
            self.cancelled_events += 1
            return
        self.events += 1
        self.registrations += count.confirmed_parties
        self.seats += count.confirmed
        self.waitlist_demand += count.joined_waitlist
        self.released += count.released
        self.attended += attended(event, count)
        if event.is_drop_in:
            return
        self.capacity += event.capacity
        if event.ends_at <= now:
            self.no_shows += count.confirmed - count.checked_in
            self.attended_past += count.checked_in
            self.released_past += count.released


@dataclass
class MonthStats(Figures):
    branch: Branch | None = None
    month: date = date.min  # the first day of the month


@dataclass
class CategoryStats(Figures):
    category: str = ""


@dataclass
class StatsReport:
    first_month: date
    last_month: date
    rows: list[MonthStats] = field(default_factory=list)  # per branch and month
    categories: list[CategoryStats] = field(default_factory=list)  # most seats first
    months: list[MonthStats] = field(default_factory=list)  # every month, branches together
    total: Figures = field(default_factory=Figures)  # the whole period, every chosen branch

    @property
    def largest(self) -> int:
        return max([1] + [max(row.seats, row.attended, row.waitlist_demand) for row in self.rows])


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def monthly_stats(
    branches: Iterable[Branch], first_month: date, last_month: date, now: datetime
) -> StatsReport:
    branches = list(branches)
    report = StatsReport(first_month=first_month, last_month=last_month)
    if not branches or last_month < first_month:
        return report
    by_key: dict[tuple[int, date], MonthStats] = {}
    # Widen the UTC window by a day on each side; each event is then placed by its local start.
    start = local_to_utc(datetime.combine(first_month, time.min), "UTC")
    end = local_to_utc(datetime.combine(add_months(last_month, 1), time.min), "UTC")
    events = (
        db.session.execute(
            select(Event)
            .options(joinedload(Event.branch))
            .where(
                Event.branch_id.in_([branch.id for branch in branches]),
                Event.starts_at >= start - timedelta(days=1),
                Event.starts_at < end + timedelta(days=1),
            )
        )
        .scalars()
        .all()
    )
    placed: dict[int, tuple[Event, date]] = {}
    for event in events:
        local_month = month_start(to_local(event.starts_at, event.branch.timezone).date())
        if first_month <= local_month <= last_month:
            placed[event.id] = (event, local_month)
    counts = seat_counts(placed.keys())
    by_category: dict[str, CategoryStats] = {}
    by_month = {month: MonthStats(month=month) for month in _months(first_month, last_month)}
    for event, month in placed.values():
        key = (event.branch_id, month)
        row = by_key.get(key)
        if row is None:
            row = by_key[key] = MonthStats(branch=event.branch, month=month)
        category = by_category.setdefault(event.category, CategoryStats(category=event.category))
        count = counts.get(event.id, SeatCount())
        for figures in (row, category, by_month[month], report.total):
            figures.add(event, count, now)
    order = {
        branch.id: index for index, branch in enumerate(sorted(branches, key=lambda b: b.name))
    }
    report.rows = sorted(
        by_key.values(),
        key=lambda r: (order[r.branch.id], r.month),  # type: ignore[union-attr]
    )
    report.categories = sorted(by_category.values(), key=lambda c: (-c.seats, c.category))
    report.months = list(by_month.values())
    return report


def _months(first_month: date, last_month: date) -> list[date]:
    months = [first_month]
    while months[-1] < last_month:
        months.append(add_months(months[-1], 1))
    return months


def rate_text(rate: float | None) -> str:
    """A share as a whole percent in the current locale; a dash when there is nothing to
    measure."""
    return "—" if rate is None else format_percent(rate)


def stats_csv(report: StatsReport) -> bytes:
    header = [
        _("Branch"),
        _("Month"),
        _("Events"),
        _("Cancelled events"),
        _("Registrations"),
        _("Seats"),
        _("Attended"),
        _("No-shows"),
        _("Waitlist demand (seats)"),
        _("No-show rate"),
        _("Released seats"),
    ]
    return csv_bytes(
        header,
        (
            (
                row.branch.name if row.branch else "",
                row.month.strftime("%Y-%m"),
                row.events,
                row.cancelled_events,
                row.registrations,
                row.seats,
                row.attended,
                row.no_shows,
                row.waitlist_demand,
                rate_text(row.no_show_rate),
                row.released,
            )
            for row in report.rows
        ),
    )
