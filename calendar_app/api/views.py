"""The API's endpoints: branches, events (the same filters as ``/``) and registrations."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, abort, current_app, jsonify, request, url_for
from flask_babel import gettext as _

from ..database import unit_of_work
from ..images import absolute_image_url, alt_text
from ..localization import current_language, localized
from ..models import Branch, Image, Registration
from ..models.registration import SOURCE_API, STATUS_CANCELLED
from ..page_cache import cached_page
from ..ratelimits import api_limit, registration_limit
from ..services import attendance_confirmation, catalog, registrations
from ..services.errors import InvalidInput
from ..services.registration_rules import RegistrationResult
from ..services.seats import Availability, availability
from ..timeutil import to_local, utcnow
from ..urls import absolute_url
from ..vocabulary import LANGUAGES
from . import bp
from .openapi import openapi_document

api_limit(bp)

MAX_PER_PAGE = 100


def branch_json(branch: Branch) -> dict[str, Any]:
    """A branch with its rooms (loaded with it: see ``catalog.list_branches``)."""
    return {
        "slug": branch.slug,
        "name": localized(branch, "name"),
        "address": branch.address,
        "timezone": branch.timezone,
        "venues": [
            {"id": venue.id, "name": localized(venue, "name"), "capacity": venue.capacity}
            for venue in branch.venues
        ],
    }


def event_json(listing: Availability) -> dict[str, Any]:
    """EVENT of the contract: start and end in the branch's zone, with the offset."""
    event = listing.event
    zone = event.branch.timezone
    return {
        "id": event.id,
        "title": localized(event, "title"),
        "description": localized(event, "description"),
        "category": event.category,
        "audience": event.audience,
        "branch": {"slug": event.branch.slug, "name": localized(event.branch, "name")},
        "venue": {"name": event.venue.name},
        "start": to_local(event.starts_at, zone).isoformat(),
        "end": to_local(event.ends_at, zone).isoformat(),
        "status": event.status,
        "registration": event.registration,
        "capacity": event.capacity,
        "seats_left": listing.seats_left,
        "seat_state": listing.state,
        "registration_open": listing.registration_open,
        "waitlist": event.waitlist_enabled,
        "url": absolute_url(f"/events/{event.id}"),
        "ics_url": absolute_url(f"/events/{event.id}.ics"),
        "series_id": event.series_id,
        "poster": poster_summary(event.poster),
    }


def poster_summary(image: Image | None) -> dict[str, str] | None:
    """An event's or a series' poster in its JSON: the largest size, alt in the response's
    language."""
    if image is None:
        return None
    return {"url": absolute_image_url(image), "alt": alt_text(image, current_language())}


def registration_json(registration: Registration) -> dict[str, Any]:
    return {
        "status": registration.status,
        "seats": registration.seats,
        "waitlist_position": registrations.waitlist_position(registration),
        "event_id": registration.event_id,
        "attendance_confirmed": attendance_confirmation.is_confirmed(registration),
        "photo_consent": registration.photo_consent,
    }


@bp.get("/branches")
@cached_page
def branches() -> Any:
    branches = catalog.list_branches(with_venues=True)
    return jsonify({"branches": [branch_json(branch) for branch in branches]})


def _per_page(raw: str | None) -> int:
    if raw is None:
        return current_app.config.get("EVENTS_PER_PAGE", 20)
    text = raw.strip()
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_PER_PAGE:
        raise InvalidInput(
            {"per_page": [_("Give a whole number from 1 to %(max)d.", max=MAX_PER_PAGE)]}
        )
    return int(text)


@bp.get("/events")
@cached_page
def events() -> Any:
    """One page of events; the next and previous pages are in the Link header."""
    filters = catalog.parse_filters(request.args)
    page = catalog.parse_page(request.args.get("page"))
    per_page = _per_page(request.args.get("per_page"))
    result = catalog.list_events(filters, utcnow(), page, per_page)
    response = jsonify({"events": [event_json(listing) for listing in result.items]})
    links = []
    for rel, number in (("prev", page - 1), ("next", page + 1)):
        if 1 <= number <= result.pages:
            args = {**filters.as_args(), "page": number, "per_page": per_page}
            links.append(f'<{absolute_url(url_for("api.events", **args))}>; rel="{rel}"')
    if links:
        response.headers["Link"] = ", ".join(links)
    response.headers["X-Total-Count"] = str(result.total)
    return response


@bp.get("/events/<id:event_id>")
@cached_page
def event(event_id: int) -> Any:
    found = catalog.get_event(event_id)
    return jsonify(event_json(availability(found, utcnow())))


def json_object(*, required: bool = True) -> dict[str, Any]:
    """The request's JSON object; 400 for anything else (an empty body is {} if not required)."""
    if not required and not request.get_data():
        return {}
    try:
        body = request.get_json(force=True, silent=True)
    except RecursionError:  # silent covers malformed JSON and bad UTF-8, not runaway nesting
        abort(400, _("The request body is nested too deeply."))
    if not isinstance(body, dict):
        abort(400, _("The request body must be a JSON object."))
    return body


@bp.post("/events/<id:event_id>/registrations")
@registration_limit
def create_registration(event_id: int) -> Any:
    return register_from_body(registrations.register, event_id)


def register_from_body(register: Callable[..., RegistrationResult], target_id: int) -> Response:
    """Register the party a JSON body describes (an event's or a course's ``register``): 201."""
    body = json_object()
    language = body.get("language", current_language())
    with unit_of_work():
        result = register(
            target_id,
            name=body.get("name"),
            email=body.get("email"),
            seats=body.get("seats"),
            # Missing means no; null or anything else but a bool the service refuses (422).
            photo_consent=body.get("photo_consent", False),
            language=language if language in LANGUAGES else current_language(),
            source=SOURCE_API,
            now=utcnow(),
        )
        # Read before the commit, which expires the row: read after it, it would be loaded
        # again in a transaction of its own. The answer itself is built after the commit.
        answer = {
            "status": result.status,
            "seats": result.registration.seats,
            "waitlist_position": result.waitlist_position,
            "photo_consent": result.registration.photo_consent,
            "token": result.token,
        }
    return registration_created(answer)


def registration_created(answer: dict[str, Any]) -> Response:
    """201 with the new registration, its secret token and where to manage it."""
    token = answer["token"]
    response = jsonify(
        {**answer, "manage_url": absolute_url(url_for("public.manage_registration", token=token))}
    )
    response.status_code = 201
    response.headers["Location"] = absolute_url(url_for("api.registration", token=token))
    return response


def _registration_or_404(token: str) -> Registration:
    registration = registrations.find_by_token(token)
    if registration is None:
        abort(404, _("There is no registration with this token."))
    return registration


@bp.get("/registrations/<token>")
def registration(token: str) -> Any:
    return jsonify(registration_json(_registration_or_404(token)))


@bp.delete("/registrations/<token>")
def cancel_registration(token: str) -> Any:
    """Cancel; cancelling again answers the same (DELETE is idempotent)."""
    found = _registration_or_404(token)
    if found.status != STATUS_CANCELLED:
        with unit_of_work():
            registrations.cancel(found, utcnow())
    return jsonify({"status": STATUS_CANCELLED})


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(openapi_document(current_app.config["BASE_URL"]))
