"""Statistics per branch and month (of the event's start, in the branch's time zone).

Definitions, per branch and month:
- events: scheduled events (cancelled ones are counted apart);
- registrations and seats: confirmed parties and their seats;
- attended: seats of confirmed parties checked in, plus head counts of drop-in events;
- no-shows: confirmed seats not checked in, for events that have ended;
- waitlist demand: seats of every party that joined the waitlist: those still waiting, those
  promoted later (confirmed after they registered) and those who gave up while waiting (cancelled
  before ever being confirmed).
Everything comes from two queries, whatever the number of events.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Branch, Event, Registration
from ..models.registration import STATUS_CANCELLED, STATUS_CONFIRMED, STATUS_WAITLISTED
from ..timeutil import local_to_utc, to_local
from .attendance import CSV_DELIMITER, spreadsheet_safe

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


def parse_month(value: str | None) -> date | None:
    """``YYYY-MM`` -> the first day of that month; None if missing or malformed."""
    if not value or len(value) != 7 or value[4] != "-":
        return None
    try:
        year, month = int(value[:4]), int(value[5:])
        return date(year, month, 1) if 1900 <= year <= 9999 else None
    except ValueError:
        return None


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
    totals = _registration_totals(placed.keys())
    for event, month in placed.values():
        key = (event.branch_id, month)
        row = by_key.get(key)
        if row is None:
            row = by_key[key] = MonthStats(branch=event.branch, month=month)
        if event.is_cancelled:
            row.cancelled_events += 1
            continue
        row.events += 1
        parties, seats, checked_in, waitlisted = totals.get(event.id, (0, 0, 0, 0))
        row.registrations += parties
        row.seats += seats
        row.waitlist_demand += waitlisted
        if event.is_drop_in:
            row.attended += event.headcount or 0
        else:
            row.capacity += event.capacity
            row.attended += checked_in
            if event.ends_at <= now:
                row.no_shows += seats - checked_in
    order = {
        branch.id: index for index, branch in enumerate(sorted(branches, key=lambda b: b.name))
    }
    report.rows = sorted(by_key.values(), key=lambda r: (order[r.branch.id], r.month))
    return report


def _registration_totals(event_ids: Iterable[int]) -> dict[int, tuple[int, int, int, int]]:
    ids = list(event_ids)
    if not ids:
        return {}
    confirmed = Registration.status == STATUS_CONFIRMED
    joined_waitlist = or_(
        Registration.status == STATUS_WAITLISTED,
        and_(confirmed, Registration.confirmed_at > Registration.created_at),
        and_(Registration.status == STATUS_CANCELLED, Registration.confirmed_at.is_(None)),
    )
    rows = db.session.execute(
        select(
            Registration.event_id,
            func.coalesce(func.sum(case((confirmed, 1), else_=0)), 0),
            func.coalesce(func.sum(case((confirmed, Registration.seats), else_=0)), 0),
            func.coalesce(
                func.sum(
                    case(
                        (confirmed & Registration.checked_in_at.is_not(None), Registration.seats),
                        else_=0,
                    )
                ),
                0,
            ),
            func.coalesce(func.sum(case((joined_waitlist, Registration.seats), else_=0)), 0),
        )
        .where(Registration.event_id.in_(ids))
        .group_by(Registration.event_id)
    ).all()
    return {row[0]: tuple(int(value) for value in row[1:]) for row in rows}  # type: ignore[misc]


def stats_csv(report: StatsReport) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    writer.writerow(
        [
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
    )
    for row in report.rows:
        writer.writerow(
            [
                spreadsheet_safe(row.branch.name),
                row.month.strftime("%Y-%m"),
                row.events,
                row.cancelled_events,
                row.registrations,
                row.seats,
                row.attended,
                row.no_shows,
                row.waitlist_demand,
            ]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
