"""iCalendar building: events in, RFC 5545 bytes out (feeds and the .ics attached to mail).

The builders are pure (no request, no clock, no database): everything a feed shows comes from
the events handed in, so two builds from unchanged data are byte-identical. DTSTAMP and
LAST-MODIFIED are the event's stored update time; SEQUENCE is the one the events service keeps.

Serializing a VEVENT with icalendar is the expensive part, so each event's VEVENT text is kept in
a process-local cache keyed by everything it is made of (the event's id, update time, SEQUENCE
and every field it shows, the venue's and branch's names, BASE_URL and the labels). Comparing
those values costs microseconds; a feed rebuilt after one event changed serializes only that
event again.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, timedelta
from functools import lru_cache
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from cachetools import LRUCache
from icalendar import Calendar, Timezone, vCalAddress, vDuration
from icalendar import Event as VEvent

from ..caches import LockedCache
from ..localization import localized
from ..models import Event
from ..models.event import STATUS_CANCELLED
from .feed_text import clean_text, plain_text

PRODID = "-//Almaty city libraries//Library events//EN"
REFRESH_INTERVAL = timedelta(hours=1)
VEVENT_CACHE_SIZE = 50_000


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


# Process-local: each worker keeps its own.
vevent_cache: LockedCache[bytes] = LockedCache(LRUCache(VEVENT_CACHE_SIZE))


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
