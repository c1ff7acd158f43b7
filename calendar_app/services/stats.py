"""Statistics per branch and month (of the event's start, in the branch's time zone).

Definitions, per branch and month:
- events: scheduled events (cancelled ones are counted apart);
- registrations and seats: confirmed parties and their seats;
- attended: seats of confirmed parties checked in, plus head counts of drop-in events;
- no-shows: confirmed seats not checked in, for events that have ended;
- waitlist demand: seats of every party that joined the waitlist: those still waiting, those
  promoted later (confirmed after they registered) and those who gave up while waiting (cancelled
  before ever being confirmed).
Everything comes from two queries, whatever the number of events: the events, and their seat
counts (services/seats.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Branch, Event
from ..timeutil import local_to_utc, to_local
from .seats import SeatCount, seat_counts
from .spreadsheets import csv_bytes

MAX_MONTHS = 36


@dataclass
class MonthStats:
    branch: Branch
    month: date  # the first day of the month
    events: int = 0
    cancelled_events: int = 0
    registrations: int = 0
    seats: int = 0
    attended: int = 0
    no_shows: int = 0
    waitlist_demand: int = 0
    capacity: int = 0

    @property
    def attendance_rate(self) -> float | None:
        past = self.attended + self.no_shows
        return None if not past else self.attended / past


@dataclass
class StatsReport:
    first_month: date
    last_month: date
    rows: list[MonthStats] = field(default_factory=list)

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
    for event, month in placed.values():
        key = (event.branch_id, month)
        row = by_key.get(key)
        if row is None:
            row = by_key[key] = MonthStats(branch=event.branch, month=month)
        if event.is_cancelled:
            row.cancelled_events += 1
            continue
        row.events += 1
        count = counts.get(event.id, SeatCount())
        row.registrations += count.confirmed_parties
        row.seats += count.confirmed
        row.waitlist_demand += count.joined_waitlist
        if event.is_drop_in:
            row.attended += event.headcount or 0
        else:
            row.capacity += event.capacity
            row.attended += count.checked_in
            if event.ends_at <= now:
                row.no_shows += count.confirmed - count.checked_in
    order = {
        branch.id: index for index, branch in enumerate(sorted(branches, key=lambda b: b.name))
    }
    report.rows = sorted(by_key.values(), key=lambda r: (order[r.branch.id], r.month))
    return report


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
    ]
    return csv_bytes(
        header,
        (
            (
                row.branch.name,
                row.month.strftime("%Y-%m"),
                row.events,
                row.cancelled_events,
                row.registrations,
                row.seats,
                row.attended,
                row.no_shows,
                row.waitlist_demand,
            )
            for row in report.rows
        ),
    )
