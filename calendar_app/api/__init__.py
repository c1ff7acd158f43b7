"""JSON API under /api/v1: no cookies, no CSRF, rate-limited, described by /api/v1/openapi.json.

Public endpoints in views.py; the staff endpoints (``/api/v1/staff/...``, a bearer token each:
auth.py) in staff.py, their JSON bodies parsed by event_schema.py.

Refusals from the services become ``{"errors": ...}`` (422) or ``{"error": ...}`` (403/404/409)
in web.py's error handlers, like every other route under /api/.
"""

from flask import Blueprint

bp = Blueprint("api", __name__)

from . import auth, posters, reports, series, staff, staff_series, views  # noqa: E402,F401
