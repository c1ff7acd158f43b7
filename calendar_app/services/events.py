"""Events: create, update and cancel; venue rules, overlap checks and the iCalendar SEQUENCE.

SEQUENCE rises by one on every change of time, place or status, so calendar clients replace
their copy. ``updated_at`` changes on every edit of what a feed shows (never on registrations),
so feeds can derive their ETag from it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime

from flask_babel import gettext as _
from sqlalchemy import select

from .. import date_range
from ..extensions import db
from ..models import Branch, Event, Series, Venue
from ..models.event import (
    DEFAULT_MAX_PARTY,
    REGISTRATION_KINDS,
    REGISTRATION_NONE,
    STATUS_CANCELLED,
    STATUS_SCHEDULED,
)
from ..timeutil import format_local_date, to_local
from ..vocabulary import AUDIENCES, CATEGORIES, LANGUAGES
from . import mail
from .closures import closure_reason
from .errors import Conflict, InvalidInput
from .registrations import promote_waitlist
from .seats import lock_event, seat_count
from .validation import has_control_characters

MAX_CAPACITY = 100_000
MAX_TITLE = 300
MAX_DESCRIPTION = 20_000
TRANSLATED_FIELDS = ("title", "description")
MAX_PARTY_LIMIT = 50
MAX_CONFIRM_ATTENDANCE_HOURS = 720  # 30 days
SCHEDULE_FIELDS = ("starts_at", "ends_at", "venue_id", "status")


@dataclass
class EventData:
    """Everything staff can set on an event; times are aware datetimes."""

    title: str
    venue_id: int
    starts_at: datetime
    ends_at: datetime
    category: str = "other"
    description: str = ""
    audience: str = "all"
    age_min: int | None = None
    age_max: int | None = None
    language: str = "kk"
    registration: str = "required"
    capacity: int = 0
    max_party: int = DEFAULT_MAX_PARTY
    waitlist_enabled: bool = True
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    translations: dict = field(default_factory=dict)
    """``{"ru": {"title": ..., "description": ...}, ...}`` for languages other than ``language``."""
    confirm_attendance_hours: int | None = None
    """Parties confirm they are coming this many hours before the start; None: not asked."""


def event_data(event: Event) -> EventData:
    """What the event holds now, as EventData: the base for changing a few fields."""
    values = {name: getattr(event, name) for name in (item.name for item in fields(EventData))}
    values["translations"] = {
        code: dict(texts) for code, texts in (event.translations or {}).items()
    }
    return EventData(**values)


def find_venue_conflict(
    venue_id: int, starts_at: datetime, ends_at: datetime, exclude_event_id: int | None = None
) -> Event | None:
    """The first scheduled event in the venue whose time overlaps [starts_at, ends_at)."""
    query = select(Event).where(
        Event.venue_id == venue_id,
        Event.status == STATUS_SCHEDULED,
        Event.starts_at < ends_at,
        Event.ends_at > starts_at,
    )
    if exclude_event_id is not None:
        query = query.where(Event.id != exclude_event_id)
    return db.session.execute(query.order_by(Event.starts_at).limit(1)).scalar_one_or_none()


def _clean_translations(
    translations: object, language: str, add: Callable[[str, str], None]
) -> dict[str, dict[str, str]]:
    """The translations worth keeping: known languages other than the event's own (whose text is
    in the plain columns), non-empty text only. Problems of a text are reported on
    ``title_<lang>`` / ``description_<lang>``, problems of the shape on ``translations``."""
    if not translations:
        return {}
    if not isinstance(translations, dict):
        add("translations", _("Unknown language."))
        return {}
    cleaned: dict[str, dict[str, str]] = {}
    for code, texts in translations.items():
        if code not in LANGUAGES or not isinstance(texts, dict):
            add("translations", _("Unknown language."))
            continue
        kept: dict[str, str] = {}
        for name, value in texts.items():
            target = f"{name}_{code}"
            if name not in TRANSLATED_FIELDS:
                add(
                    "translations",
                    _(
                        "Unknown %(name)s. Use one of: %(allowed)s.",
                        name=name,
                        allowed=", ".join(TRANSLATED_FIELDS),
                    ),
                )
                continue
            if value is None:
                continue
            if not isinstance(value, str):
                add(target, _("This must be text."))
                continue
            limit = MAX_TITLE if name == "title" else MAX_DESCRIPTION
            value = value.strip() if name == "title" else value
            if not value.strip():
                continue
            if len(value) > limit:
                add(target, _("This is too long (%(limit)d characters at most).", limit=limit))
            elif has_control_characters(value, multiline=name != "title"):
                add(target, _("Remove the control characters."))
            else:
                kept[name] = value
        if kept and code != language:
            cleaned[code] = kept
    return cleaned


def check_event(
    branch: Branch, data: EventData, event: Event | None = None
) -> tuple[Venue, dict[str, dict[str, str]]]:
    """The event's room and its cleaned translations, or InvalidInput with every problem.

    Checks the fields only; ``_check_schedule`` then checks the room and the branch's closures.
    """
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    title = (data.title or "").strip()
    if not title:
        add("title", _("A title is required."))
    elif len(title) > MAX_TITLE:
        add("title", _("The title is too long (300 characters at most)."))
    elif has_control_characters(title):
        add("title", _("Remove the control characters."))
    if len(data.description or "") > MAX_DESCRIPTION:
        add(
            "description",
            _("This is too long (%(limit)d characters at most).", limit=MAX_DESCRIPTION),
        )
    elif has_control_characters(data.description or "", multiline=True):
        add("description", _("Remove the control characters."))
    if data.category not in CATEGORIES:
        add("category", _("Unknown category."))
    if data.audience not in AUDIENCES:
        add("audience", _("Unknown audience."))
    if data.language not in LANGUAGES:
        add("language", _("Unknown language."))
    translations = _clean_translations(data.translations, data.language, add)
    if data.registration not in REGISTRATION_KINDS:
        add("registration", _("Unknown registration kind."))
    for name in ("age_min", "age_max"):
        value = getattr(data, name)
        if value is not None and not 0 <= value <= 120:
            add(name, _("Ages run from 0 to 120."))
    if data.age_min is not None and data.age_max is not None and data.age_min > data.age_max:
        add("age_max", _("The upper age must not be below the lower age."))
    if data.starts_at.tzinfo is None or data.ends_at.tzinfo is None:
        raise ValueError("event times must be timezone-aware")
    for name in ("starts_at", "ends_at", "opens_at", "closes_at"):
        moment = getattr(data, name)
        if moment is not None and not date_range.contains(moment.astimezone(UTC)):
            add(name, date_range.out_of_range_message())
    if data.ends_at <= data.starts_at:
        add("ends_at", _("The event must end after it starts."))
    if not 0 <= data.capacity <= MAX_CAPACITY:
        add("capacity", _("The capacity must be between 0 and %(max)d.", max=MAX_CAPACITY))
    if not 1 <= data.max_party <= MAX_PARTY_LIMIT:
        add("max_party", _("A party holds 1 to %(max)d seats.", max=MAX_PARTY_LIMIT))
    hours = data.confirm_attendance_hours
    if hours is not None and (
        isinstance(hours, bool)
        or not isinstance(hours, int)
        or not 1 <= hours <= MAX_CONFIRM_ATTENDANCE_HOURS
    ):
        add(
            "confirm_attendance_hours",
            _(
                "Give a whole number of hours from 1 to %(max)d, or nothing.",
                max=MAX_CONFIRM_ATTENDANCE_HOURS,
            ),
        )
    if data.opens_at and data.closes_at and data.closes_at <= data.opens_at:
        add("closes_at", _("Registration must close after it opens."))
    if data.closes_at and data.closes_at > data.ends_at:
        add("closes_at", _("Registration cannot close after the event ends."))

    venue = db.session.execute(
        select(Venue).where(Venue.id == data.venue_id).with_for_update()
    ).scalar_one_or_none()
    if venue is None or venue.branch_id != branch.id:
        add("venue_id", _("Choose a room of this branch."))
    elif data.capacity > venue.capacity:
        add(
            "capacity",
            _("The room holds %(capacity)d people at most.", capacity=venue.capacity),
        )
    if event is not None and data.registration != REGISTRATION_NONE:
        taken = seat_count(event.id).confirmed
        if data.capacity < taken:
            add(
                "capacity",
                _(
                    "%(taken)d seats are already confirmed; the capacity cannot go below that.",
                    taken=taken,
                ),
            )
    if errors:
        raise InvalidInput(errors)
    assert venue is not None
    return venue, translations


def _check_schedule(branch: Branch, data: EventData, event: Event | None) -> None:
    """The room must be free, and a new date must not be a day the branch is closed."""
    clash = find_venue_conflict(
        data.venue_id, data.starts_at, data.ends_at, event.id if event is not None else None
    )
    if clash is not None:
        raise InvalidInput(
            {"starts_at": [_("The room is taken by “%(title)s” at that time.", title=clash.title)]}
        )
    day = to_local(data.starts_at, branch.timezone).date()
    if event is not None and to_local(event.starts_at, branch.timezone).date() == day:
        return  # not moved to another day: a closure added later does not block other edits
    reason = closure_reason(branch, day)
    if reason is not None:
        raise InvalidInput(
            {
                "starts_at": [
                    _(
                        "The branch is closed on %(date)s: %(reason)s",
                        date=format_local_date(data.starts_at, branch.timezone, "long"),
                        reason=reason,
                    )
                ]
            }
        )


def _apply(event: Event, data: EventData, translations: dict[str, dict[str, str]]) -> None:
    event.title = data.title.strip()
    event.description = data.description or ""
    event.category = data.category
    event.audience = data.audience
    event.age_min = data.age_min
    event.age_max = data.age_max
    event.language = data.language
    event.venue_id = data.venue_id
    event.starts_at = data.starts_at
    event.ends_at = data.ends_at
    event.registration = data.registration
    event.capacity = data.capacity
    event.max_party = data.max_party
    event.waitlist_enabled = data.waitlist_enabled
    event.opens_at = data.opens_at
    event.closes_at = data.closes_at
    event.translations = translations
    event.confirm_attendance_hours = data.confirm_attendance_hours


def create_event(
    branch: Branch, data: EventData, now: datetime, *, series: Series | None = None
) -> Event:
    """A new scheduled event (an occurrence of ``series`` when given)."""
    _venue, translations = check_event(branch, data)
    _check_schedule(branch, data, None)
    event = Event(
        branch_id=branch.id,
        series_id=series.id if series is not None else None,
        status=STATUS_SCHEDULED,
        sequence=0,
        created_at=now,
        updated_at=now,
    )
    _apply(event, data, translations)
    db.session.add(event)
    db.session.flush()
    return event


def update_event(event: Event, data: EventData, now: datetime) -> Event:
    """Change an event; returns it with SEQUENCE raised if time or place changed."""
    if event.is_cancelled:
        raise Conflict(_("A cancelled event cannot be edited."))
    event = lock_event(event.id)
    _venue, translations = check_event(event.branch, data, event)
    _check_schedule(event.branch, data, event)
    before = {name: getattr(event, name) for name in SCHEDULE_FIELDS}
    capacity_before = event.capacity
    _apply(event, data, translations)
    moved = schedule_changed(event, before)
    if moved:
        event.sequence += 1
    event.updated_at = now
    db.session.flush()
    if moved:
        mail.notify_registrants(event, mail.EVENT_MOVED, now)
    if event.capacity > capacity_before:
        promote_waitlist(event, now)
    return event


def schedule_changed(event: Event, before: dict) -> bool:
    return any(getattr(event, name) != before[name] for name in SCHEDULE_FIELDS)


def cancel_event(event: Event, now: datetime) -> Event:
    event = lock_event(event.id)
    if event.is_cancelled:
        raise Conflict(_("This event is already cancelled."))
    event.status = STATUS_CANCELLED
    event.cancelled_at = now
    event.sequence += 1
    event.updated_at = now
    db.session.flush()
    mail.notify_registrants(event, mail.EVENT_CANCELLED, now)
    return event
