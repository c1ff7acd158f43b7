"""What the door shows for each answer of services/door.py: words, the HTTP status, and whether
the result is a welcome (green) or a refusal (red). Shared by the camera page and the confirm
page a QR code opens."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any
from zoneinfo import ZoneInfo

from babel import dates as babel_dates
from flask_babel import gettext as _
from flask_babel import ngettext, pgettext

from ..models import Registration
from ..services import door
from ..timeutil import active_locale, to_local, utcnow

UNKNOWN = "unknown"
FORBIDDEN = "forbidden"
INVALID = "invalid"
NOT_LOGGED_IN = "not_logged_in"

HTTP_STATUS = {
    door.CHECKED_IN: 200,
    door.READY: 200,
    UNKNOWN: 404,
    FORBIDDEN: 403,
    INVALID: 422,
    NOT_LOGGED_IN: 401,
}


@dataclass(frozen=True)
class DoorResult:
    result: str
    admitted: bool
    title: str
    reason: str
    party: str
    # Words for staff when the party did not agree to be photographed; empty otherwise.
    photos: str = ""

    @property
    def http_status(self) -> int:
        return HTTP_STATUS.get(self.result, 409)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def clock_time(registration: Registration) -> str:
    """When the party was checked in, as "16:58" in the branch's zone."""
    zone = ZoneInfo(registration.event.branch.timezone)
    return babel_dates.format_time(
        registration.checked_in_at, "HH:mm", tzinfo=zone, locale=active_locale()
    )


def event_day(check: door.DoorCheck) -> str:
    """The event's day as "4 December" (with the year when it is not this year's), kept on one
    line."""
    first, _last = door.event_days(check.event)
    this_year = to_local(utcnow(), check.event.branch.timezone).year
    pattern = "d MMMM" if first.year == this_year else "d MMMM y"
    return babel_dates.format_date(first, pattern, locale=active_locale()).replace(" ", "\u00a0")


def party(registration: Registration) -> str:
    return ngettext(
        "%(name)s, %(num)d seat",
        "%(name)s, %(num)d seats",
        registration.seats,
        name=registration.name or _("Name removed"),
    )


def reason_for(check: door.DoorCheck) -> str:
    """Why the door stops this party, in a sentence; empty when it does not."""
    if check.kind == door.OTHER_EVENT:
        return _("This registration is for “%(event)s”.", event=check.event.title)
    if check.kind == door.EVENT_CANCELLED:
        return _("This event has been cancelled.")
    if check.kind == door.CANCELLED:
        return _("This registration is cancelled.")
    if check.kind == door.WAITLISTED:
        return _("On the waitlist: no seat yet.")
    if check.kind == door.OTHER_DAY:
        return _("This registration is for %(day)s.", day=event_day(check))
    return ""


def describe(check: door.DoorCheck) -> DoorResult:
    registration = check.registration
    if check.kind == door.CHECKED_IN:
        title = pgettext("door result", "Checked in")
    elif check.kind == door.READY:
        title = pgettext("registration status", "Confirmed")
    elif check.kind == door.ALREADY_CHECKED_IN:
        title = _("Already checked in at %(time)s", time=clock_time(registration))
    else:
        title = _("Not admitted")
    return DoorResult(
        check.kind,
        check.admitted,
        title,
        reason_for(check),
        party(registration),
        # Only for a party that is in the room; a refused one needs no such warning.
        photos_note(registration)
        if check.admitted or check.kind == door.ALREADY_CHECKED_IN
        else "",
    )


def photos_note(registration: Registration) -> str:
    """ "No photos" for a party that did not agree to be photographed; empty if it did."""
    if registration.photo_consent:
        return ""
    return _("No photos: this party did not agree to be photographed.")


def refusal(result: str) -> DoorResult:
    """An answer that names nobody: a code not ours, another branch's, or no code at all."""
    if result == FORBIDDEN:
        reason = _("This belongs to a branch you do not manage.")
    elif result == INVALID:
        reason = _("Scan a QR code or type its code.")
    elif result == NOT_LOGGED_IN:
        reason = _("Please log in to see this page.")
    else:
        reason = _("This is not one of our check-in codes.")
    return DoorResult(result, False, _("Not admitted"), reason, "")
