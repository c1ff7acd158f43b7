"""A party's answer to "may we photograph you (and the children with you) at the event?".

The answer is given when registering (``registrations.register``, ``course_bookings.book_course``:
no unless the visitor says yes) and changed on the manage page. It is one yes or no per
registration (for a course booking, the same on every date); staff see it on the roster, the
sign-in sheet, the CSV and at the door, so that they know whom not to photograph. It identifies
nobody by itself, so the personal-data purge and the visitor's erasure leave it in place.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _

from ..extensions import db
from ..models import Registration
from ..models.registration import STATUS_CANCELLED
from . import course_bookings
from .errors import Conflict
from .validation import check_photo_consent


def change_problem(registration: Registration) -> str | None:
    """Why the answer of this registration cannot be changed; None if it can."""
    if registration.status == STATUS_CANCELLED:
        return _("This registration is cancelled, so there is nothing to change.")
    return None


def change_photo_consent(registration: Registration, consent: object, now: datetime) -> bool:
    """Record the visitor's new answer (True: photos allowed) on the registration, or on every
    date of its course booking; returns the answer. Raises InvalidInput for anything but a bool
    and Conflict for a cancelled registration. The caller commits."""
    answer = check_photo_consent(consent)
    problem = change_problem(registration)
    if problem is not None:
        raise Conflict(problem)
    rows = (
        [registration]
        if registration.booking_id is None
        else course_bookings.booking_rows(registration)
    )
    for row in rows:
        if row.status != STATUS_CANCELLED and row.photo_consent != answer:
            row.photo_consent = answer
            row.updated_at = now
    db.session.flush()
    return answer


def parties_without_consent(registrations: list[Registration]) -> int:
    """How many of these parties did not agree to be photographed."""
    return sum(1 for registration in registrations if not registration.photo_consent)
