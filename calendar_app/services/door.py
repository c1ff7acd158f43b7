"""At the door: may this registration be checked in now, and if not, why not.

One answer for every way in: the camera page (``/staff/scan``) checks in at once when the answer
is ``READY``; the confirm page a QR code opens in any other scanner app shows the same warnings
before its button. Seats are not touched here: the check-in itself is
``registrations.check_in``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Event, Registration
from ..models.event import REGISTRATION_REQUIRED, STATUS_SCHEDULED
from ..models.registration import STATUS_CANCELLED, STATUS_WAITLISTED
from ..timeutil import to_local
from . import course_bookings, registrations

CHECK_IN_PATH = "/staff/check-in/"
LONGEST_SCAN = 2000  # characters; no QR code of ours comes near it
# Events a door page offers: those going on now or starting within this time.
DOOR_HORIZON = timedelta(hours=18)

READY = "ready"
CHECKED_IN = "checked_in"
ALREADY_CHECKED_IN = "already_checked_in"
OTHER_EVENT = "other_event"
EVENT_CANCELLED = "event_cancelled"
CANCELLED = "cancelled"
WAITLISTED = "waitlisted"
OTHER_DAY = "other_day"


@dataclass(frozen=True)
class DoorCheck:
    """What the door says about one registration; ``kind`` is one of the constants above."""

    kind: str
    registration: Registration

    @property
    def event(self) -> Event:
        return self.registration.event

    @property
    def admitted(self) -> bool:
        return self.kind in (READY, CHECKED_IN)


def row_at_the_door(
    registration: Registration, now: datetime, event_id: int | None
) -> Registration:
    """The row a code stands for at the door: for a course booking, the date of the event the
    door is for (when it is one of the course's dates), else the date on now or the next one."""
    if registration.booking_id is not None and event_id is not None:
        for row in course_bookings.booking_rows(registration):
            if row.event_id == event_id:
                return row
    return course_bookings.row_for_the_door(registration, now)


def event_days(event: Event) -> tuple[date, date]:
    """The first and the last day of the event in its branch's time zone."""
    zone = event.branch.timezone
    first = to_local(event.starts_at, zone).date()
    # An event that ends at midnight does not take place on the next day.
    last = to_local(event.ends_at - timedelta(microseconds=1), zone).date()
    return first, max(first, last)


def is_event_day(event: Event, now: datetime) -> bool:
    first, last = event_days(event)
    return first <= to_local(now, event.branch.timezone).date() <= last


def door_check(registration: Registration, now: datetime, event_id: int | None = None) -> DoorCheck:
    """Whether the party may come in now; ``event_id`` is the event the door is for, if any.

    The first reason that applies wins: another event, the event cancelled, the registration
    cancelled, on the waitlist, already checked in, another day.
    """
    event = registration.event
    if event_id is not None and registration.event_id != event_id:
        kind = OTHER_EVENT
    elif event.is_cancelled:
        kind = EVENT_CANCELLED
    elif registration.status == STATUS_CANCELLED:
        kind = CANCELLED
    elif registration.status == STATUS_WAITLISTED:
        kind = WAITLISTED
    elif registration.checked_in_at is not None:
        kind = ALREADY_CHECKED_IN
    elif not is_event_day(event, now):
        kind = OTHER_DAY
    else:
        kind = READY
    return DoorCheck(kind, registration)


def check_in_at_the_door(
    registration: Registration, staff_id: int | None, now: datetime, event_id: int | None = None
) -> DoorCheck:
    """Check the party in if the door admits it now (``CHECKED_IN``); else say why not and
    change nothing. The row is locked first, so two phones scanning the same code at once get
    one check-in and one "already checked in"."""
    db.session.refresh(registration, with_for_update=True)
    check = door_check(registration, now, event_id)
    if check.kind != READY:
        return check
    registrations.check_in(registration, staff_id, now)
    return DoorCheck(CHECKED_IN, registration)


def code_from_scan(text: str, base_url: str) -> str | None:
    """The check-in code in what a scanner read: the code itself, or our check-in link
    (``BASE_URL/staff/check-in/<code>``, as the QR code holds it); None for anything else."""
    text = text.strip()
    prefix = base_url.rstrip("/") + CHECK_IN_PATH
    if text.startswith(prefix):
        text = text[len(prefix) :]
    if not text or "/" in text or ":" in text:
        return None
    return text


def events_at_the_door(branch_ids: set[int] | None, now: datetime) -> list[Event]:
    """Scheduled events that take registrations, going on now or starting soon, in the given
    branches (None: every branch), earliest first."""
    query = (
        select(Event)
        .options(joinedload(Event.branch), joinedload(Event.venue))
        .where(
            Event.status == STATUS_SCHEDULED,
            Event.registration == REGISTRATION_REQUIRED,
            Event.ends_at > now,
            Event.starts_at < now + DOOR_HORIZON,
        )
        .order_by(Event.starts_at, Event.id)
        .limit(50)
    )
    if branch_ids is not None:
        query = query.where(Event.branch_id.in_(branch_ids or {-1}))
    return list(db.session.execute(query).scalars())
