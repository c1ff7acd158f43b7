"""Whole-series registration: one party for every upcoming date of a course, all or nothing.

A booking is one registration row per upcoming occurrence, each holding the party's seats in
that event (so rosters, check-in, seat counts and statistics need nothing new); every row carries
the id of the first row, the lead, which holds the manage token. A booking is confirmed only
when every occurrence has the seats, under the locks of all of them (taken in id order, as the
single registrations take theirs); else it waits on the series, first come first served, and is
promoted the same way when seats free up. The course can be joined until its first date starts;
a single date of a course takes no registration of its own (walk-ins at the door aside).
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..extensions import db
from ..models import Event, Registration, Series
from ..models.event import STATUS_SCHEDULED
from ..models.registration import (
    STATUS_CANCELLED,
    STATUS_CONFIRMED,
    STATUS_WAITLISTED,
)
from ..operations.metrics import counted_registration
from ..security import registration_manage_token
from ..timeutil import as_utc
from . import mail
from .errors import Conflict, InvalidInput, NotFound
from .registration_rules import (
    RegistrationResult,
    add_row,
    check_address_is_new,
    check_takes_registrations,
    new_row,
)
from .seats import lock_events, seat_counts
from .validation import is_database_id, registration_fields


def single_date_refusal(series_id: int) -> Conflict:
    """Why a date of a whole-series course cannot be booked alone: the course is booked through
    its series only."""
    return Conflict(
        _(
            "This date is part of a course: register for the whole course (series %(id)d).",
            id=series_id,
        )
    )


def _upcoming(series_id: int, now: datetime) -> list[Event]:
    """The course's dates not yet started and not cancelled, locked, in date order."""
    ids = db.session.execute(
        select(Event.id).where(
            Event.series_id == series_id, Event.starts_at > now, Event.status == STATUS_SCHEDULED
        )
    ).scalars()
    return sorted(lock_events(ids), key=lambda event: (event.starts_at, event.id))


def _course(series_id: int) -> Series:
    series = db.session.get(Series, series_id) if is_database_id(series_id) else None
    if series is None:
        raise NotFound(_("There is no such series."))
    if not series.is_whole_series:
        raise Conflict(_("Each date of this series takes its own registrations."))
    return series


@counted_registration
def book_course(
    series_id: int,
    *,
    name: object,
    email: object,
    seats: object,
    language: str,
    source: str,
    now: datetime,
    notify: bool = True,
    photo_consent: object = False,
) -> RegistrationResult:
    """Book a party on every upcoming date of a course: confirmed everywhere, or waitlisted.

    ``notify=False`` queues no mail (the demo season). The photo consent holds for every date.
    """
    name, address, address_key, seats, language, consent = registration_fields(
        name, email, seats, language, address_optional=False, photo_consent=photo_consent
    )
    series = _course(series_id)
    first_start = db.session.execute(
        select(func.min(Event.starts_at)).where(Event.series_id == series.id)
    ).scalar_one()
    events = _upcoming(series.id, now)
    if not events or first_start is None or now >= as_utc(first_start):
        raise Conflict(_("This course has already begun."))
    lead_event = events[0]
    if seats > lead_event.max_party:
        raise InvalidInput(
            {"seats": [_("At most %(max)d seats per registration.", max=lead_event.max_party)]}
        )
    check_takes_registrations(lead_event, now, source)
    check_address_is_new((event.id for event in events), address_key)
    counts = seat_counts(event.id for event in events)
    smallest = min(event.capacity for event in events)
    if all(seats <= counts[event.id].available for event in events):
        status = STATUS_CONFIRMED
    elif seats > smallest:
        raise Conflict(
            _("This event has %(capacity)d seats in all.", capacity=smallest), field="seats"
        )
    elif lead_event.waitlist_enabled:
        status = STATUS_WAITLISTED
    else:
        raise Conflict(_("Sorry, this event is full."))
    rows = [
        new_row(
            event.id,
            name=name,
            address=address,
            address_key=address_key,
            seats=seats,
            status=status,
            language=language,
            source=source,
            now=now,
            photo_consent=consent,
            with_token=index == 0,
        )
        for index, event in enumerate(events)
    ]
    for row in rows:
        add_row(row)
    for row in rows:
        row.booking_id = rows[0].id
    token = registration_manage_token(rows[0])
    db.session.flush()
    if notify:
        kind = mail.REGISTERED if status == STATUS_CONFIRMED else mail.WAITLISTED
        mail.enqueue(kind, rows[0], now)
    return RegistrationResult(
        registration=rows[0],
        token=token,
        status=status,
        waitlist_position=waitlist_position(rows[0]) if status == STATUS_WAITLISTED else None,
    )


def booking_rows(lead: Registration) -> list[Registration]:
    """Every row of a booking, in date order."""
    return list(
        db.session.execute(
            select(Registration)
            .join(Event, Event.id == Registration.event_id)
            .where(Registration.booking_id == lead.booking_id)
            .order_by(Event.starts_at, Registration.id)
        ).scalars()
    )


def cancel_booking(registration: Registration, now: datetime) -> list[Registration]:
    """Cancel a booking on every date; the freed seats go to the course's waitlist."""
    lead = db.session.get(Registration, registration.booking_id)
    series_id = lead.event.series_id
    lock_events(row.event_id for row in booking_rows(lead))
    rows = booking_rows(lead)
    if lead.status == STATUS_CANCELLED:
        raise Conflict(_("This registration is already cancelled."))
    for row in rows:
        if row.status != STATUS_CANCELLED:
            row.status = STATUS_CANCELLED
            row.cancelled_at = now
            row.updated_at = now
    db.session.flush()
    mail.enqueue(mail.CANCELLED_BY_VISITOR, lead, now)
    return promote_course(series_id, now)


def promote_course(series_id: int, now: datetime) -> list[Registration]:
    """Confirm waiting bookings in order while every upcoming date has their seats.

    Returns the leads of the bookings promoted; each gets one mail.
    """
    events = _upcoming(series_id, now)
    if not events:
        return []
    free = {event_id: count.free for event_id, count in seat_counts(e.id for e in events).items()}
    capacity = min(event.capacity for event in events)
    promoted: list[Registration] = []
    for lead in _waiting_leads(series_id):
        rows = [row for row in booking_rows(lead) if row.status == STATUS_WAITLISTED]
        upcoming = [row for row in rows if row.event_id in free]
        if lead.seats > capacity:
            continue  # could never be seated; it must not hold up the queue
        if any(free[row.event_id] < lead.seats for row in upcoming):
            break  # first come, first served across the course
        for row in rows:
            row.status = STATUS_CONFIRMED
            row.confirmed_at = now
            row.updated_at = now
        for row in upcoming:
            free[row.event_id] -= row.seats
        promoted.append(lead)
    db.session.flush()
    for lead in promoted:
        mail.enqueue(mail.PROMOTED, lead, now)
    return promoted


def _waiting_leads(series_id: int) -> list[Registration]:
    return list(
        db.session.execute(
            select(Registration)
            .join(Event, Event.id == Registration.event_id)
            .where(
                Event.series_id == series_id,
                Registration.booking_id == Registration.id,
                Registration.status == STATUS_WAITLISTED,
            )
            .order_by(Registration.id)
        ).scalars()
    )


def waitlist_position(lead: Registration) -> int | None:
    """1 for the booking at the head of the course's queue; None unless it is waiting."""
    if lead.status != STATUS_WAITLISTED:
        return None
    return 1 + sum(other.id < lead.id for other in _waiting_leads(lead.event.series_id))


def row_for_the_door(registration: Registration, now: datetime) -> Registration:
    """The booking's row for the date on now (or the next one), for check-in by QR code."""
    if registration.booking_id is None:
        return registration
    rows = booking_rows(registration)
    current = [row for row in rows if as_utc(row.event.ends_at) > now]
    return current[0] if current else rows[-1]
