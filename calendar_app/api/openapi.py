"""The OpenAPI 3.1 description of /api/v1; a test checks every endpoint's answers against it."""

from __future__ import annotations

from typing import Any

from ..models.event import AUDIENCES, CATEGORIES

_NULLABLE_INT = {"type": ["integer", "null"]}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return _json(_ref("Error"), description)


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
            "registration_open",
            "waitlist",
            "url",
            "ics_url",
            "series_id",
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
                "description": "null for drop-in events.",
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
        },
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
        },
    },
    "RegistrationCreated": {
        "type": "object",
        "additionalProperties": False,
        "required": ["status", "seats", "waitlist_position", "token", "manage_url"],
        "properties": {
            "status": {"type": "string", "enum": ["confirmed", "waitlisted"]},
            "seats": {"type": "integer", "minimum": 1},
            "waitlist_position": {**_NULLABLE_INT, "minimum": 1},
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
        "required": ["status", "seats", "waitlist_position", "event_id"],
        "properties": {
            "status": {"type": "string", "enum": ["confirmed", "waitlisted", "cancelled"]},
            "seats": {"type": "integer", "minimum": 1},
            "waitlist_position": {**_NULLABLE_INT, "minimum": 1},
            "event_id": {"type": "integer"},
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
_TOO_MANY = _error("Too many requests from this address.")


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
                "the language they were written in."
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
        },
        "components": {"schemas": _SCHEMAS},
    }
