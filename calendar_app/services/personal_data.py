"""Personal data kept only as long as needed: names and addresses of long-past events go.

A registration whose event ended more than the retention period ago keeps its status, seats,
times and source (what the statistics count) and loses its name and address; the no-shows among them
keep only a keyed HMAC of the address for the twelve months of the no-show history
(``no_shows``); the mail written to it leaves the outbox once it has been sent (or has failed for good). Running the purge again changes nothing.

A visitor may also erase a registration's name and address from the manage page once the event
(every date of a booked course) is over (``erase_registration``), on the same terms.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import delete, or_, select, update

from ..extensions import db
from ..models import Event, OutboxMessage, Registration
from ..models.outbox import OUTBOX_FAILED, OUTBOX_PENDING, OUTBOX_SENT
from . import course_bookings, no_shows
from .errors import Conflict


def purge_personal_data(now: datetime, retention: timedelta) -> int:
    """Null the names and addresses of registrations for events that ended before
    ``now - retention``; returns how many registrations lost them. The caller commits."""
    ended = select(Event.id).where(Event.ends_at < now - retention)
    no_shows.keep_digests(ended, now)
    result = db.session.execute(
        update(Registration)
        .where(
            Registration.event_id.in_(ended),
            or_(Registration.name.is_not(None), Registration.email.is_not(None)),
        )
        .values(name=None, email=None, email_normalized=None)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        delete(OutboxMessage)
        .where(
            OutboxMessage.event_id.in_(ended),
            OutboxMessage.status.in_((OUTBOX_SENT, OUTBOX_FAILED)),
        )
        .execution_options(synchronize_session=False)
    )
    no_shows.forget_old_digests(now)
    db.session.expire_all()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _rows_of(registration: Registration) -> list[Registration]:
    """The registration, or every row of the course booking it belongs to."""
    if registration.booking_id is None:
        return [registration]
    return course_bookings.booking_rows(registration)


def erase_problem(registration: Registration, now: datetime) -> str | None:
    """Why the visitor cannot erase this registration's personal data now; None if they can."""
    rows = _rows_of(registration)
    if all(row.name is None and row.email is None for row in rows):
        return _("The name and address of this registration have already been removed.")
    if any(now < row.event.ends_at for row in rows):
        return _("You can remove your name and address once the event is over.")
    return None


def erase_registration(registration: Registration, now: datetime) -> int:
    """Remove the name and address of a registration whose event is over, as the purge would;
    returns how many rows lost them. A no-show keeps its keyed HMAC for the no-show history.
    The caller commits."""
    problem = erase_problem(registration, now)
    if problem is not None:
        raise Conflict(problem)
    ids = [row.id for row in _rows_of(registration)]
    no_shows.keep_registration_digests(ids, now)
    db.session.execute(
        update(Registration)
        .where(Registration.id.in_(ids))
        .values(name=None, email=None, email_normalized=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        delete(OutboxMessage)
        .where(
            OutboxMessage.registration_id.in_(ids),
            OutboxMessage.status.in_((OUTBOX_PENDING, OUTBOX_SENT, OUTBOX_FAILED)),
        )
        .execution_options(synchronize_session=False)
    )
    db.session.expire_all()
    return len(ids)
