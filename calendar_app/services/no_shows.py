"""The no-show history: parties that held seats and did not come, over the last twelve months.

A no-show is a confirmed party with an address, not checked in, at an event that took place
(scheduled, with registration, ended) and where the door used check-in (someone was checked
in), within ``WINDOW`` before now. A party is known by its normalised address while the
registration keeps it, and, once ``personal_data`` has purged the address, by its keyed HMAC
(``security.address_digest``), kept only for the window. ``NO_SHOW_LIMIT`` (0 or unset: off)
refuses online registration to an address with that many no-shows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import ngettext
from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import Event, Registration
from ..models.event import REGISTRATION_REQUIRED, STATUS_SCHEDULED
from ..models.registration import SOURCE_WALK_IN, STATUS_CONFIRMED
from ..security import address_digest
from .errors import Conflict

WINDOW = timedelta(days=365)


def no_show_condition(now: datetime) -> object:
    """The SQL condition on Registration joined with Event that makes a row a no-show."""
    door = aliased(Registration)
    return and_(
        Registration.status == STATUS_CONFIRMED,
        Registration.checked_in_at.is_(None),
        Event.status == STATUS_SCHEDULED,
        Event.registration == REGISTRATION_REQUIRED,
        Event.ends_at <= now,
        Event.ends_at > now - WINDOW,
        exists().where(door.event_id == Event.id, door.checked_in_at.is_not(None)),
    )


def counts(address_keys: Iterable[str], now: datetime) -> dict[str, int]:
    """No-shows in the window per normalised address, in one query (addresses without any
    are left out)."""
    keys = sorted({key for key in address_keys if key})
    if not keys:
        return {}
    digests = {address_digest(key): key for key in keys}
    rows = db.session.execute(
        select(Registration.email_normalized, Registration.address_digest)
        .join(Event, Event.id == Registration.event_id)
        .where(
            no_show_condition(now),  # type: ignore[arg-type]
            or_(
                Registration.email_normalized.in_(keys),
                Registration.address_digest.in_(list(digests)),
            ),
        )
    ).all()
    # A row still holding its address matched by it; a purged one by its digest.
    return dict(Counter(key if key is not None else digests[digest] for key, digest in rows))


def roster_counts(registrations: Iterable[Registration], now: datetime) -> dict[int, int]:
    """No-shows per registration id of a roster (only those with any)."""
    parties = [r for r in registrations if r.email_normalized]
    by_key = counts((r.email_normalized or "" for r in parties), now)
    return {r.id: by_key[r.email_normalized or ""] for r in parties if r.email_normalized in by_key}


def check_limit(address_key: str | None, source: str, now: datetime) -> None:
    """Refuse an online registration from an address at or over ``NO_SHOW_LIMIT``."""
    limit = int(current_app.config.get("NO_SHOW_LIMIT") or 0)
    if limit <= 0 or not address_key or source == SOURCE_WALK_IN:
        return
    missed = counts([address_key], now).get(address_key, 0)
    if missed >= limit:
        raise Conflict(
            ngettext(
                "This address held seats and did not come %(num)d time in the last 12 months, "
                "so it cannot register online for now. Please contact the library.",
                "This address held seats and did not come %(num)d times in the last 12 months, "
                "so it cannot register online for now. Please contact the library.",
                missed,
            )
        )


def keep_digests(event_ids: object, now: datetime) -> None:
    """Before a purge removes addresses: keep the HMAC of the no-shows among them."""
    rows = db.session.execute(
        select(Registration.id, Registration.email_normalized)
        .join(Event, Event.id == Registration.event_id)
        .where(
            Registration.event_id.in_(event_ids),  # type: ignore[arg-type]
            Registration.email_normalized.is_not(None),
            no_show_condition(now),  # type: ignore[arg-type]
        )
    ).all()
    for registration_id, key in rows:
        db.session.execute(
            Registration.__table__.update()
            .where(Registration.id == registration_id)
            .values(address_digest=address_digest(key))
        )


def forget_old_digests(now: datetime) -> None:
    """Digests of events older than the window are no longer needed."""
    old = select(Event.id).where(Event.ends_at <= now - WINDOW)
    db.session.execute(
        Registration.__table__.update()
        .where(Registration.event_id.in_(old), Registration.address_digest.is_not(None))
        .values(address_digest=None)
    )
