"""Small builders for test data. They flush; the test commits when it needs to."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

from calendar_app.extensions import db
from calendar_app.models import Branch, Event, Venue
from calendar_app.services.events import EventData, create_event

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
