"""JSON API under /api/v1: no cookies, no CSRF, rate-limited, described by /api/v1/openapi.json."""

from typing import Any

from flask import Blueprint, jsonify

from ..extensions import db
from ..services.errors import Conflict, InvalidInput, NotFound, PermissionDenied

bp = Blueprint("api", __name__)


@bp.errorhandler(InvalidInput)
def _invalid(error: InvalidInput) -> Any:
    db.session.rollback()
    return jsonify({"errors": error.errors}), 422


@bp.errorhandler(NotFound)
@bp.errorhandler(Conflict)
@bp.errorhandler(PermissionDenied)
def _refused(error: Conflict | NotFound | PermissionDenied) -> Any:
    db.session.rollback()
    return jsonify({"error": error.message}), error.http_status


from . import views  # noqa: E402,F401
