"""Staff side, behind login: events, rosters, check-in, statistics and administration."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, jsonify, render_template, request
from flask.blueprints import BlueprintSetupState
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.exceptions import Forbidden, NotFound

from ..extensions import db, login_manager
from ..models import StaffUser
from ..services.errors import NotFound as DomainNotFound
from ..services.errors import PermissionDenied
from .door_results import NOT_LOGGED_IN, refusal

bp = Blueprint("staff", __name__)

# Endpoints an anonymous visitor may reach; everything else redirects to the login page.
OPEN_ENDPOINTS = frozenset({"staff.login"})
# Endpoints a page's script calls with fetch(): a lapsed session gets a JSON 401, not the login page.
JSON_ENDPOINTS = frozenset({"staff.scan_check_in"})


@bp.record_once
def configure_cookies(state: BlueprintSetupState) -> None:
    """Secure cookies whenever the site is served over https (and whenever asked for)."""
    config = state.app.config
    secure = bool(config.get("SESSION_COOKIE_SECURE")) or config["BASE_URL"].startswith("https://")
    config["SESSION_COOKIE_SECURE"] = secure
    config["SESSION_COOKIE_HTTPONLY"] = True
    config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    config.setdefault("REMEMBER_COOKIE_SECURE", secure)
    config.setdefault("REMEMBER_COOKIE_HTTPONLY", True)
    config.setdefault("REMEMBER_COOKIE_SAMESITE", "Lax")
    config.setdefault("REMEMBER_COOKIE_DURATION", timedelta(days=14))
    config.setdefault("STAFF_LOGIN_ACCOUNT_LIMIT", "5 per 15 minutes")
    config.setdefault("STAFF_LOGIN_ADDRESS_LIMIT", "20 per 15 minutes")


login_manager.login_message = _l("Please log in to see this page.")
login_manager.login_message_category = "info"
login_manager.session_protection = "basic"


@login_manager.user_loader
def load_user(user_id: str) -> StaffUser | None:
    """Accept only ``<id>:<stamp>`` of an active account whose stamp is still the current one
    (logout and a new password replace it)."""
    raw_id, _, stamp = user_id.partition(":")
    if not raw_id.isdigit() or len(raw_id) > 18:
        return None
    staff = db.session.get(StaffUser, int(raw_id))
    if staff is None or not staff.active or staff.session_stamp != stamp:
        return None
    return staff


@bp.before_request
def require_login() -> Any:
    if request.endpoint in OPEN_ENDPOINTS or current_user.is_authenticated:
        return None
    if request.endpoint in JSON_ENDPOINTS:
        return jsonify(refusal(NOT_LOGGED_IN).as_json()), 401
    return login_manager.unauthorized()


@bp.after_request
def no_store(response: Any) -> Any:
    """Staff pages show personal data: keep them out of shared caches and the back-forward cache."""
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.errorhandler(PermissionDenied)
def permission_denied(error: PermissionDenied) -> Any:
    return (
        render_template("errors/generic.html", error=Forbidden(), message=error.message),
        403,
    )


@bp.errorhandler(DomainNotFound)
def not_found(error: DomainNotFound) -> Any:
    return (
        render_template("errors/generic.html", error=NotFound(), message=error.message),
        404,
    )


from . import (  # noqa: E402,F401
    admin,
    attendance,
    auth,
    checkin,
    closures,
    events,
    reports,
    scan,
    series,
    stats,
    tokens,
)
