"""A small world for the staff API tests: two branches, their staff, tokens and registrations."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from calendar_app.extensions import db
from calendar_app.models import Event, OutboxMessage, Registration
from calendar_app.services import api_tokens
from calendar_app.services import registrations as regs
from calendar_app.timeutil import utcnow
from tests.factories import make_branch, make_event, make_venue
from tests.staff_support import make_staff

ALMATY = ZoneInfo("Asia/Almaty")
TITLE = "Шексіздік сыртындағы шам"


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def local_day(days_ahead: int) -> str:
    """A local date in Almaty some days from now, as YYYY-MM-DD."""
    return (utcnow() + timedelta(days=days_ahead)).astimezone(ALMATY).date().isoformat()


def event_body(venue_id: int, **changes: Any) -> dict[str, Any]:
    """A valid body for POST /api/v1/staff/events, in 30 days at 15:00 local time."""
    day = local_day(30)
    body = {
        "venue_id": venue_id,
        "title": TITLE,
        "description": "A *master class* for children.",
        "category": "master_class",
        "audience": "children",
        "language": "kk",
        "start": f"{day}T15:00",
        "end": f"{day}T16:30",
        "registration": "required",
        "capacity": 20,
    }
    body.update(changes)
    return body


def register(event_id: int, name: str, email: str, seats: int) -> int:
    result = regs.register(
        event_id, name=name, email=email, seats=seats, language="kk", source="web", now=utcnow()
    )
    return result.registration.id


def build_world(*, with_registrations: bool = True) -> dict[str, Any]:
    """Branch A (staff ``a`` and an event with confirmed, waiting and walk-in parties), branch B
    (staff ``b`` and an event), an administrator and a disabled account, each with a token.

    Without registrations (the tests of bad input) it is quicker: no mail is rendered."""
    now = utcnow()
    branch_a = make_branch("chekhov", name="Chekhov library")
    branch_b = make_branch("begalin", name="Begalin library")
    hall_a = make_venue(branch_a, "Reading hall", capacity=50)
    room_a = make_venue(branch_a, "Small room", capacity=10)
    hall_b = make_venue(branch_b, "Hall B", capacity=50)
    soon = now + timedelta(days=7)
    event_a = make_event(branch_a, hall_a, title=TITLE, capacity=5, starts_at=soon, now=now)
    event_b = make_event(branch_b, hall_b, title="Event of B", capacity=10, starts_at=soon, now=now)
    people: dict[str, int] = {}
    if with_registrations:
        people = {
            "aliya": register(event_a.id, "Әлия", "aliya@example.kz", 2),
            "bota": register(event_a.id, "Бота", "bota@example.kz", 2),
            "walk_in": regs.add_walk_in(
                event_a.id, name="Гүлнар", seats=1, staff_id=None, now=now
            ).id,
            "dana": register(event_a.id, "Дана", "dana@example.kz", 1),  # full: the waitlist
            "erlan": register(event_a.id, "Ерлан", "erlan@example.kz", 2),
            "of_b": register(event_b.id, "Visitor of B", "b-visitor@example.kz", 1),
        }
    accounts = {
        "a": make_staff("a@example.kz", branches=[branch_a]),
        "b": make_staff("b@example.kz", branches=[branch_b]),
        "admin": make_staff("admin@example.kz", is_admin=True),
        "disabled": make_staff("gone@example.kz", branches=[branch_a]),
    }
    secrets = {
        key: api_tokens.issue(staff, f"token of {key}", now).secret
        for key, staff in accounts.items()
    }
    accounts["disabled"].active = False  # after its token was made
    revoked = api_tokens.issue(accounts["a"], "old script", now)
    api_tokens.revoke(accounts["a"], revoked.token.id, now)
    secrets["revoked"] = revoked.secret
    db.session.commit()
    return {
        "branch_a": branch_a.id,
        "hall_a": hall_a.id,
        "room_a": room_a.id,
        "hall_b": hall_b.id,
        "event_a": event_a.id,
        "event_b": event_b.id,
        "people": people,
        "staff": {key: staff.id for key, staff in accounts.items()},
        "secrets": secrets,
    }


def event_count() -> int:
    return db.session.execute(select(func.count(Event.id))).scalar_one()


def mails(kind: str) -> list[str]:
    """The addresses that mails of this kind are queued for."""
    return sorted(
        db.session.execute(select(OutboxMessage.to_address).where(OutboxMessage.kind == kind))
        .scalars()
        .all()
    )


def state(app) -> tuple:
    """Everything a refused request must leave as it was."""
    with app.app_context():
        events = db.session.execute(select(Event).order_by(Event.id)).scalars().all()
        outbox = db.session.execute(select(func.count(OutboxMessage.id))).scalar_one()
        registrations = db.session.execute(select(Registration).order_by(Registration.id))
        return (
            [
                (e.id, e.title, e.status, e.sequence, e.starts_at, e.venue_id, e.capacity)
                for e in events
            ],
            [(r.id, r.status, r.checked_in_at) for r in registrations.scalars()],
            outbox,
        )
