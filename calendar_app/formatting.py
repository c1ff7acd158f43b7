"""Template helpers: local times per branch zone, localized with Babel, and vocabulary labels."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from babel import dates as babel_dates
from flask import Flask, current_app, request
from flask_babel import get_locale

from .localization import localized, shown_language
from .text import plain_excerpt, render_markdown
from .timeutil import to_local
from .vocabulary import AUDIENCE_LABELS, CATEGORY_LABELS, LANGUAGE_LABELS, LANGUAGE_NATIVE_NAMES


def _locale() -> str:
    return str(get_locale() or current_app.config["DEFAULT_LOCALE"])


def format_local_datetime(moment: datetime, zone: str, fmt: str = "medium") -> str:
    """Date and time in the branch's zone, in the visitor's language."""
    return babel_dates.format_datetime(moment, fmt, tzinfo=ZoneInfo(zone), locale=_locale())


def format_local_date(moment: datetime, zone: str, fmt: str = "full") -> str:
    return babel_dates.format_date(to_local(moment, zone).date(), fmt, locale=_locale())


def format_local_time(moment: datetime, zone: str, fmt: str = "short") -> str:
    return babel_dates.format_time(moment, fmt, tzinfo=ZoneInfo(zone), locale=_locale())


def local_iso(moment: datetime, zone: str) -> str:
    """ISO 8601 with the branch zone's offset, for ``<time datetime>``."""
    return to_local(moment, zone).isoformat()


def url_with(**changes: Any) -> str:
    """The current URL with some query arguments replaced (None removes one)."""
    args = request.args.to_dict()
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value
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
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["excerpt"] = plain_excerpt
    app.jinja_env.filters["local_iso"] = local_iso
    app.jinja_env.filters["local_datetime"] = format_local_datetime
    app.jinja_env.filters["local_date"] = format_local_date
    app.jinja_env.filters["local_time"] = format_local_time
    app.jinja_env.filters["webcal"] = webcal_url
    app.jinja_env.filters["localized"] = localized
    app.jinja_env.filters["shown_language"] = shown_language
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
        return {"current_locale": _locale()}
