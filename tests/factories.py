"""Small builders for test data. They flush; the test commits when it needs to."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

from calendar_app.extensions import db
from calendar_app.models import Branch, Event, Registration, Venue
from calendar_app.security import generate_token, hash_token
from calendar_app.services.events import EventData, create_event
from calendar_app.services.registration_rules import checkin_code_for

NOW = datetime(2026, 5, 1, 6, 0, tzinfo=UTC)  # 11:00 in Almaty
_sequence = count(1)


def make_branch(slug: str | None = None, **fields: Any) -> Branch:
    number = next(_sequence)
    branch = Branch(
        slug=slug or f"branch-{number}",
        name=fields.pop("name", f"Branch {number}"),
        address=fields.pop("address", f"Almaty, Street {number}"),
        timezone=fields.pop("timezone", "Asia/Almaty"),
        created_at=NOW,
        updated_at=NOW,
        **fields,
    )
    db.session.add(branch)
    db.session.flush()
    return branch


def make_venue(
    branch: Branch, name: str | None = None, capacity: int = 100, **fields: Any
) -> Venue:
    venue = Venue(
        branch_id=branch.id,
        name=name or f"Room {next(_sequence)}",
        capacity=capacity,
        created_at=NOW,
        updated_at=NOW,
        **fields,
    )
    db.session.add(venue)
    db.session.flush()
    return venue


def make_event(
    branch: Branch | None = None,
    venue: Venue | None = None,
    *,
    starts_at: datetime | None = None,
    minutes: int = 90,
    now: datetime = NOW,
    **fields: Any,
) -> Event:
    """An event in its own new room unless one is given, starting in a week by default."""
    branch = branch or (venue.branch if venue else make_branch())
    venue = venue or make_venue(branch, capacity=max(100, fields.get("capacity", 0)))
    starts_at = starts_at or now + timedelta(days=7)
    data = EventData(
        title=fields.pop("title", f"Event {next(_sequence)}"),
        venue_id=venue.id,
        starts_at=starts_at,
        ends_at=fields.pop("ends_at", starts_at + timedelta(minutes=minutes)),
        category=fields.pop("category", "master_class"),
        capacity=fields.pop("capacity", 30),
        **fields,
    )
    return create_event(branch, data, now)


def make_registration(
    event_id: int,
    name: str = "Visitor",
    *,
    seats: int = 1,
    status: str = "confirmed",
    email: str | None = "",
    language: str = "kk",
    created_at: datetime = NOW,
    confirmed_at: datetime | None | bool = True,
    checked_in_at: datetime | None = None,
    source: str = "web",
    token: str | None = None,
    flush: bool = True,
) -> Registration:
    """A registration row as services/registrations.py would leave it, written directly.

    For tests that read seats, rosters and statistics: no rules are applied. ``email=""`` makes
    a unique address, None none at all; ``token`` (else a random one) is the manage token whose
    hash is stored (and its check-in code is ``checkin_code_for(token)``).
    """
    token = token or generate_token()
    address = email if email != "" else f"{token[:10].lower()}@example.kz"
    if confirmed_at is True:
        confirmed_at = created_at if status == "confirmed" else None
    registration = Registration(
        event_id=event_id,
        name=name,
        email=address,
        email_normalized=address.lower() if address else None,
        seats=seats,
        status=status,
        language=language,
        source=source,
        token_hash=hash_token(token),
        checkin_code_hash=hash_token(checkin_code_for(token)),
        created_at=created_at,
        updated_at=created_at,
        confirmed_at=confirmed_at or None,
        checked_in_at=checked_in_at,
    )
    db.session.add(registration)
    if flush:
        db.session.flush()
    return registration
