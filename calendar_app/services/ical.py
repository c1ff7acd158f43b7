"""iCalendar building: events in, RFC 5545 bytes out (feeds and the .ics attached to mail).

The builders are pure (no request, no clock, no database): everything a feed shows comes from
the events handed in, so two builds from unchanged data are byte-identical. DTSTAMP and
LAST-MODIFIED are the event's stored update time; SEQUENCE is the one the events service keeps.

Serializing a VEVENT with icalendar is the expensive part, so each event's VEVENT text is kept in
a process-local cache keyed by everything it is made of (the event's id, update time, SEQUENCE
and every field it shows, the venue's and branch's names, BASE_URL, the UID domain and the
labels).

UIDs are ``event-<id>@<UID_DOMAIN>``: the domain is recorded once (see ``config.py``), never read
from BASE_URL, so moving the site does not duplicate every event in subscribers' calendars. Each
zone's VTIMEZONE is one fixed block (transitions from 2000 to 2040), whatever the events: some
readers (vobject among them) keep the first definition of a TZID they see. Comparing
those values costs microseconds; a feed rebuilt after one event changed serializes only that
event again.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, timedelta
from functools import lru_cache
from urllib.parse import urlsplit

from cachetools import LRUCache
from icalendar import Calendar, Timezone, vDuration
from icalendar import Event as VEvent

from ..caches import LockedCache
from ..localization import localized
from ..models import Event
from ..models.event import STATUS_CANCELLED
from ..timeutil import to_local
from .feed_text import clean_text, plain_text, single_line

log = logging.getLogger(__name__)

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


def event_uid(event_id: int, uid_domain: str) -> str:
    """Stable across builds, processes and changes of BASE_URL: ``event-<id>@<UID_DOMAIN>``."""
    return f"event-{event_id}@{uid_domain}"


def event_url(event_id: int, base_url: str) -> str:
    return f"{base_url.rstrip('/')}/events/{event_id}"


def event_location(event: Event, language: str | None = None) -> str:
    """Room, branch and address, the names in ``language`` where translated."""
    parts = [
        localized(event.venue, "name", language),
        localized(event.branch, "name", language),
        localized(event.branch, "address", language),
    ]
    return ", ".join(clean_text(part).strip() for part in parts if part and part.strip())


def vevent_component(event: Event, base_url: str, uid_domain: str, labels: Labels) -> VEvent:
    """The event's VEVENT as feeds show it (callers may change it before serializing)."""
    zone = event.branch.timezone
    component = VEvent()
    component.add("UID", event_uid(event.id, uid_domain))
    component.add("DTSTAMP", event.updated_at.astimezone(UTC))
    component.add("LAST-MODIFIED", event.updated_at.astimezone(UTC))
    component.add("CREATED", event.created_at.astimezone(UTC))
    component.add("SEQUENCE", event.sequence)
    component.add("DTSTART", to_local(event.starts_at, zone))
    component.add("DTEND", to_local(event.ends_at, zone))
    component.add("SUMMARY", clean_text(localized(event, "title", labels.language)))
    description = plain_text(localized(event, "description", labels.language))
    if description:
        component.add("DESCRIPTION", description)
    component.add("LOCATION", event_location(event, labels.language))
    component.add("CATEGORIES", [labels.category(event.category), labels.audience(event.audience)])
    component.add("URL", event_url(event.id, base_url))
    component.add("STATUS", "CANCELLED" if event.status == STATUS_CANCELLED else "CONFIRMED")
    component.add("TRANSP", "TRANSPARENT" if event.status == STATUS_CANCELLED else "OPAQUE")
    return component


# Process-local: each worker keeps its own.
vevent_cache: LockedCache[bytes] = LockedCache(LRUCache(VEVENT_CACHE_SIZE))


def vevent_bytes(event: Event, base_url: str, uid_domain: str, labels: Labels) -> bytes:
    """The event's serialized VEVENT, from the cache while nothing it shows has changed."""
    branch = event.branch
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
        event_location(event, labels.language),
        branch.timezone,
        base_url,
        uid_domain,
        labels.cache_key(),
    )
    cached = vevent_cache.get(key)
    if cached is None:
        cached = vevent_component(event, base_url, uid_domain, labels).to_ical()
        vevent_cache.put(key, cached)
    return cached


# Every VTIMEZONE covers the same fixed span, so a zone is the same block in every response.
ZONE_FIRST = date(2000, 1, 1)
ZONE_LAST = date(2040, 1, 1)


@lru_cache(maxsize=64)
def vtimezone_bytes(tzid: str) -> bytes:
    """The zone's VTIMEZONE, its transitions spanning ZONE_FIRST to ZONE_LAST.

    The COMMENT icalendar writes about that span is dropped: RFC 5545 allows none directly in a
    VTIMEZONE. Each observance also lists its own DTSTART as an RDATE: RFC 5545 counts DTSTART
    as the first onset anyway, but some readers (the ``ical`` library among them) only expand
    RRULE and RDATE, and would otherwise find no observance at all for a zone without DST.
    """
    timezone = Timezone.from_tzid(tzid, first_date=ZONE_FIRST, last_date=ZONE_LAST)
    timezone.pop("COMMENT", None)
    for observance in timezone.subcomponents:
        if "RRULE" not in observance:
            observance.add("RDATE", observance.DTSTART)
    return timezone.to_ical()


def vtimezones(events: Iterable[Event], default_zone: str | None = None) -> bytes:
    """One VTIMEZONE per zone the events use; ``default_zone``'s when there are no events.

    RFC 5545 asks for at least one component in a calendar: an empty feed still carries its
    zone, which every reader accepts.
    """
    zones = sorted({event.branch.timezone for event in events})
    if not zones and default_zone:
        zones = [default_zone]
    blocks = []
    for zone in zones:
        try:
            blocks.append(vtimezone_bytes(zone))
        except Exception:  # a branch's unknown zone: its events are left out by build_feed
            log.exception("time zone %r cannot be written as a VTIMEZONE", zone)
    return b"".join(blocks)


END = b"END:VCALENDAR\r\n"


def calendar_head(name: str | None, method: str | None) -> bytes:
    """VCALENDAR's properties, without END:VCALENDAR (join components and ``END`` after it)."""
    calendar = Calendar()
    calendar.add("VERSION", "2.0")
    calendar.add("PRODID", PRODID)
    calendar.add("CALSCALE", "GREGORIAN")
    if method:
        calendar.add("METHOD", method)
    if name:
        calendar.calendar_name = single_line(name)
        calendar.add("REFRESH-INTERVAL", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
        calendar.add("X-PUBLISHED-TTL", vDuration(REFRESH_INTERVAL))
    head = calendar.to_ical()
    assert head.endswith(END)
    return head[: -len(END)]


def build_feed(
    events: Sequence[Event],
    *,
    name: str,
    base_url: str,
    uid_domain: str,
    labels: Labels | None = None,
    default_zone: str | None = None,
) -> bytes:
    """A subscription feed (no METHOD) of ``events``, in the order given.

    Each event must have its branch and venue loaded. ``default_zone`` is the zone shown when
    there is no event (a feed is never an empty calendar).
    """
    labels = labels or Labels()
    entries = []
    for event in events:
        try:
            entries.append(vevent_bytes(event, base_url, uid_domain, labels))
        except Exception:  # one event's data never takes the whole feed down
            log.exception(
                "event %s left out of a feed: it cannot be written as iCalendar", event.id
            )
    return b"".join([calendar_head(name, None), vtimezones(events, default_zone), *entries, END])
