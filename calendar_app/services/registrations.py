"""Registrations: the only code that changes seats.

Every change that counts seats first locks the event row (``lock_event``: ``SELECT ... FOR
UPDATE`` on PostgreSQL; on SQLite the writing transaction already began with ``BEGIN
IMMEDIATE``), so confirmed seats never exceed the capacity whatever the concurrency.
``seats.seat_counts`` is the query behind every figure about seats (pages, API, rosters,
statistics, the capacity rule of event edits, cancellations and promotions); a newcomer's
registration reads only the figures it decides on (``seats.OpenSeats``), with the same rule for
what it may take (``seats.NewcomerSeats``). It locks the row through ``lock_event_terms``, which
reads the event's terms without an ORM object, and sends what it writes under the lock straight
to the driver (``database.DriverStatement``): every other registration for the event waits on it.

The waitlist is strictly first come, first served: while anyone is waiting, a new registration
waits behind them even if it would fit, and when seats free up the queue is promoted from its
head; a party too large for the freed seats keeps its place and blocks those behind it until
enough seats are free. The one exception is a party larger than the whole capacity (possible only
after staff lowered it): it could never be seated, so it is passed over instead of blocking the
queue for good (it keeps its place should the capacity rise again).
"""

from __future__ import annotations

import re
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import and_, func, or_, select

from ..extensions import db
from ..models import Event, Registration
from ..models.event import STATUS_SCHEDULED
from ..models.registration import (
    SOURCE_WALK_IN,
    SOURCES,
    STATUS_CANCELLED,
    STATUS_CONFIRMED,
    STATUS_WAITLISTED,
)
from ..operations.metrics import counted_registration
from ..security import hash_token, registration_manage_token
from . import course_bookings, mail, no_shows
from .errors import Conflict, InvalidInput
from .registration_rules import (
    RegistrationResult,
    add_row,
    check_address_is_new,
    check_takes_registrations,
    new_row,
    set_status,
)
from .seats import EventTerms, OpenSeats, lock_event, lock_event_terms, open_seats, seat_count
from .validation import registration_fields

_TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,128}$")


def _decide_status(
    event: EventTerms, seats: int, count: OpenSeats, source: str, override: bool
) -> str:
    """Confirmed, waitlisted, or a Conflict saying why neither is possible."""
    if override or seats <= count.available:
        return STATUS_CONFIRMED
    if seats > event.capacity:
        raise Conflict(
            _("This event has %(capacity)d seats in all.", capacity=event.capacity), field="seats"
        )
    if source == SOURCE_WALK_IN:
        raise Conflict(
            _(
                "Not enough seats are left. Tick “%(label)s” to seat them anyway.",
                label=_("Add even though the event is full"),
            ),
            field="seats",
        )
    if event.waitlist_enabled:
        return STATUS_WAITLISTED
    if count.available > 0:
        raise Conflict(
            ngettext(
                "Only %(num)d seat is free now.",
                "Only %(num)d seats are free now.",
                count.available,
            ),
            field="seats",
        )
    raise Conflict(_("Sorry, this event is full."))


@counted_registration
def register(
    event_id: int,
    *,
    name: object,
    email: object,
    seats: object,
    language: str,
    source: str,
    now: datetime,
    override_capacity: bool = False,
    notify: bool = True,
    photo_consent: object = False,
) -> RegistrationResult:
    """Register a party: confirmed if seats are left, waitlisted if the event keeps a waitlist.

    Raises InvalidInput (bad fields), NotFound (no such event) or Conflict (closed, cancelled,
    full without a waitlist, or the address already registered). A walk-in party is never
    waitlisted: it is seated, or refused unless ``override_capacity`` seats it beyond the
    capacity on purpose. ``notify=False`` queues no mail (the demo season). ``photo_consent``
    is the party's yes (True) to being photographed; anything but a bool is refused.
    """
    if source not in SOURCES:
        raise ValueError(f"unknown registration source {source!r}")
    name, address, address_key, seats, language, consent = registration_fields(
        name,
        email,
        seats,
        language,
        address_optional=source == SOURCE_WALK_IN,
        photo_consent=photo_consent,
    )
    # What does not depend on the seats is done before the lock that every other
    # registration for the event waits on: the row, its secrets and the address's standing.
    registration = new_row(
        event_id,
        name=name,
        address=address,
        address_key=address_key,
        seats=seats,
        status=None,
        language=language,
        source=source,
        now=now,
        photo_consent=consent,
    )
    token = registration_manage_token(registration)
    standing = no_shows.standing(address_key, source, now)
    event = lock_event_terms(event_id)
    if seats > event.max_party:
        raise InvalidInput(
            {"seats": [_("At most %(max)d seats per registration.", max=event.max_party)]}
        )
    if source != SOURCE_WALK_IN and event.is_whole_series_date:
        raise course_bookings.single_date_refusal(event.series_id)
    check_takes_registrations(event, now, source)
    count = open_seats(event.id)
    try:
        status = _decide_status(event, seats, count, source, override_capacity)
        standby = _on_standby(event, status, standing, now)
    except Conflict:
        # An address registered already is told so rather than why it could not have a seat.
        # On the way to a seat the unique index on event and address is the check (add_row):
        # one query less under the lock.
        check_address_is_new((event.id,), address_key)
        raise
    if standby:
        status = STATUS_WAITLISTED
    set_status(registration, status, now)
    registration.standby = standby
    kind = mail.REGISTERED if status == STATUS_CONFIRMED else mail.WAITLISTED
    add_row(registration, mail.new_message(kind, registration, now) if notify else None)
    return RegistrationResult(
        registration=registration,
        token=token,
        status=status,
        waitlist_position=_position_of_newcomer(count, standby)
        if status == STATUS_WAITLISTED
        else None,
    )


def _on_standby(
    event: EventTerms, status: str, standing: no_shows.Standing | None, now: datetime
) -> bool:
    """Whether the no-show policy puts this party on standby (or refuses it: no waitlist)."""
    if standing is None:
        return False
    if not event.waitlist_enabled:
        raise no_shows.refusal(standing, event.timezone)
    return status == STATUS_WAITLISTED or now < no_shows.standby_release(event)


def _position_of_newcomer(count: OpenSeats, standby: bool) -> int:
    """Where a new waiting party stands: behind everyone, or, if not on standby, behind the
    other parties not on standby."""
    ahead = count.waiting_parties if standby else count.waiting_parties - count.standby_parties
    return ahead + 1


def promote_waitlist(event: Event, now: datetime) -> list[Registration]:
    """Confirm waiting parties in order while they fit; returns those promoted.

    Call it in the transaction that freed the seats; it locks the event row itself.
    """
    event = lock_event(event.id)
    if event.is_cancelled or event.is_drop_in or now >= event.ends_at:
        return []
    if event.series_id is not None and event.series.is_whole_series:
        return course_bookings.promote_course(event.series_id, now)
    free = seat_count(event.id).free
    waiting = (
        db.session.execute(
            select(Registration)
            .where(Registration.event_id == event.id, Registration.status == STATUS_WAITLISTED)
            .order_by(Registration.standby, Registration.id)
        )
        .scalars()
        .all()
    )
    standby_seated = now >= no_shows.standby_release(event)
    promoted: list[Registration] = []
    for registration in waiting:
        if free <= 0 or (registration.standby and not standby_seated):
            break
        if registration.seats > event.capacity:
            continue  # could never be seated; it must not hold up the queue
        if registration.seats > free:
            break  # strict first come, first served: it waits for more seats, and so do others
        registration.status = STATUS_CONFIRMED
        registration.confirmed_at = now
        registration.updated_at = now
        free -= registration.seats
        promoted.append(registration)
    db.session.flush()
    for registration in promoted:
        mail.enqueue(mail.PROMOTED, registration, now)
    return promoted


def cancel(
    registration: Registration, now: datetime, *, mail_kind: str = mail.CANCELLED_BY_VISITOR
) -> list[Registration]:
    """Cancel a registration and promote the waitlist; returns the registrations promoted.

    ``mail_kind`` is the mail that tells the party (by default: cancelled as they asked).
    """
    if registration.booking_id is not None:
        return course_bookings.cancel_booking(registration, now)
    event = lock_event(registration.event_id)
    db.session.refresh(registration)
    if registration.status == STATUS_CANCELLED:
        raise Conflict(_("This registration is already cancelled."))
    registration.status = STATUS_CANCELLED
    registration.cancelled_at = now
    registration.updated_at = now
    db.session.flush()
    mail.enqueue(mail_kind, registration, now)
    return promote_waitlist(event, now)


def _check_door(registration: Registration) -> None:
    """What every check-in and undo needs: a confirmed party of an event still on."""
    if registration.event.is_cancelled:
        raise Conflict(_("This event has been cancelled."))
    if registration.status != STATUS_CONFIRMED:
        raise Conflict(_("Only confirmed registrations can be checked in."))


def check_in(registration: Registration, staff_id: int | None, now: datetime) -> Registration:
    """Mark a confirmed party as arrived."""
    _check_door(registration)
    if registration.checked_in_at is not None:
        raise Conflict(_("This registration is already checked in."))
    registration.checked_in_at = now
    registration.checked_in_by_id = staff_id
    registration.updated_at = now
    db.session.flush()
    return registration


def undo_check_in(registration: Registration, now: datetime) -> Registration:
    """Take back a check-in made by mistake."""
    _check_door(registration)
    if registration.checked_in_at is None:
        raise Conflict(_("This registration is not checked in."))
    registration.checked_in_at = None
    registration.checked_in_by_id = None
    registration.updated_at = now
    db.session.flush()
    return registration


def add_walk_in(
    event_id: int,
    *,
    name: object,
    seats: object,
    staff_id: int | None,
    now: datetime,
    override_capacity: bool = False,
    photo_consent: object = False,
) -> Registration:
    """Seat a party that came without registering, checked in at once.

    Refused when the seats are not free, unless staff seat them beyond the capacity on purpose.
    ``photo_consent`` is the party's answer when staff asked it at the door.
    """
    event = lock_event(event_id)
    result = register(
        event.id,
        name=name,
        email=None,
        seats=seats,
        language=event.language,
        source=SOURCE_WALK_IN,
        now=now,
        override_capacity=override_capacity,
        photo_consent=photo_consent,
    )
    return check_in(result.registration, staff_id, now)


def _find_by_hash(column: object, secret: object) -> Registration | None:
    if not isinstance(secret, str) or not _TOKEN_PATTERN.match(secret):
        return None
    return db.session.execute(
        select(Registration).where(column == hash_token(secret))  # type: ignore[operator]
    ).scalar_one_or_none()


def find_by_token(token: object) -> Registration | None:
    """The registration whose manage token this is (cancelled ones included), or None."""
    return _find_by_hash(Registration.token_hash, token)


def find_by_checkin_code(code: object) -> Registration | None:
    """The registration whose door check-in code this is, or None."""
    return _find_by_hash(Registration.checkin_code_hash, code)


def waitlist_position(registration: Registration) -> int | None:
    """1 for the head of the queue; None unless the registration is waiting."""
    if registration.status != STATUS_WAITLISTED:
        return None
    if registration.booking_id is not None:
        return course_bookings.waitlist_position(registration)
    earlier = Registration.id < registration.id
    ahead = db.session.execute(
        select(func.count(Registration.id)).where(
            Registration.event_id == registration.event_id,
            Registration.status == STATUS_WAITLISTED,
            # Parties on standby wait behind every other waiting party.
            or_(Registration.standby.is_(False), earlier)
            if registration.standby
            else and_(Registration.standby.is_(False), earlier),
        )
    ).scalar_one()
    return ahead + 1


def seat_standby_parties(now: datetime) -> list[Registration]:
    """Seat parties waiting on standby at events whose standby release has come (run by
    ``send-reminders``); returns those seated. The caller commits."""
    candidates = db.session.execute(
        select(Event)
        .where(
            Event.status == STATUS_SCHEDULED,
            Event.starts_at > now,
            Event.id.in_(
                select(Registration.event_id).where(
                    Registration.status == STATUS_WAITLISTED, Registration.standby.is_(True)
                )
            ),
        )
        .order_by(Event.id)
    ).scalars()
    seated: list[Registration] = []
    for event in list(candidates):
        if now >= no_shows.standby_release(event):
            seated.extend(promote_waitlist(event, now))
    return seated
