"""Attendance: how full events are, rosters, head counts, the CSV export and the sign-in sheet.

Seats are never changed here: check-in, walk-ins and cancellations go through
services/registrations.py, the only code that changes seats.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import case, func, select

from ..extensions import db
from ..models import Registration
from ..models.registration import STATUS_CONFIRMED, STATUS_WAITLISTED


@dataclass(frozen=True)
class Fill:
    """How full one event is."""

    confirmed_seats: int = 0
    confirmed_parties: int = 0
    waitlisted_seats: int = 0
    waitlisted_parties: int = 0
    checked_in_seats: int = 0


def fill_for(event_ids: Iterable[int]) -> dict[int, Fill]:
    """Seat counts for many events in one query (events with no registrations are absent)."""
    ids = list(set(event_ids))
    if not ids:
        return {}
    confirmed = Registration.status == STATUS_CONFIRMED
    waitlisted = Registration.status == STATUS_WAITLISTED
    rows = db.session.execute(
        select(
            Registration.event_id,
            func.coalesce(func.sum(case((confirmed, Registration.seats), else_=0)), 0),
            func.coalesce(func.sum(case((confirmed, 1), else_=0)), 0),
            func.coalesce(func.sum(case((waitlisted, Registration.seats), else_=0)), 0),
            func.coalesce(func.sum(case((waitlisted, 1), else_=0)), 0),
            func.coalesce(
                func.sum(
                    case(
                        (confirmed & Registration.checked_in_at.is_not(None), Registration.seats),
                        else_=0,
                    )
                ),
                0,
            ),
        )
        .where(Registration.event_id.in_(ids))
        .group_by(Registration.event_id)
    ).all()
    return {row[0]: Fill(*(int(value) for value in row[1:])) for row in rows}


@dataclass
class Roster:
    """An event's registrations for the door: confirmed first, then the waitlist in order."""

    confirmed: list[Registration]
    waitlist: list[Registration]
    fill: Fill


def roster(event_id: int) -> Roster:
    registrations = (
        db.session.execute(
            select(Registration)
            .where(
                Registration.event_id == event_id,
                Registration.status.in_((STATUS_CONFIRMED, STATUS_WAITLISTED)),
            )
            .order_by(Registration.created_at, Registration.id)
        )
        .scalars()
        .all()
    )
    confirmed = [r for r in registrations if r.status == STATUS_CONFIRMED]
    waitlist = [r for r in registrations if r.status == STATUS_WAITLISTED]
    fill = Fill(
        confirmed_seats=sum(r.seats for r in confirmed),
        confirmed_parties=len(confirmed),
        waitlisted_seats=sum(r.seats for r in waitlist),
        waitlisted_parties=len(waitlist),
        checked_in_seats=sum(r.seats for r in confirmed if r.checked_in_at is not None),
    )
    return Roster(confirmed=sorted(confirmed, key=_by_name), waitlist=waitlist, fill=fill)


def _by_name(registration: Registration) -> tuple[str, int]:
    return (registration.name.casefold(), registration.id)
