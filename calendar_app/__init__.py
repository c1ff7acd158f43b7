"""Library events: an event calendar and registration service for public libraries."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

from .config import load_config

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the application: config, extensions, blueprints, CLI and error handlers."""
    instance_path = (test_config or {}).get("INSTANCE_PATH") or os.environ.get(
        "CALENDAR_INSTANCE_PATH", str(PROJECT_ROOT / "instance")
    )
    app = Flask(
        __name__,
        instance_path=instance_path,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    os.makedirs(app.instance_path, exist_ok=True)
    load_config(app, test_config)

    from .operations import init_operations

    init_operations(app)  # first, so that its request hooks run before any other

    from .database import engine_options, init_database

    app.config.setdefault(
        "SQLALCHEMY_ENGINE_OPTIONS", engine_options(app.config["SQLALCHEMY_DATABASE_URI"])
    )
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(PROJECT_ROOT / "translations"))
    app.config["BABEL_DEFAULT_LOCALE"] = app.config["DEFAULT_LOCALE"]
    app.config["BABEL_DEFAULT_TIMEZONE"] = "UTC"

    from . import models  # noqa: F401  (registers the tables on the metadata)
    from .extensions import babel, csrf, db, limiter, login_manager, migrate
    from .i18n import init_i18n, select_locale
    from .sessions import PublicAwareSessionInterface

    app.session_interface = PublicAwareSessionInterface()
    db.init_app(app)
    init_database(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    init_i18n(app)
    limiter.init_app(app)
    trust_proxies(app)

    from .compression import init_compression
    from .page_cache import init_page_cache
    from .security_headers import init_security_headers
    from .static_versions import init_static_versions
    from .web import register_web

    register_web(app)
    init_static_versions(app)
    init_security_headers(app)
    init_compression(app)
    init_page_cache(app)

    from .cli import register_cli

    register_cli(app)
    return app


def trust_proxies(app: Flask) -> None:
    """Behind ``TRUSTED_PROXIES`` proxies, take the visitor's address and scheme from the
    X-Forwarded-For and X-Forwarded-Proto they set, so that per-address limits count visitors,
    not the proxy. Host and prefix are not taken from headers: links are built from BASE_URL."""
    hops = app.config["TRUSTED_PROXIES"]
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0, x_prefix=0)
