"""The OpenAPI 3.1 description of /api/v1; a test checks every endpoint's answers against it."""

from __future__ import annotations

from typing import Any

from ..models.event import REGISTRATION_KINDS
from ..models.report import MAX_PHOTOS
from ..services.events import MAX_CAPACITY, MAX_CONFIRM_ATTENDANCE_HOURS, MAX_PARTY_LIMIT
from ..services.reports import MAX_TEXT
from ..services.seats import FEW_SEATS, FEW_SEATS_PERCENT, SEAT_STATES
from ..vocabulary import AUDIENCES, CATEGORIES, LANGUAGES
from .event_schema import REQUIRED

_NULLABLE_INT = {"type": ["integer", "null"]}
_ATTENDANCE_CONFIRMED = {
    "type": "boolean",
    "description": (
        "Whether a confirmed party has confirmed it is coming (events that ask for it), or was "
        "seated after the others were asked; false for waiting and cancelled parties."
    ),
}
_PHOTO_CONSENT = {
    "type": "boolean",
    "description": (
        "Whether the party agreed to be photographed at the event (false unless it said yes; "
        "the visitor may change it on the manage page)."
    ),
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return _json(_ref("Error"), description)


def _time(description: str, nullable: bool = False) -> dict[str, Any]:
    return {
        "type": ["string", "null"] if nullable else "string",
        "description": description + " ISO 8601; without an offset, local time of the branch.",
        "examples": ["2026-06-10T15:00", "2026-06-10T15:00+05:00"],
    }


_TEXTS = {"type": ["string", "null"]}
_PER_LANGUAGE = {
    "type": "object",
    "additionalProperties": False,
    "required": list(LANGUAGES),
    "properties": {code: _TEXTS for code in LANGUAGES},
}
_EVENT_FIELDS: dict[str, Any] = {
    "venue_id": {
        "type": "integer",
        "description": "A room (see /branches) of a branch the token's account manages.",
    },
    "title": {"type": "string", "minLength": 1, "maxLength": 300},
    "description": {"type": "string", "maxLength": 20000, "description": "Markdown; may be empty."},
    "category": {"type": "string", "enum": list(CATEGORIES)},
    "audience": {"type": "string", "enum": list(AUDIENCES)},
    "language": {"type": "string", "enum": list(LANGUAGES), "description": "Of the title."},
    "start": _time("The start."),
    "end": _time("The end, after the start."),
    "registration": {"type": "string", "enum": list(REGISTRATION_KINDS)},
    "capacity": {
        "type": "integer",
        "minimum": 0,
        "maximum": MAX_CAPACITY,
        "description": "At most the room's capacity.",
    },
    "waitlist": {"type": "boolean", "default": True},
    "max_party": {"type": "integer", "minimum": 1, "maximum": MAX_PARTY_LIMIT, "default": 4},
    "opens_at": _time("Registration opens (null: at once).", nullable=True),
    "closes_at": _time("Registration closes (null: at the start).", nullable=True),
    "confirm_attendance_hours": {
        **_NULLABLE_INT,
        "minimum": 1,
        "maximum": MAX_CONFIRM_ATTENDANCE_HOURS,
        "description": "Hours before the start by which parties confirm they come (null: off).",
    },
    "translations": {
        "type": ["object", "null"],
        "description": "Title and description in the languages other than ``language``.",
        "propertyNames": {"enum": list(LANGUAGES)},
        "additionalProperties": {
            "type": ["object", "null"],
            "additionalProperties": False,
            "properties": {"title": _TEXTS, "description": _TEXTS},
        },
        "examples": [{"ru": {"title": "Вечер кюя", "description": ""}}],
    },
}

_SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {"error": {"type": "string", "description": "A message for people."}},
    },
    "ValidationErrors": {
        "type": "object",
        "required": ["errors"],
        "properties": {
            "errors": {
                "type": "object",
                "description": "Messages per field.",
                "additionalProperties": {
                    "type": "array",
                    "items": {"type": "string"},
                    "minItems": 1,
                },
                "minProperties": 1,
            }
        },
    },
    "Branch": {
        "type": "object",
        "required": ["slug", "name", "address", "timezone", "venues"],
        "additionalProperties": False,
        "properties": {
            "slug": {"type": "string"},
            "name": {"type": "string"},
            "address": {"type": "string"},
            "timezone": {"type": "string", "examples": ["Asia/Almaty"]},
            "venues": {
                "type": "array",
                "description": "The branch's rooms, by name; ``id`` is the staff API's venue_id.",
                "items": {
                    "type": "object",
                    "required": ["id", "name", "capacity"],
                    "additionalProperties": False,
                    "properties": {
                        "id": {"type": "integer"},
                        "name": {"type": "string"},
                        "capacity": {"type": "integer", "minimum": 0},
                    },
                },
            },
        },
    },
    "Event": {
        "type": "object",
        "additionalProperties": False,
        "required": [
            "id",
            "title",
            "description",
            "category",
            "audience",
            "branch",
            "venue",
            "start",
            "end",
            "status",
            "registration",
            "capacity",
            "seats_left",
            "seat_state",
            "registration_open",
            "waitlist",
            "url",
            "ics_url",
            "series_id",
            "poster",
        ],
        "properties": {
            "id": {"type": "integer"},
            "title": {"type": "string"},
            "description": {"type": "string", "description": "Markdown."},
            "category": {"type": "string", "enum": list(CATEGORIES)},
            "audience": {"type": "string", "enum": list(AUDIENCES)},
            "branch": {
                "type": "object",
                "required": ["slug", "name"],
                "additionalProperties": False,
                "properties": {"slug": {"type": "string"}, "name": {"type": "string"}},
            },
            "venue": {
                "type": "object",
                "required": ["name"],
                "additionalProperties": False,
                "properties": {"name": {"type": "string"}},
            },
            "start": {
                "type": "string",
                "format": "date-time",
                "description": "ISO 8601 in the branch's zone, with its offset.",
            },
            "end": {"type": "string", "format": "date-time"},
            "status": {"type": "string", "enum": ["scheduled", "cancelled"]},
            "registration": {"type": "string", "enum": ["none", "required"]},
            "capacity": {"type": "integer", "minimum": 0},
            "seats_left": {
                "type": ["integer", "null"],
                "minimum": 0,
                "description": (
                    "Seats a new party can get now: capacity minus confirmed seats, 0 while "
                    "anyone is on the waitlist; null for drop-in events."
                ),
            },
            "seat_state": {
                "type": "string",
                "enum": list(SEAT_STATES),
                "description": (
                    "How the seats stand for a newcomer now: plenty, few_left (at most "
                    f"{FEW_SEATS} seats or {FEW_SEATS_PERCENT} % of the capacity, whichever is "
                    "more), waitlist (no seat now; a registration joins the waitlist), full (no "
                    "seat and no waitlist), not_yet_open, closed, ended, cancelled, drop_in."
                ),
            },
            "registration_open": {
                "type": "boolean",
                "description": "Whether the registration window is open now (seats aside).",
            },
            "waitlist": {"type": "boolean"},
            "url": {"type": "string", "format": "uri"},
            "ics_url": {"type": "string", "format": "uri"},
            "series_id": {
                **_NULLABLE_INT,
                "description": "The series the event belongs to; null for a single event.",
            },
            "poster": {
                "type": ["object", "null"],
                "required": ["url", "alt"],
                "additionalProperties": False,
                "properties": {
                    "url": {"type": "string", "format": "uri"},
                    "alt": {"type": "string", "description": "In the response's language."},
                },
                "description": "The largest size of the event's poster; null without one.",
            },
        },
    },
    "Poster": {
        "type": "object",
        "additionalProperties": False,
        "required": ["poster"],
        "properties": {
            "poster": {
                "type": "object",
                "additionalProperties": False,
                "required": ["url", "width", "height", "alt"],
                "properties": {
                    "url": {
                        "type": "string",
                        "format": "uri",
                        "description": "The largest size, JPEG, without any metadata.",
                    },
                    "width": {"type": "integer", "minimum": 1},
                    "height": {"type": "integer", "minimum": 1},
                    "alt": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": list(LANGUAGES),
                        "properties": {code: _TEXTS for code in LANGUAGES},
                    },
                },
            }
        },
    },
    "ReportPhoto": {
        "type": "object",
        "additionalProperties": False,
        "required": ["id", "url", "width", "height", "alt", "consent_confirmed_at"],
        "properties": {
            "id": {"type": "integer"},
            "url": {
                "type": "string",
                "format": "uri",
                "description": "The largest size, JPEG, without any metadata.",
            },
            "width": {"type": "integer", "minimum": 1},
            "height": {"type": "integer", "minimum": 1},
            "alt": _PER_LANGUAGE,
            "consent_confirmed_at": {
                "type": "string",
                "format": "date-time",
                "description": "When a staff member confirmed that those pictured agreed (UTC).",
            },
        },
    },
    "Report": {
        "type": "object",
        "additionalProperties": False,
        "required": ["report"],
        "properties": {
            "report": {
                "type": "object",
                "additionalProperties": False,
                "required": [
                    "event_id",
                    "text",
                    "published",
                    "show_attendance",
                    "published_at",
                    "updated_at",
                    "url",
                    "attendance",
                    "photos",
                ],
                "properties": {
                    "event_id": {"type": "integer"},
                    "text": {**_PER_LANGUAGE, "description": "Markdown as written; null: none."},
                    "published": {"type": "boolean"},
                    "show_attendance": {"type": "boolean"},
                    "published_at": {
                        "type": ["string", "null"],
                        "format": "date-time",
                        "description": "The first time it was published (UTC); null: never.",
                    },
                    "updated_at": {
                        "type": "string",
                        "format": "date-time",
                        "description": "The last real change of its text, flags or photos.",
                    },
                    "url": {"type": "string", "format": "uri", "description": "The event page."},
                    "attendance": {
                        "type": "integer",
                        "minimum": 0,
                        "description": "Seats checked in (walk-ins too), or a drop-in's head count.",
                    },
                    "photos": {
                        "type": "array",
                        "maxItems": MAX_PHOTOS,
                        "items": _ref("ReportPhoto"),
                    },
                },
            }
        },
    },
    "ReportPhotoCreated": {
        "type": "object",
        "additionalProperties": False,
        "required": ["photo"],
        "properties": {"photo": _ref("ReportPhoto")},
    },
    "ReportInput": {
        "type": "object",
        "additionalProperties": False,
        "required": ["text", "published"],
        "properties": {
            "text": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    code: {"type": ["string", "null"], "maxLength": MAX_TEXT} for code in LANGUAGES
                },
                "description": "Markdown per language, at least one not empty; trimmed.",
            },
            "published": {"type": "boolean", "description": "Shown on /news and the event page."},
            "show_attendance": {
                "type": "boolean",
                "description": "Show how many came; omitted: unchanged (true for a new report).",
            },
        },
    },
    "EventInput": {
        "type": "object",
        "additionalProperties": False,
        "required": list(REQUIRED),
        "properties": _EVENT_FIELDS,
        "description": "A new event; it belongs to the branch of its room.",
    },
    "EventChanges": {
        "type": "object",
        "additionalProperties": False,
        "properties": _EVENT_FIELDS,
        "description": (
            "Any fields of EventInput; the others keep their values. ``translations`` is "
            "merged as a JSON merge patch (RFC 7396): null removes a language or a text."
        ),
    },
    "StaffRegistrations": {
        "type": "object",
        "additionalProperties": False,
        "required": ["registrations"],
        "properties": {
            "registrations": {
                "type": "array",
                "description": "Confirmed parties by name, then the waitlist in its order.",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": [
                        "id",
                        "name",
                        "email",
                        "seats",
                        "status",
                        "checked_in",
                        "waitlist_position",
                        "attendance_confirmed",
                        "photo_consent",
                    ],
                    "properties": {
                        "id": {"type": "integer"},
                        "name": {
                            "type": ["string", "null"],
                            "description": "null once the personal data has been purged.",
                        },
                        "email": {
                            "type": ["string", "null"],
                            "description": "null for walk-ins who gave none.",
                        },
                        "seats": {"type": "integer", "minimum": 1},
                        "status": {"type": "string", "enum": ["confirmed", "waitlisted"]},
                        "checked_in": {"type": "boolean"},
                        "waitlist_position": {**_NULLABLE_INT, "minimum": 1},
                        "attendance_confirmed": _ATTENDANCE_CONFIRMED,
                        "photo_consent": _PHOTO_CONSENT,
                    },
                },
            }
        },
    },
    "CheckedIn": {
        "type": "object",
        "additionalProperties": False,
        "required": ["checked_in"],
        "properties": {"checked_in": {"const": True}},
    },
    "NewRegistration": {
        "type": "object",
        "required": ["name", "email", "seats"],
        "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 200},
            "email": {"type": "string", "format": "email", "maxLength": 254},
            "seats": {
                "type": "integer",
                "minimum": 1,
                "description": "At most the event's maximum party size (4 unless set).",
            },
            "language": {
                "type": "string",
                "enum": ["kk", "ru", "en"],
                "description": "Language of the mail; defaults to the request's language.",
            },
            "photo_consent": {
                "type": "boolean",
                "default": False,
                "description": (
                    "true when the party (for its children, their parent or guardian) agrees to "
                    "be photographed at the event, for the library's news; missing means false. "
                    'Any other value ("true", 1, null) is a 422.'
                ),
            },
        },
    },
    "RegistrationCreated": {
        "type": "object",
        "additionalProperties": False,
        "required": [
            "status",
            "seats",
            "waitlist_position",
            "photo_consent",
            "token",
            "manage_url",
        ],
        "properties": {
            "status": {"type": "string", "enum": ["confirmed", "waitlisted"]},
            "seats": {"type": "integer", "minimum": 1},
            "waitlist_position": {**_NULLABLE_INT, "minimum": 1},
            "photo_consent": _PHOTO_CONSENT,
            "token": {
                "type": "string",
                "description": "The secret manage token; it is shown only once.",
            },
            "manage_url": {"type": "string", "format": "uri"},
        },
    },
    "Registration": {
        "type": "object",
        "additionalProperties": False,
        "required": [
            "status",
            "seats",
            "waitlist_position",
            "event_id",
            "attendance_confirmed",
            "photo_consent",
        ],
        "properties": {
            "status": {"type": "string", "enum": ["confirmed", "waitlisted", "cancelled"]},
            "seats": {"type": "integer", "minimum": 1},
            "waitlist_position": {**_NULLABLE_INT, "minimum": 1},
            "event_id": {"type": "integer"},
            "attendance_confirmed": _ATTENDANCE_CONFIRMED,
            "photo_consent": _PHOTO_CONSENT,
        },
    },
    "Cancelled": {
        "type": "object",
        "additionalProperties": False,
        "required": ["status"],
        "properties": {"status": {"const": "cancelled"}},
    },
}

_FILTERS = [
    ("branch", "A branch's slug."),
    ("category", "One of the event categories."),
    ("audience", "One of the audiences."),
    ("q", "Words to look for in titles and descriptions."),
    ("from", "First day, YYYY-MM-DD, in Almaty time."),
    ("to", "Last day, YYYY-MM-DD."),
]

_TOKEN = {
    "name": "token",
    "in": "path",
    "required": True,
    "schema": {"type": "string"},
    "description": "The manage token returned when registering.",
}
_EVENT_ID = {"name": "event_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_PHOTO_ID = {"name": "photo_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_REGISTRATION_ID = {
    "name": "registration_id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer"},
    "description": "The ``id`` in the event's list of registrations.",
}
_TOO_MANY = _error("Too many requests from this address.")
_SECURITY_SCHEMES = {
    "bearerAuth": {
        "type": "http",
        "scheme": "bearer",
        "description": (
            "A token made with ``flask --app app create-api-token EMAIL``; it acts with that "
            "staff account's permissions. Revoked on the staff page /staff/tokens."
        ),
    }
}
_UNAUTHORIZED = {
    **_error("No token, or one that is unknown or revoked, or its account is disabled."),
    "headers": {
        "WWW-Authenticate": {
            "required": True,
            "description": "The Bearer challenge of RFC 6750.",
            "schema": {"type": "string"},
        }
    },
}
_NOT_OBJECT = _error("The body is not a JSON object.")
_TOO_LARGE = _error("The body is larger than 1 MiB.")
_INVALID = _json(_ref("ValidationErrors"), "Invalid fields, each named; nothing is saved.")
_NOT_MINE = "belongs to a branch the token's account does not manage."


def _staff_operation(
    operation_id: str, summary: str, responses: dict[str, Any], **more: Any
) -> dict[str, Any]:
    """A staff operation: a bearer token, 401 without one and rate-limited like the rest."""
    return {
        "operationId": operation_id,
        "summary": summary,
        "security": [{"bearerAuth": []}],
        **more,
        "responses": {**responses, "401": _UNAUTHORIZED, "429": _TOO_MANY},
    }


def _poster_operations(
    name: str, noun: str, parameter: dict[str, Any], summaries: tuple[str, str]
) -> dict[str, Any]:
    """PUT and DELETE of the poster of an event or a series (``name`` in the operation ids)."""
    return {
        "put": _staff_operation(
            f"put{name}Poster",
            summaries[0],
            {
                "200": _json(_ref("Poster"), "Stored, re-encoded without metadata."),
                "403": _error(f"The {noun} " + _NOT_MINE),
                "404": _error(f"No such {noun}."),
                "413": _error("The image is larger than 10 MiB."),
                "422": _json(
                    _ref("ValidationErrors"),
                    "Not a JPEG, PNG or WebP picture of at most 40 megapixels, or no alt "
                    "text in any language; nothing is stored.",
                ),
            },
            parameters=[parameter],
            requestBody={
                "required": True,
                "description": (
                    "Multipart with ``image`` and ``alt_kk``, ``alt_ru``, ``alt_en`` (at "
                    "least one required); or the image itself as the "
                    "body, with the alt fields in the query string."
                ),
                "content": {
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "required": ["image"],
                            "properties": {
                                "image": {"type": "string", "format": "binary"},
                                **{f"alt_{code}": {"type": "string"} for code in LANGUAGES},
                            },
                        }
                    },
                    "image/*": {"schema": {"type": "string", "format": "binary"}},
                },
            },
        ),
        "delete": _staff_operation(
            f"delete{name}Poster",
            summaries[1],
            {
                "204": {"description": "Removed (or there was none)."},
                "403": _error(f"The {noun} " + _NOT_MINE),
                "404": _error(f"No such {noun}."),
            },
            parameters=[parameter],
        ),
    }


def _body(schema: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": _ref(schema)}}}


def _staff_paths() -> dict[str, Any]:
    return {
        "/staff/events": {
            "post": _staff_operation(
                "createEvent",
                "Plan an event in a room",
                {
                    "201": {
                        **_json(_ref("Event"), "Planned."),
                        "headers": {
                            "Location": {
                                "required": True,
                                "description": "The event in the public API.",
                                "schema": {"type": "string", "format": "uri"},
                            }
                        },
                    },
                    "400": _NOT_OBJECT,
                    "403": _error("The room " + _NOT_MINE),
                    "404": _error("No such room."),
                    "413": _TOO_LARGE,
                    "422": _json(
                        _ref("ValidationErrors"),
                        "Invalid fields, each named (a room taken at that time names the event "
                        "in the way); nothing is saved.",
                    ),
                },
                requestBody=_body("EventInput"),
            )
        },
        "/staff/events/{event_id}": {
            "patch": _staff_operation(
                "updateEvent",
                "Change some fields of an event; registrants hear of a new time or room",
                {
                    "200": _json(_ref("Event"), "Changed."),
                    "400": _NOT_OBJECT,
                    "403": _error("The event or the room " + _NOT_MINE),
                    "404": _error("No such event or room."),
                    "409": _error("The event is cancelled."),
                    "413": _TOO_LARGE,
                    "422": _INVALID,
                },
                parameters=[_EVENT_ID],
                requestBody=_body("EventChanges"),
            )
        },
        "/staff/events/{event_id}/cancel": {
            "post": _staff_operation(
                "cancelEvent",
                "Cancel an event; every registrant is told by mail",
                {
                    "200": _json(_ref("Event"), "Cancelled."),
                    "403": _error("The event " + _NOT_MINE),
                    "404": _error("No such event."),
                    "409": _error("The event is already cancelled."),
                },
                parameters=[_EVENT_ID],
            )
        },
        "/staff/events/{event_id}/poster": _poster_operations(
            "Event",
            "event",
            _EVENT_ID,
            (
                "Give an event a poster (replacing the one it had)",
                "Take the poster off an event",
            ),
        ),
        "/staff/events/{event_id}/report": {
            "get": _staff_operation(
                "getEventReport",
                "The report of an event, with its photos",
                {
                    "200": _json(_ref("Report"), "The report (published or not)."),
                    "403": _error("The event " + _NOT_MINE),
                    "404": _error("No such event, or it has no report yet."),
                },
                parameters=[_EVENT_ID],
            ),
            "put": _staff_operation(
                "putEventReport",
                "Write the report of an event that has started; publish it as news",
                {
                    "200": _json(_ref("Report"), "Saved."),
                    "400": _NOT_OBJECT,
                    "403": _error("The event " + _NOT_MINE),
                    "404": _error("No such event."),
                    "409": _error("The event has not started yet, or it is cancelled."),
                    "413": _TOO_LARGE,
                    "422": _json(
                        _ref("ValidationErrors"),
                        "Invalid fields (``text.kk`` names a language's text); nothing is saved.",
                    ),
                },
                parameters=[_EVENT_ID],
                requestBody=_body("ReportInput"),
            ),
        },
        "/staff/events/{event_id}/report/photos": {
            "post": _staff_operation(
                "addEventReportPhoto",
                "Add a photo to the report (made empty and unpublished if there is none)",
                {
                    "201": _json(
                        _ref("ReportPhotoCreated"), "Stored, re-encoded without metadata."
                    ),
                    "403": _error("The event " + _NOT_MINE),
                    "404": _error("No such event."),
                    "409": _error(
                        f"The event has not started yet or is cancelled, or the report already "
                        f"has {MAX_PHOTOS} photos; nothing is stored."
                    ),
                    "413": _error("The image is larger than 10 MiB."),
                    "422": _json(
                        _ref("ValidationErrors"),
                        "No consent confirmation, not a JPEG, PNG or WebP picture of at most 40 "
                        "megapixels, or no alt text in any language; nothing is stored.",
                    ),
                },
                parameters=[_EVENT_ID],
                requestBody={
                    "required": True,
                    "description": (
                        "``consent_confirmed=true`` confirms that the people in the photo (and "
                        "the parents of the children in it) agreed to be photographed; without "
                        "it the photo is refused. Who confirmed it and when is recorded."
                    ),
                    "content": {
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "required": ["image", "consent_confirmed"],
                                "properties": {
                                    "image": {"type": "string", "format": "binary"},
                                    **{f"alt_{code}": {"type": "string"} for code in LANGUAGES},
                                    "consent_confirmed": {"type": "string", "enum": ["true"]},
                                },
                            }
                        }
                    },
                },
            )
        },
        "/staff/events/{event_id}/report/photos/{photo_id}": {
            "delete": _staff_operation(
                "deleteEventReportPhoto",
                "Take a photo off the report (its files go when nothing else uses them)",
                {
                    "204": {"description": "Removed."},
                    "403": _error("The event " + _NOT_MINE),
                    "404": _error("No such event, or no such photo in its report."),
                },
                parameters=[_EVENT_ID, _PHOTO_ID],
            )
        },
        "/staff/events/{event_id}/registrations": {
            "get": _staff_operation(
                "listEventRegistrations",
                "Who is coming: confirmed parties and the waitlist",
                {
                    "200": _json(_ref("StaffRegistrations"), "The active registrations."),
                    "403": _error("The event " + _NOT_MINE),
                    "404": _error("No such event."),
                },
                parameters=[_EVENT_ID],
            )
        },
        "/staff/registrations/{registration_id}/check-in": {
            "post": _staff_operation(
                "checkIn",
                "Mark a confirmed party as arrived",
                {
                    "200": _json(_ref("CheckedIn"), "Checked in."),
                    "403": _error("The registration " + _NOT_MINE),
                    "404": _error("No such registration."),
                    "409": _error("Already checked in, not confirmed, or the event is cancelled."),
                },
                parameters=[_REGISTRATION_ID],
            )
        },
    }


_SERIES_ID = {"name": "series_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_SLUG = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}
_CLOSURE_ID = {"name": "closure_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_NULLABLE_TEXT = {"type": ["string", "null"]}
_SERIES_OPTIONS: dict[str, Any] = {
    "rrule": {
        "type": "string",
        "examples": ["FREQ=WEEKLY;BYDAY=SA;COUNT=10", "FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20270301"],
        "description": (
            "An RFC 5545 RRULE value (daily, weekly, monthly or yearly); ``start`` and ``end`` "
            "give the first date and the time of day. A date-only UNTIL includes that day; at "
            "most 200 dates, counted before skipping."
        ),
    },
    "registration_mode": {"enum": ["per_occurrence", "whole_series"]},
    "skip_public_holidays": {"type": "boolean", "default": True},
    "dry_run": {"type": "boolean", "default": False},
}
_PLANNED_EVENT = {
    **_SCHEMAS["Event"],
    "description": "An occurrence as it would be made: no id or links yet.",
    "properties": {
        **_SCHEMAS["Event"]["properties"],
        "id": _NULLABLE_INT,
        "url": _NULLABLE_TEXT,
        "ics_url": _NULLABLE_TEXT,
        "series_id": _NULLABLE_INT,
    },
}
_SERIES_SCHEMAS: dict[str, Any] = {
    "Series": {
        "type": "object",
        "additionalProperties": False,
        "required": ["id", "title", "rrule", "registration_mode", "poster", "occurrences"],
        "properties": {
            "id": {"type": "integer"},
            "title": {"type": "string"},
            "rrule": {"type": "string"},
            "registration_mode": _SERIES_OPTIONS["registration_mode"],
            "poster": {
                **_SCHEMAS["Event"]["properties"]["poster"],
                "description": "The series' poster (shown by its dates without one of their "
                "own); null without one.",
            },
            "occurrences": {"type": "array", "items": _ref("Event")},
        },
    },
    "SeriesCreated": {
        "type": "object",
        "additionalProperties": False,
        "required": ["id", "title", "rrule", "registration_mode", "occurrences", "skipped"],
        "properties": {
            "id": {**_NULLABLE_INT, "description": "null for a dry run."},
            "title": {"type": "string"},
            "rrule": {"type": "string"},
            "registration_mode": _SERIES_OPTIONS["registration_mode"],
            "occurrences": {
                "type": "array",
                "items": {"anyOf": [_ref("Event"), _ref("PlannedEvent")]},
            },
            "skipped": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["date", "kind", "reason"],
                    "properties": {
                        "date": {"type": "string", "format": "date"},
                        "kind": {"enum": ["holiday", "closure"]},
                        "reason": {"type": "string"},
                    },
                },
            },
        },
    },
    "PlannedEvent": _PLANNED_EVENT,
    "SeriesInput": {
        "type": "object",
        "additionalProperties": False,
        "required": [*REQUIRED, "rrule"],
        "properties": {**_EVENT_FIELDS, **_SERIES_OPTIONS},
        "description": "The first event of the series and its rule.",
    },
    "SeriesChanges": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            **_EVENT_FIELDS,
            "scope": {"enum": ["all", "following"], "default": "all"},
            "from_event": {"type": "integer", "description": "With scope following."},
        },
        "description": (
            "Event fields for the upcoming, not cancelled occurrences of the scope; a start or "
            "end sets the time of day and the length, each occurrence keeping its date."
        ),
    },
    "SeriesCancel": {
        "type": "object",
        "additionalProperties": False,
        "properties": {"from_event": {"type": "integer"}},
    },
    "ClosureInput": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "start": {"type": "string", "format": "date"},
            "end": {"type": "string", "format": "date", "description": "Inclusive."},
            "rrule": {"type": "string", "examples": ["FREQ=MONTHLY;BYDAY=-1FR"]},
            "reason": {"type": "string", "maxLength": 300},
        },
        "description": "A range (start and end) or a rule (from start, or from today).",
    },
    "Closure": {
        "type": "object",
        "additionalProperties": False,
        "required": ["id", "branch", "start", "end", "rrule", "reason"],
        "properties": {
            "id": {"type": "integer"},
            "branch": {"type": "string"},
            "start": {"type": "string", "format": "date"},
            "end": {"type": ["string", "null"], "format": "date"},
            "rrule": _NULLABLE_TEXT,
            "reason": {"type": "string"},
            "conflicting_events": {
                "type": "array",
                "items": _ref("Event"),
                "description": "On creation: events already on those days (not changed).",
            },
        },
    },
    "Closures": {
        "type": "object",
        "additionalProperties": False,
        "required": ["closures"],
        "properties": {"closures": {"type": "array", "items": _ref("Closure")}},
    },
}
_SCHEMAS.update(_SERIES_SCHEMAS)


def _series_paths() -> dict[str, Any]:
    """The public series operations and the staff ones for a season."""
    refusal = _error("The series " + _NOT_MINE)
    return {
        "/series/{series_id}": {
            "get": {
                "operationId": "getSeries",
                "summary": "A series with every occurrence in date order",
                "parameters": [_SERIES_ID],
                "responses": {
                    "200": _json(_ref("Series"), "The series."),
                    "404": _error("No such series."),
                    "429": _TOO_MANY,
                },
            }
        },
        "/series/{series_id}/registrations": {
            "post": {
                "operationId": "bookCourse",
                "summary": "Register a party for every upcoming date of a whole-series course",
                "parameters": [_SERIES_ID],
                "requestBody": _body("NewRegistration"),
                "responses": {
                    "201": _json(
                        _ref("RegistrationCreated"),
                        "Confirmed on every date, or on the course's waitlist.",
                    ),
                    "400": _error("The body is not a JSON object."),
                    "404": _error("No such series."),
                    "409": _error(
                        "Registered per date, already begun, already registered, or full "
                        "without a waitlist."
                    ),
                    "422": _json(_ref("ValidationErrors"), "Invalid fields."),
                    "429": _TOO_MANY,
                },
            }
        },
        "/staff/series": {
            "post": _staff_operation(
                "createSeries",
                "Plan a series; public holidays and closures are skipped",
                {
                    "200": _json(_ref("SeriesCreated"), "A dry run: what would be made."),
                    "201": _json(_ref("SeriesCreated"), "Planned."),
                    "400": _NOT_OBJECT,
                    "403": _error("The room " + _NOT_MINE),
                    "404": _error("No such room."),
                    "422": _json(
                        _ref("ValidationErrors"),
                        "Invalid fields or rule, or a date clashing with another event in the "
                        "room (named with its date); nothing is saved.",
                    ),
                },
                requestBody=_body("SeriesInput"),
            )
        },
        "/staff/series/{series_id}": {
            "patch": _staff_operation(
                "updateSeries",
                "Change all or the following upcoming dates; registrants are told",
                {
                    "200": _json(_ref("Series"), "Changed."),
                    "400": _NOT_OBJECT,
                    "403": refusal,
                    "404": _error("No such series or room."),
                    "422": _INVALID,
                },
                parameters=[_SERIES_ID],
                requestBody=_body("SeriesChanges"),
            )
        },
        "/staff/series/{series_id}/poster": _poster_operations(
            "Series",
            "series",
            _SERIES_ID,
            (
                "Give a series a poster; every date without a poster of its own, or showing the "
                "series' previous one, shows it",
                "Take the poster off a series and off the dates that show it",
            ),
        ),
        "/staff/series/{series_id}/cancel": {
            "post": _staff_operation(
                "cancelSeries",
                "Cancel every upcoming date, or those from one on",
                {
                    "200": _json(_ref("Series"), "Cancelled."),
                    "400": _NOT_OBJECT,
                    "403": refusal,
                    "404": _error("No such series."),
                    "422": _INVALID,
                },
                parameters=[_SERIES_ID],
                requestBody={
                    "required": False,
                    "content": {"application/json": {"schema": _ref("SeriesCancel")}},
                },
            )
        },
        "/staff/branches/{slug}/closures": {
            "get": _staff_operation(
                "listClosures",
                "A branch's closures",
                {
                    "200": _json(_ref("Closures"), "The closures."),
                    "403": _error("The branch " + _NOT_MINE),
                    "404": _error("No such branch."),
                },
                parameters=[_SLUG],
            ),
            "post": _staff_operation(
                "createClosure",
                "Close a branch on a range of days or by a rule",
                {
                    "201": _json(_ref("Closure"), "Closed; events on those days are listed."),
                    "400": _NOT_OBJECT,
                    "403": _error("The branch " + _NOT_MINE),
                    "404": _error("No such branch."),
                    "422": _INVALID,
                },
                parameters=[_SLUG],
                requestBody=_body("ClosureInput"),
            ),
        },
        "/staff/closures/{closure_id}": {
            "delete": _staff_operation(
                "deleteClosure",
                "Open the branch again on those days",
                {
                    "204": {"description": "Deleted."},
                    "403": _error("The closure " + _NOT_MINE),
                    "404": _error("No such closure."),
                },
                parameters=[_CLOSURE_ID],
            )
        },
    }


def openapi_document(base_url: str) -> dict[str, Any]:
    """The document, with the server taken from BASE_URL."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Library events API",
            "version": "1.0.0",
            "description": (
                "Events of the city libraries and self-service registration. No cookies, no "
                "CSRF; requests are rate-limited per address (429). Texts come in the "
                "language asked for with ?lang=kk|ru|en or Accept-Language, falling back to "
                "the language they were written in. Operations under /staff/ need a staff "
                "account's token (Authorization: Bearer TOKEN)."
            ),
        },
        "servers": [{"url": base_url + "/api/v1"}],
        "paths": {
            "/branches": {
                "get": {
                    "operationId": "listBranches",
                    "summary": "All branches",
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "required": ["branches"],
                                "additionalProperties": False,
                                "properties": {
                                    "branches": {"type": "array", "items": _ref("Branch")}
                                },
                            },
                            "The branches, by name.",
                        ),
                        "429": _TOO_MANY,
                    },
                }
            },
            "/events": {
                "get": {
                    "operationId": "listEvents",
                    "summary": "Upcoming events, with the same filters as the home page",
                    "parameters": [
                        {
                            "name": name,
                            "in": "query",
                            "schema": {"type": "string"},
                            "description": text,
                        }
                        for name, text in _FILTERS
                    ]
                    + [
                        {
                            "name": "page",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 1},
                        },
                        {
                            "name": "per_page",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 1, "maximum": 100},
                        },
                    ],
                    "responses": {
                        "200": {
                            **_json(
                                {
                                    "type": "object",
                                    "required": ["events"],
                                    "additionalProperties": False,
                                    "properties": {
                                        "events": {"type": "array", "items": _ref("Event")}
                                    },
                                },
                                "One page of events in start order.",
                            ),
                            "headers": {
                                "Link": {
                                    "description": "rel=next / rel=prev pages, when any.",
                                    "schema": {"type": "string"},
                                },
                                "X-Total-Count": {
                                    "description": "How many events match in all.",
                                    "schema": {"type": "integer"},
                                },
                            },
                        },
                        "422": _json(_ref("ValidationErrors"), "A filter is not valid."),
                        "429": _TOO_MANY,
                    },
                }
            },
            "/events/{event_id}": {
                "get": {
                    "operationId": "getEvent",
                    "parameters": [_EVENT_ID],
                    "responses": {
                        "200": _json(_ref("Event"), "The event."),
                        "404": _error("No such event."),
                        "429": _TOO_MANY,
                    },
                }
            },
            "/events/{event_id}/registrations": {
                "post": {
                    "operationId": "register",
                    "summary": "Register a party for an event",
                    "parameters": [_EVENT_ID],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _ref("NewRegistration")}},
                    },
                    "responses": {
                        "201": _json(
                            _ref("RegistrationCreated"),
                            "Registered: confirmed, or on the waitlist when the event is full.",
                        ),
                        "400": _error("The body is not a JSON object."),
                        "404": _error("No such event."),
                        "409": _error(
                            "Already registered with this address, registration closed or "
                            "not needed, event cancelled, or full without a waitlist."
                        ),
                        "422": _json(_ref("ValidationErrors"), "Invalid fields."),
                        "429": _TOO_MANY,
                    },
                }
            },
            "/registrations/{token}": {
                "get": {
                    "operationId": "getRegistration",
                    "parameters": [_TOKEN],
                    "responses": {
                        "200": _json(_ref("Registration"), "The registration."),
                        "404": _error("Unknown token."),
                        "429": _TOO_MANY,
                    },
                },
                "delete": {
                    "operationId": "cancelRegistration",
                    "summary": "Cancel; seats go to the waitlist in order",
                    "parameters": [_TOKEN],
                    "responses": {
                        "200": _json(_ref("Cancelled"), "Cancelled (also when it already was)."),
                        "404": _error("Unknown token."),
                        "429": _TOO_MANY,
                    },
                },
            },
            "/openapi.json": {
                "get": {
                    "operationId": "getOpenAPI",
                    "responses": {
                        "200": _json({"type": "object"}, "This document."),
                        "429": _TOO_MANY,
                    },
                }
            },
            **_staff_paths(),
            **_series_paths(),
        },
        "components": {"schemas": _SCHEMAS, "securitySchemes": _SECURITY_SCHEMES},
    }
