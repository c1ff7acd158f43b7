"""Personal data kept only as long as needed: names and addresses of long-past events go.

A registration whose event ended more than the retention period ago keeps its status, seats,
times and source (what the statistics count) and loses its name and address; the no-shows among them
keep only a keyed HMAC of the address for the twelve months of the no-show history
(``no_shows``); the mail written to it leaves the outbox once it has been sent (or has failed for good). Running the purge again changes nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update

from ..extensions import db
from ..models import Event, OutboxMessage, Registration
from ..models.outbox import OUTBOX_FAILED, OUTBOX_SENT
from . import no_shows


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
