"""Calendar files of one registration: the .ics a mail carries, and ``/r/<token>.ics``.

They carry a UID of the registration's own (``registration-<id>@<UID_DOMAIN>``), never the feed's
event UID: a visitor who also subscribes to a feed sees two entries rather than one overwriting
the other, and a registration cancelled and made again is a new entry, not a collision.

The file shows the registration's state: confirmed (CONFIRMED), waiting (TENTATIVE), cancelled
or at a cancelled event (CANCELLED). Its SEQUENCE is the event's plus the registration's step
(waiting or confirmed at once 0, confirmed from the waitlist 1, cancelled 2): both only grow, so
every change a visitor should hear of raises it. Pure: no request, no database, no clock.
"""

from __future__ import annotations

from datetime import UTC

from icalendar import vCalAddress

from ..models import Event, Registration
from ..models.event import STATUS_CANCELLED as EVENT_CANCELLED
from ..models.registration import STATUS_CANCELLED, STATUS_WAITLISTED
from .feed_text import single_line
from .ical import END, Labels, calendar_head, host_of, vevent_component, vtimezones

PUBLISH = "PUBLISH"
CANCEL = "CANCEL"


def registration_uid(registration_id: int, uid_domain: str) -> str:
    return f"registration-{registration_id}@{uid_domain}"


def registration_step(registration: Registration) -> int:
    """0 waiting or confirmed at once, 1 confirmed from the waitlist, 2 cancelled."""
    if registration.status == STATUS_CANCELLED:
        return 2
    if registration.status == STATUS_WAITLISTED:
        return 0
    promoted = (
        registration.confirmed_at is not None
        and registration.confirmed_at > registration.created_at
    )
    return 1 if promoted else 0


def registration_sequence(registration: Registration, event: Event) -> int:
    return event.sequence + registration_step(registration)


def registration_status(registration: Registration, event: Event, method: str | None) -> str:
    if (
        method == CANCEL
        or registration.status == STATUS_CANCELLED
        or event.status == EVENT_CANCELLED
    ):
        return "CANCELLED"
    if registration.status == STATUS_WAITLISTED:
        return "TENTATIVE"
    return "CONFIRMED"


def build_registration_calendar(
    registration: Registration,
    *,
    base_url: str,
    uid_domain: str,
    labels: Labels | None = None,
    method: str | None = None,
    name: str | None = None,
    organizer_name: str | None = None,
) -> bytes:
    """The registration's event as its own calendar entry.

    With a ``method`` (PUBLISH or CANCEL, for mail) the file has a no-reply ORGANIZER and no
    ATTENDEE; without one it is a download named ``name``. The registration's event must have
    its branch and venue loaded.
    """
    event = registration.event
    component = vevent_component(event, base_url, uid_domain, labels or Labels())
    status = registration_status(registration, event, method)
    stamp = max(event.updated_at, registration.updated_at or event.updated_at).astimezone(UTC)
    replaced = {
        "UID": registration_uid(registration.id, uid_domain),
        "SEQUENCE": registration_sequence(registration, event),
        "STATUS": status,
        "TRANSP": "TRANSPARENT" if status == "CANCELLED" else "OPAQUE",
        "DTSTAMP": stamp,
        "LAST-MODIFIED": stamp,
    }
    for key, value in replaced.items():
        component.pop(key, None)
        component.add(key, value)
    if method:
        organizer = vCalAddress(f"mailto:no-reply@{host_of(base_url)}")
        organizer.params["CN"] = single_line(organizer_name or event.branch.name)
        component.add("ORGANIZER", organizer)
    return b"".join([calendar_head(name, method), vtimezones([event]), component.to_ical(), END])
