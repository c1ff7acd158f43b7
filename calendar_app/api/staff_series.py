"""The staff API for a season: series of events and branch closures (bearer token, auth.py).

A series is planned from the fields of its first event plus an RRULE; ``dry_run`` answers
exactly what the real request would, from a savepoint that is rolled back, so nothing is saved.
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, url_for
from flask_babel import gettext as _

from ..database import unit_of_work
from ..localization import current_language
from ..models import Branch, Closure, Series
from ..services import closures, permissions, series
from ..services.catalog import get_branch
from ..services.errors import InvalidInput
from ..services.seats import availabilities
from ..timeutil import utcnow
from ..urls import absolute_url
from . import bp
from .auth import current_staff
from .event_schema import api_errors, parse_event
from .series import series_json
from .staff import my_venue
from .views import event_json, json_object

SERIES_FIELDS = ("rrule", "registration_mode", "skip_public_holidays", "dry_run")
EDIT_FIELDS = ("scope", "from_event")
CLOSURE_FIELDS = ("start", "end", "rrule", "reason")


def _split(body: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """Take the series' own fields out of a body whose rest are event fields."""
    return {name: body.pop(name) for name in names if name in body}


def _my_series(series_id: int) -> Series:
    found = series.get_series(series_id)
    permissions.require_branch(current_staff(), found.branch_id)
    return found


def _created_json(result: series.SeriesResult, *, dry_run: bool) -> dict[str, Any]:
    occurrences = [event_json(listing) for listing in availabilities(result.occurrences, utcnow())]
    if dry_run:
        for occurrence in occurrences:
            occurrence.update(id=None, url=None, ics_url=None, series_id=None)
    return {
        "id": None if dry_run else result.series.id,
        "title": result.series.title,
        "rrule": result.series.rrule,
        "registration_mode": result.series.registration_mode,
        "occurrences": occurrences,
        "skipped": [
            {"date": item.day.isoformat(), "kind": item.kind, "reason": item.reason}
            for item in result.skipped
        ],
    }


@bp.post("/staff/series")
def staff_create_series() -> Response:
    body = json_object()
    options = _split(body, SERIES_FIELDS)
    dry_run = options.get("dry_run", False)
    if not isinstance(dry_run, bool):
        raise InvalidInput({"dry_run": [_("Give true or false.")]})
    changes = parse_event(body, partial=False)
    branch = my_venue(changes.venue_id).branch

    arguments = {
        "registration_mode": options.get("registration_mode", "per_occurrence"),
        "skip_public_holidays": options.get("skip_public_holidays", True),
        "language": current_language(),
    }
    data = changes.event_data(branch.timezone)
    try:
        if dry_run:
            return jsonify(
                series.dry_run(
                    branch,
                    data,
                    options.get("rrule"),
                    utcnow(),
                    lambda result: _created_json(result, dry_run=True),
                    **arguments,
                )
            )
        with unit_of_work():
            made = series.create_series(branch, data, options.get("rrule"), utcnow(), **arguments)
            answer = _created_json(made, dry_run=False)
    except InvalidInput as error:
        raise InvalidInput(api_errors(error.errors)) from None
    response = jsonify(answer)
    response.status_code = 201
    response.headers["Location"] = absolute_url(
        url_for("api.series_detail", series_id=answer["id"])
    )
    return response


@bp.patch("/staff/series/<id:series_id>")
def staff_update_series(series_id: int) -> Response:
    found = _my_series(series_id)
    body = json_object()
    options = _split(body, EDIT_FIELDS)
    changes = parse_event(body, partial=True)
    if changes.venue_id is not None:
        my_venue(changes.venue_id)
    zone = found.branch.timezone
    try:
        with unit_of_work():
            series.update_series(
                found,
                lambda base: changes.event_data(zone, base),
                utcnow(),
                scope=options.get("scope", "all"),
                from_event=options.get("from_event"),
            )
    except InvalidInput as error:
        raise InvalidInput(api_errors(error.errors)) from None
    return jsonify(series_json(series.get_series(series_id)))


@bp.post("/staff/series/<id:series_id>/cancel")
def staff_cancel_series(series_id: int) -> Response:
    found = _my_series(series_id)
    body = json_object(required=False)
    unknown = set(body) - {"from_event"}
    if unknown:
        raise InvalidInput({name: [_("Unknown field.")] for name in sorted(unknown)})
    with unit_of_work():
        series.cancel_series(found, utcnow(), from_event=body.get("from_event"))
    return jsonify(series_json(series.get_series(series_id)))


def closure_json(closure: Closure) -> dict[str, Any]:
    return {
        "id": closure.id,
        "branch": closure.branch.slug,
        "start": closure.start_date.isoformat(),
        "end": closure.end_date.isoformat() if closure.end_date else None,
        "rrule": closure.rrule,
        "reason": closure.reason,
    }


def _my_branch(slug: str) -> Branch:
    branch = get_branch(slug)
    permissions.require_branch(current_staff(), branch.id)
    return branch


@bp.get("/staff/branches/<slug>/closures")
def staff_closures(slug: str) -> Response:
    branch = _my_branch(slug)
    return jsonify({"closures": [closure_json(c) for c in closures.closures_of(branch.id)]})


@bp.post("/staff/branches/<slug>/closures")
def staff_create_closure(slug: str) -> Response:
    branch = _my_branch(slug)
    body = json_object()
    unknown = set(body) - set(CLOSURE_FIELDS)
    if unknown:
        raise InvalidInput({str(name)[:64]: [_("Unknown field.")] for name in sorted(unknown)})
    now = utcnow()
    with unit_of_work():
        closure = closures.create_closure(branch, body, now)
        answer = closure_json(closure)
        conflicting = closures.events_on_closed_days(branch, closure, now)
        answer["conflicting_events"] = [
            event_json(listing) for listing in availabilities(conflicting, now)
        ]
    response = jsonify(answer)
    response.status_code = 201
    return response


@bp.delete("/staff/closures/<id:closure_id>")
def staff_delete_closure(closure_id: int) -> Response:
    closure = closures.get_closure(closure_id)
    permissions.require_branch(current_staff(), closure.branch_id)
    with unit_of_work():
        closures.delete_closure(closure)
    return Response(status=204)
