"""The no-show history: parties that held seats and did not come, over the last twelve months.

A no-show is a confirmed party with an address, not checked in, at an event that took place
(scheduled, with registration, ended) and where the door used check-in (someone was checked
in), within ``WINDOW`` before now. A party is known by its normalised address while the
registration keeps it, and, once ``personal_data`` has purged the address, by its keyed HMAC
(``security.address_digest``), kept only for the window.

``NO_SHOW_LIMIT`` (0 or unset: off): an online registration from an address with that many
no-shows goes on the waitlist *on standby* instead of being confirmed: it waits behind every
other waiting party (and newcomers do not wait behind it), and it is seated only from
``standby_release`` on, the attendance deadline of an event that asks for confirmation, else a
day before the start, when the seats nobody else claimed would otherwise stay empty. The mail
says why and until when (``Standing``). An event without a waitlist refuses such a registration.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from flask import current_app
from flask_babel import ngettext
from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import Event, Registration
from ..models.event import REGISTRATION_REQUIRED, STATUS_SCHEDULED
from ..models.registration import SOURCE_WALK_IN, STATUS_CONFIRMED
from ..security import address_digest
from ..timeutil import format_local_date
from .errors import Conflict

if TYPE_CHECKING:
    from .seats import EventTerms

WINDOW = timedelta(days=365)
# Seats still free this long before the start go to parties on standby (when the event does
# not ask for attendance confirmation; if it does, its deadline is the moment).
STANDBY_NOTICE = timedelta(hours=24)


@dataclass(frozen=True)
class Standing:
    """An address at or over ``NO_SHOW_LIMIT``: how many no-shows, and when the count falls
    below the limit again (the oldest ones age out of the window)."""

    missed: int
    limit: int
    until: datetime


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


def _no_show_ends(address_key: str, now: datetime) -> list[datetime]:
    """When each no-show of the address in the window ended, oldest first."""
    return list(
        db.session.execute(
            select(Event.ends_at)
            .join(Registration, Registration.event_id == Event.id)
            .where(
                no_show_condition(now),  # type: ignore[arg-type]
                or_(
                    Registration.email_normalized == address_key,
                    Registration.address_digest == address_digest(address_key),
                ),
            )
            .order_by(Event.ends_at)
        ).scalars()
    )


def standing(address_key: str | None, source: str, now: datetime) -> Standing | None:
    """The address's standing if ``NO_SHOW_LIMIT`` puts its online registrations on standby;
    None when the policy is off, the party is a walk-in, or the address is below the limit."""
    limit = int(current_app.config.get("NO_SHOW_LIMIT") or 0)
    if limit <= 0 or not address_key or source == SOURCE_WALK_IN:
        return None
    ends = _no_show_ends(address_key, now)
    if len(ends) < limit:
        return None
    # Below the limit again once the oldest (missed - limit + 1) no-shows have left the window.
    return Standing(missed=len(ends), limit=limit, until=ends[len(ends) - limit] + WINDOW)


def standby_release(event: Event | EventTerms) -> datetime:
    """From this moment seats still free go to the parties waiting on standby."""
    if event.confirm_attendance_hours is not None:
        return event.starts_at - timedelta(hours=event.confirm_attendance_hours)
    return event.starts_at - STANDBY_NOTICE


def refusal(standing: Standing, zone: str) -> Conflict:
    """Why an event without a waitlist cannot take a registration from this address."""
    return Conflict(
        ngettext(
            "This address held seats and did not come %(num)d time in the last 12 months, "
            "so it cannot register online for this event until %(date)s. "
            "Please contact the library.",
            "This address held seats and did not come %(num)d times in the last 12 months, "
            "so it cannot register online for this event until %(date)s. "
            "Please contact the library.",
            standing.missed,
            date=format_local_date(standing.until, zone, "long"),
        )
    )


def keep_digests(event_ids: object, now: datetime) -> None:
    """Before a purge removes addresses: keep the HMAC of the no-shows among them."""
    _keep_digests(Registration.event_id.in_(event_ids), now)  # type: ignore[arg-type]


def keep_registration_digests(registration_ids: list[int], now: datetime) -> None:
    """Before a visitor erases a registration's address: keep its HMAC if it was a no-show."""
    _keep_digests(Registration.id.in_(registration_ids), now)


def _keep_digests(rows_condition: object, now: datetime) -> None:
    rows = db.session.execute(
        select(Registration.id, Registration.email_normalized)
        .join(Event, Event.id == Registration.event_id)
        .where(
            rows_condition,  # type: ignore[arg-type]
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
