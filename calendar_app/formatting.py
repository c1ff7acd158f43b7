"""Template helpers: local times per branch zone, localized with Babel, and vocabulary labels."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask, current_app, request
from flask_babel import format_date, format_datetime, format_time, get_locale

from .timeutil import to_local
from .vocabulary import AUDIENCE_LABELS, CATEGORY_LABELS, LANGUAGE_LABELS, LANGUAGE_NATIVE_NAMES


def local_time(moment: datetime, zone: str) -> datetime:
    return to_local(moment, zone)


def format_local_datetime(moment: datetime, zone: str, fmt: str = "medium") -> str:
    return format_datetime(to_local(moment, zone).replace(tzinfo=None), fmt)


def format_local_date(moment: datetime, zone: str, fmt: str = "full") -> str:
    return format_date(to_local(moment, zone).date(), fmt)


def format_local_time(moment: datetime, zone: str, fmt: str = "short") -> str:
    return format_time(to_local(moment, zone).replace(tzinfo=None), fmt)


def url_with(**changes: Any) -> str:
    """The current URL with some query arguments replaced (None removes one)."""
    args = request.args.to_dict()
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value
    from urllib.parse import urlencode

    query = urlencode(args)
    return request.path + ("?" + query if query else "")


def webcal_url(url: str) -> str:
    for prefix in ("https://", "http://"):
        if url.startswith(prefix):
            return "webcal://" + url[len(prefix) :]
    return url


def absolute_url(path: str) -> str:
    """A link built from BASE_URL, never from the request's Host header."""
    return current_app.config["BASE_URL"] + path


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["local_datetime"] = format_local_datetime
    app.jinja_env.filters["local_date"] = format_local_date
    app.jinja_env.filters["local_time"] = format_local_time
    app.jinja_env.filters["webcal"] = webcal_url
    app.jinja_env.globals.update(
        url_with=url_with,
        absolute_url=absolute_url,
        CATEGORY_LABELS=CATEGORY_LABELS,
        AUDIENCE_LABELS=AUDIENCE_LABELS,
        LANGUAGE_LABELS=LANGUAGE_LABELS,
        LANGUAGE_NATIVE_NAMES=LANGUAGE_NATIVE_NAMES,
    )

    @app.context_processor
    def inject_locale() -> dict[str, Any]:
        return {"current_locale": str(get_locale() or app.config["DEFAULT_LOCALE"])}
