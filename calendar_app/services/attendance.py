"""Attendance: rosters for the door, head counts of drop-in events and the roster export.

Seats are never changed here: check-in, walk-ins and cancellations go through
services/registrations.py, the only code that changes seats.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import pgettext
from sqlalchemy import func, select

from ..extensions import db
from ..models import Event, Registration
from ..models.registration import SOURCE_WALK_IN, STATUS_CONFIRMED, STATUS_WAITLISTED
from ..timeutil import to_local
from .errors import InvalidInput
from .events import MAX_CAPACITY
from .photo_consent import parties_without_consent
from .seats import SeatCount, lock_event, seat_count
from .spreadsheets import csv_bytes
from .validation import has_control_characters

MAX_SEARCH_LENGTH = 200


@dataclass(frozen=True)
class DoorCounts:
    """What the door keeps in view: seats checked in, expected (confirmed), of walk-ins, free."""

    checked_in: int
    expected: int
    walk_ins: int
    free: int


@dataclass
class Roster:
    """An event's registrations for the door: confirmed first, then the waitlist in order.

    ``seats`` and ``counts`` always describe the whole event, also when the parties are narrowed
    down by a search.
    """

    confirmed: list[Registration]
    waitlist: list[Registration]
    seats: SeatCount
    counts: DoorCounts
    search: str | None = None
    # Confirmed parties that did not agree to be photographed (the whole event, as ``counts``).
    no_photos: int = 0

    @property
    def parties(self) -> int:
        return len(self.confirmed) + len(self.waitlist)

    def matching(self, search: str | None) -> Roster:
        """The parties whose name or address holds ``search`` (see ``parse_search``)."""
        if not search:
            return self
        return replace(
            self,
            confirmed=[r for r in self.confirmed if matches(r, search)],
            waitlist=[r for r in self.waitlist if matches(r, search)],
            search=search,
        )


def _folded(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


def parse_search(raw: str | None) -> str | None:
    """The roster's ``q``: trimmed and compared case-insensitively; None when empty.

    Matching happens in Python on the parties already loaded, so Kazakh and Russian letters
    fold the same on SQLite and PostgreSQL and ``%`` or ``_`` are plain characters.
    """
    if raw is None:
        return None
    if len(raw) > MAX_SEARCH_LENGTH:
        raise InvalidInput(
            {"q": [_("This is too long (%(limit)d characters at most).", limit=MAX_SEARCH_LENGTH)]}
        )
    if has_control_characters(raw):
        raise InvalidInput({"q": [_("This contains characters that are not allowed.")]})
    return _folded(raw.strip()) or None


def search_text(registration: Registration) -> str:
    """What a search on the roster looks in: the name and the e-mail address, folded."""
    return _folded(" ".join(filter(None, (registration.name, registration.email))))


def matches(registration: Registration, search: str) -> bool:
    return search in search_text(registration)


def door_counts(event_id: int) -> DoorCounts:
    walk_ins = db.session.execute(
        select(func.coalesce(func.sum(Registration.seats), 0)).where(
            Registration.event_id == event_id,
            Registration.status == STATUS_CONFIRMED,
            Registration.source == SOURCE_WALK_IN,
        )
    ).scalar_one()
    return _door_counts(seat_count(event_id), int(walk_ins))


def _door_counts(seats: SeatCount, walk_ins: int) -> DoorCounts:
    return DoorCounts(
        checked_in=seats.checked_in, expected=seats.confirmed, walk_ins=walk_ins, free=seats.free
    )


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
    seats = seat_count(event_id)
    return Roster(
        confirmed=sorted(confirmed, key=_by_name),
        waitlist=waitlist,
        seats=seats,
        counts=_door_counts(seats, sum(r.seats for r in confirmed if r.source == SOURCE_WALK_IN)),
        no_photos=parties_without_consent(confirmed),
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
        pgettext("photo consent", "Photos"),
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
                _("allowed") if registration.photo_consent else _("No photos"),
            )
            for registration, position in parties
        ),
    )
