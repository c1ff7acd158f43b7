"""Bearer tokens for ``/api/v1/staff/...``: every request there names its account by a token.

No cookies and no sessions: a logged-in browser gets nowhere here without a token, so the staff
API needs no CSRF protection. Answers carry ``Cache-Control: no-store`` (they hold names and
addresses).
"""

from __future__ import annotations

from flask import Response, g, jsonify, request
from flask_babel import gettext as _

from ..database import unit_of_work, writing_transactions
from ..extensions import db
from ..models import StaffUser
from ..services import api_tokens
from ..timeutil import utcnow
from . import bp

STAFF_API_PREFIX = "/api/v1/staff/"
REALM = "library-events"


def current_staff() -> StaffUser:
    """The account whose token authenticated this request."""
    return g.api_staff


def _is_staff_request() -> bool:
    return request.path.startswith(STAFF_API_PREFIX)


def _unauthorized(message: str, error: str | None) -> Response:
    """401 with the RFC 6750 challenge; ``error`` says what was wrong with what was sent."""
    response = jsonify({"error": message})
    response.status_code = 401
    challenge = f'Bearer realm="{REALM}"'
    if error:
        challenge += f', error="{error}"'
    response.headers["WWW-Authenticate"] = challenge
    return response


@bp.before_request
def authenticate_staff_request() -> Response | None:
    if not _is_staff_request():
        return None
    header = request.headers.get("Authorization")
    if not header:
        return _unauthorized(_("Send an API token: Authorization: Bearer <token>."), None)
    parts = header.split()
    if len(parts) != 2 or parts[0].lower() != "bearer":
        return _unauthorized(
            _("Send the API token as: Authorization: Bearer <token>."), "invalid_request"
        )
    token = api_tokens.authenticate(parts[1])
    if token is None:
        return _unauthorized(
            _("This API token is unknown or revoked, or its account is disabled."),
            "invalid_token",
        )
    g.api_staff = token.staff
    now = utcnow()
    if api_tokens.use_to_record(token, now):
        token_id = token.id
        # End the lookup's transaction (it wrote nothing) so that the write takes SQLite's
        # write lock from the start, also in a GET; then the request goes on as usual.
        db.session.commit()
        with writing_transactions(), unit_of_work():
            api_tokens.record_use(token_id, now)
    return None


@bp.after_request
def keep_staff_answers_out_of_caches(response: Response) -> Response:
    if _is_staff_request():
        response.headers["Cache-Control"] = "no-store"
    return response
