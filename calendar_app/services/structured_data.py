"""schema.org Event data (JSON-LD) for an event page: what search engines show of an event,
and the Article of its published report beside it (``about`` the Event, by its ``@id``).

Pure: it takes the event with its availability, the language, the page's links and the picture,
and returns a dict for ``<script type="application/ld+json">`` (data, never run as a script).

Choices:
- ``eventStatus`` is always there: EventCancelled for a cancelled event; EventRescheduled once
  its time or room changed after it was published (its SEQUENCE went up, as in the feeds; a
  cancellation raises it too, but cancelled wins); EventScheduled otherwise.
- Every event is free (``isAccessibleForFree``, an offer at price 0 KZT). The offer's
  ``availability`` follows what a new visitor can get now (``seats_left``):
  InStock while registration is open and more than a few seats are left; LimitedAvailability
  when only a few are left (``seats.seat_state``, the one definition of "a few"); SoldOut when none are (also when only the waitlist is open); PreOrder, with
  ``validFrom``, before registration opens; Discontinued once registration has closed.
  Drop-in events need no registration: an InStock offer without a seat count. A cancelled
  event has no offer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from markupsafe import Markup

from ..localization import localized
from ..text import plain_excerpt
from ..timeutil import to_local
from . import seats
from .news import NewsItem
from .seats import Availability

SCHEMA = "https://schema.org/"
DESCRIPTION_LENGTH = 300
HEADLINE_LENGTH = 110


@dataclass(frozen=True)
class EventLinks:
    """Absolute addresses the data points to."""

    page: str  # the event page in this language
    organizer: str  # the branch's page
    image: str  # the poster, or the neutral picture of the category


def event_status(listing: Availability) -> str:
    event = listing.event
    if event.is_cancelled:
        return SCHEMA + "EventCancelled"
    if event.sequence > 0:
        return SCHEMA + "EventRescheduled"
    return SCHEMA + "EventScheduled"


# The schema.org ItemAvailability of each seat state (services/seats.py decides the state).
_AVAILABILITY = {
    seats.STATE_DROP_IN: "InStock",
    seats.STATE_NOT_YET_OPEN: "PreOrder",
    seats.STATE_CLOSED: "Discontinued",
    seats.STATE_ENDED: "Discontinued",
    seats.STATE_FULL: "SoldOut",
    seats.STATE_WAITLIST: "SoldOut",
    seats.STATE_FEW_LEFT: "LimitedAvailability",
    seats.STATE_PLENTY: "InStock",
}


def offer_availability(listing: Availability) -> str | None:
    """The schema.org ItemAvailability of the event's free offer, None when there is none
    (a cancelled event)."""
    name = _AVAILABILITY.get(seats.seat_state(listing))
    return SCHEMA + name if name else None


def _local(moment: datetime, zone: str) -> str:
    return to_local(moment, zone).isoformat(timespec="seconds")


def _offer(listing: Availability, links: EventLinks) -> dict[str, Any] | None:
    availability = offer_availability(listing)
    if availability is None:
        return None
    event = listing.event
    zone = event.branch.timezone
    window = listing.registration_event
    offer: dict[str, Any] = {
        "@type": "Offer",
        "price": 0,
        "priceCurrency": "KZT",
        "url": links.page,
        "availability": availability,
    }
    if event.is_drop_in:
        offer["validThrough"] = _local(event.ends_at, zone)
        return offer
    if window.opens_at is not None:
        offer["validFrom"] = _local(window.opens_at, zone)
    offer["validThrough"] = _local(window.effective_closes_at, zone)
    return offer


def event_json_ld(listing: Availability, language: str, links: EventLinks) -> dict[str, Any]:
    """The schema.org Event of ``listing.event``, its texts in ``language``."""
    event = listing.event
    branch = event.branch
    zone = branch.timezone
    branch_name = localized(branch, "name", language)
    address = localized(branch, "address", language)
    place: dict[str, Any] = {
        "@type": "Place",
        "name": f"{branch_name}, {localized(event.venue, 'name', language)}",
    }
    if address:
        place["address"] = {"@type": "PostalAddress", "streetAddress": address}
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Event",
        "@id": event_node_id(links),
        "name": localized(event, "title", language),
        "startDate": _local(event.starts_at, zone),
        "endDate": _local(event.ends_at, zone),
        "eventStatus": event_status(listing),
        "eventAttendanceMode": SCHEMA + "OfflineEventAttendanceMode",
        "location": place,
        "organizer": {"@type": "Organization", "name": branch_name, "url": links.organizer},
        "image": [links.image],
        "inLanguage": event.language,
        "isAccessibleForFree": True,
        "url": links.page,
    }
    description = plain_excerpt(localized(event, "description", language), DESCRIPTION_LENGTH)
    if description:
        data["description"] = description
    offer = _offer(listing, links)
    if offer is not None:
        data["offers"] = offer
    return data


def event_node_id(links: EventLinks) -> str:
    """The Event's node id, for the report's Article to point at (``about``)."""
    return links.page + "#event"


def article_json_ld(
    report: NewsItem, language: str, links: EventLinks, images: list[str]
) -> dict[str, Any]:
    """The schema.org Article of an event's published report: about the Event beside it,
    written and published by the event's branch; ``images`` are absolute addresses."""
    event = report.event
    branch_name = localized(event.branch, "name", language)
    library = {"@type": "Organization", "name": branch_name, "url": links.organizer}
    zone = event.branch.timezone
    published = report.report.published_at or report.report.updated_at
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Article",
        "headline": _headline(localized(event, "title", language)),
        "datePublished": _local(published, zone),
        "dateModified": _local(report.report.updated_at, zone),
        "image": images or [links.image],
        "author": library,
        "publisher": library,
        "about": {"@id": event_node_id(links)},
        "inLanguage": report.text.language,
        "mainEntityOfPage": links.page,
        "url": links.page + "#report",
    }
    description = plain_excerpt(report.text.markdown, DESCRIPTION_LENGTH)
    if description:
        data["description"] = description
    return data


def _headline(title: str) -> str:
    """Search engines cut headlines at 110 characters."""
    if len(title) <= HEADLINE_LENGTH:
        return title
    return title[: HEADLINE_LENGTH - 1].rsplit(" ", 1)[0] + "…"


# Characters that could end or confuse the <script> data block, written as JSON escapes.
_SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


def script_json(data: dict[str, Any]) -> Markup:
    """``data`` as JSON for a ``<script type="application/ld+json">`` block: UTF-8 text as is
    (a third of the size of ``\\u`` escapes for Kazakh and Russian), with ``<``, ``>`` and
    ``&`` escaped so that no text can close the block."""
    return Markup(json.dumps(data, ensure_ascii=False).translate(_SCRIPT_SAFE))
