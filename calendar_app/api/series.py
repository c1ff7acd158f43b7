"""Public series endpoints: a series with every occurrence, and booking a whole course."""

from __future__ import annotations

from typing import Any

from flask import jsonify

from ..database import unit_of_work
from ..localization import current_language, localized
from ..models import Series
from ..models.registration import SOURCE_API
from ..ratelimits import registration_limit
from ..services import course_bookings, series
from ..services.seats import availabilities
from ..timeutil import utcnow
from ..vocabulary import LANGUAGES
from . import bp
from .views import event_json, json_object, registration_created


def series_json(found: Series) -> dict[str, Any]:
    """The series and every occurrence in date order, past and cancelled ones with their status."""
    occurrences = availabilities(series.occurrences(found.id), utcnow())
    return {
        "id": found.id,
        "title": localized(occurrences[0].event, "title") if occurrences else found.title,
        "rrule": found.rrule,
        "registration_mode": found.registration_mode,
        "occurrences": [event_json(listing) for listing in occurrences],
    }


@bp.get("/series/<int:series_id>")
def series_detail(series_id: int) -> Any:
    return jsonify(series_json(series.get_series(series_id)))


@bp.post("/series/<int:series_id>/registrations")
@registration_limit
def book_series(series_id: int) -> Any:
    body = json_object()
    language = body.get("language", current_language())
    with unit_of_work():
        result = course_bookings.book_course(
            series_id,
            name=body.get("name"),
            email=body.get("email"),
            seats=body.get("seats"),
            language=language if language in LANGUAGES else current_language(),
            source=SOURCE_API,
            now=utcnow(),
        )
    return registration_created(result)
