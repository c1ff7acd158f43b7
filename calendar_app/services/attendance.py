"""Attendance: rosters for the door, head counts of drop-in events and the roster export.

Seats are never changed here: check-in, walk-ins and cancellations go through
services/registrations.py, the only code that changes seats.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..models import Event, Registration
from ..models.registration import STATUS_CONFIRMED, STATUS_WAITLISTED
from ..timeutil import to_local
from .errors import InvalidInput
from .events import MAX_CAPACITY
from .seats import SeatCount, lock_event, seat_count
from .spreadsheets import csv_bytes


@dataclass
class Roster:
    """An event's registrations for the door: confirmed first, then the waitlist in order."""

    confirmed: list[Registration]
    waitlist: list[Registration]
    seats: SeatCount


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
    return Roster(
        confirmed=sorted(confirmed, key=_by_name),
        waitlist=waitlist,
        seats=seat_count(event_id),
    )


def _by_name(registration: Registration) -> tuple[str, int]:
    return ((registration.name or "").casefold(), registration.id)


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


def roster_csv(event: Event, data: Roster) -> bytes:
    """The roster as CSV for Excel: confirmed parties, then the waitlist in order."""
    zone = event.branch.timezone

    def local(moment: datetime | None) -> str:
        return to_local(moment, zone).strftime("%Y-%m-%d %H:%M") if moment else ""

    header = [
        _("Status"),
        _("Name"),
        _("E-mail address"),
        _("Seats"),
        _("Registered"),
        _("Checked in"),
        _("Source"),
        _("Waitlist position"),
    ]
    parties = [(r, None) for r in data.confirmed] + [
        (r, position) for position, r in enumerate(data.waitlist, start=1)
    ]
    return csv_bytes(
        header,
        (
            (
                _("confirmed") if position is None else _("waitlisted"),
                registration.name or "",
                registration.email or "",
                registration.seats,
                local(registration.created_at),
                local(registration.checked_in_at),
                registration.source,
                position or "",
            )
            for registration, position in parties
        ),
    )
