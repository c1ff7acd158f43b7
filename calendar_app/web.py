"""Wiring of blueprints, template helpers and error handlers."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from . import formatting


def wants_json() -> bool:
    return request.path.startswith("/api/")


def register_web(app: Flask) -> None:
    from .api import bp as api_bp
    from .extensions import csrf, login_manager
    from .public import bp as public_bp
    from .staff import bp as staff_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(staff_bp, url_prefix="/staff")
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    csrf.exempt(api_bp)

    login_manager.login_view = "staff.login"

    formatting.register_template_helpers(app)

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException) -> Any:
        if wants_json():
            return jsonify({"error": error.description or error.name}), error.code
        template = f"errors/{error.code}.html"
        return (
            render_template(
                [template, "errors/generic.html"],
                error=error,
                message=error.description if error.code in (400, 403, 409, 422) else None,
            ),
            error.code,
        )

    @app.errorhandler(Exception)
    def handle_unexpected_error(error: Exception) -> Any:
        from .extensions import db

        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        if wants_json():
            return jsonify({"error": _("Internal server error.")}), 500
        return render_template("errors/500.html"), 500
