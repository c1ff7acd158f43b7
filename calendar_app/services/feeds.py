"""iCalendar feeds: events in, RFC 5545 bytes out.

The builders are pure (no request, no clock): everything a feed shows comes from the stored
events, so two builds from unchanged data are byte-identical. DTSTAMP and LAST-MODIFIED are the
event's stored update time; SEQUENCE is the one the events service keeps.

Serializing a VEVENT with icalendar is the expensive part, so each event's VEVENT text is kept in
a process-local cache keyed by everything it is made of (the event's id, update time, SEQUENCE
and every field it shows, the venue's and branch's names, BASE_URL and the labels). Comparing
those values costs microseconds; a feed rebuilt after one event changed serializes only that
event again.

The queries the feed routes need live here too: ``feed_validator`` is the cheap aggregate the
ETag and Last-Modified come from, asked before anything is built.
"""

from __future__ import annotations

import hashlib
import re
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from html import unescape
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import mistune
import nh3
from icalendar import Calendar, Timezone, vCalAddress, vDuration
from icalendar import Event as VEvent
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..localization import localized
from ..models import Branch, Event, Venue
from ..models.event import AUDIENCES, CATEGORIES, LANGUAGES, STATUS_CANCELLED
from .errors import InvalidInput

PRODID = "-//Almaty city libraries//Library events//EN"
REFRESH_INTERVAL = timedelta(hours=1)
FEED_PAST_DAYS = 30
VEVENT_CACHE_SIZE = 50_000
# Raise when the shape of the output changes, so cached bodies and ETags are not reused.
FORMAT_VERSION = 1

_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


# --- text --------------------------------------------------------------------------------------


def clean_text(value: str | None) -> str:
    """NFC-normalised text with LF line ends and no control characters but tab and newline."""
    if not value:
        return ""
    text = value.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", _CONTROL_CHARACTERS.sub("", text))


_markdown_tokens = mistune.create_markdown(renderer=None)
_HIDDEN_HTML = ("<script", "<style")


def _inline_text(nodes: list[dict], hidden: list[int]) -> str:
    """The text of inline tokens: emphasis dropped, links followed by their address."""
    parts: list[str] = []
    for node in nodes:
        kind = node["type"]
        if kind == "inline_html":
            raw = node["raw"].lower()
            if raw.startswith(_HIDDEN_HTML):
                hidden[0] += 1
            elif raw.startswith(("</script", "</style")):
                hidden[0] = max(0, hidden[0] - 1)
            continue
        if hidden[0]:
            continue
        if kind in ("text", "codespan"):
            parts.append(unescape(node["raw"]))
        elif kind in ("softbreak", "linebreak"):
            parts.append("\n")
        elif kind == "link":
            text = _inline_text(node.get("children", []), hidden)
            url = node.get("attrs", {}).get("url", "")
            parts.append(text)
            if url.startswith(("http://", "https://", "mailto:")) and url not in text:
                parts.append(f" ({url.removeprefix('mailto:')})")
        elif "children" in node:
            parts.append(_inline_text(node["children"], hidden))
    return "".join(parts)


def _block_texts(nodes: list[dict]) -> list[str]:
    """One string per block (paragraph, heading, list, code, quote), in order."""
    blocks: list[str] = []
    for node in nodes:
        kind = node["type"]
        if kind in ("paragraph", "heading", "block_text"):
            blocks.append(_inline_text(node.get("children", []), [0]))
        elif kind == "block_code":
            blocks.append(node["raw"].rstrip("\n"))
        elif kind == "block_html":
            text = nh3.clean(node["raw"], tags=set(), clean_content_tags={"script", "style"})
            blocks.append(unescape(text).strip())
        elif kind == "block_quote":
            blocks.extend(_block_texts(node.get("children", [])))
        elif kind == "list":
            attrs = node.get("attrs", {})
            items = []
            for number, item in enumerate(node.get("children", []), attrs.get("start", 1)):
                marker = f"{number}. " if attrs.get("ordered") else "- "
                text = "\n".join(_block_texts(item.get("children", [])))
                items.append(marker + text.replace("\n", "\n  "))
            blocks.append("\n".join(items))
    return [block for block in blocks if block.strip()]


# Anything Markdown (or HTML) could make something of; text without any of it is plain already.
_MARKDOWN_SYNTAX = re.compile(
    r"[*_`\[\]<>!&|~]|\\[\\`*_{}\[\]()#+.!-]|^ {0,3}(?:[#=+-]|\d+[.)])|^(?: {4}|\t)| {2}$",
    re.MULTILINE,
)


@lru_cache(maxsize=4096)
def plain_text(source: str) -> str:
    """Markdown (as staff write descriptions) reduced to the plain text calendar apps show.

    Rendering Markdown costs more than serializing the event, so text with no Markdown syntax
    skips it: only its blank-line runs are tidied, as the renderer would.
    """
    source = clean_text(source)
    if not source.strip():
        return ""
    if not _MARKDOWN_SYNTAX.search(source):
        lines = "\n".join(line.strip() for line in source.strip("\n").split("\n"))
        return re.sub(r"\n{3,}", "\n\n", lines).strip("\n")
    return clean_text("\n\n".join(_block_texts(_markdown_tokens(source))))


# --- building ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Labels:
    """Human names of categories and audiences in the feed's language."""

    language: str = "en"
    categories: Mapping[str, str] | None = None
    audiences: Mapping[str, str] | None = None

    def category(self, key: str) -> str:
        return clean_text((self.categories or {}).get(key) or key.replace("_", " ").capitalize())

    def audience(self, key: str) -> str:
        return clean_text((self.audiences or {}).get(key) or key.capitalize())

    def cache_key(self) -> Hashable:
        return (
            self.language,
            tuple(sorted((self.categories or {}).items())),
            tuple(sorted((self.audiences or {}).items())),
        )


def host_of(base_url: str) -> str:
    return urlsplit(base_url).hostname or "localhost"


def event_uid(event_id: int, base_url: str) -> str:
    """Stable across builds and processes: ``event-<id>@<host of BASE_URL>``."""
    return f"event-{event_id}@{host_of(base_url)}"


def event_url(event_id: int, base_url: str) -> str:
    return f"{base_url.rstrip('/')}/events/{event_id}"


def event_location(event: Event) -> str:
    parts = [event.venue.name, event.branch.name, event.branch.address]
    return ", ".join(clean_text(part).strip() for part in parts if part and part.strip())


def _vevent(event: Event, base_url: str, labels: Labels) -> VEvent:
    zone = ZoneInfo(event.branch.timezone)
    component = VEvent()
    component.add("UID", event_uid(event.id, base_url))
    component.add("DTSTAMP", event.updated_at.astimezone(UTC))
    component.add("LAST-MODIFIED", event.updated_at.astimezone(UTC))
    component.add("CREATED", event.created_at.astimezone(UTC))
    component.add("SEQUENCE", event.sequence)
    component.add("DTSTART", event.starts_at.astimezone(zone))
    component.add("DTEND", event.ends_at.astimezone(zone))
    component.add("SUMMARY", clean_text(localized(event, "title", labels.language)))
    description = plain_text(localized(event, "description", labels.language))
    if description:
        component.add("DESCRIPTION", description)
    component.add("LOCATION", event_location(event))
    component.add("CATEGORIES", [labels.category(event.category), labels.audience(event.audience)])
    component.add("URL", event_url(event.id, base_url))
    component.add("STATUS", "CANCELLED" if event.status == STATUS_CANCELLED else "CONFIRMED")
    component.add("TRANSP", "TRANSPARENT" if event.status == STATUS_CANCELLED else "OPAQUE")
    return component


class _LRU:
    """A small thread-safe LRU mapping (process-local; each worker keeps its own)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[Hashable, bytes] = OrderedDict()
        self.lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> bytes | None:
        with self.lock:
            value = self.items.get(key)
            if value is None:
                self.misses += 1
                return None
            self.hits += 1
            self.items.move_to_end(key)
            return value

    def put(self, key: Hashable, value: bytes) -> None:
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.items.clear()
            self.hits = self.misses = 0


vevent_cache = _LRU(VEVENT_CACHE_SIZE)


def vevent_bytes(event: Event, base_url: str, labels: Labels) -> bytes:
    """The event's serialized VEVENT, from the cache while nothing it shows has changed."""
    venue, branch = event.venue, event.branch
    key = (
        event.id,
        event.updated_at,
        event.sequence,
        event.created_at,
        event.starts_at,
        event.ends_at,
        event.status,
        localized(event, "title", labels.language),
        localized(event, "description", labels.language),
        event.category,
        event.audience,
        venue.name,
        branch.name,
        branch.address,
        branch.timezone,
        base_url,
        labels.cache_key(),
    )
    cached = vevent_cache.get(key)
    if cached is None:
        cached = _vevent(event, base_url, labels).to_ical()
        vevent_cache.put(key, cached)
    return cached


@lru_cache(maxsize=256)
def _vtimezone_bytes(tzid: str, first: date, last: date) -> bytes:
    """A VTIMEZONE whose transitions cover ``first`` to ``last`` only.

    Each observance also lists its own DTSTART as an RDATE: RFC 5545 counts DTSTART as the
    first onset anyway, but some readers (the ``ical`` library among them) only expand
    RRULE and RDATE, and would otherwise find no observance at all for a zone without DST.
    """
    timezone = Timezone.from_tzid(tzid, first_date=first, last_date=last)
    for observance in timezone.subcomponents:
        if "RRULE" not in observance:
            observance.add("RDATE", observance.DTSTART)
    return timezone.to_ical()


def vtimezones(events: Iterable[Event]) -> bytes:
    """One compact VTIMEZONE per zone used, its transitions spanning only the events' dates.

    The span is widened to whole months (and a year past the last event) so that it rarely
    changes and the serialized zone can be reused.
    """
    spans: dict[str, tuple[date, date]] = {}
    for event in events:
        zone = event.branch.timezone
        first = event.starts_at.astimezone(ZoneInfo(zone)).date()
        last = event.ends_at.astimezone(ZoneInfo(zone)).date()
        if zone in spans:
            first, last = min(first, spans[zone][0]), max(last, spans[zone][1])
        spans[zone] = (first, last)
    parts = []
    for zone in sorted(spans):
        first, last = spans[zone]
        parts.append(
            _vtimezone_bytes(zone, date(first.year, first.month, 1), date(last.year + 2, 1, 1))
        )
    return b"".join(parts)


_END = b"END:VCALENDAR\r\n"


def _calendar_head(name: str | None, method: str | None) -> bytes:
    calendar = Calendar()
    calendar.add("VERSION", "2.0")
    calendar.add("PRODID", PRODID)
    calendar.add("CALSCALE", "GREGORIAN")
    if method:
        calendar.add("METHOD", method)
    if name:
        calendar.calendar_name = clean_text(name)
        calendar.add("REFRESH-INTERVAL", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
        calendar.add("X-PUBLISHED-TTL", vDuration(REFRESH_INTERVAL))
    head = calendar.to_ical()
    assert head.endswith(_END)
    return head[: -len(_END)]


def build_feed(
    events: Sequence[Event], *, name: str, base_url: str, labels: Labels | None = None
) -> bytes:
    """A subscription feed (no METHOD) of ``events``, in the order given.

    Each event must have its branch and venue loaded.
    """
    labels = labels or Labels()
    return b"".join(
        [
            _calendar_head(name, None),
            vtimezones(events),
            *(vevent_bytes(event, base_url, labels) for event in events),
            _END,
        ]
    )


def build_event_invitation(
    event: Event, base_url: str, labels: Labels | None = None, organizer_name: str | None = None
) -> bytes:
    """The .ics attached to mail: METHOD:PUBLISH, a no-reply ORGANIZER and no ATTENDEE."""
    component = _vevent(event, base_url, labels or Labels())
    organizer = vCalAddress(f"mailto:no-reply@{host_of(base_url)}")
    organizer.params["CN"] = clean_text(organizer_name or event.branch.name)
    component.add("ORGANIZER", organizer)
    return b"".join(
        [_calendar_head(None, "PUBLISH"), vtimezones([event]), component.to_ical(), _END]
    )


# --- queries -------------------------------------------------------------------------------------


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
    raw = args.get("lang")
    if not isinstance(raw, str):
        return default
    code = raw.strip().lower()[:8].replace("_", "-").split("-")[0]
    return code if code in LANGUAGES else default


def window_start(now: datetime) -> datetime:
    """Feeds show events that ended at most FEED_PAST_DAYS ago, counted in whole UTC days.

    Whole days keep the selection, and so the ETag, steady between midnights.
    """
    today = now.astimezone(UTC).date()
    return datetime.combine(today - timedelta(days=FEED_PAST_DAYS), time.min, tzinfo=UTC)


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
    branch_slug: str | None, filters: FeedFilters, now: datetime, base_url: str, language: str
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
        ).where(Event.ends_at >= start)
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
            .outerjoin(Event, and_(Event.branch_id == Branch.id, Event.ends_at >= start))
            .where(Branch.slug == branch_slug)
            .group_by(Branch.id, Branch.updated_at)
        )
    row = db.session.execute(query).one_or_none()
    if row is None:
        return None, None
    count, id_sum, max_id, events_updated, venues_updated, branches_updated, branch_id = row
    moments = [start] + [
        _aware(moment)
        for moment in (events_updated, venues_updated, branches_updated)
        if moment is not None
    ]
    etag = _etag(
        "feed",
        branch_slug,
        filters.cache_key(),
        start,
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


def change_marker() -> tuple:
    """Values that move whenever anything a feed shows changes, read in constant time.

    The latest update and the highest id of events (both indexed), and the latest update of
    rooms and branches (small tables). The events service stamps ``updated_at`` on every
    change, so an unchanged marker means an unchanged database for the feeds. It is read on a
    pooled connection of its own (committed data only), so that answering an unchanged feed
    never opens an ORM session; on PostgreSQL in autocommit, which saves the round trips of
    BEGIN and ROLLBACK around this single read.
    """
    with db.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execution_options(isolation_level="AUTOCOMMIT")
        return tuple(connection.execute(_CHANGE_MARKER).one())


def _aware(moment: datetime) -> datetime:
    """Aggregates bypass the column type, so SQLite hands back naive UTC (or text)."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def feed_events(branch_id: int | None, filters: FeedFilters, now: datetime) -> list[Event]:
    """Events of a feed: the recent past and the whole future, cancelled ones included."""
    query = (
        select(Event)
        .options(joinedload(Event.branch), joinedload(Event.venue))
        .where(Event.ends_at >= window_start(now), *_filter_clauses(filters))
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
    moments = [_aware(moment) for moment in (row[0], row[2], row[3])]
    etag = _etag("event", event_id, row[1], [m.isoformat() for m in moments], base_url, language)
    return Validator(etag, max(moments))


def load_event(event_id: int) -> Event | None:
    return db.session.execute(
        select(Event)
        .options(joinedload(Event.branch), joinedload(Event.venue))
        .where(Event.id == event_id)
    ).scalar_one_or_none()


__all__ = [
    "FeedFilters",
    "Labels",
    "Validator",
    "build_event_invitation",
    "build_feed",
    "change_marker",
    "clean_text",
    "event_uid",
    "event_validator",
    "feed_events",
    "feed_validator",
    "load_event",
    "parse_feed_filters",
    "parse_feed_language",
    "plain_text",
    "vevent_cache",
    "window_start",
]
