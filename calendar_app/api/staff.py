"""The staff API (a bearer token, see auth.py): plan, change and cancel events, see who is
coming, check people in. Every object is checked against the token's account
(services/permissions.py): another branch's event, room or registration is a 403."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, jsonify, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..database import unit_of_work
from ..extensions import db
from ..models import Event, Registration, Venue
from ..services import attendance, attendance_confirmation, permissions, registrations
from ..services.catalog import get_event
from ..services.errors import InvalidInput
from ..services.events import cancel_event, create_event, event_data, update_event
from ..services.seats import availability
from ..services.validation import is_database_id
from ..timeutil import utcnow
from ..urls import absolute_url
from . import bp
from .auth import current_staff
from .event_schema import EventChanges, api_errors, parse_event
from .views import event_json, json_object


def _event(event_id: int) -> Event:
    return permissions.require_event(current_staff(), get_event(event_id))


def my_venue(venue_id: int) -> Venue:
    """A room of a branch the token's account manages (404 unknown, 403 another branch's)."""
    venue = db.session.get(Venue, venue_id) if is_database_id(venue_id) else None
    if venue is None:
        abort(404, _("There is no such room."))
    return permissions.require_venue(current_staff(), venue)


def _registration(registration_id: int) -> Registration:
    registration = None
    if is_database_id(registration_id):
        registration = db.session.execute(
            select(Registration)
            .options(joinedload(Registration.event))
            .where(Registration.id == registration_id)
        ).scalar_one_or_none()
    if registration is None:
        abort(404, _("There is no such registration."))
    return permissions.require_registration(current_staff(), registration)


def _event_answer(event_id: int, status: int = 200) -> Response:
    response = jsonify(event_json(availability(get_event(event_id), utcnow())))
    response.status_code = status
    if status == 201:
        response.headers["Location"] = absolute_url(url_for("api.event", event_id=event_id))
    return response


def _save(changes: EventChanges, event: Event | None) -> int:
    """Create (``event`` None) or change an event in one unit of work; its id."""
    venue = my_venue(changes.venue_id) if changes.venue_id is not None else None
    try:
        with unit_of_work():
            if event is None:
                assert venue is not None  # a new event names its room
                branch = venue.branch
                saved = create_event(branch, changes.event_data(branch.timezone), utcnow())
            else:
                data = changes.event_data(event.branch.timezone, event_data(event))
                saved = update_event(event, data, utcnow())
            event_id = saved.id
    except InvalidInput as error:
        raise InvalidInput(api_errors(error.errors)) from None
    return event_id


@bp.post("/staff/events")
def staff_create_event() -> Response:
    changes = parse_event(json_object(), partial=False)
    return _event_answer(_save(changes, None), 201)


@bp.patch("/staff/events/<id:event_id>")
def staff_update_event(event_id: int) -> Response:
    event = _event(event_id)
    changes = parse_event(json_object(), partial=True)
    return _event_answer(_save(changes, event))


@bp.post("/staff/events/<id:event_id>/cancel")
def staff_cancel_event(event_id: int) -> Response:
    event = _event(event_id)
    with unit_of_work():
        cancel_event(event, utcnow())
    return _event_answer(event_id)


@bp.get("/staff/events/<id:event_id>/registrations")
def staff_registrations(event_id: int) -> Any:
    """Confirmed parties (by name, as on the roster), then the waitlist in its order."""
    event = _event(event_id)
    roster = attendance.roster(event.id)
    rows = [(registration, None) for registration in roster.confirmed] + [
        (registration, position) for position, registration in enumerate(roster.waitlist, 1)
    ]
    return jsonify(
        {
            "registrations": [
                {
                    "id": registration.id,
                    "name": registration.name,
                    "email": registration.email,
                    "seats": registration.seats,
                    "status": registration.status,
                    "checked_in": registration.checked_in_at is not None,
                    "attendance_confirmed": attendance_confirmation.is_confirmed(
                        registration, event
                    ),
                    "waitlist_position": position,
                    "photo_consent": registration.photo_consent,
                }
                for registration, position in rows
            ]
        }
    )


@bp.post("/staff/registrations/<id:registration_id>/check-in")
def staff_check_in(registration_id: int) -> Any:
    registration = _registration(registration_id)
    with unit_of_work():
        registrations.check_in(registration, current_staff().id, utcnow())
    return jsonify({"checked_in": True})
