"""Reminders before an event: one "still coming?" mail per confirmed registration, ever."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from ..extensions import db
from ..models import Event, Registration
from ..models.event import STATUS_SCHEDULED
from ..models.registration import STATUS_CONFIRMED
from . import mail


def reminder_key(registration: Registration) -> str:
    return f"reminder:{registration.id}"


def queue_reminders(now: datetime, within: timedelta) -> int:
    """Enqueue a reminder for each confirmed registration of an event starting within ``within``.

    Each registration is reminded once however often this runs: ``reminder_sent_at`` marks it and
    the outbox's unique ``dedupe_key`` backs that up. On PostgreSQL the registration rows are
    locked (rows another run holds are skipped); on SQLite the write lock serialises runs.
    Returns how many reminders were queued; the caller commits.
    """
    registrations = (
        db.session.execute(
            select(Registration)
            .join(Registration.event)
            .options(contains_eager(Registration.event))
            .where(
                Registration.status == STATUS_CONFIRMED,
                Registration.reminder_sent_at.is_(None),
                Registration.email.is_not(None),
                Event.status == STATUS_SCHEDULED,
                # Events that ask for confirmation send their own "still coming?" mail.
                Event.confirm_attendance_hours.is_(None),
                Event.starts_at > now,
                Event.starts_at <= now + within,
            )
            .order_by(Event.starts_at, Registration.id)
            .with_for_update(of=Registration, skip_locked=True)
        )
        .scalars()
        .all()
    )
    queued = 0
    for registration in registrations:
        message = mail.enqueue(
            mail.REMINDER, registration, now, dedupe_key=reminder_key(registration)
        )
        registration.reminder_sent_at = now
        if message is not None:
            queued += 1
    db.session.flush()
    return queued
