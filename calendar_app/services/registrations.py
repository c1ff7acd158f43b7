"""Registrations: the only code that changes seats, and the one place that counts them.

Every change that counts seats first locks the event row (``lock_event``: ``SELECT ... FOR
UPDATE`` on PostgreSQL; on SQLite the writing transaction already began with ``BEGIN
IMMEDIATE``), so confirmed seats never exceed the capacity whatever the concurrency.
``seat_counts`` is the one query behind every figure about seats (pages, API, rosters,
statistics, the capacity rule of event edits).

The waitlist is strictly first come, first served: while anyone is waiting, a new registration
waits behind them even if it would fit, and when seats free up the queue is promoted from its
head; a party too large for the freed seats keeps its place and blocks those behind it until
enough seats are free. The one exception is a party larger than the whole capacity (possible only
after staff lowered it): it could never be seated, so it is passed over instead of blocking the
queue for good (it keeps its place should the capacity rise again).
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Event, Registration
from ..models.registration import (
    SOURCE_WALK_IN,
    SOURCES,
    STATUS_CANCELLED,
    STATUS_CONFIRMED,
    STATUS_WAITLISTED,
)
from ..security import generate_token, hash_token, registration_manage_token
from ..vocabulary import LANGUAGES
from . import mail
from .errors import Conflict, InvalidInput, NotFound
from .seats import SeatCount, seat_count
from .validation import clean_email, clean_name

_TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,128}$")


@dataclass(frozen=True)
class RegistrationResult:
    """A new registration, its secret manage token (never stored) and its status."""

    registration: Registration
    token: str
    status: str
    waitlist_position: int | None = None  # at the time of registering; 1 is the head


def lock_event(event_id: int) -> Event:
    """Load an event and lock its row (PostgreSQL) before counting seats or changing it."""
    event = db.session.execute(
        select(Event).where(Event.id == event_id).with_for_update()
    ).scalar_one_or_none()
    if event is None:
        raise NotFound(_("No such event."))
    return event


def checkin_code_for(token: str) -> str:
    """The door check-in code of a registration, derived one-way from its manage token.

    A photo of the QR code (which carries this code) therefore cannot be used to manage or
    cancel the registration.
    """
    digest = hashlib.sha256(("checkin:" + token).encode("utf-8")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _check_seats(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput({"seats": [_("Enter the number of seats as a whole number.")]})
    if value < 1:
        raise InvalidInput({"seats": [_("Register at least one seat.")]})
    return value


def _validate(
    name: object, email: object, seats: object, language: object, source: str
) -> tuple[str, str | None, str | None, int, str]:
    """Check every field, collecting all errors before touching the database."""
    errors: dict[str, list[str]] = {}
    clean: dict[str, object] = {}
    no_email = email is None or (isinstance(email, str) and not email.strip())
    checks = {
        "name": lambda: clean_name(name),
        "email": lambda: (
            (None, None) if source == SOURCE_WALK_IN and no_email else clean_email(email)
        ),
        "seats": lambda: _check_seats(seats),
    }
    for field, check in checks.items():
        try:
            clean[field] = check()
        except InvalidInput as error:
            for key, messages in error.errors.items():
                errors.setdefault(key, []).extend(messages)
    if language not in LANGUAGES:
        errors.setdefault("language", []).append(_("Unknown language."))
    if errors:
        raise InvalidInput(errors)
    address, address_key = clean["email"]  # type: ignore[misc]
    return clean["name"], address, address_key, clean["seats"], language  # type: ignore[return-value]


def _check_event_takes_registrations(event: Event, now: datetime, source: str) -> None:
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


def _has_active_registration(event_id: int, email_key: str) -> bool:
    return (
        db.session.execute(
            select(Registration.id).where(
                Registration.event_id == event_id,
                Registration.email_normalized == email_key,
                Registration.status != STATUS_CANCELLED,
            )
        ).first()
        is not None
    )


def _duplicate() -> Conflict:
    return Conflict(_("This e-mail address is already registered for this event."), field="email")


def _decide_status(event: Event, seats: int, count: SeatCount, source: str, override: bool) -> str:
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
    raise Conflict(_("Sorry, this event is full."))


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
) -> RegistrationResult:
    """Register a party: confirmed if seats are left, waitlisted if the event keeps a waitlist.

    Raises InvalidInput (bad fields), NotFound (no such event) or Conflict (closed, cancelled,
    full without a waitlist, or the address already registered). A walk-in party is never
    waitlisted: it is seated, or refused unless ``override_capacity`` seats it beyond the
    capacity on purpose. ``notify=False`` queues no mail (the demo season).
    """
    if source not in SOURCES:
        raise ValueError(f"unknown registration source {source!r}")
    name, address, address_key, seats, language = _validate(name, email, seats, language, source)
    event = lock_event(event_id)
    if seats > event.max_party:
        raise InvalidInput(
            {"seats": [_("At most %(max)d seats per registration.", max=event.max_party)]}
        )
    _check_event_takes_registrations(event, now, source)
    if address_key is not None and _has_active_registration(event.id, address_key):
        raise _duplicate()
    count = seat_count(event.id)
    status = _decide_status(event, seats, count, source, override_capacity)

    registration = Registration(
        event_id=event.id,
        name=name,
        email=address,
        email_normalized=address_key,
        seats=seats,
        status=status,
        language=language,
        source=source,
        token_hash=hash_token(generate_token()),
        checkin_code_hash=hash_token(generate_token()),
        created_at=now,
        updated_at=now,
        confirmed_at=now if status == STATUS_CONFIRMED else None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(registration)
    except IntegrityError:
        # The unique index on (event, address) of active registrations: the same answer as
        # the check above, should two requests ever slip past it.
        raise _duplicate() from None
    # Keyed by the row's id, so the outbox can compute the token again for later mails.
    token = registration_manage_token(registration)
    registration.token_hash = hash_token(token)
    registration.checkin_code_hash = hash_token(checkin_code_for(token))
    if notify:
        kind = mail.REGISTERED if status == STATUS_CONFIRMED else mail.WAITLISTED
        mail.enqueue(kind, registration, now, token=token)
    return RegistrationResult(
        registration=registration,
        token=token,
        status=status,
        waitlist_position=count.waiting_parties + 1 if status == STATUS_WAITLISTED else None,
    )


def promote_waitlist(event: Event, now: datetime) -> list[Registration]:
    """Confirm waiting parties in order while they fit; returns those promoted.

    Call it in the transaction that freed the seats; it locks the event row itself.
    """
    event = lock_event(event.id)
    if event.is_cancelled or event.is_drop_in or now >= event.ends_at:
        return []
    free = seat_count(event.id).free
    waiting = (
        db.session.execute(
            select(Registration)
            .where(Registration.event_id == event.id, Registration.status == STATUS_WAITLISTED)
            .order_by(Registration.id)
        )
        .scalars()
        .all()
    )
    promoted: list[Registration] = []
    for registration in waiting:
        if free <= 0:
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


def cancel(registration: Registration, now: datetime) -> list[Registration]:
    """Cancel a registration and promote the waitlist; returns the registrations promoted."""
    event = lock_event(registration.event_id)
    db.session.refresh(registration)
    if registration.status == STATUS_CANCELLED:
        raise Conflict(_("This registration is already cancelled."))
    registration.status = STATUS_CANCELLED
    registration.cancelled_at = now
    registration.updated_at = now
    db.session.flush()
    mail.enqueue(mail.CANCELLED_BY_VISITOR, registration, now)
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
) -> Registration:
    """Seat a party that came without registering, checked in at once.

    Refused when the seats are not free, unless staff seat them beyond the capacity on purpose.
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
    ahead = db.session.execute(
        select(func.count(Registration.id)).where(
            Registration.event_id == registration.event_id,
            Registration.status == STATUS_WAITLISTED,
            Registration.id < registration.id,
        )
    ).scalar_one()
    return ahead + 1
