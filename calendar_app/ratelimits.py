"""Per-address limits on the ways to register, shared by the HTML form and the JSON API.

Counts live in ``RATELIMIT_STORAGE_URI`` (Redis in production), so every process and host sees
the same numbers. ``RATELIMIT_ENABLED=false`` switches them off (tests and benches).
"""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _

from .extensions import limiter

DEFAULT_REGISTRATION_LIMIT = "10 per minute;60 per hour"
DEFAULT_API_LIMIT = "300 per minute"


def _registration_limit() -> str:
    return current_app.config.get("REGISTRATION_RATE_LIMIT", DEFAULT_REGISTRATION_LIMIT)


def _api_limit() -> str:
    return current_app.config.get("API_RATE_LIMIT", DEFAULT_API_LIMIT)


def _too_many_registrations() -> str:
    return _(
        "Too many registration attempts from your address. Please wait a few minutes and try again."
    )


def _too_many_requests() -> str:
    return _("Too many requests from your address. Please slow down and try again shortly.")


# One budget per address across the form and the API, counted only on POST.
registration_limit = limiter.shared_limit(
    _registration_limit,
    scope="registration",
    methods=["POST"],
    error_message=_too_many_registrations,
    override_defaults=False,  # the API's general limit applies too
)
api_limit = limiter.shared_limit(_api_limit, scope="api", error_message=_too_many_requests)
