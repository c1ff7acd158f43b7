"""The public catalogue: filtering, listing and seat availability of events.

Used by the public pages and the JSON API. Every function here runs a constant number of SQL
queries whatever the number of events: one for the total, one for the page of events (with branch
and venue joined), one grouped query for the confirmed seats of that page.

Choices:
- Without a ``from`` date the list shows what has not ended yet at ``now``; with one it starts at
  the beginning of that day in the catalogue's zone (so past days can be browsed on purpose).
- Cancelled events that are still upcoming stay listed (marked cancelled by the templates), so
  people who planned to come learn about it.
- ``registration_open`` is the registration window only (an open window with no seats left still
  accepts waitlist entries when the event keeps one); ``seats_left`` tells the rest.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from .. import date_range
from ..database import unicode_lower
from ..extensions import db
from ..models import Branch, Event
from ..models.event import STATUS_SCHEDULED
from ..timeutil import local_day_bounds
from ..vocabulary import AUDIENCES, CATEGORIES, DEFAULT_TIMEZONE
from .errors import InvalidInput, NotFound
from .seats import Availability, availabilities
from .validation import has_control_characters, is_database_id

MAX_QUERY_LENGTH = 200
MAX_VALUE_LENGTH = 100
MAX_PAGE = 10_000
MAX_PER_PAGE = 100
_SLUG = re.compile(r"[a-z0-9][a-z0-9_-]{0,79}")


@dataclass(frozen=True)
class EventFilters:
    """Validated filters; ``None`` means not filtered."""

    branch: str | None = None
    category: str | None = None
    audience: str | None = None
    q: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    def as_args(self) -> dict[str, str]:
        """The filters as query arguments (for links to other pages of the same list)."""
        args = {
            "branch": self.branch,
            "category": self.category,
            "audience": self.audience,
            "q": self.q,
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
        }
        return {key: value for key, value in args.items() if value}

    @property
    def active(self) -> bool:
        return any(asdict(self).values())


class PageNumbers:
    """Where one page of a list stands, for the dataclasses that hold ``page`` and ``pages``."""

    page: int
    pages: int

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def page_count(total: int, per_page: int) -> int:
    """How many pages ``total`` items fill, ``per_page`` to a page (an empty list has one)."""
    return max(1, math.ceil(total / per_page))


@dataclass
class EventPage(PageNumbers):
    items: list[Availability]
    total: int
    page: int
    pages: int
    per_page: int = 20
    filters: EventFilters = field(default_factory=EventFilters)
    more_dates: dict[int, int] = field(
        default_factory=dict
    )  # event id -> later dates of its series


def catalog_zone() -> str:
    """The zone whose local days the date filters and month grid use."""
    if has_app_context():
        return current_app.config.get("DEFAULT_TIMEZONE") or DEFAULT_TIMEZONE
    return DEFAULT_TIMEZONE


def _clean_text(value: str | None, limit: int) -> tuple[str | None, str | None]:
    """``(cleaned value or None, error message or None)`` for one raw argument."""
    if value is None:
        return None, None
    if len(value) > limit:
        return None, _("This is too long (%(limit)d characters at most).", limit=limit)
    if has_control_characters(value):
        return None, _("This contains characters that are not allowed.")
    value = unicodedata.normalize("NFC", value.strip())
    return (value or None), None


def parse_date(value: str) -> date:
    """A strict ``YYYY-MM-DD`` date in the service's range; ValueError otherwise."""
    return date_range.parse_day(value)


def parse_filters(args: Mapping[str, str]) -> EventFilters:
    """Validate the list filters; raise InvalidInput ``{field: [message]}`` for bad ones.

    Empty values mean "not filtered" (an HTML form sends every field). Other arguments (``page``,
    ``lang``) are ignored here.
    """
    errors: dict[str, list[str]] = {}
    values: dict[str, str | None] = {}
    for name, limit in (
        ("branch", MAX_VALUE_LENGTH),
        ("category", MAX_VALUE_LENGTH),
        ("audience", MAX_VALUE_LENGTH),
        ("q", MAX_QUERY_LENGTH),
        ("from", MAX_VALUE_LENGTH),
        ("to", MAX_VALUE_LENGTH),
    ):
        raw = args.get(name)
        if raw is not None and not isinstance(raw, str):
            errors[name] = [_("This must be text.")]
            continue
        cleaned, error = _clean_text(raw, limit)
        if error:
            errors[name] = [error]
        values[name] = cleaned

    branch = values.get("branch")
    if branch is not None and "branch" not in errors:
        branch = branch.lower()
        if not is_slug(branch) or not _branch_exists(branch):
            errors["branch"] = [_("There is no such branch.")]
    category = values.get("category")
    if category is not None and category not in CATEGORIES:
        errors["category"] = [_("Unknown category.")]
    audience = values.get("audience")
    if audience is not None and audience not in AUDIENCES:
        errors["audience"] = [_("Unknown audience.")]

    dates: dict[str, date | None] = {"from": None, "to": None}
    for name in ("from", "to"):
        raw = values.get(name)
        if raw is None or name in errors:
            continue
        try:
            dates[name] = parse_date(raw)
        except date_range.OutOfRange:
            errors[name] = [date_range.out_of_range_message()]
        except ValueError:
            errors[name] = [_("Enter a date as YYYY-MM-DD, for example 2026-05-10.")]
    if dates["from"] and dates["to"] and dates["to"] < dates["from"]:
        errors["to"] = [_("The end date must not be before the start date.")]
    if errors:
        raise InvalidInput(errors)
    return EventFilters(
        branch=branch,
        category=category,
        audience=audience,
        q=values.get("q"),
        date_from=dates["from"],
        date_to=dates["to"],
    )


def parse_page(raw: str | None) -> int:
    """A page number from 1 to MAX_PAGE (absent means 1); InvalidInput otherwise."""
    if raw is None or raw == "":
        return 1
    if not isinstance(raw, str) or len(raw) > 6 or not raw.isascii() or not raw.isdigit():
        raise InvalidInput({"page": [_("The page number must be a whole number from 1.")]})
    page = int(raw)
    if not 1 <= page <= MAX_PAGE:
        raise InvalidInput(
            {"page": [_("The page number must be between 1 and %(max)d.", max=MAX_PAGE)]}
        )
    return page


def parse_month(raw: str | None, today: date) -> date:
    """``YYYY-MM`` -> the first day of that month; absent means the month of ``today``."""
    if raw is None or raw == "":
        return today.replace(day=1)
    try:
        return date_range.parse_month(raw)
    except date_range.OutOfRange:
        raise InvalidInput({"month": [date_range.out_of_range_message()]}) from None
    except ValueError:
        raise InvalidInput(
            {"month": [_("Enter a month as YYYY-MM, for example 2026-05.")]}
        ) from None


def _branch_exists(slug: str) -> bool:
    return (
        db.session.execute(select(Branch.id).where(Branch.slug == slug)).scalar_one_or_none()
        is not None
    )


def _filtered(query: Select, filters: EventFilters, now: datetime, zone: str) -> Select:
    if filters.branch:
        query = query.where(Event.branch.has(Branch.slug == filters.branch))
    if filters.category:
        query = query.where(Event.category == filters.category)
    if filters.audience:
        query = query.where(Event.audience == filters.audience)
    if filters.q:
        needle = filters.q.lower()
        query = query.where(
            or_(
                unicode_lower(Event.title).contains(needle, autoescape=True),
                unicode_lower(Event.description).contains(needle, autoescape=True),
            )
        )
    if filters.date_from:
        query = query.where(Event.ends_at > local_day_bounds(filters.date_from, zone)[0])
    else:
        query = query.where(Event.ends_at > now)
    if filters.date_to:
        query = query.where(Event.starts_at < local_day_bounds(filters.date_to, zone)[1])
    return query


def list_events(
    filters: EventFilters,
    now: datetime,
    page: int = 1,
    per_page: int = 20,
    *,
    zone: str | None = None,
    collapse_series: bool = False,
) -> EventPage:
    """One page of matching events in start order, with their availability.

    ``collapse_series`` (the pages, unless a day range is asked for) shows each series once, by
    its next date, with how many more dates it has; the API lists every occurrence.
    """
    if page < 1:
        raise InvalidInput({"page": [_("The page number must be a whole number from 1.")]})
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    zone = zone or catalog_zone()
    collapse = collapse_series and not (filters.date_from or filters.date_to)
    if collapse:
        events, total, more = _first_of_each_series(filters, now, zone, page, per_page)
    else:
        total = db.session.execute(
            _filtered(select(func.count(Event.id)), filters, now, zone)
        ).scalar_one()
        events = list(
            db.session.execute(
                _filtered(select(Event), filters, now, zone)
                .options(
                    joinedload(Event.branch), joinedload(Event.venue), joinedload(Event.poster)
                )
                .order_by(Event.starts_at, Event.id)
                .limit(per_page)
                .offset((page - 1) * per_page)
            ).scalars()
        )
        more = {}
    return EventPage(
        items=availabilities(events, now),
        total=total,
        page=page,
        pages=page_count(total, per_page),
        per_page=per_page,
        filters=filters,
        more_dates=more,
    )


def _first_of_each_series(
    filters: EventFilters, now: datetime, zone: str, page: int, per_page: int
) -> tuple[list[Event], int, dict[int, int]]:
    """The page of matching events with each series shown once, by its next matching date.

    Returns the events, how many entries the whole list has, and per shown occurrence how many
    more matching dates its series has.
    """
    group = func.coalesce(Event.series_id, -Event.id)
    ranked = _filtered(
        select(
            Event.id.label("event_id"),
            func.row_number()
            .over(partition_by=group, order_by=(Event.starts_at, Event.id))
            .label("place"),
            func.count(Event.id).over(partition_by=group).label("dates"),
        ),
        filters,
        now,
        zone,
    ).subquery()
    total = db.session.execute(
        select(func.count()).select_from(ranked).where(ranked.c.place == 1)
    ).scalar_one()
    rows = db.session.execute(
        select(Event, ranked.c.dates)
        .join(ranked, ranked.c.event_id == Event.id)
        .options(joinedload(Event.branch), joinedload(Event.venue), joinedload(Event.poster))
        .where(ranked.c.place == 1)
        .order_by(Event.starts_at, Event.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    more = {event.id: dates - 1 for event, dates in rows if dates > 1}
    return [event for event, _dates in rows], total, more


def events_between(start: datetime, end: datetime, *, branch_id: int | None = None) -> list[Event]:
    """Events (cancelled ones too) overlapping [start, end), branch and venue loaded."""
    query = (
        select(Event)
        .options(joinedload(Event.branch), joinedload(Event.venue), joinedload(Event.poster))
        .where(Event.starts_at < end, Event.ends_at > start)
        .order_by(Event.starts_at, Event.id)
    )
    if branch_id is not None:
        query = query.where(Event.branch_id == branch_id)
    return list(db.session.execute(query).scalars().all())


def month_bounds(first_day: date, zone: str) -> tuple[datetime, datetime]:
    """UTC instants of the start of ``first_day``'s month and of the next month in ``zone``."""
    next_month = (first_day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return local_day_bounds(first_day, zone)[0], local_day_bounds(next_month, zone)[0]


def get_event(event_id: int) -> Event:
    """An event with branch and venue loaded; NotFound if there is none."""
    if not is_database_id(event_id):
        raise NotFound(_("There is no such event."))
    event = db.session.execute(
        select(Event)
        .options(joinedload(Event.branch), joinedload(Event.venue), joinedload(Event.poster))
        .where(Event.id == event_id)
    ).scalar_one_or_none()
    if event is None:
        raise NotFound(_("There is no such event."))
    return event


def is_slug(value: object) -> bool:
    """Whether ``value`` has the form of a branch's slug (so it is safe to look up)."""
    return isinstance(value, str) and _SLUG.fullmatch(value) is not None


def get_branch(slug: str) -> Branch:
    """A branch with its rooms loaded; NotFound if there is none."""
    if not is_slug(slug):
        raise NotFound(_("There is no such branch."))
    branch = db.session.execute(
        select(Branch).options(selectinload(Branch.venues)).where(Branch.slug == slug)
    ).scalar_one_or_none()
    if branch is None:
        raise NotFound(_("There is no such branch."))
    return branch


def list_branches(*, with_venues: bool = False) -> list[Branch]:
    query = select(Branch).order_by(Branch.name)
    if with_venues:
        query = query.options(selectinload(Branch.venues))
    return list(db.session.execute(query).scalars().all())


def upcoming_counts_by_branch(now: datetime) -> dict[int, int]:
    """Scheduled events not yet ended, per branch id (one grouped query)."""
    rows = db.session.execute(
        select(Event.branch_id, func.count(Event.id))
        .where(Event.ends_at > now, Event.status == STATUS_SCHEDULED)
        .group_by(Event.branch_id)
    ).all()
    return {branch_id: int(count) for branch_id, count in rows}
