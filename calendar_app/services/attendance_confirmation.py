"""Attendance confirmation: "still coming?" before an event, and seats back from the silent.

An event with ``confirm_attendance_hours`` has a deadline that many hours before its start.
``ask_for_confirmation`` (run by ``send-reminders`` within its window of the deadline) asks every
confirmed party once, and marks the event as asked; parties seated after that (late
registrations, promotions) are never asked and count as confirmed. ``cancel_unconfirmed`` (run
after the deadline) cancels the parties that were asked and did not confirm, each with a mail,
and promotes the waitlist in the same transaction, through ``registrations``, the only code that
changes seats. Event rows are locked in id order before their parties are read, so two runs at
once ask and cancel each party once; the outbox's ``dedupe_key`` backs the asking up.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..models import Event, Registration
from ..models.event import STATUS_SCHEDULED
from ..models.registration import STATUS_CANCELLED, STATUS_CONFIRMED
from . import mail, registrations
from .errors import Conflict
from .events import MAX_CONFIRM_ATTENDANCE_HOURS
from .seats import lock_event

_LONGEST_NOTICE = timedelta(hours=MAX_CONFIRM_ATTENDANCE_HOURS)


def deadline(event: Event) -> datetime | None:
    """The moment by which confirmed parties must confirm; None if the event does not ask."""
    if event.confirm_attendance_hours is None:
        return None
    return event.starts_at - timedelta(hours=event.confirm_attendance_hours)


def ask_key(registration: Registration) -> str:
    return f"attendance-ask:{registration.id}"


def is_confirmed(registration: Registration, event: Event | None = None) -> bool:
    """Whether a party has confirmed it is coming (or was seated after the others were asked).

    ``event`` (the registration's, when the caller has it) saves loading it again.
    """
    if registration.status != STATUS_CONFIRMED:
        return False
    if registration.attendance_confirmed_at is not None:
        return True
    asked_event = (event or registration.event).attendance_asked_at is not None
    return asked_event and registration.attendance_asked_at is None


def awaits_confirmation(registration: Registration, now: datetime) -> bool:
    """Whether the manage page should offer the confirm button now."""
    return confirmation_problem(registration, now) is None and not is_confirmed(registration)


def confirmation_problem(registration: Registration, now: datetime) -> str | None:
    """Why this party cannot confirm now, in words for the visitor; None if it can."""
    event = registration.event
    if registration.status == STATUS_CANCELLED:
        return _("This registration is cancelled, so there is nothing to confirm.")
    if registration.status != STATUS_CONFIRMED:
        return _("You are on the waitlist: there is nothing to confirm until you have seats.")
    if event.is_cancelled:
        return _("This event has been cancelled.")
    limit = deadline(event)
    if limit is None:
        return _("This event does not ask you to confirm: your seats are kept.")
    if registration.attendance_confirmed_at is None and now >= limit:
        return _(
            "Too late: the time to confirm has passed and the seats have gone to others. "
            "You may register again while seats are available."
        )
    return None


def confirm(registration: Registration, now: datetime) -> Registration:
    """Record that the party is coming; confirming twice changes nothing."""
    lock_event(registration.event_id)
    db.session.refresh(registration)
    problem = confirmation_problem(registration, now)
    if problem is not None:
        raise Conflict(problem)
    if registration.attendance_confirmed_at is None:
        registration.attendance_confirmed_at = now
        registration.updated_at = now
        db.session.flush()
    return registration


def _events_to_check(now: datetime, *, asked: bool, within: timedelta) -> list[Event]:
    """Scheduled events that ask for confirmation and whose deadline may fall before
    ``now + within``, locked in id order."""
    marker = Event.attendance_asked_at
    return list(
        db.session.execute(
            select(Event)
            .where(
                Event.status == STATUS_SCHEDULED,
                Event.confirm_attendance_hours.is_not(None),
                marker.is_not(None) if asked else marker.is_(None),
                Event.ends_at > now,
                Event.starts_at <= now + within + _LONGEST_NOTICE,
            )
            .order_by(Event.id)
            .with_for_update(of=Event)
        ).scalars()
    )


def _parties(event: Event, *conditions: object) -> list[Registration]:
    return list(
        db.session.execute(
            select(Registration)
            .where(
                Registration.event_id == event.id,
                Registration.status == STATUS_CONFIRMED,
                Registration.booking_id.is_(None),
                Registration.attendance_confirmed_at.is_(None),
                *conditions,  # type: ignore[arg-type]
            )
            .order_by(Registration.id)
        ).scalars()
    )


def ask_for_confirmation(now: datetime, within: timedelta) -> int:
    """Ask the confirmed parties of events whose deadline falls within ``within`` of ``now``.

    Each event is asked once; returns how many mails were queued. The caller commits.
    """
    queued = 0
    for event in _events_to_check(now, asked=False, within=within):
        limit = deadline(event)
        if limit is None or not now < limit <= now + within:
            continue
        for registration in _parties(
            event, Registration.email.is_not(None), Registration.attendance_asked_at.is_(None)
        ):
            message = mail.enqueue(
                mail.ATTENDANCE_CHECK, registration, now, dedupe_key=ask_key(registration)
            )
            registration.attendance_asked_at = now
            registration.reminder_sent_at = now
            queued += message is not None
        event.attendance_asked_at = now
    db.session.flush()
    return queued


def cancel_unconfirmed(now: datetime) -> list[Registration]:
    """Cancel the parties asked and silent past the deadline; the waitlist moves up.

    Returns the cancelled registrations. The caller commits.
    """
    cancelled: list[Registration] = []
    for event in _events_to_check(now, asked=True, within=timedelta(0)):
        limit = deadline(event)
        if limit is None or now < limit:
            continue
        for registration in _parties(event, Registration.attendance_asked_at.is_not(None)):
            registrations.cancel(registration, now, mail_kind=mail.ATTENDANCE_LAPSED)
            cancelled.append(registration)
    return cancelled
