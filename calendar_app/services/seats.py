"""How the seats of events stand, what a visitor can get now, and the event lock.

``seat_counts`` is the query that counts seats: the pages, the API, rosters, statistics and the
rules in services/registrations.py (which alone changes seats) read it. The one exception is a
newcomer's registration, which locks its event through ``lock_event_terms`` and reads the four
figures it needs through ``open_seats``: one row, the event's ``EventSeatTally``, which triggers
keep with the registrations (counting a long waitlist under the lock cost a rush more with every
registration); both answer ``available`` through ``NewcomerSeats``.
Templates show what they say (seats left, the registration window, how full) instead of
computing it.

Every figure offered to a visitor is ``Availability.seats_left``: what a new party can get now
(0 while anyone regular is waiting). ``seat_state`` alone decides how an event's seats are
described (cards, the event page, the API's ``seat_state``), in this order: cancelled, ended,
drop-in, registration not open yet, closed, then, with the window open, full (no waitlist),
waitlist only, only a few left, plenty. "Only a few" is at most ``FEW_SEATS`` seats or
``FEW_SEATS_PERCENT`` of the capacity, whichever is more: a party or two, or the last tenth.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import Select, and_, bindparam, case, func, or_, select

from ..database import DriverStatement
from ..extensions import db
from ..models import Branch, Event, EventSeatTally, Registration, Series
from ..models.event import RegistrationWindow
from ..models.registration import STATUS_CANCELLED, STATUS_CONFIRMED, STATUS_WAITLISTED
from ..models.series import MODE_WHOLE_SERIES
from .errors import NotFound
from .validation import is_database_id

# Where an event's registration window stands at a given moment.
WINDOW_NONE = "none"  # drop-in or cancelled: nobody registers
WINDOW_NOT_YET_OPEN = "not_yet_open"
WINDOW_OPEN = "open"
WINDOW_CLOSED = "closed"

# How an event's seats are described to a visitor (see ``seat_state``).
STATE_CANCELLED = "cancelled"
STATE_ENDED = "ended"
STATE_DROP_IN = "drop_in"
STATE_NOT_YET_OPEN = "not_yet_open"
STATE_CLOSED = "closed"
STATE_FULL = "full"  # no seat now and no waitlist
STATE_WAITLIST = "waitlist"  # no seat now; a new party joins the waitlist
STATE_FEW_LEFT = "few_left"
STATE_PLENTY = "plenty"
SEAT_STATES = (
    STATE_PLENTY,
    STATE_FEW_LEFT,
    STATE_WAITLIST,
    STATE_FULL,
    STATE_NOT_YET_OPEN,
    STATE_CLOSED,
    STATE_ENDED,
    STATE_CANCELLED,
    STATE_DROP_IN,
)
FEW_SEATS = 5
FEW_SEATS_PERCENT = 10


class NewcomerSeats:
    """What a newcomer can get, from the four figures both seat counts carry: the one rule for
    ``SeatCount`` (every figure) and ``OpenSeats`` (only these, read under the event's lock)."""

    capacity: int
    confirmed: int  # seats of confirmed parties
    waiting_parties: int
    standby_parties: int  # waiting parties held back by the no-show policy (services/no_shows)

    @property
    def free(self) -> int:
        """Seats nobody holds; staff may seat a walk-in there."""
        return max(0, self.capacity - self.confirmed)

    @property
    def available(self) -> int:
        """Free seats, but none while anyone waits for them (parties on standby under the
        no-show policy wait behind newcomers, so they do not count)."""
        return 0 if self.waiting_parties > self.standby_parties else self.free


@dataclass(frozen=True)
class SeatCount(NewcomerSeats):
    """The seats of one event: confirmed, waiting, checked in, and what is free."""

    capacity: int = 0
    confirmed: int = 0  # seats of confirmed parties
    confirmed_parties: int = 0
    waiting: int = 0  # seats of waiting parties
    waiting_parties: int = 0
    checked_in: int = 0  # seats of confirmed parties that arrived
    joined_waitlist: int = 0  # seats of every party that ever waited (demand, for statistics)
    standby_parties: int = 0  # waiting parties held back by the no-show policy (services/no_shows)
    released: int = (
        0  # seats of parties confirmed and later cancelled (given back before the event)
    )

    @property
    def fill_percent(self) -> int:
        """Confirmed seats as a share of the capacity, 0 to 100 (a full meter when none)."""
        if self.capacity <= 0:
            return 100
        return min(100, round(100 * self.confirmed / self.capacity))


@dataclass(frozen=True)
class OpenSeats(NewcomerSeats):
    """The part of an event's SeatCount that a newcomer's registration decides on."""

    capacity: int = 0
    confirmed: int = 0
    waiting_parties: int = 0
    standby_parties: int = 0


@functools.cache
def open_seats_statement() -> Select:
    """An event's OpenSeats counted from its registrations (its columns in order; callers may
    add columns after them), each figure through an index (``ix_registrations_event_status``,
    ``..._standby``). ``open_seats`` reads the tally instead; this is what the tally must equal.
    """
    of_event = Registration.event_id == Event.id
    waiting = Registration.status == STATUS_WAITLISTED

    def parties(*conditions: object) -> Select:
        return select(func.count()).select_from(Registration).where(of_event, *conditions)

    confirmed = select(func.coalesce(func.sum(Registration.seats), 0)).where(
        of_event, Registration.status == STATUS_CONFIRMED
    )
    return select(
        Event.capacity,
        confirmed.scalar_subquery(),
        parties(waiting).scalar_subquery(),
        parties(waiting, Registration.standby.is_(True)).scalar_subquery(),
    ).where(Event.id == bindparam("event_id"))


@functools.cache
def _counted_open_seats() -> DriverStatement:
    return DriverStatement(open_seats_statement())


@functools.cache
def _tallied_open_seats() -> DriverStatement:
    return DriverStatement(
        select(
            Event.capacity,
            EventSeatTally.confirmed_seats,
            EventSeatTally.waiting_parties,
            EventSeatTally.standby_parties,
        )
        .join(EventSeatTally, EventSeatTally.event_id == Event.id)
        .where(Event.id == bindparam("event_id"))
    )


def open_seats(event_id: int) -> OpenSeats:
    """The event's OpenSeats, read under its lock by a newcomer's registration.

    From the event's tally row (``EventSeatTally``), whose triggers every writer of the event's
    registrations moves while holding the same lock; the registrations are counted instead
    should the row be missing.
    """
    parameters = {"event_id": event_id}
    rows = _tallied_open_seats().rows(parameters) or _counted_open_seats().rows(parameters)
    return OpenSeats(*(int(value) for value in rows[0])) if rows else OpenSeats()


@dataclass(frozen=True)
class EventTerms(RegistrationWindow):
    """What a newcomer's registration reads of its event, from the row it locks."""

    id: int
    branch_id: int
    series_id: int | None
    status: str
    registration: str
    capacity: int
    max_party: int
    waitlist_enabled: bool
    starts_at: datetime
    ends_at: datetime
    opens_at: datetime | None
    closes_at: datetime | None
    confirm_attendance_hours: int | None
    series_registration_mode: str | None  # the series' (None: not part of one)
    timezone: str  # the branch's

    @property
    def is_whole_series_date(self) -> bool:
        """A date of a course that is booked as a whole."""
        return self.series_registration_mode == MODE_WHOLE_SERIES


@functools.cache
def _lock_event_terms() -> DriverStatement:
    # In the order of EventTerms' fields.
    return DriverStatement(
        select(
            Event.id,
            Event.branch_id,
            Event.series_id,
            Event.status,
            Event.registration,
            Event.capacity,
            Event.max_party,
            Event.waitlist_enabled,
            Event.starts_at,
            Event.ends_at,
            Event.opens_at,
            Event.closes_at,
            Event.confirm_attendance_hours,
            Series.registration_mode,
            Branch.timezone,
        )
        .join(Branch, Branch.id == Event.branch_id)
        .outerjoin(Series, Series.id == Event.series_id)
        .where(Event.id == bindparam("event_id"))
        .with_for_update(of=Event)
    )


def lock_event_terms(event_id: int) -> EventTerms:
    """Lock an event's row, as ``lock_event`` does, and read only what a newcomer's
    registration decides on (no ORM object: it holds the lock for less)."""
    rows = _lock_event_terms().rows({"event_id": event_id}) if is_database_id(event_id) else []
    if not rows:
        raise NotFound(_("No such event."))
    return EventTerms(*rows[0])


@functools.cache
def _lock_event_statement() -> Select:
    # populate_existing: an event the request loaded before the lock is read again under it.
    return (
        select(Event)
        .where(Event.id == bindparam("event_id"))
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def lock_event(event_id: int) -> Event:
    """Load an event and lock its row (PostgreSQL) before counting seats or changing it.

    On SQLite the writing transaction began with ``BEGIN IMMEDIATE`` and holds the write lock.
    """
    event = (
        db.session.execute(_lock_event_statement(), {"event_id": event_id}).scalar_one_or_none()
        if is_database_id(event_id)
        else None
    )
    if event is None:
        raise NotFound(_("No such event."))
    return event


def lock_events(event_ids: Iterable[int]) -> list[Event]:
    """Lock several event rows, always in id order so that two lockers never deadlock."""
    ids = sorted(set(event_ids))
    if not ids:
        return []
    return list(
        db.session.execute(
            select(Event)
            .where(Event.id.in_(ids))
            .order_by(Event.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).scalars()
    )


def _sum_seats(condition: object) -> object:
    return func.coalesce(func.sum(case((condition, Registration.seats), else_=0)), 0)


@functools.cache
def _seat_counts_statement() -> Select:
    """The grouped query of ``seat_counts``, built once: cancellations and promotions ask for it
    under the event's lock, and building it each time cost as much as running it."""
    confirmed = Registration.status == STATUS_CONFIRMED
    waiting = Registration.status == STATUS_WAITLISTED
    joined_waitlist = or_(
        waiting,
        and_(confirmed, Registration.confirmed_at > Registration.created_at),
        and_(Registration.status == STATUS_CANCELLED, Registration.confirmed_at.is_(None)),
    )
    return (
        select(
            Event.id,
            Event.capacity,
            _sum_seats(confirmed),
            func.count(case((confirmed, 1))),
            _sum_seats(waiting),
            func.count(case((waiting, 1))),
            _sum_seats(and_(confirmed, Registration.checked_in_at.is_not(None))),
            _sum_seats(joined_waitlist),
            func.count(case((and_(waiting, Registration.standby.is_(True)), 1))),
            _sum_seats(
                and_(
                    Registration.status == STATUS_CANCELLED, Registration.confirmed_at.is_not(None)
                )
            ),
        )
        .outerjoin(Registration, Registration.event_id == Event.id)
        .where(Event.id.in_(bindparam("ids", expanding=True)))
        .group_by(Event.id, Event.capacity)
    )


def seat_counts(event_ids: Iterable[int]) -> dict[int, SeatCount]:
    """A SeatCount for every existing event of ``event_ids``, in one grouped query."""
    ids = sorted(set(event_ids))
    if not ids:
        return {}
    rows = db.session.execute(_seat_counts_statement(), {"ids": ids}).all()
    return {row[0]: SeatCount(*(int(value) for value in row[1:])) for row in rows}


def recount_seat_tallies(batch: int = 500) -> list[int]:
    """Count every event's registrations again and correct its tally row where it differs or
    is missing; returns the ids of the events corrected. The caller commits.

    The triggers keep the tallies; this repairs one after a change made with them switched off
    (a restore with triggers disabled, ``session_replication_role = replica``). Each batch of
    events is locked, in id order, as a registration locks its event.
    """
    corrected: list[int] = []
    event_ids = db.session.execute(select(Event.id).order_by(Event.id)).scalars().all()
    for start in range(0, len(event_ids), batch):
        ids = event_ids[start : start + batch]
        lock_events(ids)
        counts = seat_counts(ids)
        tallies = {
            tally.event_id: tally
            for tally in db.session.execute(
                select(EventSeatTally)
                .where(EventSeatTally.event_id.in_(ids))
                .execution_options(populate_existing=True)
            ).scalars()
        }
        for event_id in ids:
            count = counts[event_id]
            figures = (count.confirmed, count.waiting_parties, count.standby_parties)
            tally = tallies.get(event_id)
            if tally is None:
                tally = EventSeatTally(event_id=event_id)
                db.session.add(tally)
            elif (tally.confirmed_seats, tally.waiting_parties, tally.standby_parties) == figures:
                continue
            tally.confirmed_seats, tally.waiting_parties, tally.standby_parties = figures
            corrected.append(event_id)
        db.session.flush()
    return corrected


def seat_count(event_id: int) -> SeatCount:
    """The SeatCount of one event (all zeros if there is no such event)."""
    return seat_counts([event_id]).get(event_id, SeatCount())


def registration_window(event: Event, now: datetime) -> str:
    """Where the event's registration window stands at ``now`` (seats aside)."""
    if event.is_cancelled or event.is_drop_in:
        return WINDOW_NONE
    if event.opens_at is not None and now < event.opens_at:
        return WINDOW_NOT_YET_OPEN
    return WINDOW_OPEN if now < event.effective_closes_at else WINDOW_CLOSED


@dataclass(frozen=True)
class Availability:
    """An event with what a visitor needs to know about taking part, at one moment."""

    event: Event
    seats: SeatCount
    window: str
    window_event: Event | None = None  # a course's first date, whose window the booking follows
    ended: bool = False  # the event is over at that moment

    @property
    def registration_event(self) -> Event:
        """The event whose registration window (opening, closing) applies."""
        return self.window_event or self.event

    @property
    def seats_left(self) -> int | None:
        """Seats a new party can get now; None for drop-in events."""
        return None if self.event.is_drop_in else self.seats.available

    @property
    def registration_open(self) -> bool:
        return self.window == WINDOW_OPEN

    @property
    def not_yet_open(self) -> bool:
        return self.window == WINDOW_NOT_YET_OPEN

    @property
    def window_closed(self) -> bool:
        return self.window == WINDOW_CLOSED

    @property
    def is_full(self) -> bool:
        return self.seats_left is not None and self.seats_left <= 0

    @property
    def state(self) -> str:
        """How the seats are described to a visitor: one of SEAT_STATES."""
        return seat_state(self)

    @property
    def takes_registrations(self) -> bool:
        """Whether a new party can use the registration form now: seats are free, or the
        waitlist takes it, and the window is open."""
        return self.state in (STATE_PLENTY, STATE_FEW_LEFT, STATE_WAITLIST)

    @property
    def party_limit(self) -> int:
        """The largest party the form offers: what can be confirmed now, or, when a larger party
        would join the waitlist, the most one registration may hold."""
        if self.event.waitlist_enabled or self.seats_left is None:
            return self.event.max_party
        return max(1, min(self.event.max_party, self.seats_left))

    @property
    def larger_party_waits(self) -> bool:
        """Some seats are free now, but fewer than a registration may hold: a larger party
        joins the waitlist (the form says so)."""
        left = self.seats_left
        return self.event.waitlist_enabled and left is not None and 0 < left < self.event.max_party


def few_seats_threshold(capacity: int) -> int:
    """At most this many seats left is "only a few left"."""
    return max(FEW_SEATS, capacity * FEW_SEATS_PERCENT // 100)


def seat_state(listing: Availability) -> str:
    """The one decision on how an event's seats are described (see the module's docstring)."""
    event = listing.event
    if event.is_cancelled:
        return STATE_CANCELLED
    if listing.ended:
        return STATE_ENDED
    if event.is_drop_in:
        return STATE_DROP_IN
    if listing.window == WINDOW_NOT_YET_OPEN:
        return STATE_NOT_YET_OPEN
    if listing.window != WINDOW_OPEN:
        return STATE_CLOSED
    left = listing.seats.available
    if left <= 0:
        return STATE_WAITLIST if event.waitlist_enabled else STATE_FULL
    if left <= few_seats_threshold(event.capacity):
        return STATE_FEW_LEFT
    return STATE_PLENTY


def availabilities(events: list[Event], now: datetime) -> list[Availability]:
    """Availability of already loaded events (one query for all of them)."""
    counts = seat_counts(event.id for event in events)
    return [
        Availability(
            event=event,
            seats=counts.get(event.id, SeatCount(capacity=event.capacity)),
            window=registration_window(event, now),
            ended=event.ends_at <= now,
        )
        for event in events
    ]


def availability(event: Event, now: datetime) -> Availability:
    """Seats left and the registration window of one event."""
    return availabilities([event], now)[0]
