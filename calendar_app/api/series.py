"""Public series endpoints: a series with every occurrence, and booking a whole course."""

from __future__ import annotations

from typing import Any

from flask import jsonify

from ..localization import localized
from ..models import Series
from ..ratelimits import registration_limit
from ..services import course_bookings, series
from ..services.seats import availabilities
from ..timeutil import utcnow
from . import bp
from .views import event_json, poster_summary, register_from_body


def series_json(found: Series) -> dict[str, Any]:
    """The series, its poster and every occurrence in date order, past and cancelled ones with
    their status."""
    occurrences = availabilities(series.occurrences(found.id), utcnow())
    return {
        "id": found.id,
        "title": localized(occurrences[0].event, "title") if occurrences else found.title,
        "rrule": found.rrule,
        "registration_mode": found.registration_mode,
        "poster": poster_summary(found.poster),
        "occurrences": [event_json(listing) for listing in occurrences],
    }


@bp.get("/series/<id:series_id>")
def series_detail(series_id: int) -> Any:
    return jsonify(series_json(series.get_series(series_id)))


@bp.post("/series/<id:series_id>/registrations")
@registration_limit
def book_series(series_id: int) -> Any:
    return register_from_body(course_bookings.book_course, series_id)
