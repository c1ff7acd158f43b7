"""What every kind of registration shares: when an event takes them, one per address, new rows.

Used by services/registrations.py (one event) and services/course_bookings.py (a whole course);
neither changes seats through anything but these two modules.
"""

from __future__ import annotations

import base64
import functools
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import Select, bindparam, literal_column, select
from sqlalchemy.exc import IntegrityError

from ..database import insert_loaded, insert_loaded_pair
from ..extensions import db
from ..models import Event, OutboxMessage, Registration
from ..models.registration import SOURCE_WALK_IN, STATUS_CANCELLED, STATUS_CONFIRMED
from ..security import generate_token, hash_token, registration_manage_token
from .errors import Conflict
from .seats import EventTerms


@dataclass(frozen=True)
class RegistrationResult:
    """A new registration, its secret manage token (never stored) and its status."""

    registration: Registration
    token: str
    status: str
    waitlist_position: int | None = None  # at the time of registering; 1 is the head


def checkin_code_for(token: str) -> str:
    """The door check-in code of a registration, derived one-way from its manage token.

    A photo of the QR code (which carries this code) therefore cannot be used to manage or
    cancel the registration.
    """
    digest = hashlib.sha256(("checkin:" + token).encode("utf-8")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def readable_code(code: str) -> str:
    """A check-in code in groups of four characters, for reading aloud or typing (the mails
    and the manage page show it under the QR code)."""
    return " ".join(code[index : index + 4] for index in range(0, len(code), 4))


def check_takes_registrations(event: Event | EventTerms, now: datetime, source: str) -> None:
    """Refuse with a Conflict unless ``event`` takes a registration from ``source`` at ``now``."""
    if event.is_cancelled:
        raise Conflict(_("This event has been cancelled."))
    if event.is_drop_in:
        raise Conflict(_("This event needs no registration: just come."))
    if now >= event.ends_at:
        raise Conflict(_("This event is over."))
    if source == SOURCE_WALK_IN:
        return  # staff add walk-ins at the door, outside the visitors' window
    if event.opens_at is not None and now < event.opens_at:
        raise Conflict(_("Registration for this event has not opened yet."))
    if now >= event.effective_closes_at:
        raise Conflict(_("Registration for this event is closed."))


def duplicate_conflict() -> Conflict:
    return Conflict(_("This e-mail address is already registered for this event."), field="email")


@functools.cache
def _active_registration_of_address() -> Select:
    """A registration of one of the events ``ids`` that holds the address ``key``: any status
    but cancelled, spelled out (not bound) so that PostgreSQL's generic plans can use the partial
    unique index on event and address."""
    return (
        select(Registration.id)
        .where(
            Registration.event_id.in_(bindparam("ids", expanding=True)),
            Registration.email_normalized == bindparam("key"),
            Registration.status != literal_column(f"'{STATUS_CANCELLED}'"),
            Registration.email_normalized.is_not(None),
        )
        .limit(1)
    )


def address_is_taken(event_ids: Iterable[int], email_key: str | None) -> bool:
    """Whether the address has an active registration for one of the events already (read
    under their locks; the unique index on event and address stands behind it, ``add_row``)."""
    if email_key is None:
        return False
    found = db.session.execute(
        _active_registration_of_address(), {"ids": list(event_ids), "key": email_key}
    ).first()
    return found is not None


def check_address_is_new(event_ids: Iterable[int], email_key: str | None) -> None:
    """One active registration per address and event (the database enforces it too)."""
    if address_is_taken(event_ids, email_key):
        raise duplicate_conflict()


def add_row(registration: Registration, message: OutboxMessage | None = None) -> None:
    """Insert a registration, with the outbox row of its first mail if there is one (written in
    the same statement where the database can); the unique index on (event, address) answers a
    duplicate (an address registered before, or a race) as such.

    After that refusal the transaction can only be rolled back, which is what the caller's
    ``unit_of_work`` does with the Conflict (no savepoint: two round trips fewer under the lock).
    """
    try:
        if message is None:
            insert_loaded(registration)
        else:
            insert_loaded_pair(registration, message, "registration_id")
    except IntegrityError as error:
        if not _is_address_taken(error):
            raise
        raise duplicate_conflict() from None


def _is_address_taken(error: IntegrityError) -> bool:
    """Whether the one-address-per-event index refused the row (not another constraint)."""
    diagnostics = getattr(error.orig, "diag", None)  # psycopg names the constraint
    if diagnostics is not None:
        return diagnostics.constraint_name == "uq_registrations_active_email"
    return "registrations.event_id, registrations.email_normalized" in str(error.orig)


def new_row(
    event_id: int,
    *,
    name: str,
    address: str | None,
    address_key: str | None,
    seats: int,
    status: str | None,
    language: str,
    source: str,
    now: datetime,
    photo_consent: bool = False,
    with_token: bool = True,
) -> Registration:
    """A new registration row with its final secrets: a random seed, and the hashes of the
    manage token derived from it and of that token's check-in code.

    ``status=None`` leaves the status to ``set_status``: a registration builds its row before
    it locks the event and decides the status under the lock, which is then held for less.

    ``with_token=False`` (the other dates of a course booking, managed through the booking's
    first row) gives the row unusable random hashes and no seed, so no mail carries a link to it.
    """
    registration = Registration(
        event_id=event_id,
        name=name,
        email=address,
        email_normalized=address_key,
        seats=seats,
        language=language,
        source=source,
        created_at=now,
        updated_at=now,
        photo_consent=photo_consent,
    )
    if status is not None:
        set_status(registration, status, now)
    if with_token:
        registration.token_seed = generate_token()
        issue_token(registration)
    else:
        registration.token_hash = hash_token(generate_token())
        registration.checkin_code_hash = hash_token(generate_token())
    return registration


def set_status(registration: Registration, status: str, now: datetime) -> None:
    """Give a new row its status (and, confirmed, the moment it was)."""
    registration.status = status
    registration.confirmed_at = now if status == STATUS_CONFIRMED else None


def issue_token(registration: Registration) -> str:
    """The manage token of a registration, its hashes stored on the row (changed only if they
    differ, so a new row is written once); later mails compute the same token again."""
    token = registration_manage_token(registration)
    token_hash, code_hash = hash_token(token), hash_token(checkin_code_for(token))
    if registration.token_hash != token_hash:
        registration.token_hash = token_hash
    if registration.checkin_code_hash != code_hash:
        registration.checkin_code_hash = code_hash
    return token
