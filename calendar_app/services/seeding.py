"""Seeding the demo season. Idempotent: what exists already (by slug or title) is left alone."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from ..demo_data import BRANCHES, DEMO_NAMES, EVENTS
from ..extensions import db
from ..models import Branch, Event, Registration, Venue
from ..models.registration import STATUS_CONFIRMED
from ..security import generate_token, hash_token
from ..timeutil import local_to_utc, to_local
from .events import EventData, create_event


def seed_demo(now: datetime, timezone_name: str = "Asia/Almaty") -> dict[str, int]:
    """Create the demo branches, rooms and events; returns how many of each were added."""
    added = {"branches": 0, "venues": 0, "events": 0, "registrations": 0}
    branches: dict[str, Branch] = {}
    for spec in BRANCHES:
        branch = db.session.execute(
            select(Branch).where(Branch.slug == spec["slug"])
        ).scalar_one_or_none()
        if branch is None:
            branch = Branch(
                slug=spec["slug"],
                name=spec["name"],
                address=spec["address"],
                phone=spec["phone"],
                email=spec["email"],
                timezone=timezone_name,
                translations=spec["translations"],
                created_at=now,
                updated_at=now,
            )
            db.session.add(branch)
            db.session.flush()
            added["branches"] += 1
        branches[spec["slug"]] = branch
        existing = {venue.name for venue in branch.venues}
        for name, capacity, notes in spec["venues"]:
            if name not in existing:
                db.session.add(
                    Venue(
                        branch_id=branch.id,
                        name=name,
                        capacity=capacity,
                        accessibility_notes=notes,
                        created_at=now,
                        updated_at=now,
                    )
                )
                added["venues"] += 1
        db.session.flush()
        db.session.refresh(branch)

    today = to_local(now, timezone_name).date()
    for number, spec in enumerate(EVENTS):
        branch = branches[spec.branch]
        exists = db.session.execute(
            select(Event.id).where(Event.branch_id == branch.id, Event.title == spec.title)
        ).first()
        if exists:
            continue
        venue = next(v for v in branch.venues if v.name == spec.venue)
        hour, minute = (int(part) for part in spec.start.split(":"))
        local_start = datetime(today.year, today.month, today.day, hour, minute) + timedelta(
            days=spec.day
        )
        starts_at = local_to_utc(local_start, branch.timezone)
        event = create_event(
            branch,
            EventData(
                title=spec.title,
                description=spec.description,
                category=spec.category,
                audience=spec.audience,
                age_min=spec.ages[0] if spec.ages else None,
                age_max=spec.ages[1] if spec.ages else None,
                language=spec.language,
                venue_id=venue.id,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(minutes=spec.minutes),
                registration=spec.registration,
                capacity=spec.capacity,
                max_party=spec.max_party,
                waitlist_enabled=spec.waitlist,
                translations=spec.translations,
            ),
            now,
        )
        added["events"] += 1
        for index, seats in enumerate(spec.taken):
            name = DEMO_NAMES[(number + index) % len(DEMO_NAMES)]
            email = f"demo-{number}-{index}@example.org"
            registered_at = min(now, starts_at) - timedelta(days=1, minutes=index * 7)
            db.session.add(
                Registration(
                    event_id=event.id,
                    name=name,
                    email=email,
                    email_normalized=email,
                    seats=seats,
                    status=STATUS_CONFIRMED,
                    language=spec.language,
                    source="web",
                    token_hash=hash_token(generate_token()),
                    checkin_code_hash=hash_token(generate_token()),
                    created_at=registered_at,
                    updated_at=registered_at,
                    confirmed_at=registered_at,
                )
            )
            added["registrations"] += 1
        db.session.flush()
    return added
