"""Wiring of blueprints, template helpers and error handlers."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from . import formatting
from .services.errors import DomainError, InvalidInput


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_titles() -> dict[int, str]:
    return {
        400: _("Bad request"),
        403: _("Not allowed"),
        404: _("Page not found"),
        405: _("Not allowed here"),
        409: _("Not possible right now"),
        413: _("Too much data"),
        422: _("Please check the form"),
        429: _("Too many requests"),
    }


def error_page(status: int, message: str | None) -> tuple[str, int]:
    """The friendly HTML page for an error status (errors/<status>.html, else the generic one)."""
    title = error_titles().get(status, _("Something went wrong"))
    return (
        render_template(
            [f"errors/{status}.html", "errors/generic.html"],
            status=status,
            title=title,
            message=message,
        ),
        status,
    )


def register_web(app: Flask) -> None:
    from .api import bp as api_bp
    from .extensions import csrf, login_manager
    from .images import register_image_helpers
    from .public import bp as public_bp
    from .staff import bp as staff_bp
    from .uploads import UploadRequest
    from .url_converters import register_converters

    app.request_class = UploadRequest
    register_converters(app)
    app.register_blueprint(public_bp)
    app.register_blueprint(staff_bp, url_prefix="/staff")
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    csrf.exempt(api_bp)

    login_manager.login_view = "staff.login"

    formatting.register_template_helpers(app)
    register_image_helpers(app)

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException) -> Any:
        if wants_json():
            return jsonify({"error": error.description or error.name}), error.code
        # Show a description only when the code gave one on purpose (abort(404, description=...)).
        explicit = "description" in vars(error) or error.code in (400, 403, 409, 422)
        return error_page(error.code or 500, error.description if explicit else None)

    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError) -> Any:
        """A service's refusal that no view caught: its message, with the matching status."""
        if wants_json():
            if isinstance(error, InvalidInput):
                return jsonify({"errors": error.errors}), error.http_status
            return jsonify({"error": error.message}), error.http_status
        return error_page(
            400 if isinstance(error, InvalidInput) else error.http_status, error.message
        )

    @app.errorhandler(Exception)
    def handle_unexpected_error(error: Exception) -> Any:
        from .extensions import db
        from .operations.logs import loggable_path

        app.logger.exception("unhandled error on %s %s", request.method, loggable_path(request))
        db.session.rollback()
        if wants_json():
            return jsonify({"error": _("Internal server error.")}), 500
        return render_template("errors/500.html"), 500
