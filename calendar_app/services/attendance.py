"""Attendance: how full events are, rosters, head counts, the CSV export and the sign-in sheet.

Seats are never changed here: check-in, walk-ins and cancellations go through
services/registrations.py, the only code that changes seats.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import case, func, select

from ..extensions import db
from ..models import Event, Registration
from ..models.registration import STATUS_CONFIRMED, STATUS_WAITLISTED
from ..timeutil import to_local
from .errors import InvalidInput
from .events import MAX_CAPACITY, lock_event

CSV_DELIMITER = ";"  # what Excel expects where the decimal separator is a comma (kk, ru)
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Fill:
    """How full one event is."""

    confirmed_seats: int = 0
    confirmed_parties: int = 0
    waitlisted_seats: int = 0
    waitlisted_parties: int = 0
    checked_in_seats: int = 0


def fill_for(event_ids: Iterable[int]) -> dict[int, Fill]:
    """Seat counts for many events in one query (events with no registrations are absent)."""
    ids = list(set(event_ids))
    if not ids:
        return {}
    confirmed = Registration.status == STATUS_CONFIRMED
    waitlisted = Registration.status == STATUS_WAITLISTED
    rows = db.session.execute(
        select(
            Registration.event_id,
            func.coalesce(func.sum(case((confirmed, Registration.seats), else_=0)), 0),
            func.coalesce(func.sum(case((confirmed, 1), else_=0)), 0),
            func.coalesce(func.sum(case((waitlisted, Registration.seats), else_=0)), 0),
            func.coalesce(func.sum(case((waitlisted, 1), else_=0)), 0),
            func.coalesce(
                func.sum(
                    case(
                        (confirmed & Registration.checked_in_at.is_not(None), Registration.seats),
                        else_=0,
                    )
                ),
                0,
            ),
        )
        .where(Registration.event_id.in_(ids))
        .group_by(Registration.event_id)
    ).all()
    return {row[0]: Fill(*(int(value) for value in row[1:])) for row in rows}


@dataclass
class Roster:
    """An event's registrations for the door: confirmed first, then the waitlist in order."""

    confirmed: list[Registration]
    waitlist: list[Registration]
    fill: Fill


def roster(event_id: int) -> Roster:
    registrations = (
        db.session.execute(
            select(Registration)
            .where(
                Registration.event_id == event_id,
                Registration.status.in_((STATUS_CONFIRMED, STATUS_WAITLISTED)),
            )
            .order_by(Registration.id)
        )
        .scalars()
        .all()
    )
    confirmed = [r for r in registrations if r.status == STATUS_CONFIRMED]
    waitlist = [r for r in registrations if r.status == STATUS_WAITLISTED]
    fill = Fill(
        confirmed_seats=sum(r.seats for r in confirmed),
        confirmed_parties=len(confirmed),
        waitlisted_seats=sum(r.seats for r in waitlist),
        waitlisted_parties=len(waitlist),
        checked_in_seats=sum(r.seats for r in confirmed if r.checked_in_at is not None),
    )
    return Roster(confirmed=sorted(confirmed, key=_by_name), waitlist=waitlist, fill=fill)


def _by_name(registration: Registration) -> tuple[str, int]:
    return (registration.name.casefold(), registration.id)


def set_headcount(event: Event, headcount: int, now: datetime) -> Event:
    """Record how many people came to a drop-in event (no seats are involved)."""
    if not event.is_drop_in:
        raise InvalidInput({"headcount": [_("Events with registration are counted by check-in.")]})
    if not 0 <= headcount <= MAX_CAPACITY:
        raise InvalidInput(
            {"headcount": [_("Enter a number from 0 to %(max)d.", max=MAX_CAPACITY)]}
        )
    event = lock_event(event.id)
    event.headcount = headcount
    db.session.flush()
    return event


def spreadsheet_safe(value: object) -> object:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def roster_csv(event: Event, data: Roster) -> bytes:
    """The roster as CSV for Excel: UTF-8 with a BOM, ``;``-separated, CRLF, formulas defused."""
    zone = event.branch.timezone

    def local(moment: datetime | None) -> str:
        return to_local(moment, zone).strftime("%Y-%m-%d %H:%M") if moment else ""

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    writer.writerow(
        [
            _("Status"),
            _("Name"),
            _("E-mail address"),
            _("Seats"),
            _("Registered"),
            _("Checked in"),
            _("Source"),
            _("Waitlist position"),
        ]
    )
    rows = [(r, None) for r in data.confirmed] + [
        (r, position) for position, r in enumerate(data.waitlist, start=1)
    ]
    for registration, position in rows:
        writer.writerow(
            [
                spreadsheet_safe(value)
                for value in (
                    _("confirmed") if position is None else _("waitlisted"),
                    registration.name,
                    registration.email or "",
                    registration.seats,
                    local(registration.created_at),
                    local(registration.checked_in_at),
                    registration.source,
                    position or "",
                )
            ]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
