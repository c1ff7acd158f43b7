"""Branches and their rooms, as administrators (rooms: also branch staff) set them up."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..extensions import db
from ..models import Branch, Event, Venue
from ..models.event import STATUS_SCHEDULED
from ..vocabulary import DEFAULT_TIMEZONE, LANGUAGES
from .errors import InvalidInput
from .events import MAX_CAPACITY
from .validation import has_control_characters, normalized_address

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass
class BranchData:
    slug: str
    name: str
    timezone: str = DEFAULT_TIMEZONE
    address: str = ""
    phone: str = ""
    email: str = ""
    website: str = ""
    description: str = ""
    translations: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass
class VenueData:
    name: str
    capacity: int
    accessibility_notes: str = ""
    translations: dict[str, dict[str, str]] = field(default_factory=dict)


# The texts a visitor may read in their language, with their length limits.
BRANCH_TRANSLATED = {"name": 200, "address": 300}
VENUE_TRANSLATED = {"name": 200, "accessibility_notes": 5000}


def _text(errors: dict[str, list[str]], name: str, value: str | None, limit: int) -> str:
    text = (value or "").strip()
    if len(text) > limit:
        errors.setdefault(name, []).append(_("Use at most %(count)d characters.", count=limit))
    elif has_control_characters(text, multiline=limit > 300):
        errors.setdefault(name, []).append(_("Remove the control characters."))
    return text


def _translations(
    errors: dict[str, list[str]], translations: dict[str, dict[str, str]], limits: dict[str, int]
) -> dict[str, dict[str, str]]:
    """The non-empty, trimmed texts per language; problems are reported on ``<field>_<lang>``.

    The plain columns hold the text as written, shown when a language has no translation."""
    cleaned: dict[str, dict[str, str]] = {}
    for code in LANGUAGES:
        texts = translations.get(code) or {}
        kept = {}
        for name, limit in limits.items():
            text = _text(errors, f"{name}_{code}", texts.get(name), limit)
            if text:
                kept[name] = text
        if kept:
            cleaned[code] = kept
    return cleaned


def valid_timezone(name: str) -> bool:
    if name not in available_timezones():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _validate_branch(data: BranchData, existing: Branch | None) -> dict[str, object]:
    errors: dict[str, list[str]] = {}
    clean: dict[str, str] = {
        "slug": _text(errors, "slug", data.slug, 80).lower(),
        "name": _text(errors, "name", data.name, 200),
        "timezone": _text(errors, "timezone", data.timezone, 64),
        "address": _text(errors, "address", data.address, 300),
        "phone": _text(errors, "phone", data.phone, 50),
        "email": _text(errors, "email", data.email, 254),
        "website": _text(errors, "website", data.website, 300),
        "description": _text(errors, "description", data.description, 20000),
    }
    if "slug" not in errors:
        if not SLUG_PATTERN.match(clean["slug"]):
            errors["slug"] = [_("Use lower-case Latin letters, digits and single hyphens.")]
        else:
            other = db.session.execute(
                select(Branch.id).where(Branch.slug == clean["slug"])
            ).scalar_one_or_none()
            if other is not None and (existing is None or other != existing.id):
                errors["slug"] = [_("Another branch uses this short name.")]
    if not clean["name"] and "name" not in errors:
        errors["name"] = [_("A name is required.")]
    if "timezone" not in errors and not valid_timezone(clean["timezone"]):
        errors["timezone"] = [_("Unknown time zone (use a name like Asia/Almaty).")]
    if clean["email"] and "email" not in errors:
        address = normalized_address(clean["email"])
        if address is None:
            errors["email"] = [_("This is not a valid e-mail address.")]
        else:
            clean["email"] = address
    if clean["website"] and "website" not in errors:
        parts = urlsplit(clean["website"])
        if parts.scheme not in ("http", "https") or not parts.netloc:
            errors["website"] = [_("Give a full address starting with https://.")]
    clean_translations = _translations(errors, data.translations, BRANCH_TRANSLATED)
    if errors:
        raise InvalidInput(errors)
    return {**clean, "translations": clean_translations}


def create_branch(data: BranchData, now: datetime) -> Branch:
    clean = _validate_branch(data, None)
    branch = Branch(**clean, created_at=now, updated_at=now)
    db.session.add(branch)
    db.session.flush()
    return branch


def update_branch(branch: Branch, data: BranchData, now: datetime) -> Branch:
    clean = _validate_branch(data, branch)
    for name, value in clean.items():
        setattr(branch, name, value)
    branch.updated_at = now
    db.session.flush()
    return branch


def _validate_venue(
    branch: Branch, data: VenueData, existing: Venue | None, now: datetime
) -> dict[str, object]:
    errors: dict[str, list[str]] = {}
    name = _text(errors, "name", data.name, 200)
    notes = _text(errors, "accessibility_notes", data.accessibility_notes, 5000)
    if not name and "name" not in errors:
        errors["name"] = [_("A name is required.")]
    elif "name" not in errors:
        query = select(Venue.id).where(
            Venue.branch_id == branch.id, func.lower(Venue.name) == name.lower()
        )
        other = db.session.execute(query).scalars().first()
        if other is not None and (existing is None or other != existing.id):
            errors["name"] = [_("This branch already has a room of that name.")]
    capacity = data.capacity
    if capacity is None or not 0 <= capacity <= MAX_CAPACITY:
        errors["capacity"] = [_("The capacity must be between 0 and %(max)d.", max=MAX_CAPACITY)]
    elif existing is not None:
        largest = db.session.execute(
            select(func.max(Event.capacity)).where(
                Event.venue_id == existing.id,
                Event.status == STATUS_SCHEDULED,
                Event.ends_at > now,
            )
        ).scalar_one()
        if largest is not None and capacity < largest:
            errors["capacity"] = [
                _(
                    "An upcoming event here has %(count)d seats; lower its capacity first.",
                    count=largest,
                )
            ]
    translations = _translations(errors, data.translations, VENUE_TRANSLATED)
    if errors:
        raise InvalidInput(errors)
    return {
        "name": name,
        "capacity": capacity,
        "accessibility_notes": notes,
        "translations": translations,
    }


def create_venue(branch: Branch, data: VenueData, now: datetime) -> Venue:
    clean = _validate_venue(branch, data, None, now)
    venue = Venue(branch_id=branch.id, **clean, created_at=now, updated_at=now)
    db.session.add(venue)
    db.session.flush()
    return venue


def update_venue(venue: Venue, data: VenueData, now: datetime) -> Venue:
    venue = db.session.execute(
        select(Venue).where(Venue.id == venue.id).with_for_update()
    ).scalar_one()
    clean = _validate_venue(venue.branch, data, venue, now)
    for name, value in clean.items():
        setattr(venue, name, value)
    venue.updated_at = now
    db.session.flush()
    return venue
