"""The queries behind the feed routes: which events a feed shows, and its ETag/Last-Modified.

``feed_validator`` is the cheap aggregate the ETag and Last-Modified come from, asked before
anything is built; ``change_marker`` tells in constant time whether it needs asking again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import joinedload

from ..committed_reads import read_committed_row
from ..extensions import db
from ..models import Branch, Event, Venue
from ..timeutil import as_utc
from ..vocabulary import AUDIENCES, CATEGORIES, language_code
from .errors import InvalidInput

FEED_PAST_DAYS = 30
# Raise when the shape of the output changes, so cached bodies and ETags are not reused.
FORMAT_VERSION = 2


@dataclass(frozen=True)
class FeedFilters:
    category: str | None = None
    audience: str | None = None

    def cache_key(self) -> tuple[str | None, str | None]:
        return (self.category, self.audience)


def parse_feed_filters(
    args: Mapping[str, str], gettext: Callable[[str], str] = lambda s: s
) -> FeedFilters:
    """``category`` and ``audience`` from a query string; unknown values raise InvalidInput."""
    values: dict[str, str | None] = {}
    errors: dict[str, list[str]] = {}
    for name, allowed in (("category", CATEGORIES), ("audience", AUDIENCES)):
        raw = (args.get(name) or "").strip()
        if raw and raw not in allowed:
            errors[name] = [
                gettext("Unknown %(name)s. Use one of: %(allowed)s.")
                % {"name": name, "allowed": ", ".join(allowed)}
            ]
        values[name] = raw or None
    if errors:
        raise InvalidInput(errors)
    return FeedFilters(**values)


def parse_feed_language(args: Mapping[str, str], default: str) -> str:
    """``lang`` from a query string (kk, ru or en, any case or region), else ``default``.

    Like the pages, an unknown value falls back quietly to the default language.
    """
    return language_code(args.get("lang")) or default


def window_start(now: datetime) -> datetime:
    """Feeds show events that ended at most FEED_PAST_DAYS ago, counted in whole UTC days.

    Whole days keep the selection, and so the ETag, steady between midnights.
    """
    today = now.astimezone(UTC).date()
    return datetime.combine(today - timedelta(days=FEED_PAST_DAYS), time.min, tzinfo=UTC)


def window_end(now: datetime, horizon_days: int) -> datetime:
    """Feeds show events that start before the end of the ``horizon_days``-th UTC day ahead
    (``FEED_HORIZON_DAYS``), which keeps a busy season's feed small enough for every client."""
    return window_start(now) + timedelta(days=FEED_PAST_DAYS + horizon_days + 1)


def _window_clauses(now: datetime, horizon_days: int) -> list:
    return [Event.ends_at >= window_start(now), Event.starts_at < window_end(now, horizon_days)]


def _filter_clauses(filters: FeedFilters) -> list:
    clauses = []
    if filters.category:
        clauses.append(Event.category == filters.category)
    if filters.audience:
        clauses.append(Event.audience == filters.audience)
    return clauses


@dataclass(frozen=True)
class Validator:
    etag: str
    last_modified: datetime


def _etag(*parts: object) -> str:
    digest = hashlib.sha256(repr((FORMAT_VERSION, *parts)).encode("utf-8")).hexdigest()
    return digest[:32]


def feed_validator(
    branch_slug: str | None,
    filters: FeedFilters,
    now: datetime,
    base_url: str,
    language: str,
    horizon_days: int,
) -> tuple[Validator | None, int | None]:
    """ETag and Last-Modified of a feed from one aggregate query, before anything is built.

    For a branch feed also returns the branch's id; (None, None) if there is no such branch.

    The ETag covers the selected events (count, sum and max of ids, latest update), the rooms
    and branches they show, the window, BASE_URL and the language. Last-Modified is the latest
    update among all events of the feed's branch (or of all branches) in the window, whatever
    the filters, so that an event leaving a filtered feed also moves it; among the rooms and
    branches; and at least the window's start.
    """
    start = window_start(now)
    window = _window_clauses(now, horizon_days)
    selected = _filter_clauses(filters)
    chosen = case((and_(*selected), Event.id), else_=None) if selected else Event.id
    aggregates = (
        func.count(chosen),
        func.coalesce(func.sum(chosen), 0),
        func.max(chosen),
        func.max(Event.updated_at),
    )
    if branch_slug is None:
        query = select(
            *aggregates,
            select(func.max(Venue.updated_at)).scalar_subquery(),
            select(func.max(Branch.updated_at)).scalar_subquery(),
            None,
        ).where(*window)
    else:
        query = (
            select(
                *aggregates,
                select(func.max(Venue.updated_at))
                .where(Venue.branch_id == Branch.id)
                .scalar_subquery(),
                Branch.updated_at,
                Branch.id,
            )
            .select_from(Branch)
            .outerjoin(Event, and_(Event.branch_id == Branch.id, *window))
            .where(Branch.slug == branch_slug)
            .group_by(Branch.id, Branch.updated_at)
        )
    row = db.session.execute(query).one_or_none()
    if row is None:
        return None, None
    count, id_sum, max_id, events_updated, venues_updated, branches_updated, branch_id = row
    moments = [start] + [
        as_utc(moment)
        for moment in (events_updated, venues_updated, branches_updated)
        if moment is not None
    ]
    etag = _etag(
        "feed",
        branch_slug,
        filters.cache_key(),
        start,
        horizon_days,
        count,
        int(id_sum),
        max_id,
        [moment.isoformat() for moment in moments],
        base_url,
        language,
    )
    return Validator(etag, max(moments)), branch_id


_CHANGE_MARKER = select(
    select(func.max(Event.updated_at)).scalar_subquery(),
    select(func.max(Event.id)).scalar_subquery(),
    select(func.max(Venue.updated_at)).scalar_subquery(),
    select(func.max(Branch.updated_at)).scalar_subquery(),
)


_marker_sql: dict[str, str] = {}


def change_marker() -> tuple:
    """Values that move whenever anything a feed shows changes, read in constant time.

    The latest update and the highest id of events (both indexed), and the latest update of
    rooms and branches (small tables). The events service stamps ``updated_at`` on every
    change, so an unchanged marker means an unchanged database for the feeds. The values are
    only compared with the previous marker, so they come raw from the driver.

    It is one statement, precompiled, read with ``read_committed_row``: answering an
    unchanged feed opens no ORM session and sends no BEGIN or ROLLBACK around this read.
    """
    dialect = db.engine.dialect
    sql = _marker_sql.get(dialect.name)
    if sql is None:
        sql = _marker_sql[dialect.name] = str(_CHANGE_MARKER.compile(dialect=dialect))
    return read_committed_row(sql) or ()


def feed_events(
    branch_id: int | None, filters: FeedFilters, now: datetime, horizon_days: int
) -> list[Event]:
    """Events of a feed: the recent past and the next ``horizon_days``, cancelled ones included."""
    query = (
        select(Event)
        .options(joinedload(Event.branch), joinedload(Event.venue))
        .where(*_window_clauses(now, horizon_days), *_filter_clauses(filters))
        .order_by(Event.starts_at, Event.id)
    )
    if branch_id is not None:
        query = query.where(Event.branch_id == branch_id)
    return list(db.session.execute(query).scalars())


def event_validator(event_id: int, base_url: str, language: str) -> Validator | None:
    """ETag and Last-Modified of one event's calendar file; None if there is no such event."""
    row = db.session.execute(
        select(Event.updated_at, Event.sequence, Venue.updated_at, Branch.updated_at)
        .join(Venue, Venue.id == Event.venue_id)
        .join(Branch, Branch.id == Event.branch_id)
        .where(Event.id == event_id)
    ).one_or_none()
    if row is None:
        return None
    moments = [as_utc(moment) for moment in (row[0], row[2], row[3])]
    etag = _etag("event", event_id, row[1], [m.isoformat() for m in moments], base_url, language)
    return Validator(etag, max(moments))


def load_event(event_id: int) -> Event | None:
    return db.session.execute(
        select(Event)
        .options(joinedload(Event.branch), joinedload(Event.venue))
        .where(Event.id == event_id)
    ).scalar_one_or_none()
